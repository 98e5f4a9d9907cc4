//! Turning addresses into names while a run decodes its records.
//!
//! The choice of what outlives a run: the kernel's symbol table
//! (`/proc/kallsyms`, tens of thousands of lines, parsed on first use) lives
//! in [`Caches`], which a caller that runs many sessions (the REPL) keeps and
//! hands to each [`crate::Session`], so it is read once per process; kernel
//! symbols change only when modules load. User-space symbols are per run: a
//! [`UserSymbols`] caches each pid's `/proc/PID/maps`, and pids are reused and
//! mappings change between runs, so every run starts a fresh one.

use crate::kernel::{KernelSymbols, UserSymbols};
use std::sync::{Arc, OnceLock};
use tracelet_compiler::types::UserFrame;

/// Symbol tables a caller may keep across runs; cloning shares them.
#[derive(Clone, Default)]
pub struct Caches {
    kernel: Arc<OnceLock<Result<KernelSymbols, String>>>,
}

impl Caches {
    /// The kernel's symbols, read on first use (an error if unreadable).
    fn kernel_symbols(&self) -> Result<&KernelSymbols, &str> {
        self.kernel
            .get_or_init(|| KernelSymbols::load().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }
}

/// One run's symbolizer: the kept caches and this run's user-space tables.
pub struct Symbolizer {
    caches: Caches,
    user: UserSymbols,
}

impl Symbolizer {
    pub fn new(caches: Caches) -> Self {
        Symbolizer {
            caches,
            user: UserSymbols::default(),
        }
    }

    /// `sym+off` of a kernel address, or the address in hex.
    pub fn kernel_frame(&self, ip: u64) -> String {
        match self.caches.kernel_symbols() {
            Ok(symbols) => symbols.resolve(ip),
            Err(_) => format!("0x{ip:x}"),
        }
    }

    /// The name of the kernel symbol holding `addr`.
    pub fn kernel_symbol(&self, addr: u64) -> String {
        match self.caches.kernel_symbols() {
            Ok(symbols) => symbols.name(addr),
            Err(_) => tracelet_compiler::types::unknown_symbol(addr),
        }
    }

    /// One user-space frame of `pid`.
    pub fn user_frame(&self, addr: u64, pid: u32) -> UserFrame {
        self.user.frame(addr, pid)
    }

    /// The name of the user-space symbol holding `addr` in `pid`.
    pub fn user_symbol(&self, addr: u64, pid: u32) -> String {
        self.user.name(addr, pid)
    }
}
