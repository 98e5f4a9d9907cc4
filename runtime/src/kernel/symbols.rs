//! Kernel symbols from `/proc/kallsyms`, for `kstack` and `ksym`.

use std::io;
use std::sync::OnceLock;

const KALLSYMS: &str = "/proc/kallsyms";

/// Kernel text symbols sorted by address.
#[derive(Clone, Debug, Default)]
pub struct KernelSymbols {
    /// `(address, name)`, sorted by address; equal addresses keep file order.
    symbols: Vec<(u64, String)>,
}

impl KernelSymbols {
    /// Reads `/proc/kallsyms`. Without root the kernel hides the addresses,
    /// and the table comes out empty (every address then prints in hex).
    pub fn load() -> io::Result<Self> {
        let text = std::fs::read_to_string(KALLSYMS)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot read {KALLSYMS}: {e}")))?;
        Ok(Self::parse(&text))
    }

    /// The process-wide table, loaded on first use.
    pub fn shared() -> Result<&'static KernelSymbols, String> {
        static SHARED: OnceLock<Result<KernelSymbols, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::load().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses kallsyms text (`ADDR TYPE NAME [\t[MODULE]]` lines), keeping
    /// text symbols (`t`, `T`, `w`, `W`) with a non-zero address.
    pub fn parse(text: &str) -> Self {
        let mut symbols: Vec<(u64, String)> = text.lines().filter_map(parse_line).collect();
        symbols.sort_by_key(|&(addr, _)| addr);
        KernelSymbols { symbols }
    }

    /// How many symbols the table holds.
    pub fn len(&self) -> usize {
        self.symbols.len()
    }

    /// Whether the table is empty (e.g. addresses hidden from non-root).
    pub fn is_empty(&self) -> bool {
        self.symbols.is_empty()
    }

    /// The symbol at or below `ip` and the offset of `ip` from it. Like bcc
    /// (which bpftrace uses), the last symbol covers every higher address.
    pub fn lookup(&self, ip: u64) -> Option<(&str, u64)> {
        let index = self.symbols.partition_point(|&(addr, _)| addr <= ip);
        let (addr, name) = self.symbols.get(index.checked_sub(1)?)?;
        Some((name, ip - addr))
    }

    /// `ip` as bpftrace prints a kernel stack frame: `name+offset` with the
    /// offset in decimal (`do_syscall_64+94`), or `0x…` when unknown.
    pub fn resolve(&self, ip: u64) -> String {
        match self.lookup(ip) {
            Some((name, offset)) => format!("{name}+{offset}"),
            None => format!("{ip:#x}"),
        }
    }
}

fn parse_line(line: &str) -> Option<(u64, String)> {
    let mut parts = line.split_ascii_whitespace();
    let addr = u64::from_str_radix(parts.next()?, 16).ok()?;
    let kind = parts.next()?;
    let name = parts.next()?;
    (addr != 0 && matches!(kind, "t" | "T" | "w" | "W")).then(|| (addr, name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &str = "\
ffffffff81000000 T _stext
ffffffff81001000 t helper
ffffffff81000800 T do_syscall_64
ffffffff81000800 W do_syscall_alias
ffffffff82000000 D some_data
0000000000000000 T hidden
ffffffffc0201000 t mod_fn\t[my_module]
";

    #[test]
    fn parse_and_resolve() {
        let syms = KernelSymbols::parse(FAKE);
        assert_eq!(syms.len(), 5);
        assert_eq!(syms.resolve(0xffffffff81000000), "_stext+0");
        assert_eq!(syms.resolve(0xffffffff810007ff), "_stext+2047");
        // Equal addresses: the last one in file order wins (bcc's upper_bound - 1).
        assert_eq!(syms.resolve(0xffffffff8100085e), "do_syscall_alias+94");
        assert_eq!(syms.resolve(0xffffffff81001010), "helper+16");
        // Data symbols are not kept, so this is still `helper`.
        assert_eq!(syms.resolve(0xffffffff82000010), "helper+16773136");
        assert_eq!(syms.resolve(0xffffffffc0201005), "mod_fn+5");
        assert_eq!(syms.resolve(0x1234), "0x1234");
        assert_eq!(
            KernelSymbols::default().resolve(0xffffffff81000000),
            "0xffffffff81000000"
        );
    }

    #[test]
    fn hidden_addresses_give_an_empty_table() {
        let syms = KernelSymbols::parse("0000000000000000 T _stext\n0000000000000000 t x\n");
        assert!(syms.is_empty());
    }

    #[test]
    fn live_kallsyms() {
        if !crate::kernel::root_or_skip("live_kallsyms") {
            return;
        }
        let start = std::time::Instant::now();
        let syms = KernelSymbols::load().unwrap();
        eprintln!(
            "loaded {} kernel symbols in {:?}",
            syms.len(),
            start.elapsed()
        );
        assert!(syms.len() > 10_000);
        let text = std::fs::read_to_string(KALLSYMS).unwrap();
        let line = text
            .lines()
            .find(|l| l.ends_with(" T do_syscall_64"))
            .unwrap();
        let addr = u64::from_str_radix(&line[..16], 16).unwrap();
        assert_eq!(syms.resolve(addr + 94), "do_syscall_64+94");
        assert!(std::ptr::eq(
            KernelSymbols::shared().unwrap(),
            KernelSymbols::shared().unwrap()
        ));
    }
}
