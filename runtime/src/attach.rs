//! Loading and attaching programs: one function per attach plan, each a
//! mechanical aya call. Errors name the probe and say what the kernel said.

use crate::error::{Result, RuntimeError};
use crate::kernel::online_cpus;
use aya::programs::perf_event::{
    PerfEventConfig, PerfEventScope, SamplePolicy, SoftwareEvent as AyaSoftware,
};
use aya::programs::uprobe::{UProbeAttachLocation, UProbeScope};
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

/// Loads one program into the kernel (through the verifier) without
/// attaching it; one arm per program type.
pub fn load(bpf: &mut Ebpf, spec: &ProbeSpec) -> Result<()> {
    let result = match program(bpf, spec)? {
        Program::RawTracePoint(p) => p.load(),
        Program::TracePoint(p) => p.load(),
        Program::PerfEvent(p) => p.load(),
        Program::KProbe(p) => p.load(),
        Program::UProbe(p) => p.load(),
        other => {
            return Err(RuntimeError::for_probe(
                &spec.name,
                format!("cannot load a {:?} program", other.prog_type()),
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
pub type Link = Box<dyn Send>;

/// Detaches every link at once: each tracepoint detach waits for an RCU grace
/// period, and concurrent waits share one.
pub fn detach_all(links: Vec<Link>) {
    std::thread::scope(|s| {
        for link in links {
            s.spawn(move || drop(link));
        }
    });
}

/// Attaches a loaded program as its plan says: one function per plan.
pub fn attach(bpf: &mut Ebpf, spec: &ProbeSpec) -> Result<Vec<Link>> {
    match &spec.attach {
        AttachPlan::Begin | AttachPlan::End => Ok(Vec::new()),
        AttachPlan::Tracepoint { category, event } => tracepoint(bpf, spec, category, event),
        AttachPlan::RawTracepoint { event } => raw_tracepoint(bpf, spec, event),
        AttachPlan::PerfEvent {
            event,
            sample,
            one_cpu,
        } => perf_event(bpf, spec, *event, *sample, *one_cpu),
        AttachPlan::Kprobe {
            function, offset, ..
        } => kprobe(bpf, spec, function, *offset),
        AttachPlan::Uprobe { binary, target, .. } => uprobe(bpf, spec, binary, target),
    }
}

/// The error for a failed attach of `spec`.
fn attach_error(spec: &ProbeSpec, e: &dyn std::error::Error) -> RuntimeError {
    RuntimeError::for_probe(
        &spec.name,
        format!("cannot attach {}: {}", spec.name, describe(e)),
    )
}

/// The program of `spec` as the type its plan needs.
fn typed<'a, P>(bpf: &'a mut Ebpf, spec: &ProbeSpec) -> Result<&'a mut P>
where
    &'a mut P: TryFrom<&'a mut Program, Error = ProgramError>,
{
    program(bpf, spec)?
        .try_into()
        .map_err(|e: ProgramError| attach_error(spec, &e))
}

fn tracepoint(bpf: &mut Ebpf, spec: &ProbeSpec, category: &str, event: &str) -> Result<Vec<Link>> {
    let fail = |e: ProgramError| attach_error(spec, &e);
    let p: &mut TracePoint = typed(bpf, spec)?;
    let id = p.attach(category, event).map_err(fail)?;
    Ok(vec![Box::new(p.take_link(id).map_err(fail)?)])
}

fn raw_tracepoint(bpf: &mut Ebpf, spec: &ProbeSpec, event: &str) -> Result<Vec<Link>> {
    let fail = |e: ProgramError| attach_error(spec, &e);
    let p: &mut RawTracePoint = typed(bpf, spec)?;
    let id = p.attach(event).map_err(fail)?;
    Ok(vec![Box::new(p.take_link(id).map_err(fail)?)])
}

fn perf_event(
    bpf: &mut Ebpf,
    spec: &ProbeSpec,
    event: SoftwareEvent,
    sample: Sample,
    one_cpu: bool,
) -> Result<Vec<Link>> {
    let fail = |e: ProgramError| attach_error(spec, &e);
    let p: &mut PerfEvent = typed(bpf, spec)?;
    let config = PerfEventConfig::Software(match event {
        SoftwareEvent::CpuClock => AyaSoftware::CpuClock,
    });
    let policy = match sample {
        Sample::Period(n) => SamplePolicy::Period(n),
        Sample::Frequency(n) => SamplePolicy::Frequency(n),
    };
    let cpus = if one_cpu {
        vec![online_cpus().first().copied().unwrap_or(0)]
    } else {
        online_cpus()
    };
    let mut links: Vec<Link> = Vec::new();
    for cpu in cpus {
        let scope = PerfEventScope::AllProcessesOneCpu { cpu };
        let id = p.attach(config, scope, policy, false).map_err(fail)?;
        links.push(Box::new(p.take_link(id).map_err(fail)?));
    }
    Ok(links)
}

fn kprobe(bpf: &mut Ebpf, spec: &ProbeSpec, function: &str, offset: u64) -> Result<Vec<Link>> {
    let fail = |e: ProgramError| attach_error(spec, &e);
    let p: &mut KProbe = typed(bpf, spec)?;
    let id = p.attach(function, offset).map_err(|e| {
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
    Ok(vec![Box::new(p.take_link(id).map_err(fail)?)])
}

fn uprobe(
    bpf: &mut Ebpf,
    spec: &ProbeSpec,
    binary: &str,
    target: &UprobeTarget,
) -> Result<Vec<Link>> {
    let fail = |e: ProgramError| attach_error(spec, &e);
    let p: &mut UProbe = typed(bpf, spec)?;
    let location = match target {
        UprobeTarget::Symbol { symbol, offset: 0 } => UProbeAttachLocation::Symbol(symbol),
        UprobeTarget::Symbol { symbol, offset } => {
            UProbeAttachLocation::SymbolOffset(symbol, *offset)
        }
        UprobeTarget::Address(addr) => {
            UProbeAttachLocation::AbsoluteOffset(file_offset(binary, *addr).map_err(|e| {
                RuntimeError::for_probe(&spec.name, format!("cannot attach {}: {e}", spec.name))
            })?)
        }
    };
    let id = p
        .attach(location, binary, UProbeScope::AllProcesses)
        .map_err(fail)?;
    Ok(vec![Box::new(p.take_link(id).map_err(fail)?)])
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
