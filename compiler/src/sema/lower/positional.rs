//! Positional parameters: `$1`, `$2`, … are the words after the script on the
//! command line, and `$#` is how many there are. As in bpftrace v0.26, a
//! numeric parameter is an integer, any other a string, any parameter is a
//! string through `str($N)`, and a missing one is 0 (or "").

use super::{Lowered, Lowerer};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::syntax::ast::{AttachPoint, Expr, ExprKind};
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

/// `ap` with every `$N` replaced by the N-th parameter, as bpftrace allows
/// (`i:ms:$1`, `BEG$1`, a whole attach point `$1`); a missing one is an error.
pub fn substitute_in_attach_point(ap: &AttachPoint, params: &[String]) -> Result<AttachPoint> {
    let mut text = String::with_capacity(ap.text.len());
    let mut rest = ap.text.as_str();
    while let Some(at) = rest.find('$') {
        text.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - at - 1);
        let name = &rest[at..at + 1 + digits];
        match index(name).filter(|n| *n > 0) {
            Some(n) => text.push_str(params.get(n - 1).ok_or_else(|| {
                Diagnostic::new(
                    Code::Probe,
                    ap.span,
                    format!("{name} is used in an attach point but not given on the command line"),
                )
            })?),
            None => text.push_str(name),
        }
        rest = &rest[at + 1 + digits..];
    }
    text.push_str(rest);
    Ok(AttachPoint {
        text,
        span: ap.span,
    })
}

/// `$1`, `$#` … cannot be assigned or declared.
pub fn check_assignable(var: &crate::syntax::ast::Ident) -> Result<()> {
    if !is_positional(&var.name) {
        return Ok(());
    }
    Err(Diagnostic::new(
        Code::Type,
        var.span,
        format!(
            "{} is a positional parameter and cannot be assigned",
            var.name
        ),
    ))
}

/// True for `$1`, `$#` …: names that cannot be assigned.
pub fn is_positional(name: &str) -> bool {
    index(name).is_some()
}

impl Lowerer<'_> {
    /// The value of `$N` or `$#`, or `None` when `name` is a scratch variable.
    pub(super) fn positional(&mut self, name: &str, span: Span) -> Option<Result<Lowered>> {
        let n = index(name)?;
        let given = n
            .checked_sub(1)
            .and_then(|i| self.options.positional.get(i));
        if let Some(text) = given.filter(|t| name != "$#" && number(t).is_none()) {
            // A parameter that is not a number is a string (v0.26).
            let text = text.clone();
            return Some(Ok(self.string_literal(text.as_bytes())));
        }
        let value = self.positional_int(name, span);
        Some(value.map(|v| Lowered::Reg(self.constant(v, Type::I64), Type::I64)))
    }

    /// The integer `$N` or `$#` stands for: a constant wherever a literal may be.
    pub(super) fn positional_int(&self, name: &str, span: Span) -> Result<i64> {
        let n = index(name).expect("a positional parameter");
        let params = &self.options.positional;
        match (name, n) {
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
        }
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
