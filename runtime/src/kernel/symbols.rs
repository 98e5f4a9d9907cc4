//! Kernel symbols from `/proc/kallsyms`, for `kstack` and `ksym`.

use std::collections::HashMap;
use std::io;
use std::sync::OnceLock;

const KALLSYMS: &str = "/proc/kallsyms";

/// Kernel text symbols sorted by address, and every symbol by name.
#[derive(Clone, Debug, Default)]
pub struct KernelSymbols {
    /// Text symbols as `(address, name)`, sorted by address; equal addresses
    /// keep file order.
    symbols: Vec<(u64, String)>,
    /// Other symbols (data), found by name only.
    others: Vec<(u64, String)>,
    /// Name to address, built on the first [`address`](Self::address).
    by_name: OnceLock<HashMap<String, u64>>,
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
        let (text_syms, others): (Vec<_>, Vec<_>) =
            text.lines().filter_map(parse_line).partition(|s| s.0);
        let mut symbols: Vec<(u64, String)> = text_syms.into_iter().map(|s| (s.1, s.2)).collect();
        symbols.sort_by_key(|&(addr, _)| addr);
        let others = others.into_iter().map(|s| (s.1, s.2)).collect();
        KernelSymbols {
            symbols,
            others,
            by_name: OnceLock::new(),
        }
    }

    fn names(&self) -> &HashMap<String, u64> {
        self.by_name.get_or_init(|| {
            let mut map = HashMap::with_capacity(self.symbols.len() + self.others.len());
            // The lowest address wins when a (static) name repeats.
            for (addr, name) in self.symbols.iter().chain(&self.others) {
                map.entry(name.clone()).or_insert(*addr);
            }
            map
        })
    }

    /// The address of the symbol `name` (text or data), for `kaddr()`.
    pub fn address(&self, name: &str) -> Option<u64> {
        self.names().get(name).copied()
    }

    /// A symbol whose name is close to `name`, for a "did you mean" hint.
    pub fn suggestion(&self, name: &str) -> Option<String> {
        let limit = (name.len() / 3).max(2);
        let near = self
            .names()
            .keys()
            .filter(|n| n.len().abs_diff(name.len()) <= limit)
            .map(String::as_str);
        tracelet_compiler::diagnostic::did_you_mean(name, near).map(str::to_string)
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

    /// The name of the symbol holding `addr` without an offset, as bpftrace's
    /// `ksym()` prints it (`vfs_read`), or the bare address when unknown.
    pub fn name(&self, addr: u64) -> String {
        match self.lookup(addr) {
            Some((name, _)) => name.to_string(),
            None => tracelet_compiler::types::unknown_symbol(addr),
        }
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

/// `(is text, address, name)` of a line with a non-zero address.
fn parse_line(line: &str) -> Option<(bool, u64, String)> {
    let mut parts = line.split_ascii_whitespace();
    let addr = u64::from_str_radix(parts.next()?, 16).ok()?;
    let kind = parts.next()?;
    let name = parts.next()?;
    let text = matches!(kind, "t" | "T" | "w" | "W");
    (addr != 0).then(|| (text, addr, name.to_string()))
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
    fn names_and_addresses() {
        let syms = KernelSymbols::parse(FAKE);
        assert_eq!(syms.address("do_syscall_64"), Some(0xffffffff81000800));
        assert_eq!(syms.address("some_data"), Some(0xffffffff82000000));
        assert_eq!(syms.address("mod_fn"), Some(0xffffffffc0201000));
        assert_eq!(syms.address("hidden"), None);
        assert_eq!(syms.address("nope"), None);
        assert_eq!(
            syms.suggestion("do_syscall_46").as_deref(),
            Some("do_syscall_64")
        );
        assert_eq!(syms.name(0xffffffff81001010), "helper");
        assert_eq!(syms.name(0xffffffff81000800), "do_syscall_alias");
        assert_eq!(syms.name(0x1234), "0x1234");
        assert_eq!(syms.name(0), "0");
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
