//! printf-style format strings: parsing (at compile time, checked against the
//! argument types) and rendering (in user space, from decoded values).
//! OWNED BY THE FORMAT HELPER: skeleton only.

use crate::types::Type;
use crate::value::Value;

/// A parsed format string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format {
    pub pieces: Vec<Piece>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Conversion(Conversion),
}

/// One `%…` conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    pub left: bool,
    pub zero: bool,
    pub plus: bool,
    pub space: bool,
    pub alt: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    /// `hh h l ll j z t` or empty.
    pub length: String,
    /// `d i u x X o s c p`
    pub conv: char,
}

/// A problem in a format string: byte range within the string and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

impl Format {
    pub fn parse(_text: &str) -> Result<Format, FormatError> {
        unimplemented!()
    }

    pub fn conversions(&self) -> impl Iterator<Item = &Conversion> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Conversion(c) => Some(c),
            Piece::Literal(_) => None,
        })
    }

    pub fn check_args(&self, _args: &[Type]) -> Result<(), (usize, String)> {
        unimplemented!()
    }

    pub fn render(&self, _args: &[Value]) -> String {
        unimplemented!()
    }
}
