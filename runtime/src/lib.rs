//! tracelet-runtime: the only crate that touches the kernel. It loads an
//! [`tracelet_compiler::Artifact`], attaches its probes, polls its output and
//! renders values.

pub mod kernel;
pub mod output;
