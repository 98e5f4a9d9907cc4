//! Kernel facts from the live machine: tracefs (mounted on demand), tracepoint
//! listing and formats, kernel symbols, online CPUs, privileges.

mod live;
mod symbols;
mod system;
mod tracefs;
mod usyms;

pub use live::LiveKernel;
pub use symbols::KernelSymbols;
pub use system::{online_cpus, parse_cpu_list, require_root};
pub use tracefs::tracefs_root;
pub use usyms::{ElfSymbols, UserSymbols};

/// For tests that need root: `true` when running as root. Otherwise says so
/// loudly and returns `false` (skip), or panics when `TRACELET_REQUIRE_BPF=1`.
#[cfg(test)]
pub(crate) fn root_or_skip(test: &str) -> bool {
    if require_root().is_ok() {
        return true;
    }
    if std::env::var("TRACELET_REQUIRE_BPF").as_deref() == Ok("1") {
        panic!("{test}: needs root and TRACELET_REQUIRE_BPF=1 is set");
    }
    eprintln!("!!! SKIPPED {test}: needs root (set TRACELET_REQUIRE_BPF=1 to make this fail) !!!");
    false
}
