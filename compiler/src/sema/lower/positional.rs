//! Positional parameters: `$1`, `$2`, … are the words after the script on the
//! command line, and `$#` is how many there are. As in bpftrace, a numeric
//! parameter is an integer, any parameter is a string through `str($N)`, and a
//! missing one is 0 (or "").

use super::{Lowered, Lowerer};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::syntax::ast::{Expr, ExprKind};
use crate::syntax::literal;
use crate::types::Type;

/// `Some(n)` for `$n`, `Some(0)` for `$#`; `None` for a scratch variable.
fn index(name: &str) -> Option<usize> {
    let rest = name.strip_prefix('$')?;
    if rest == "#" {
        return Some(0);
    }
    rest.chars()
        .all(|c| c.is_ascii_digit())
        .then(|| rest.parse().ok())?
}

/// A parameter read as an integer literal (`-5`, `0x10`, `100ms` …).
fn number(text: &str) -> Option<i64> {
    match text.strip_prefix('-') {
        Some(abs) => literal::parse_uint(abs)
            .ok()
            .and_then(|v| 0i64.checked_sub_unsigned(v)),
        None => literal::parse_uint(text).ok().map(|v| v as i64),
    }
}

/// True for `$1`, `$#` …: names that cannot be assigned.
pub fn is_positional(name: &str) -> bool {
    index(name).is_some()
}

impl Lowerer<'_> {
    /// The value of `$N` or `$#`, or `None` when `name` is a scratch variable.
    pub(super) fn positional(&mut self, name: &str, span: Span) -> Option<Result<Lowered>> {
        let n = index(name)?;
        let params = &self.options.positional;
        let value = match (name, n) {
            ("$#", _) => Ok(params.len() as i64),
            (_, 0) => Err(Diagnostic::new(
                Code::Name,
                span,
                "positional parameters start at $1",
            )),
            _ => match params.get(n - 1) {
                None => Ok(0),
                Some(text) => number(text).ok_or_else(|| {
                    Diagnostic::new(
                        Code::Type,
                        span,
                        format!("{name} is `{text}`, not a number"),
                    )
                    .with_help(format!("use str({name}) for a string parameter"))
                }),
            },
        };
        Some(value.map(|v| Lowered::Reg(self.constant(v, Type::I64), Type::I64)))
    }

    /// The text of a positional parameter used where a string is wanted
    /// (`str($1)`): empty when missing.
    pub fn positional_text(&self, e: &Expr) -> Option<Vec<u8>> {
        let ExprKind::Var(name) = &e.kind else {
            return None;
        };
        let n = index(name).filter(|n| *n > 0)?;
        let text = self
            .options
            .positional
            .get(n - 1)
            .map_or("", String::as_str);
        Some(text.as_bytes().to_vec())
    }
}
