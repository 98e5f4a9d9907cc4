//! `profile:UNIT:N`: fires on every CPU at a fixed rate (`hz`, `s`, `ms`, `us`).

use super::{list_rates, rate, ListQuery, ProbeContext, ProbeInstance, Provider, Rate};
use crate::artifact::{AttachPlan, Sample, SoftwareEvent};
use crate::diagnostic::Result;
use crate::kernel_info::KernelInfo;
use crate::syntax::ast::AttachPoint;

pub struct Profile;

impl Provider for Profile {
    fn names(&self) -> &'static [&'static str] {
        &["profile", "p"]
    }
    fn doc(&self) -> &'static str {
        "profile:hz:99 { @[kstack] = count(); }: samples every CPU at a fixed rate"
    }
    fn list(&self, query: &ListQuery, _: &dyn KernelInfo) -> Result<Vec<String>> {
        list_rates("profile", query)
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        _: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        let sample = match rate(parts, ap, "profile:hz|s|ms|us:N` or `profile:DURATION")? {
            Rate::PeriodNs(ns) => Sample::Period(ns),
            Rate::Hz(hz) => Sample::Frequency(hz),
        };
        Ok(vec![ProbeInstance {
            name: format!("profile:{}", parts.join(":")),
            section: "perf_event",
            attach: AttachPlan::PerfEvent {
                event: SoftwareEvent::CpuClock,
                sample,
                one_cpu: false,
            },
            context: ProbeContext::None,
        }])
    }
}
