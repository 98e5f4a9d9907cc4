//! Parsing of tracefs `events/<category>/<event>/format` files.
//! OWNED BY THE KERNEL-FACTS HELPER: skeleton only.

/// The argument fields of one tracepoint (the `common_*` fields left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracepointFormat {
    pub fields: Vec<TracepointField>,
}

/// One `field:TYPE NAME; offset:N; size:N; signed:N;` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracepointField {
    pub name: String,
    /// The C type as written, e.g. `const char *`, `char[16]`, `__data_loc char[]`.
    pub c_type: String,
    pub offset: u32,
    pub size: u32,
    pub signed: bool,
    pub kind: FieldKind,
}

/// How the compiler can use a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An integer of `size` bytes (also enums, bools, `pid_t`, `size_t`…).
    Int,
    /// `char NAME[N]`: an inline string.
    CharArray { len: u32 },
    /// `__data_loc char[] NAME`: a u32 holding `(len << 16) | offset` from the record start.
    DataLocString,
    /// A pointer; `to_char` when it points to `char` (usable with `str()`).
    Pointer { to_char: bool },
    /// Anything else (other arrays, structs): not readable yet.
    Unsupported,
}

/// Parses the text of a format file.
pub fn parse_format(_text: &str) -> Result<TracepointFormat, String> {
    unimplemented!()
}
