//! User-space symbols, for `ustack` and `usym`: an address in a process is
//! found in the executable mappings of `/proc/PID/maps`, turned into a file
//! offset and then into the ELF virtual address through the file's `PT_LOAD`
//! segments, and looked up in the file's `.symtab` and `.dynsym`.
//!
//! Symbolization happens when values print. Mappings are read once per
//! process and ELF files once per path, for the whole run; a process that
//! has exited by then (or a file that cannot be read) leaves its addresses
//! unknown, and they print in hex as bpftrace prints them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use tracelet_compiler::types::{unknown_symbol, UserFrame};

/// An executable file-backed mapping of a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// Offset in the file of `start`.
    pub offset: u64,
    pub path: String,
}

/// The executable mappings of `pid` that files back (none when the process
/// is gone).
fn read_maps(pid: u32) -> Vec<Mapping> {
    i32::try_from(pid)
        .ok()
        .and_then(|pid| procfs::process::Process::new(pid).ok()?.maps().ok())
        .map(executable_files)
        .unwrap_or_default()
}

/// The executable mappings of files (that still exist) among `maps`.
fn executable_files(maps: procfs::process::MemoryMaps) -> Vec<Mapping> {
    use procfs::process::{MMPermissions, MMapPath};
    maps.into_iter()
        .filter(|m| m.perms.contains(MMPermissions::EXECUTE))
        .filter_map(|m| {
            let MMapPath::Path(path) = m.pathname else {
                return None;
            };
            let path = path.into_os_string().into_string().ok()?;
            if !path.starts_with('/') || path.ends_with(" (deleted)") {
                return None;
            }
            Some(Mapping {
                start: m.address.0,
                end: m.address.1,
                offset: m.offset,
                path,
            })
        })
        .collect()
}

/// The function symbols and loadable segments of one ELF file.
#[derive(Debug, Default)]
pub struct ElfSymbols {
    /// `(file offset, file size, virtual address)` of each `PT_LOAD` segment.
    segments: Vec<(u64, u64, u64)>,
    /// `(address, size, name)`, sorted by address.
    symbols: Vec<(u64, u64, String)>,
}

impl ElfSymbols {
    /// Reads the ELF file at `path`, and the symbols of its separate debug
    /// file when there is one (`/usr/lib/debug/.build-id/…`, or the
    /// `.gnu_debuglink` name), as bcc does: distributions strip `.symtab`
    /// from libraries (libc's `__libc_start_call_main` lives only there).
    pub fn load(path: &str) -> Result<ElfSymbols, String> {
        let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let mut elf = Self::parse(&data).map_err(|e| format!("{path}: {e}"))?;
        if let Some(debug) = debug_file(path, &data) {
            if let Ok(extra) = std::fs::read(&debug)
                .map_err(|_| ())
                .and_then(|d| Self::parse(&d).map_err(|_| ()))
            {
                elf.symbols.extend(extra.symbols);
                sort_symbols(&mut elf.symbols);
            }
        }
        Ok(elf)
    }

    /// Parses ELF bytes.
    pub fn parse(data: &[u8]) -> Result<ElfSymbols, String> {
        use object::{Object, ObjectSegment, ObjectSymbol, SymbolKind};
        let file = object::File::parse(data).map_err(|e| format!("not an ELF file: {e}"))?;
        let segments = file
            .segments()
            .filter_map(|s| {
                let (off, size) = s.file_range();
                (size > 0).then_some((off, size, s.address()))
            })
            .collect();
        let mut symbols: Vec<(u64, u64, String)> = file
            .symbols()
            .chain(file.dynamic_symbols())
            .filter(|s| s.kind() == SymbolKind::Text && s.is_definition() && s.address() != 0)
            .filter_map(|s| {
                let name = s.name().ok().filter(|n| !n.is_empty())?;
                Some((s.address(), s.size(), name.to_string()))
            })
            .collect();
        sort_symbols(&mut symbols);
        Ok(ElfSymbols { segments, symbols })
    }

    /// The virtual address of a file offset, through the segment holding it.
    pub fn vaddr(&self, file_offset: u64) -> Option<u64> {
        self.segments
            .iter()
            .find(|(off, size, _)| file_offset >= *off && file_offset < off + size)
            .map(|(off, _, vaddr)| file_offset - off + vaddr)
    }

    /// The symbol holding `vaddr` and the offset into it.
    pub fn lookup(&self, vaddr: u64) -> Option<(&str, u64)> {
        let i = self
            .symbols
            .partition_point(|s| s.0 <= vaddr)
            .checked_sub(1)?;
        let (addr, size, name) = &self.symbols[i];
        // A symbol without a size holds addresses up to the next symbol.
        if *size != 0 && vaddr >= addr + size {
            return None;
        }
        Some((name, vaddr - addr))
    }
}

/// Sorts symbols by address and keeps one per address: a sized one first,
/// then the first by name, for a stable pick.
fn sort_symbols(symbols: &mut Vec<(u64, u64, String)>) {
    symbols.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    symbols.dedup_by(|a, b| a.0 == b.0);
}

/// The separate debug file of the ELF file `path` (contents `data`), if one
/// is installed.
fn debug_file(path: &str, data: &[u8]) -> Option<String> {
    use object::Object;
    const DEBUG_DIR: &str = "/usr/lib/debug";
    let file = object::File::parse(data).ok()?;
    let mut candidates = Vec::new();
    if let Ok(Some(id)) = file.build_id() {
        if id.len() > 1 {
            let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
            candidates.push(format!(
                "{DEBUG_DIR}/.build-id/{}/{}.debug",
                &hex[..2],
                &hex[2..]
            ));
        }
    }
    if let Ok(Some((name, _crc))) = file.gnu_debuglink() {
        let name = String::from_utf8_lossy(name).into_owned();
        let dir = std::path::Path::new(path)
            .parent()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        candidates.push(format!("{dir}/{name}"));
        candidates.push(format!("{dir}/.debug/{name}"));
        candidates.push(format!("{DEBUG_DIR}{dir}/{name}"));
    }
    candidates
        .into_iter()
        .find(|c| c != path && std::path::Path::new(c).is_file())
}

/// Mappings per process and symbols per file, for the whole run.
#[derive(Default)]
pub struct UserSymbols {
    procs: Mutex<HashMap<u32, Arc<Vec<Mapping>>>>,
    files: Mutex<HashMap<String, Option<Arc<ElfSymbols>>>>,
}

impl UserSymbols {
    /// The process-wide cache.
    pub fn shared() -> &'static UserSymbols {
        static SHARED: OnceLock<UserSymbols> = OnceLock::new();
        SHARED.get_or_init(UserSymbols::default)
    }

    /// The executable mappings of `pid`, read on first use (none when the
    /// process is gone).
    fn mappings(&self, pid: u32) -> Arc<Vec<Mapping>> {
        let mut procs = self.procs.lock().unwrap_or_else(|e| e.into_inner());
        procs
            .entry(pid)
            .or_insert_with(|| Arc::new(read_maps(pid)))
            .clone()
    }

    /// The symbols of `path` as mapped by `pid`: opened through
    /// `/proc/PID/root` first, so files in other mount namespaces resolve.
    fn file(&self, pid: u32, path: &str) -> Option<Arc<ElfSymbols>> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files
            .entry(path.to_string())
            .or_insert_with(|| {
                ElfSymbols::load(&format!("/proc/{pid}/root{path}"))
                    .or_else(|_| ElfSymbols::load(path))
                    .ok()
                    .map(Arc::new)
            })
            .clone()
    }

    /// One frame: the mapping, symbol and offset holding `addr` in `pid`.
    pub fn frame(&self, addr: u64, pid: u32) -> UserFrame {
        let maps = self.mappings(pid);
        let Some(m) = maps.iter().find(|m| addr >= m.start && addr < m.end) else {
            return UserFrame::unknown(addr);
        };
        let symbol = self.file(pid, &m.path).and_then(|elf| {
            let vaddr = elf.vaddr(addr - m.start + m.offset)?;
            elf.lookup(vaddr).map(|(name, off)| (name.to_string(), off))
        });
        UserFrame {
            addr,
            symbol,
            module: Some(m.path.clone()),
        }
    }

    /// The name of the symbol holding `addr` in `pid`, or the address in hex.
    pub fn name(&self, addr: u64, pid: u32) -> String {
        match self.frame(addr, pid).symbol {
            Some((name, _)) => name,
            None => unknown_symbol(addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `/proc/PID/maps` text, keeping executable mappings of files.
    fn parse_maps(text: &str) -> Vec<Mapping> {
        use procfs::FromRead;
        executable_files(procfs::process::MemoryMaps::from_read(text.as_bytes()).unwrap())
    }

    #[test]
    fn parses_executable_file_mappings() {
        // As the kernel writes it: the path padded to a column, and a space
        // after the inode of a mapping without one.
        let text = "\
55d0c8a00000-55d0c8a01000 r--p 00000000 08:01 1234 /tmp/x/bin
55d0c8a01000-55d0c8a02000 r-xp 00001000 08:01 1234                       /tmp/x/bin
7ffd1c3f0000-7ffd1c3f2000 r-xp 00000000 00:00 0 [vdso]
7f0000000000-7f0000001000 r-xp 00000000 00:00 0\x20
7f0000002000-7f0000003000 r-xp 00002000 08:01 99 /tmp/a b.so
7f0000004000-7f0000005000 r-xp 00000000 08:01 98 /tmp/gone (deleted)
";
        assert_eq!(
            parse_maps(text),
            vec![
                Mapping {
                    start: 0x55d0c8a01000,
                    end: 0x55d0c8a02000,
                    offset: 0x1000,
                    path: "/tmp/x/bin".into(),
                },
                Mapping {
                    start: 0x7f0000002000,
                    end: 0x7f0000003000,
                    offset: 0x2000,
                    path: "/tmp/a b.so".into(),
                },
            ]
        );
    }

    #[test]
    fn looks_up_symbols_by_size() {
        let elf = ElfSymbols {
            segments: vec![(0x1000, 0x1000, 0x401000)],
            symbols: vec![(0x401000, 0x10, "a".into()), (0x401020, 0, "b".into())],
        };
        assert_eq!(elf.vaddr(0x1004), Some(0x401004));
        assert_eq!(elf.vaddr(0x2004), None);
        assert_eq!(elf.lookup(0x401004), Some(("a", 4)));
        assert_eq!(elf.lookup(0x401014), None);
        assert_eq!(elf.lookup(0x401030), Some(("b", 0x10)));
        assert_eq!(elf.lookup(0x400fff), None);
    }

    #[test]
    fn resolves_own_process() {
        // This test binary maps itself; the function's own address resolves
        // to a name containing it (mangled Rust), unless the binary is
        // stripped (the release profile), when it prints in hex.
        let addr = resolves_own_process as *const () as usize as u64;
        let name = UserSymbols::shared().name(addr, std::process::id());
        assert!(
            name.contains("resolves_own_process") || name == unknown_symbol(addr),
            "{name}"
        );
        let frame = UserSymbols::shared().frame(addr, std::process::id());
        assert!(frame.module.is_some(), "{frame:?}");
        assert_eq!(
            UserSymbols::default().name(addr, u32::MAX),
            unknown_symbol(addr)
        );
    }
}
