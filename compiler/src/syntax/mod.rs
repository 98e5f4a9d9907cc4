//! Text → AST. pest types never leave this module.
//! OWNED BY THE PARSER HELPER: skeleton only.

pub mod ast;

use crate::diagnostic::Diagnostic;

/// Parses a whole script. A `#!` first line is ignored.
pub fn parse(_src: &str) -> Result<ast::Program, Diagnostic> {
    unimplemented!()
}
