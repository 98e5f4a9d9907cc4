//! What the compiler needs to know about the machine, asked through one trait.
//! The runtime implements it for the live kernel; tests use [`fixture::Fixture`].

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
}
