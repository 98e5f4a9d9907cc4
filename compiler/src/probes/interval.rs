//! `interval:UNIT:N`: fires on one CPU every N units (`s`, `ms`, `us`) or N times a second (`hz`).

use super::{list_rates, rate, ListQuery, ProbeContext, ProbeInstance, Provider, Rate};
use crate::artifact::{AttachPlan, Sample, SoftwareEvent};
use crate::diagnostic::Result;
use crate::kernel_info::KernelInfo;
use crate::syntax::ast::AttachPoint;

pub struct Interval;

impl Provider for Interval {
    fn names(&self) -> &'static [&'static str] {
        &["interval", "i"]
    }
    fn doc(&self) -> &'static str {
        "interval:s:1 { time(\"%H:%M:%S\\n\"); }: fires on one CPU at a fixed rate (s, ms, us, hz; or `interval:500ms`)"
    }
    fn list(&self, query: &ListQuery, _: &dyn KernelInfo) -> Result<Vec<String>> {
        list_rates("interval", query)
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        _: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        let r = rate(parts, ap, "interval:s|ms|us|hz:N` or `interval:DURATION")?;
        let sample = match r {
            Rate::PeriodNs(ns) => Sample::Period(ns),
            Rate::Hz(hz) => Sample::Period(1_000_000_000 / hz),
        };
        Ok(vec![ProbeInstance {
            name: format!("interval:{}", parts.join(":")),
            section: "perf_event",
            attach: AttachPlan::PerfEvent {
                event: SoftwareEvent::CpuClock,
                sample,
                one_cpu: true,
            },
            context: ProbeContext::None,
        }])
    }
}
