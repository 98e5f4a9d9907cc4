//! tracelet-runtime: the only crate that touches the kernel. It loads an
//! [`tracelet_compiler::Artifact`], attaches its probes, polls its output and
//! renders values.
//!
//! The library API: compile with `tracelet_compiler::compile_stages` against
//! [`kernel::LiveKernel`], then create a [`Session`] for the artifact with
//! [`RunOptions`], run it and drop it, as many times as needed in one process.
//! Keep a [`Caches`] and pass it to every session to read kernel symbols once.

pub mod actions;
pub mod attach;
pub mod bpf_map;
pub mod child;
pub mod error;
pub mod events;
pub mod kernel;
pub mod loaded_maps;
pub mod output;
pub mod session;
pub mod signals;
pub mod snapshot;
pub mod symbolizer;

pub use child::Child;
pub use error::RuntimeError;
pub use session::{dry_run, run, RunOptions, Session};
pub use symbolizer::Caches;
