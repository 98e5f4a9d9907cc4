//! Diagnostics as data: a span, a stable code, a message, labels and help.
//! The binary renders them with miette; the compiler never prints.

use std::fmt;

/// A half-open byte range `[start, end)` into the program text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    /// 0 for text as written; `n` for text copied by macro expansion `n`
    /// (`ast::Program::expansions[n - 1]`), which says where it was called.
    pub origin: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end,
            origin: 0,
        }
    }

    /// The smallest span covering both (in `self`'s expansion).
    pub fn to(self, other: Span) -> Span {
        Span {
            origin: self.origin,
            ..Span::new(self.start.min(other.start), self.end.max(other.end))
        }
    }
}

/// The class of a diagnostic, shown as `tracelet::<class>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// The text does not parse.
    Syntax,
    /// A value is used where its type does not fit, or a call has the wrong arguments.
    Type,
    /// An unknown variable, builtin, map or field.
    Name,
    /// An attach point that is malformed or cannot be expanded.
    Probe,
    /// An attach point that names no existing probe (`missing_probes` decides).
    Missing,
    /// A printf-style format string that does not match its arguments.
    Format,
    /// The kernel refused something (probe formats, symbols, attaching).
    Kernel,
    /// The program exceeds what eBPF allows (stack, sizes).
    Codegen,
    /// A config block entry or a `BPFTRACE_*` variable that is not valid.
    Config,
}

impl Code {
    /// The stable machine-readable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::Type => "type",
            Code::Name => "name",
            Code::Probe => "probe",
            Code::Missing => "missing",
            Code::Format => "format",
            Code::Kernel => "kernel",
            Code::Codegen => "codegen",
            Code::Config => "config",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A further place a diagnostic points at, e.g. "first used here".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secondary {
    pub span: Span,
    pub label: String,
}

/// One error (or warning) about the program, pointing at its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub span: Span,
    /// Text shown under the underlined span.
    pub label: Option<String>,
    /// Other places that explain this one (boxed: keeps `Result`s small).
    pub related: Box<[Secondary]>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: None,
            related: Box::default(),
            help: None,
        }
    }

    /// Points also at `span`, labelled.
    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
        let mut related = std::mem::take(&mut self.related).into_vec();
        related.push(Secondary {
            span,
            label: label.into(),
        });
        self.related = related.into_boxed_slice();
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Result type of every compiler phase.
pub type Result<T> = std::result::Result<T, Diagnostic>;

/// Every error of a program, in source order; never empty when returned as an error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Keeps the error of `r`, if any, and returns its value.
    pub fn take<T>(&mut self, r: Result<T>) -> Option<T> {
        r.map_err(|d| self.0.push(d)).ok()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(v)` when nothing was collected, else every diagnostic sorted by position.
    pub fn finish<T>(mut self, v: T) -> std::result::Result<T, Diagnostics> {
        if self.0.is_empty() {
            return Ok(v);
        }
        self.0.sort_by_key(|d| (d.span.start, d.span.end));
        self.0.dedup();
        Err(self)
    }

    /// The first diagnostic (source order).
    pub fn first(&self) -> Option<&Diagnostic> {
        self.0.first()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.len() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_suggested() {
        assert_eq!(
            did_you_mean("conut", ["count", "comm", "cpu"]),
            Some("count")
        );
        assert_eq!(
            did_you_mean("sched_swich", ["sched_switch", "sched_wakeup"]),
            Some("sched_switch")
        );
        assert_eq!(did_you_mean("zzzzzz", ["count"]), None);
    }
}
