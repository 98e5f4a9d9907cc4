//! [`KernelInfo`] for the running kernel, read from tracefs.

use std::io;
use std::path::PathBuf;
use std::sync::OnceLock;

use tracelet_compiler::kernel_info::{parse_format, TracepointFormat};
use tracelet_compiler::KernelInfo;

use super::tracefs::tracefs_root;

/// The running kernel, as seen through tracefs.
#[derive(Debug)]
pub struct LiveKernel {
    /// The tracefs directory, or why it cannot be read.
    root: Result<PathBuf, String>,
    tracepoints: OnceLock<Vec<(String, String)>>,
}

impl LiveKernel {
    /// The live kernel, through [`tracefs_root`] (mounting tracefs if needed).
    pub fn new() -> io::Result<Self> {
        Ok(Self::at(tracefs_root()?))
    }

    /// A kernel whose tracefs is the directory `root` (holding `events/`).
    pub fn at(root: PathBuf) -> Self {
        LiveKernel {
            root: Ok(root),
            tracepoints: OnceLock::new(),
        }
    }

    /// The live kernel when tracefs cannot be read (`reason`, e.g. what
    /// [`tracefs_root`] said): it knows no tracepoints, and asking for a
    /// tracepoint's format is an error that says why. Everything that does
    /// not come from tracefs (binaries, kernel symbols, CPUs) is still live.
    pub fn without_tracefs(reason: &io::Error) -> Self {
        LiveKernel {
            root: Err(reason.to_string()),
            tracepoints: OnceLock::new(),
        }
    }

    /// The tracefs directory this kernel is read from, or why there is none.
    pub fn root(&self) -> Result<&std::path::Path, &str> {
        self.root.as_deref().map_err(String::as_str)
    }

    fn list(&self) -> Vec<(String, String)> {
        let mut all = Vec::new();
        let Ok(root) = &self.root else {
            return all;
        };
        let Ok(categories) = std::fs::read_dir(root.join("events")) else {
            return all;
        };
        for category in categories.flatten().filter(is_dir) {
            let name = category.file_name().to_string_lossy().into_owned();
            if name == "ftrace" {
                continue;
            }
            let Ok(events) = std::fs::read_dir(category.path()) else {
                continue;
            };
            for event in events.flatten().filter(is_dir) {
                if event.path().join("format").is_file() {
                    all.push((
                        name.clone(),
                        event.file_name().to_string_lossy().into_owned(),
                    ));
                }
            }
        }
        all.sort();
        all
    }
}

fn is_dir(entry: &std::fs::DirEntry) -> bool {
    entry.file_type().is_ok_and(|t| t.is_dir())
}

/// A category or event name that cannot escape `events/`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/')
}

impl KernelInfo for LiveKernel {
    fn possible_cpus(&self) -> u32 {
        aya::util::nr_cpus().map_or(1, |n| n as u32)
    }

    fn tracepoints(&self) -> Vec<(String, String)> {
        self.tracepoints.get_or_init(|| self.list()).clone()
    }

    fn tracepoint_format(&self, category: &str, event: &str) -> Result<TracepointFormat, String> {
        if !is_plain_name(category) || !is_plain_name(event) {
            return Err(format!("tracepoint {category}:{event} not found"));
        }
        let root = self
            .root
            .as_ref()
            .map_err(|reason| format!("cannot read tracepoint formats: {reason}"))?;
        let path = root
            .join("events")
            .join(category)
            .join(event)
            .join("format");
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => format!(
                "tracepoint {category}:{event} not found ({}: {e})",
                path.display()
            ),
            _ => format!(
                "cannot read the format of tracepoint {category}:{event} ({}: {e})",
                path.display()
            ),
        })?;
        parse_format(&text).map_err(|e| {
            format!(
                "tracepoint {category}:{event}: bad format file {}: {e}",
                path.display()
            )
        })
    }

    fn resolve_binary(&self, binary: &str) -> Result<String, String> {
        resolve_binary(binary)
    }

    fn binary_symbols(&self, path: &str) -> Result<Vec<String>, String> {
        binary_symbols(path)
    }

    fn kernel_symbol_address(&self, name: &str) -> Option<u64> {
        super::KernelSymbols::shared().ok()?.address(name)
    }

    fn kernel_symbol_suggestion(&self, name: &str) -> Option<String> {
        super::KernelSymbols::shared().ok()?.suggestion(name)
    }
}

/// Where `/etc/ld.so.cache` lives.
const LD_SO_CACHE: &str = "/etc/ld.so.cache";

/// Resolves a uprobe's BINARY as bpftrace does: a path (made absolute), else a
/// program in `PATH`, else a library in the ld.so cache.
fn resolve_binary(binary: &str) -> Result<String, String> {
    use std::path::Path;
    if binary.contains('/') {
        let path = std::path::absolute(binary).map_err(|e| format!("{binary}: {e}"))?;
        return match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(path.to_string_lossy().into_owned()),
            Ok(_) => Err(format!("{} is not a file", path.display())),
            Err(e) => Err(format!("{}: {e}", path.display())),
        };
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(binary);
            if candidate.is_file() && dir.is_absolute() {
                return Ok(candidate.to_string_lossy().into_owned());
            }
        }
    }
    let cache = std::fs::read(LD_SO_CACHE).unwrap_or_default();
    if let Some(path) = ld_so_cache_lookup(&cache, binary) {
        if Path::new(&path).is_file() {
            return Ok(path);
        }
    }
    Err(format!(
        "no such file, program in PATH or library in {LD_SO_CACHE}"
    ))
}

/// Looks a library name (`libc`, `libc.so.6`) up in the contents of a
/// `glibc-ld.so.cache1.1` file, preferring x86-64 entries.
fn ld_so_cache_lookup(cache: &[u8], name: &str) -> Option<String> {
    const MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
    // Old-format files may carry the new format after the old table.
    let start = cache.windows(MAGIC.len()).position(|w| w == MAGIC)?;
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_ne_bytes(cache.get(at..at + 4)?.try_into().ok()?))
    };
    let str_at = |at: usize| -> Option<&str> {
        let bytes = cache.get(at..)?;
        let end = bytes.iter().position(|b| *b == 0)?;
        std::str::from_utf8(&bytes[..end]).ok()
    };
    let count = u32_at(start + MAGIC.len())? as usize;
    // Then: entry count, string table size, flags, extension offset, 3 unused.
    let entries = start + MAGIC.len() + 4 + 4 * 6;
    let stem = name.strip_suffix(".so").unwrap_or(name);
    let mut found: Option<(bool, String)> = None;
    for i in 0..count {
        let at = entries + i * 24;
        let flags = u32_at(at)?;
        let (Some(key), Some(value)) = (
            str_at(start + u32_at(at + 4)? as usize),
            str_at(start + u32_at(at + 8)? as usize),
        ) else {
            continue;
        };
        let matches = key == name
            || key
                .strip_prefix(stem)
                .is_some_and(|rest| rest.starts_with(".so"));
        if !matches {
            continue;
        }
        // FLAG_X8664_LIB64 | FLAG_ELF_LIBC6
        let native = flags == 0x0303;
        if found
            .as_ref()
            .is_none_or(|(was_native, _)| native && !was_native)
        {
            found = Some((native, value.to_string()));
        }
    }
    found.map(|(_, path)| path)
}

/// The defined function symbols of an ELF file, sorted and deduplicated.
fn binary_symbols(path: &str) -> Result<Vec<String>, String> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let file =
        object::File::parse(&*data).map_err(|e| format!("{path} is not an ELF file: {e}"))?;
    let mut names: Vec<String> = file
        .symbols()
        .chain(file.dynamic_symbols())
        .filter(|s| s.kind() == SymbolKind::Text && s.is_definition() && s.address() != 0)
        .filter_map(|s| s.name().ok().filter(|n| !n.is_empty()).map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelet_compiler::kernel_info::FieldKind;

    /// A fake tracefs tree in a temporary directory.
    fn fake_tracefs() -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("tracelet-fake-tracefs-{}", std::process::id()));
        let field = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
                     \tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n";
        for (dir, format) in [
            ("sched/sched_b", Some(field)),
            ("sched/sched_a", Some(field)),
            ("ftrace/function", Some(field)),
            ("sched/no_format", None),
            ("block/bad", Some("garbage")),
        ] {
            let dir = root.join("events").join(dir);
            std::fs::create_dir_all(&dir).unwrap();
            if let Some(text) = format {
                std::fs::write(dir.join("format"), text).unwrap();
            }
        }
        std::fs::write(root.join("events/enable"), "0\n").unwrap();
        std::fs::write(root.join("events/sched/filter"), "none\n").unwrap();
        root
    }

    #[test]
    fn fake_tree() {
        let root = fake_tracefs();
        let kernel = LiveKernel::at(root.clone());
        assert_eq!(
            kernel.tracepoints(),
            [("block", "bad"), ("sched", "sched_a"), ("sched", "sched_b")]
                .map(|(c, e)| (c.to_string(), e.to_string()))
        );
        let format = kernel.tracepoint_format("sched", "sched_a").unwrap();
        assert_eq!(format.fields.len(), 1);
        let missing = kernel.tracepoint_format("sched", "nope").unwrap_err();
        assert!(
            missing.starts_with("tracepoint sched:nope not found ("),
            "{missing}"
        );
        assert!(missing.contains("No such file or directory"), "{missing}");
        let bad = kernel.tracepoint_format("block", "bad").unwrap_err();
        assert!(
            bad.starts_with("tracepoint block:bad: bad format file "),
            "{bad}"
        );
        assert!(kernel.tracepoint_format("..", "sched").is_err());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn without_tracefs_knows_no_tracepoints_and_says_why() {
        let reason = io::Error::new(
            io::ErrorKind::PermissionDenied,
            "cannot read /sys/kernel/tracing: Permission denied",
        );
        let kernel = LiveKernel::without_tracefs(&reason);
        assert_eq!(
            kernel.root(),
            Err("cannot read /sys/kernel/tracing: Permission denied")
        );
        assert!(kernel.tracepoints().is_empty());
        assert_eq!(
            kernel
                .tracepoint_format("sched", "sched_switch")
                .unwrap_err(),
            "cannot read tracepoint formats: cannot read /sys/kernel/tracing: Permission denied"
        );
        // What does not come from tracefs is still the live machine's.
        let exe = std::env::current_exe().unwrap();
        let exe = exe.to_str().unwrap();
        assert_eq!(kernel.resolve_binary(exe).unwrap(), exe);
        assert_eq!(
            kernel.possible_cpus(),
            LiveKernel::at("/".into()).possible_cpus()
        );
    }

    #[test]
    fn live_listing_and_formats() {
        if !crate::kernel::root_or_skip("live_listing_and_formats") {
            return;
        }
        let kernel = LiveKernel::new().unwrap();
        let start = std::time::Instant::now();
        let all = kernel.tracepoints();
        eprintln!("listed {} tracepoints in {:?}", all.len(), start.elapsed());
        assert!(all.len() > 100);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert!(all.iter().all(|(c, _)| c != "ftrace"));
        for wanted in [("sched", "sched_switch"), ("raw_syscalls", "sys_enter")] {
            assert!(
                all.contains(&(wanted.0.into(), wanted.1.into())),
                "{wanted:?}"
            );
        }
        let switch = kernel.tracepoint_format("sched", "sched_switch").unwrap();
        assert_eq!(
            switch.field("prev_comm").unwrap().kind,
            FieldKind::CharArray { len: 16 }
        );
        let missing = kernel
            .tracepoint_format("syscalls", "sys_enter_foo")
            .unwrap_err();
        assert!(
            missing.starts_with("tracepoint syscalls:sys_enter_foo not found"),
            "{missing}"
        );
    }

    #[test]
    fn binaries_and_symbols() {
        let exe = std::env::current_exe().unwrap();
        let exe = exe.to_str().unwrap();
        assert_eq!(resolve_binary(exe).unwrap(), exe);
        // (The test binary itself may be stripped: release builds strip.)
        assert!(resolve_binary("/nonexistent/bin").is_err());
        assert!(resolve_binary("no-such-library-anywhere").is_err());
        // Every glibc system has libc in its ld.so cache.
        let libc = resolve_binary("libc").unwrap();
        assert!(libc.contains("libc.so"), "{libc}");
        let symbols = binary_symbols(&libc).unwrap();
        assert!(symbols.windows(2).all(|w| w[0] < w[1]));
        assert!(symbols.iter().any(|s| s == "getpid"), "{symbols:?}");
        assert_eq!(resolve_binary("libc.so.6").unwrap(), libc);
        assert!(binary_symbols("/etc/hostname").is_err());
    }

    /// Every format file on this machine parses.
    #[test]
    fn every_live_format_parses() {
        if !crate::kernel::root_or_skip("every_live_format_parses") {
            return;
        }
        let kernel = LiveKernel::new().unwrap();
        let all = kernel.tracepoints();
        let failures: Vec<String> = all
            .iter()
            .filter_map(|(c, e)| kernel.tracepoint_format(c, e).err())
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
