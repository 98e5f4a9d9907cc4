//! tracelet-compiler: script text → [`Artifact`] (an eBPF ELF plus everything
//! the runtime needs to load, attach and decode it). Pure: no syscalls, no
//! reads under /sys or /proc — kernel facts come through [`KernelInfo`].
#![forbid(unsafe_code)]

pub mod artifact;
pub mod builtins;
pub mod codegen;
pub mod config;
pub mod ctypes;
pub mod diagnostic;
pub mod format;
pub mod helpers;
pub mod ir;
pub mod kernel_info;
pub mod macros;
pub mod probes;
pub mod sema;
pub mod syntax;
pub mod types;
pub mod value;

pub use artifact::Artifact;
pub use diagnostic::{Code, Diagnostic, Diagnostics, Span};
pub use kernel_info::KernelInfo;
pub use sema::{compile, compile_stages, Compiled, Options};
