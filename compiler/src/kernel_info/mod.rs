//! What the compiler needs to know about the machine, asked through one trait.
//! The runtime implements it for the live kernel; tests use `fixture::Fixture`,
//! which exists only in test builds (this crate's unit tests, or dependents
//! enabling the `fixture` feature from their dev-dependencies).

#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod tracepoint_format;

pub use tracepoint_format::{parse_format, FieldKind, TracepointField, TracepointFormat};

/// Facts about the kernel the script will run on.
pub trait KernelInfo: Sync {
    /// Every tracepoint as `(category, event)`, for wildcards and near-miss hints.
    fn tracepoints(&self) -> Vec<(String, String)>;

    /// Number of possible CPUs (the size of per-CPU map values).
    fn possible_cpus(&self) -> u32;

    /// The parsed `format` file of one tracepoint, or why it cannot be read.
    fn tracepoint_format(&self, category: &str, event: &str) -> Result<TracepointFormat, String>;

    /// The file a uprobe's BINARY names: an absolute path, a path relative to
    /// the current directory, or a bare library or program name (`libc`,
    /// found through `/etc/ld.so.cache`, then `PATH`). Returns an absolute
    /// path, or why there is no such file.
    fn resolve_binary(&self, binary: &str) -> Result<String, String>;

    /// The names of the functions defined in the ELF file at `path` (as
    /// [`resolve_binary`](Self::resolve_binary) returns it), from its symbol
    /// table and dynamic symbol table, sorted and without duplicates.
    fn binary_symbols(&self, path: &str) -> Result<Vec<String>, String>;

    /// The address of the kernel symbol `name` (`kaddr()`), or `None`
    /// when the kernel has no such symbol or hides the addresses.
    fn kernel_symbol_address(&self, name: &str) -> Option<u64>;

    /// A known kernel symbol whose name is close to `name`, for a
    /// "did you mean" hint.
    fn kernel_symbol_suggestion(&self, _name: &str) -> Option<String> {
        None
    }
}
