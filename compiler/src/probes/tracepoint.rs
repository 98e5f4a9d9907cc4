//! `tracepoint:CATEGORY:EVENT` with `*` wildcards in either part; `args` comes
//! from the tracefs `format` file.

use super::list::tracepoint_args;
use super::{
    wrong_parts, ContextBuiltin, ListQuery, ProbeContext, ProbeInstance, Provider, Wildcard,
};
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
    fn context(&self) -> &'static [ContextBuiltin] {
        &[ContextBuiltin::Args]
    }
    fn wildcard_listed(&self) -> bool {
        true
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        kernel: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        let [category, event] = parts else {
            return Err(wrong_parts(ap, USAGE));
        };
        let plain = (!category.contains('*') && !event.contains('*'))
            .then(|| kernel.tracepoint_format(category, event));
        // A plain name needs no listing unless it turns out not to exist.
        if let Some(Ok(format)) = plain {
            return Ok(vec![instance(category, event, format)]);
        }
        let all = kernel.tracepoints();
        if all.is_empty() {
            // No tracepoint is known at all: why formats are unreadable says more.
            let why = match plain {
                Some(Err(why)) => Some(why),
                _ => kernel.tracepoint_format(category, event).err(),
            };
            if let Some(why) = why {
                return Err(Diagnostic::new(Code::Kernel, ap.span, why));
            }
        }
        let (category_pattern, event_pattern) = (Wildcard::new(category), Wildcard::new(event));
        let matches: Vec<&(String, String)> = all
            .iter()
            .filter(|(c, e)| category_pattern.matches(c) && event_pattern.matches(e))
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
    /// `tracepoint:EVENT*` (one part, with a wildcard) means `tracepoint:*:EVENT*`;
    /// the matches are sorted.
    fn list(&self, query: &ListQuery, kernel: &dyn KernelInfo) -> Result<Vec<String>> {
        let (category, event) = match query.args {
            [event] if event.contains('*') => ("*", *event),
            [category, event] => (*category, *event),
            _ => return query.wrong_count("tracepoint", "2", USAGE),
        };
        let pattern = Wildcard::new(&format!("{category}:{event}"));
        let mut matches: Vec<String> = kernel
            .tracepoints()
            .into_iter()
            .map(|(c, e)| format!("{c}:{e}"))
            .filter(|name| pattern.matches(name))
            .collect();
        matches.sort();
        matches.dedup();
        let mut out = Vec::new();
        for tp in matches {
            out.push(format!("tracepoint:{tp}"));
            if query.verbose {
                out.extend(tracepoint_args(&tp, kernel));
            }
        }
        Ok(out)
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
        Code::Missing,
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
