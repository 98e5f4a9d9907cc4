//! `begin` and `end` (also written `BEGIN`, `END`): run once, before the
//! other probes attach and after they detach. v0.26 names them lowercase.

use super::{bad_attach, ListQuery, ProbeContext, ProbeInstance, Provider};
use crate::artifact::AttachPlan;
use crate::diagnostic::Result;
use crate::kernel_info::KernelInfo;
use crate::syntax::ast::AttachPoint;

pub struct Begin;
pub struct End;

fn special(
    name: &str,
    parts: &[&str],
    ap: &AttachPoint,
    attach: AttachPlan,
) -> Result<Vec<ProbeInstance>> {
    if !parts.is_empty() {
        return Err(bad_attach(ap, format!("`{name}` takes no arguments"), name));
    }
    Ok(vec![ProbeInstance {
        name: name.into(),
        section: "raw_tp",
        attach,
        context: ProbeContext::None,
    }])
}

/// `begin` and `end` list themselves.
fn list(name: &str, query: &ListQuery) -> Result<Vec<String>> {
    match query.args {
        [] | ["*"] => Ok(vec![name.to_string()]),
        _ => query.wrong_count(name, "0", name),
    }
}

impl Provider for Begin {
    fn names(&self) -> &'static [&'static str] {
        &["begin", "BEGIN"]
    }
    fn doc(&self) -> &'static str {
        "BEGIN { printf(\"hello\\n\"); }: runs once at start"
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        _: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        special("begin", parts, ap, AttachPlan::Begin)
    }
    fn list(&self, query: &ListQuery, _: &dyn KernelInfo) -> Result<Vec<String>> {
        list("begin", query)
    }
}

impl Provider for End {
    fn names(&self) -> &'static [&'static str] {
        &["end", "END"]
    }
    fn doc(&self) -> &'static str {
        "END { printf(\"done\\n\"); }: runs once at exit, after the other probes detach"
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        _: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        special("end", parts, ap, AttachPlan::End)
    }
    fn list(&self, query: &ListQuery, _: &dyn KernelInfo) -> Result<Vec<String>> {
        list("end", query)
    }
}
