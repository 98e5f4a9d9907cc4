//! Probe providers: one file per provider, each turning an attach point into
//! concrete probe instances (with wildcards expanded), their context, program
//! type and attach plan. The core dispatches through [`PROVIDERS`].

mod interval;
mod kprobe;
pub mod list;
mod profile;
mod special;
mod tracepoint;
mod uprobe;

use crate::artifact::AttachPlan;
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result};
use crate::kernel_info::{KernelInfo, TracepointFormat};
use crate::syntax::ast::AttachPoint;
use crate::types::AddrSpace;

/// One program to generate: a fully expanded attach point.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeInstance {
    /// Canonical name, as the `probe` builtin returns it.
    pub name: String,
    /// aya's section prefix selecting the program type, e.g. `tracepoint`.
    pub section: &'static str,
    pub attach: AttachPlan,
    pub context: ProbeContext,
}

/// What a probe's program can read from its context.
#[derive(Clone, Debug, PartialEq)]
pub enum ProbeContext {
    None,
    /// `args` fields from the tracepoint's format; pointers point into `space`.
    Tracepoint {
        format: TracepointFormat,
        space: AddrSpace,
    },
    /// The registers of a kprobe, kretprobe, uprobe or uretprobe (`struct
    /// pt_regs`): `arg0`…`arg5` at entry, `retval` at return; pointers read
    /// from them point into `space`. `func` is the probed function's name.
    Regs {
        space: AddrSpace,
        ret: bool,
        func: String,
    },
}

/// A probe type.
pub trait Provider: Sync {
    /// Full name first, then aliases (`tracepoint`, `t`).
    fn names(&self) -> &'static [&'static str];
    /// One line with an example.
    fn doc(&self) -> &'static str;
    /// Expands `parts` (the attach point split on `:` after the provider).
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        kernel: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>>;
}

/// Every provider, in the order `-l` and docs list them.
pub static PROVIDERS: &[&dyn Provider] = &[
    &special::Begin,
    &special::End,
    &tracepoint::Tracepoint,
    &interval::Interval,
    &profile::Profile,
    &kprobe::Kprobe,
    &kprobe::Kretprobe,
    &uprobe::Uprobe,
    &uprobe::Uretprobe,
];

/// Resolves one attach point to its probe instances.
pub fn expand(ap: &AttachPoint, kernel: &dyn KernelInfo) -> Result<Vec<ProbeInstance>> {
    let mut parts: Vec<&str> = ap.text.split(':').collect();
    let provider_name = parts.remove(0);
    let provider = PROVIDERS
        .iter()
        .find(|p| p.names().contains(&provider_name))
        .ok_or_else(|| {
            let all = PROVIDERS.iter().flat_map(|p| p.names().iter().copied());
            let d = Diagnostic::new(
                Code::Probe,
                ap.span,
                format!("unknown probe type `{provider_name}`"),
            );
            match did_you_mean(provider_name, all) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(
                    "probe types: BEGIN, END, tracepoint, interval, profile, kprobe, kretprobe, uprobe, uretprobe",
                ),
            }
        })?;
    provider.expand(&parts, ap, kernel)
}

/// A diagnostic about an attach point's form.
pub(crate) fn bad_attach(ap: &AttachPoint, message: impl Into<String>, usage: &str) -> Diagnostic {
    Diagnostic::new(Code::Probe, ap.span, message).with_help(format!("expected `{usage}`"))
}

/// Parses `unit:N` of interval and profile probes into nanoseconds or a frequency.
pub(crate) fn rate(parts: &[&str], ap: &AttachPoint, usage: &str) -> Result<Rate> {
    let [unit, count] = parts else {
        return Err(bad_attach(
            ap,
            format!("`{}` has the wrong number of parts", ap.text),
            usage,
        ));
    };
    let n: u64 = count
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad_attach(ap, format!("`{count}` is not a positive integer"), usage))?;
    let ns_per = match *unit {
        "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" => 1_000,
        "hz" => return Ok(Rate::Hz(n)),
        other => {
            return Err(bad_attach(
                ap,
                format!("unknown time unit `{other}`"),
                usage,
            ))
        }
    };
    n.checked_mul(ns_per)
        .map(Rate::PeriodNs)
        .ok_or_else(|| bad_attach(ap, "the period is too long", usage))
}

/// How often a timed probe fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rate {
    PeriodNs(u64),
    Hz(u64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for p in PROVIDERS {
            assert!(!p.doc().is_empty());
            for n in p.names() {
                assert!(seen.insert(*n), "duplicate provider name {n}");
            }
        }
    }
}
