//! tracelet-runtime: the only crate that touches the kernel. It loads an
//! [`tracelet_compiler::Artifact`], attaches its probes, polls its output and
//! renders values.

pub mod attach;
pub mod bpf_map;
pub mod child;
pub mod error;
pub mod kernel;
pub mod output;
pub mod session;
pub mod snapshot;

pub use child::Child;
pub use error::RuntimeError;
pub use session::{dry_run, run, RunOptions};
