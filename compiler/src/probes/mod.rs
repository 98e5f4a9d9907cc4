//! Probe providers: one file per provider, each turning an attach point into
//! concrete probe instances (with wildcards expanded), their context, program
//! type and attach plan. The core dispatches through [`PROVIDERS`].

mod interval;
mod kprobe;
pub mod list;
mod profile;
mod rawtracepoint;
mod special;
mod tracepoint;
mod uprobe;
mod wildcard;

use crate::artifact::AttachPlan;
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result, Span};
use crate::kernel_info::{KernelInfo, TracepointFormat};
use crate::syntax::ast::AttachPoint;
use crate::syntax::literal;
use crate::types::AddrSpace;
pub use list::ListQuery;
pub use wildcard::Wildcard;

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
    /// A raw tracepoint: `arg0`… are the u64 words of the context, kernel values.
    RawTracepoint,
}

/// A builtin that reads the probe's context, for the providers that offer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextBuiltin {
    /// `args.FIELD`: the tracepoint's format fields.
    Args,
    /// `arg0`…`arg5`: function arguments in registers.
    Arg,
    /// `retval`: a function's return value.
    Retval,
    /// `func`: the probed function's name.
    Func,
}

/// A probe type: one descriptor with a hook per phase. Adding one is its
/// file here, an entry in [`PROVIDERS`], and — for a new [`AttachPlan`] — one
/// attach function in the runtime.
pub trait Provider: Sync {
    /// Full name first, then aliases (`tracepoint`, `t`).
    fn names(&self) -> &'static [&'static str];
    /// One line with an example.
    fn doc(&self) -> &'static str;
    /// The context builtins its programs have.
    fn context(&self) -> &'static [ContextBuiltin] {
        &[]
    }
    /// Whether `-l` searches it for a wildcard probe type (`*:…`, `sched*`):
    /// bpftrace's "kernel list".
    fn wildcard_listed(&self) -> bool {
        false
    }
    /// Expands `parts` (the attach point split on `:` after the provider)
    /// into probe instances: name, program type, context and attach plan.
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        kernel: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>>;
    /// The `-l` lines for a search of this provider (`query.args` are the
    /// parts after the provider). By default what compiling it attaches.
    fn list(&self, query: &ListQuery, kernel: &dyn KernelInfo) -> Result<Vec<String>> {
        let text = std::iter::once(self.names()[0])
            .chain(query.args.iter().copied())
            .collect::<Vec<_>>()
            .join(":");
        let ap = AttachPoint {
            text,
            span: query.span,
        };
        let mut names: Vec<String> = expand(&ap, kernel)?.into_iter().map(|i| i.name).collect();
        names.sort();
        Ok(names)
    }
}

/// Every provider, in the order `-l`, help texts and docs list them.
pub static PROVIDERS: &[&dyn Provider] = &[
    &special::Begin,
    &special::End,
    &tracepoint::Tracepoint,
    &rawtracepoint::RawTracepoint,
    &interval::Interval,
    &profile::Profile,
    &kprobe::Kprobe,
    &kprobe::Kretprobe,
    &uprobe::Uprobe,
    &uprobe::Uretprobe,
];

/// The provider called `name` (or an alias), or a diagnostic at `span`
/// suggesting the closest name or listing them all.
pub fn lookup(name: &str, span: Span) -> Result<&'static dyn Provider> {
    let named = |p: &&&dyn Provider| p.names().iter().any(|n| n.eq_ignore_ascii_case(name));
    if let Some(p) = PROVIDERS.iter().find(named) {
        return Ok(*p);
    }
    let d = Diagnostic::new(Code::Probe, span, format!("unknown probe type `{name}`"));
    let all = PROVIDERS.iter().flat_map(|p| p.names().iter().copied());
    Err(match did_you_mean(name, all) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help(format!("probe types: {}", probe_types().join(", "))),
    })
}

/// Every provider's full name, in [`PROVIDERS`] order.
pub fn probe_types() -> Vec<&'static str> {
    PROVIDERS.iter().map(|p| p.names()[0]).collect()
}

/// Where a context builtin is available, e.g. `kprobe and uprobe probes`.
pub fn providers_with(builtin: ContextBuiltin) -> String {
    let names: Vec<&str> = PROVIDERS
        .iter()
        .filter(|p| p.context().contains(&builtin))
        .map(|p| p.names()[0])
        .collect();
    match names.split_last() {
        Some((last, [])) => format!("{last} probes"),
        Some((last, rest)) => format!("{} and {last} probes", rest.join(", ")),
        None => "no probes".into(),
    }
}

/// Resolves one attach point to its probe instances.
pub fn expand(ap: &AttachPoint, kernel: &dyn KernelInfo) -> Result<Vec<ProbeInstance>> {
    let mut parts: Vec<&str> = ap.text.split(':').collect();
    let provider = lookup(parts.remove(0), ap.span)?;
    provider.expand(&parts, ap, kernel)
}

/// A diagnostic about an attach point's form.
pub(crate) fn bad_attach(ap: &AttachPoint, message: impl Into<String>, usage: &str) -> Diagnostic {
    Diagnostic::new(Code::Probe, ap.span, message).with_help(format!("expected `{usage}`"))
}

/// A diagnostic about an attach point with too few or too many `:` parts.
pub(crate) fn wrong_parts(ap: &AttachPoint, usage: &str) -> Diagnostic {
    bad_attach(
        ap,
        format!("`{}` has the wrong number of parts", ap.text),
        usage,
    )
}

/// Parses `unit:N` or `N` (nanoseconds, or a duration such as `500ms`) of
/// interval and profile probes into nanoseconds or a frequency.
pub(crate) fn rate(parts: &[&str], ap: &AttachPoint, usage: &str) -> Result<Rate> {
    let (unit, count) = match parts {
        [count] => ("ns", *count),
        [unit, count] => (*unit, *count),
        _ => return Err(wrong_parts(ap, usage)),
    };
    let n = literal::parse_uint(count)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad_attach(ap, format!("`{count}` is not a positive integer"), usage))?;
    let ns_per = match unit {
        "ns" if parts.len() == 1 => 1,
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

/// The time units `interval:*` and `profile:*` list, in bpftrace's (sorted) order.
const TIME_UNITS: &[&str] = &["hz", "ms", "s", "us"];

/// `-l` for a timed probe: the units matching `UNIT` of `provider:UNIT[:N]`,
/// as `provider:unit:`.
pub(crate) fn list_rates(provider: &str, query: &ListQuery) -> Result<Vec<String>> {
    let unit = match query.args {
        [unit] if unit.contains('*') => *unit,
        [unit, count] => {
            if !literal::parse_uint(count).is_ok_and(|n| n > 0) {
                return Err(Diagnostic::new(
                    Code::Probe,
                    query.span,
                    format!("invalid rate of {provider} probe: `{count}`"),
                )
                .with_help(format!("expected `{provider}:UNIT:N` with N > 0")));
            }
            *unit
        }
        _ => return query.wrong_count(provider, "2", &format!("{provider}:UNIT:N")),
    };
    let pattern = Wildcard::new(&format!("{unit}:"));
    Ok(TIME_UNITS
        .iter()
        .filter(|u| pattern.matches(&format!("{u}:")))
        .map(|u| format!("{provider}:{u}:"))
        .collect())
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

    #[test]
    fn help_texts_come_from_the_registry() {
        let d = lookup("zzzzzzzzzz", Span::new(0, 10)).err().unwrap();
        assert_eq!(
            d.help.as_deref(),
            Some("probe types: begin, end, tracepoint, rawtracepoint, interval, profile, kprobe, kretprobe, uprobe, uretprobe")
        );
        assert_eq!(providers_with(ContextBuiltin::Args), "tracepoint probes");
        assert_eq!(
            providers_with(ContextBuiltin::Arg),
            "rawtracepoint, kprobe and uprobe probes"
        );
        assert_eq!(
            providers_with(ContextBuiltin::Func),
            "kprobe, kretprobe, uprobe and uretprobe probes"
        );
        assert_eq!(
            lookup("t", Span::new(0, 1)).unwrap().names()[0],
            "tracepoint"
        );
    }
}
