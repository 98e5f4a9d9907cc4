//! `tracepoint:CATEGORY:EVENT` with `*` wildcards in either part; `args` comes
//! from the tracefs `format` file.

use super::{bad_attach, ProbeContext, ProbeInstance, Provider};
use crate::artifact::AttachPlan;
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result};
use crate::kernel_info::{KernelInfo, TracepointFormat};
use crate::syntax::ast::AttachPoint;
use crate::types::AddrSpace;

pub struct Tracepoint;

const USAGE: &str = "tracepoint:CATEGORY:EVENT";

impl Provider for Tracepoint {
    fn names(&self) -> &'static [&'static str] {
        &["tracepoint", "t"]
    }
    fn doc(&self) -> &'static str {
        "tracepoint:syscalls:sys_enter_openat { printf(\"%s\\n\", str(args.filename)); }: a static kernel tracepoint"
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        kernel: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        let [category, event] = parts else {
            return Err(bad_attach(
                ap,
                format!("`{}` has the wrong number of parts", ap.text),
                USAGE,
            ));
        };
        if !category.contains('*') && !event.contains('*') {
            // A plain name needs no listing unless it turns out not to exist.
            if let Ok(format) = kernel.tracepoint_format(category, event) {
                return Ok(vec![instance(category, event, format)]);
            }
        }
        let all = kernel.tracepoints();
        let matches: Vec<&(String, String)> = all
            .iter()
            .filter(|(c, e)| glob_match(category, c) && glob_match(event, e))
            .collect();
        if matches.is_empty() {
            return Err(not_found(category, event, ap, &all));
        }
        matches
            .into_iter()
            .map(|(c, e)| {
                let format = kernel
                    .tracepoint_format(c, e)
                    .map_err(|msg| Diagnostic::new(Code::Probe, ap.span, msg))?;
                Ok(instance(c, e, format))
            })
            .collect()
    }
}

/// The probe instance of one existing tracepoint. Syscall arguments point
/// into user memory; other tracepoints' pointers are kernel pointers.
fn instance(category: &str, event: &str, format: TracepointFormat) -> ProbeInstance {
    let space = if category == "syscalls" {
        AddrSpace::User
    } else {
        AddrSpace::Kernel
    };
    ProbeInstance {
        name: format!("tracepoint:{category}:{event}"),
        section: "tracepoint",
        attach: AttachPlan::Tracepoint {
            category: category.into(),
            event: event.into(),
        },
        context: ProbeContext::Tracepoint { format, space },
    }
}

fn not_found(
    category: &str,
    event: &str,
    ap: &AttachPoint,
    all: &[(String, String)],
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::Probe,
        ap.span,
        format!("tracepoint `{category}:{event}` not found"),
    );
    let in_category: Vec<&str> = all
        .iter()
        .filter(|(c, _)| c == category)
        .map(|(_, e)| e.as_str())
        .collect();
    let hint = if in_category.is_empty() {
        let mut cats: Vec<&str> = all.iter().map(|(c, _)| c.as_str()).collect();
        cats.dedup();
        did_you_mean(category, cats).map(|c| format!("did you mean `tracepoint:{c}:{event}`?"))
    } else {
        did_you_mean(event, in_category)
            .map(|e| format!("did you mean `tracepoint:{category}:{e}`?"))
    };
    match hint {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// Shell-style matching where `*` matches any run of characters.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let Some((first, rest)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = rest.split('*').collect();
    for (i, piece) in pieces.iter().enumerate() {
        if i == pieces.len() - 1 {
            return remaining.len() >= piece.len() && remaining.ends_with(piece);
        }
        match remaining.find(piece) {
            Some(at) => remaining = &remaining[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("sched*", "sched_switch"));
        assert!(glob_match("*", "x"));
        assert!(glob_match("sys_*_read", "sys_enter_read"));
        assert!(!glob_match("sys_*_read", "sys_enter_readv"));
        assert!(glob_match("a*b*c", "abc"));
        assert!(!glob_match("sched", "sched_switch"));
    }
}
