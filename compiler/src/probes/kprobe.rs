//! `kprobe:FUNC[+OFFSET]` and `kretprobe:FUNC`: dynamic kernel function probes.
//! They compile and load anywhere; attaching needs a kernel with kprobes.

use super::{
    bad_attach, wrong_parts, ContextBuiltin, ListQuery, ProbeContext, ProbeInstance, Provider,
};
use crate::artifact::AttachPlan;
use crate::diagnostic::Result;
use crate::kernel_info::KernelInfo;
use crate::syntax::ast::AttachPoint;
use crate::types::AddrSpace;

pub struct Kprobe;
pub struct Kretprobe;

fn kprobe(parts: &[&str], ap: &AttachPoint, ret: bool) -> Result<Vec<ProbeInstance>> {
    let usage = if ret {
        "kretprobe:FUNCTION"
    } else {
        "kprobe:FUNCTION[+OFFSET]"
    };
    let [target] = parts else {
        return Err(wrong_parts(ap, usage));
    };
    let (function, offset) = match target.split_once('+') {
        Some((f, off)) if !ret => {
            let off = parse_offset(off)
                .ok_or_else(|| bad_attach(ap, format!("bad offset `{off}`"), usage))?;
            (f, off)
        }
        _ => (*target, 0),
    };
    if function.is_empty() || function.contains('*') {
        return Err(bad_attach(
            ap,
            "kprobe wildcards are not supported yet",
            usage,
        ));
    }
    let kind = if ret { "kretprobe" } else { "kprobe" };
    Ok(vec![ProbeInstance {
        name: format!("{kind}:{target}"),
        section: if ret { "kretprobe" } else { "kprobe" },
        attach: AttachPlan::Kprobe {
            function: function.into(),
            offset,
            ret,
        },
        context: ProbeContext::Regs {
            space: AddrSpace::Kernel,
            ret,
            func: function.into(),
        },
    }])
}

/// No list of traceable kernel functions is known: nothing matches.
fn list(query: &ListQuery, provider: &str) -> Result<Vec<String>> {
    match query.args {
        [_] | [_, _] => Ok(Vec::new()),
        _ => query.wrong_count(provider, "1 or 2", &format!("{provider}:FUNCTION")),
    }
}

pub(super) fn parse_offset(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

impl Provider for Kprobe {
    fn names(&self) -> &'static [&'static str] {
        &["kprobe", "k"]
    }
    fn doc(&self) -> &'static str {
        "kprobe:vfs_read { @[comm] = count(); }: entry of a kernel function"
    }
    fn context(&self) -> &'static [ContextBuiltin] {
        &[ContextBuiltin::Arg, ContextBuiltin::Func]
    }
    fn wildcard_listed(&self) -> bool {
        true
    }
    fn list(&self, query: &ListQuery, _: &dyn KernelInfo) -> Result<Vec<String>> {
        list(query, "kprobe")
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        _: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        kprobe(parts, ap, false)
    }
}

impl Provider for Kretprobe {
    fn names(&self) -> &'static [&'static str] {
        &["kretprobe", "kr"]
    }
    fn doc(&self) -> &'static str {
        "kretprobe:vfs_read { @[comm] = count(); }: return of a kernel function"
    }
    fn context(&self) -> &'static [ContextBuiltin] {
        &[ContextBuiltin::Retval, ContextBuiltin::Func]
    }
    fn list(&self, query: &ListQuery, _: &dyn KernelInfo) -> Result<Vec<String>> {
        list(query, "kretprobe")
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        _: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        kprobe(parts, ap, true)
    }
}
