//! Loading and attaching programs: one match arm per attach plan, each a
//! mechanical aya call. Errors name the probe and say what the kernel said.

use crate::error::{Result, RuntimeError};
use crate::kernel::online_cpus;
use aya::programs::kprobe::KProbeLink;
use aya::programs::perf_event::PerfEventLink;
use aya::programs::perf_event::{
    PerfEventConfig, PerfEventScope, SamplePolicy, SoftwareEvent as AyaSoftware,
};
use aya::programs::trace_point::TracePointLink;
use aya::programs::uprobe::{UProbeAttachLocation, UProbeLink, UProbeScope};
use aya::programs::{KProbe, PerfEvent, Program, ProgramError, RawTracePoint, TracePoint, UProbe};
use aya::Ebpf;
use tracelet_compiler::artifact::{AttachPlan, ProbeSpec, Sample, SoftwareEvent, UprobeTarget};

fn program<'a>(bpf: &'a mut Ebpf, spec: &ProbeSpec) -> Result<&'a mut Program> {
    bpf.program_mut(&spec.symbol).ok_or_else(|| {
        RuntimeError::for_probe(
            &spec.name,
            format!("program {} missing from the object", spec.symbol),
        )
    })
}

/// Loads one program into the kernel (through the verifier) without attaching it.
pub fn load(bpf: &mut Ebpf, spec: &ProbeSpec) -> Result<()> {
    let prog = program(bpf, spec)?;
    let result = match (&spec.attach, prog) {
        (AttachPlan::Begin | AttachPlan::End, Program::RawTracePoint(p)) => p.load(),
        (AttachPlan::Tracepoint { .. }, Program::TracePoint(p)) => p.load(),
        (AttachPlan::PerfEvent { .. }, Program::PerfEvent(p)) => p.load(),
        (AttachPlan::Kprobe { .. }, Program::KProbe(p)) => p.load(),
        (AttachPlan::Uprobe { .. }, Program::UProbe(p)) => p.load(),
        _ => {
            return Err(RuntimeError::for_probe(
                &spec.name,
                "program type does not match its attach plan",
            ))
        }
    };
    result.map_err(|e| load_error(spec, e))
}

fn load_error(spec: &ProbeSpec, e: ProgramError) -> RuntimeError {
    match e {
        ProgramError::LoadError {
            io_error,
            verifier_log,
        } => {
            let log = format!("{verifier_log}");
            let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
            let tail = lines[lines.len().saturating_sub(12)..].join("\n");
            RuntimeError::for_probe(
                &spec.name,
                format!(
                    "the kernel verifier rejected the program for {} ({io_error}):\n{tail}",
                    spec.name
                ),
            )
            .with_help(verifier_help(&log))
        }
        other => RuntimeError::for_probe(
            &spec.name,
            format!("cannot load the program for {}: {other}", spec.name),
        ),
    }
}

/// What to do about a rejection: loops the verifier could not follow to an
/// end are the script's to bound; anything else is tracelet's bug.
fn verifier_help(log: &str) -> &'static str {
    let unbounded = [
        "BPF program is too large",
        "infinite loop detected",
        "back-edge",
    ];
    if unbounded.iter().any(|s| log.contains(s)) {
        "the verifier could not see this program's loops end; bound `while` loops by a \
         constant, or use `for ($i : 0..N)`, which the kernel runs with bpf_loop"
    } else {
        "this is a tracelet compiler bug; please report it with the program"
    }
}

/// An attachment; dropping it detaches the program from that event.
pub enum Link {
    Tracepoint(TracePointLink),
    PerfEvent(PerfEventLink),
    Kprobe(KProbeLink),
    Uprobe(UProbeLink),
}

/// Detaches every link at once: each tracepoint detach waits for an RCU grace
/// period, and concurrent waits share one.
pub fn detach_all(links: Vec<Link>) {
    std::thread::scope(|s| {
        for link in links {
            s.spawn(move || match link {
                Link::Tracepoint(l) => drop(l),
                Link::PerfEvent(l) => drop(l),
                Link::Kprobe(l) => drop(l),
                Link::Uprobe(l) => drop(l),
            });
        }
    });
}

/// Attaches a loaded program to its event(s).
pub fn attach(bpf: &mut Ebpf, spec: &ProbeSpec) -> Result<Vec<Link>> {
    let name = spec.name.clone();
    let fail = |e: ProgramError| {
        RuntimeError::for_probe(&name, format!("cannot attach {name}: {}", describe(&e)))
    };
    match &spec.attach {
        AttachPlan::Begin | AttachPlan::End => Ok(Vec::new()),
        AttachPlan::Tracepoint { category, event } => {
            let p: &mut TracePoint = program(bpf, spec)?.try_into().map_err(fail)?;
            let id = p.attach(category, event).map_err(fail)?;
            Ok(vec![Link::Tracepoint(p.take_link(id).map_err(fail)?)])
        }
        AttachPlan::PerfEvent {
            event,
            sample,
            one_cpu,
        } => {
            let p: &mut PerfEvent = program(bpf, spec)?.try_into().map_err(fail)?;
            let config = PerfEventConfig::Software(match event {
                SoftwareEvent::CpuClock => AyaSoftware::CpuClock,
            });
            let policy = match sample {
                Sample::Period(n) => SamplePolicy::Period(*n),
                Sample::Frequency(n) => SamplePolicy::Frequency(*n),
            };
            let cpus = if *one_cpu {
                vec![online_cpus().first().copied().unwrap_or(0)]
            } else {
                online_cpus()
            };
            let mut links = Vec::new();
            for cpu in cpus {
                let scope = PerfEventScope::AllProcessesOneCpu { cpu };
                let id = p.attach(config, scope, policy, false).map_err(fail)?;
                links.push(Link::PerfEvent(p.take_link(id).map_err(fail)?));
            }
            Ok(links)
        }
        AttachPlan::Kprobe {
            function, offset, ..
        } => {
            let p: &mut KProbe = program(bpf, spec)?.try_into().map_err(fail)?;
            let id = p.attach(function, *offset).map_err(|e| {
                if std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists() {
                    return fail(e);
                }
                RuntimeError::for_probe(
                    &spec.name,
                    format!(
                        "cannot attach {}: this kernel has no kprobe support \
                         (CONFIG_KPROBES is not set)",
                        spec.name
                    ),
                )
                .with_help("use a tracepoint instead, e.g. tracepoint:syscalls:sys_enter_openat")
            })?;
            Ok(vec![Link::Kprobe(p.take_link(id).map_err(fail)?)])
        }
        AttachPlan::Uprobe { binary, target, .. } => {
            let p: &mut UProbe = program(bpf, spec)?.try_into().map_err(fail)?;
            let location = match target {
                UprobeTarget::Symbol { symbol, offset: 0 } => UProbeAttachLocation::Symbol(symbol),
                UprobeTarget::Symbol { symbol, offset } => {
                    UProbeAttachLocation::SymbolOffset(symbol, *offset)
                }
                UprobeTarget::Address(addr) => {
                    UProbeAttachLocation::AbsoluteOffset(file_offset(binary, *addr).map_err(
                        |e| RuntimeError::for_probe(&name, format!("cannot attach {name}: {e}")),
                    )?)
                }
            };
            let id = p
                .attach(location, binary, UProbeScope::AllProcesses)
                .map_err(fail)?;
            Ok(vec![Link::Uprobe(p.take_link(id).map_err(fail)?)])
        }
    }
}

/// The file offset of the virtual address `addr` of the ELF file `path`: what
/// the kernel's uprobe interface takes.
fn file_offset(path: &str, addr: u64) -> std::result::Result<u64, String> {
    use object::{Object, ObjectSection};
    let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let file =
        object::File::parse(&*data).map_err(|e| format!("{path} is not an ELF file: {e}"))?;
    file.sections()
        .find(|s| s.address() <= addr && addr < s.address() + s.size())
        .and_then(|s| {
            let (offset, _) = s.file_range()?;
            match UProbeAttachLocation::from_virtual_address(addr, s.address(), offset) {
                Ok(UProbeAttachLocation::AbsoluteOffset(o)) => Some(o),
                _ => None,
            }
        })
        .ok_or_else(|| format!("address {addr:#x} is in no section of {path}"))
}

/// Runs a BEGIN or END program once, synchronously.
pub fn run_once(bpf: &mut Ebpf, spec: &ProbeSpec) -> Result<()> {
    use aya::programs::{RawTracePointRunOptions, TestRun};
    let p: &mut RawTracePoint = program(bpf, spec)?
        .try_into()
        .map_err(|e: ProgramError| RuntimeError::for_probe(&spec.name, e.to_string()))?;
    p.test_run(RawTracePointRunOptions::new())
        .map(drop)
        .map_err(|e| {
            RuntimeError::for_probe(
                &spec.name,
                format!("cannot run {}: {}", spec.name, describe(&e)),
            )
        })
}

/// An aya error with its sources, on one line.
fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
