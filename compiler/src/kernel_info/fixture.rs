//! A [`KernelInfo`] made of format files captured from a real kernel, for tests.
//!
//! The files under `fixtures/<category>/<event>.format` were copied verbatim
//! from `/sys/kernel/tracing/events/<category>/<event>/format` on Linux 6.18
//! (x86_64). To add one, copy the file there and add a line to [`FORMATS`].

use super::{parse_format, KernelInfo, TracepointFormat};

/// One captured tracepoint: `(category, event, format file text)`.
macro_rules! captured {
    ($category:literal, $event:literal) => {
        (
            $category,
            $event,
            include_str!(concat!("fixtures/", $category, "/", $event, ".format")),
        )
    };
}

/// Every captured format file, sorted by category then event.
static FORMATS: &[(&str, &str, &str)] = &[
    captured!("block", "block_rq_complete"),
    captured!("block", "block_rq_issue"),
    captured!("raw_syscalls", "sys_enter"),
    captured!("raw_syscalls", "sys_exit"),
    captured!("sched", "sched_migrate_task"),
    captured!("sched", "sched_process_exec"),
    captured!("sched", "sched_process_exit"),
    captured!("sched", "sched_process_fork"),
    captured!("sched", "sched_process_free"),
    captured!("sched", "sched_stat_runtime"),
    captured!("sched", "sched_switch"),
    captured!("sched", "sched_wakeup"),
    captured!("sched", "sched_wakeup_new"),
    captured!("sched", "sched_waking"),
    captured!("syscalls", "sys_enter_getpid"),
    captured!("syscalls", "sys_enter_openat"),
    captured!("syscalls", "sys_enter_read"),
    captured!("syscalls", "sys_exit_getpid"),
    captured!("syscalls", "sys_exit_openat"),
    captured!("syscalls", "sys_exit_read"),
];

/// Binaries the fixture knows: `(path, names that resolve to it, functions)`.
/// The function lists are small, sorted extracts of the real symbol tables.
static BINARIES: &[(&str, &[&str], &[&str])] = &[
    (
        "/bin/bash",
        &["/bin/bash", "bash"],
        &[
            "echo_builtin",
            "main",
            "read_builtin",
            "read_command",
            "readline",
            "readonly_builtin",
        ],
    ),
    (
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        &["/usr/lib/x86_64-linux-gnu/libc.so.6", "libc", "libc.so.6"],
        &["free", "getpid", "malloc", "open", "read", "write"],
    ),
    ("/tmp/target", &["/tmp/target"], &["main", "target"]),
];

/// Kernel text symbols the fixture knows, with made-up addresses in the
/// kernel's text range.
pub static KERNEL_SYMBOLS: &[(&str, u64)] = &[
    ("do_sys_openat2", 0xffff_ffff_8166_0000),
    ("do_syscall_64", 0xffff_ffff_8200_0000),
    ("schedule", 0xffff_ffff_8210_0000),
    ("vfs_read", 0xffff_ffff_816b_89f0),
    ("vfs_write", 0xffff_ffff_816b_a000),
];

/// A fake kernel that knows only the captured tracepoints.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fixture;

impl Fixture {
    /// The fixture kernel.
    pub fn new() -> Self {
        Fixture
    }
}

impl KernelInfo for Fixture {
    fn possible_cpus(&self) -> u32 {
        2
    }

    fn tracepoints(&self) -> Vec<(String, String)> {
        let mut all: Vec<_> = FORMATS
            .iter()
            .map(|(category, event, _)| (category.to_string(), event.to_string()))
            .collect();
        all.sort();
        all
    }

    fn tracepoint_format(&self, category: &str, event: &str) -> Result<TracepointFormat, String> {
        let (_, _, text) = FORMATS
            .iter()
            .find(|(c, e, _)| *c == category && *e == event)
            .ok_or_else(|| format!("tracepoint {category}:{event} not found"))?;
        parse_format(text)
            .map_err(|e| format!("tracepoint {category}:{event}: bad format file: {e}"))
    }

    fn resolve_binary(&self, binary: &str) -> Result<String, String> {
        BINARIES
            .iter()
            .find(|(_, names, _)| names.contains(&binary))
            .map(|(path, _, _)| path.to_string())
            .ok_or_else(|| format!("no such file or library `{binary}`"))
    }

    fn kernel_symbol_address(&self, name: &str) -> Option<u64> {
        KERNEL_SYMBOLS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, addr)| addr)
    }

    fn kernel_symbol_suggestion(&self, name: &str) -> Option<String> {
        crate::diagnostic::did_you_mean(name, KERNEL_SYMBOLS.iter().map(|(n, _)| *n))
            .map(str::to_string)
    }

    fn binary_symbols(&self, path: &str) -> Result<Vec<String>, String> {
        BINARIES
            .iter()
            .find(|(p, _, _)| *p == path)
            .map(|(_, _, functions)| functions.iter().map(|f| f.to_string()).collect())
            .ok_or_else(|| format!("cannot read {path}: No such file or directory"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel_info::FieldKind;

    #[test]
    fn every_fixture_parses() {
        let kernel = Fixture::new();
        for (category, event) in kernel.tracepoints() {
            kernel
                .tracepoint_format(&category, &event)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }

    #[test]
    fn listing_is_sorted_and_unique() {
        let list = Fixture::new().tracepoints();
        assert!(list.windows(2).all(|w| w[0] < w[1]));
        let sched = list
            .iter()
            .filter(|(c, e)| c == "sched" && e.starts_with("sched"))
            .count();
        assert!(sched >= 8, "{sched}");
        assert!(list.contains(&("syscalls".into(), "sys_enter_openat".into())));
    }

    #[test]
    fn binaries() {
        let kernel = Fixture::new();
        let libc = kernel.resolve_binary("libc").unwrap();
        assert_eq!(libc, "/usr/lib/x86_64-linux-gnu/libc.so.6");
        let symbols = kernel.binary_symbols(&libc).unwrap();
        assert!(symbols.windows(2).all(|w| w[0] < w[1]));
        assert!(symbols.contains(&"getpid".to_string()));
        assert!(kernel.resolve_binary("/nope").is_err());
    }

    #[test]
    fn kernel_symbols() {
        let kernel = Fixture::new();
        assert_eq!(
            kernel.kernel_symbol_address("vfs_read"),
            Some(0xffff_ffff_816b_89f0)
        );
        assert_eq!(kernel.kernel_symbol_address("vfs_raed"), None);
        assert_eq!(
            kernel.kernel_symbol_suggestion("vfs_raed").as_deref(),
            Some("vfs_read")
        );
    }

    #[test]
    fn lookup() {
        let kernel = Fixture::new();
        let format = kernel
            .tracepoint_format("syscalls", "sys_enter_openat")
            .unwrap();
        let filename = format.field("filename").unwrap();
        assert_eq!(filename.kind, FieldKind::Pointer { to_char: true });
        let exit = kernel
            .tracepoint_format("syscalls", "sys_exit_read")
            .unwrap();
        assert_eq!(exit.field("ret").unwrap().kind, FieldKind::Int);
        assert_eq!(
            kernel
                .tracepoint_format("syscalls", "sys_enter_foo")
                .unwrap_err(),
            "tracepoint syscalls:sys_enter_foo not found"
        );
    }
}
