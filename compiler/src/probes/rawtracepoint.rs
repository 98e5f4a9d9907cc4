//! `rawtracepoint[:MODULE]:EVENT` (`rt:`): a kernel tracepoint before its
//! arguments are formatted; `arg0`… are the raw arguments. Events are the
//! kernel's tracepoints (syscall enter/exit points are `sys_enter` and
//! `sys_exit`), all in module `vmlinux` as far as tracefs tells.

use super::{
    wrong_parts, ContextBuiltin, ListQuery, ProbeContext, ProbeInstance, Provider, Wildcard,
};
use crate::artifact::AttachPlan;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::kernel_info::KernelInfo;
use crate::syntax::ast::AttachPoint;

pub struct RawTracepoint;

const USAGE: &str = "rawtracepoint[:MODULE]:EVENT";
/// The module the kernel's own tracepoints belong to.
const VMLINUX: &str = "vmlinux";

impl Provider for RawTracepoint {
    fn names(&self) -> &'static [&'static str] {
        &["rawtracepoint", "rt"]
    }
    fn doc(&self) -> &'static str {
        "rawtracepoint:sched_switch { @[arg1] = count(); }: a kernel tracepoint with its raw arguments arg0…"
    }
    fn context(&self) -> &'static [ContextBuiltin] {
        &[ContextBuiltin::Arg]
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
        let (module, event) = match parts {
            [event] => ("*", *event),
            [module, event] => (*module, *event),
            _ => return Err(wrong_parts(ap, USAGE)),
        };
        let events = raw_events(kernel);
        if events.is_empty() && !event.contains('*') && Wildcard::new(module).matches(VMLINUX) {
            // Nothing to check against (no tracefs): let the kernel decide.
            return Ok(vec![instance(event)]);
        }
        let pattern = Wildcard::new(event);
        let found: Vec<ProbeInstance> = events
            .iter()
            .filter(|e| Wildcard::new(module).matches(VMLINUX) && pattern.matches(e))
            .map(|e| instance(e))
            .collect();
        if found.is_empty() {
            let what = if parts.len() == 2 {
                format!("{module}:{event}")
            } else {
                event.to_string()
            };
            return Err(Diagnostic::new(
                Code::Missing,
                ap.span,
                format!("no matches for rawtracepoint {what}"),
            )
            .with_help("`tracelet -l 'rawtracepoint:*'` lists them"));
        }
        Ok(found)
    }
    fn list(&self, query: &ListQuery, kernel: &dyn KernelInfo) -> Result<Vec<String>> {
        let (module, event) = match query.args {
            [] => ("*", "*"),
            [event] => ("*", *event),
            [module, event] => (*module, *event),
            _ => return query.wrong_count("rawtracepoint", "1 or 2", USAGE),
        };
        let (module, event) = (Wildcard::new(module), Wildcard::new(event));
        if !module.matches(VMLINUX) {
            return Ok(Vec::new());
        }
        Ok(raw_events(kernel)
            .into_iter()
            .filter(|e| event.matches(e))
            .map(|e| format!("rawtracepoint:{VMLINUX}:{e}"))
            .collect())
    }
}

/// Every raw tracepoint, sorted: the kernel's tracepoint events except the
/// per-syscall ones, which are formatted views of `sys_enter`/`sys_exit`.
fn raw_events(kernel: &dyn KernelInfo) -> Vec<String> {
    let mut events: Vec<String> = kernel
        .tracepoints()
        .into_iter()
        .filter(|(category, _)| category != "syscalls")
        .map(|(_, event)| event)
        .collect();
    events.sort();
    events.dedup();
    events
}

fn instance(event: &str) -> ProbeInstance {
    ProbeInstance {
        name: format!("rawtracepoint:{VMLINUX}:{event}"),
        section: "raw_tp",
        attach: AttachPlan::RawTracepoint {
            event: event.into(),
        },
        context: ProbeContext::RawTracepoint,
    }
}
