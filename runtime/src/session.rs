//! One run of an artifact: load maps and programs, run BEGIN, attach, poll
//! output records until exit or a signal, detach, run END, print the maps.
//! Everything the kernel holds is released when the `Ebpf` drops.

use crate::attach;
use crate::bpf_map::RawMap;
use crate::child::Child;
use crate::error::{Result, RuntimeError};
use crate::kernel::{KernelSymbols, UserSymbols};
use crate::output::{Message, Output, OutputFormat};
use crate::snapshot::ScriptMap;
use aya::maps::{Map, MapData, RingBuf};
use aya::{Ebpf, EbpfLoader};
use std::io::Write;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tracelet_compiler::artifact::{Action, AttachPlan, EventSpec, MapRole, STR_TRUNC_TRAILER};
use tracelet_compiler::types::{DecodeContext, UserFrame};
use tracelet_compiler::value::Value;
use tracelet_compiler::Artifact;

/// How a run presents itself, and what it runs alongside.
#[derive(Debug, Default)]
pub struct RunOptions {
    pub format: OutputFormat,
    /// No `Attaching N probes...` banner.
    pub quiet: bool,
    /// Print `__BPFTRACE_NOTIFY_PROBES_ATTACHED` once attached.
    pub notify_attached: bool,
    /// `-c CMD`: the held command, released once every probe is attached;
    /// the run ends when it exits. Whatever happens, it is ended and reaped
    /// before [`run`] returns.
    pub child: Option<Child>,
    /// `-o FILE`: where the program's output goes instead of stdout.
    pub output: Option<std::fs::File>,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

/// Loads an artifact and checks every program with the verifier, attaching nothing.
pub fn dry_run(artifact: &Artifact) -> Result<()> {
    let mut bpf = open(artifact)?;
    artifact
        .probes
        .iter()
        .try_for_each(|p| attach::load(&mut bpf, p))
}

fn open(artifact: &Artifact) -> Result<Ebpf> {
    crate::kernel::require_root().map_err(RuntimeError::new)?;
    EbpfLoader::new()
        .btf(None)
        .load(&artifact.elf)
        .map_err(|e| RuntimeError::new(format!("cannot create the BPF maps: {e}")))
}

/// Runs an artifact to completion, writing to stdout (or `options.output`).
pub fn run(artifact: &Artifact, mut options: RunOptions) -> Result<()> {
    let mut child = options.child.take();
    let result = run_with(artifact, &mut options, &mut child);
    // Never leave the command behind: held (an error before release), or
    // still running (exit(), a signal, an error), it is ended and reaped.
    if let Some(c) = child.as_mut() {
        c.terminate();
    }
    result
}

fn run_with(
    artifact: &Artifact,
    options: &mut RunOptions,
    child: &mut Option<Child>,
) -> Result<()> {
    let mut bpf = open(artifact)?;
    install_signal_handlers();
    set_start_time(&mut bpf, artifact)?;
    for p in &artifact.probes {
        attach::load(&mut bpf, p)?;
    }
    let ring = RingBuf::try_from(
        bpf.take_map("tl_output")
            .ok_or_else(|| RuntimeError::new("no output map"))?,
    )
    .map_err(|e| RuntimeError::new(format!("cannot open the output ring buffer: {e}")))?;
    let sink: Box<dyn Write> = match options.output.take() {
        Some(file) => Box::new(std::io::BufWriter::new(file)),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut session = Session {
        artifact,
        out: options.format.writer(sink),
        ring,
        exit: false,
        lost_seen: 0,
        ncpus: aya::util::nr_cpus()
            .map_err(|(what, e)| RuntimeError::new(format!("{what}: {e}")))?,
    };
    if !options.quiet {
        session.io(|o| o.attached(artifact.probes.len()))?;
    }
    let mut links = Vec::new();
    let result = session.run(&mut bpf, options, child, &mut links);
    attach::detach_all(links);
    // Tracing stopped (exit(), a signal): the command does not outlive it.
    if let Some(c) = child.as_mut() {
        c.terminate();
    }
    result?;
    for p in artifact
        .probes
        .iter()
        .filter(|p| p.attach == AttachPlan::End)
    {
        attach::run_once(&mut bpf, p)?;
    }
    session.drain(&bpf)?;
    session.report_lost(&bpf)?;
    session.io(|o| o.end_separator())?;
    for spec in &artifact.maps {
        if let Some(map) = ScriptMap::new(spec) {
            // Every map, empty ones too (a blank line), as bpftrace prints them.
            let m = session.read_map(&bpf, &map)?;
            session.io(|o| o.map(&m, 0, 0))?;
        }
    }
    Ok(())
}

struct Session<'a> {
    artifact: &'a Artifact,
    out: Box<dyn Output + 'a>,
    ring: RingBuf<MapData>,
    exit: bool,
    lost_seen: u64,
    ncpus: usize,
}

impl Session<'_> {
    fn io(&mut self, f: impl FnOnce(&mut dyn Output) -> std::io::Result<()>) -> Result<()> {
        match f(self.out.as_mut()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.exit = true;
                Ok(())
            }
            other => other.map_err(|e| RuntimeError::new(format!("cannot write output: {e}"))),
        }
    }

    fn run(
        &mut self,
        bpf: &mut Ebpf,
        options: &RunOptions,
        child: &mut Option<Child>,
        links: &mut Vec<attach::Link>,
    ) -> Result<()> {
        for p in self
            .artifact
            .probes
            .iter()
            .filter(|p| p.attach == AttachPlan::Begin)
        {
            attach::run_once(bpf, p)?;
        }
        self.drain(bpf)?;
        if self.exit {
            return Ok(());
        }
        for p in &self.artifact.probes {
            links.extend(attach::attach(bpf, p)?);
        }
        if options.notify_attached {
            // A raw line in every output format, as bpftrace prints it.
            let mut stdout = std::io::stdout();
            let _ =
                writeln!(stdout, "__BPFTRACE_NOTIFY_PROBES_ATTACHED").and_then(|_| stdout.flush());
        }
        if let Some(c) = child.as_mut() {
            c.release().map_err(RuntimeError::new)?;
        }
        let has_events = self
            .artifact
            .probes
            .iter()
            .any(|p| !matches!(p.attach, AttachPlan::Begin | AttachPlan::End));
        // With -c, even a BEGIN-only program runs until the command exits.
        if !has_events && child.is_none() {
            return Ok(());
        }
        let mut last_lost_check = Instant::now();
        while !self.exit && !STOP.load(Ordering::SeqCst) {
            let mut fds = [libc::pollfd {
                fd: raw_fd(&self.ring),
                events: libc::POLLIN,
                revents: 0,
            }; 2];
            // The pidfd (if any) wakes us as soon as the command exits.
            let exit_fd = child.as_ref().and_then(Child::exit_fd);
            if let Some(fd) = exit_fd {
                fds[1].fd = fd;
            }
            let nfds = 1 + exit_fd.is_some() as libc::nfds_t;
            // SAFETY: nfds valid pollfds; a signal interrupts the wait with EINTR, which we treat as a wakeup.
            unsafe { libc::poll(fds.as_mut_ptr(), nfds, 100) };
            self.drain(bpf)?;
            // The command exited: stop as exit() does.
            if child.as_mut().is_some_and(Child::try_wait) {
                break;
            }
            if last_lost_check.elapsed() > Duration::from_millis(500) {
                self.report_lost(bpf)?;
                last_lost_check = Instant::now();
            }
        }
        Ok(())
    }

    /// Handles every record waiting in the ring buffer.
    fn drain(&mut self, bpf: &Ebpf) -> Result<()> {
        loop {
            let Some(record) = self.ring.next().map(|item| item.to_vec()) else {
                return Ok(());
            };
            self.record(bpf, &record)?;
        }
    }

    fn record(&mut self, bpf: &Ebpf, record: &[u8]) -> Result<()> {
        if record.len() < 8 {
            return Ok(());
        }
        let id = u64::from_le_bytes(record[..8].try_into().expect("8 bytes")) as usize;
        let Some(spec) = self.artifact.events.get(id) else {
            return Ok(());
        };
        let stacks = Stacks { bpf };
        let args: Vec<Value> = spec_args(spec, record, &stacks);
        match &spec.action {
            Action::Printf(format) => {
                let args: Vec<Value> = args.into_iter().map(|a| self.mark_truncated(a)).collect();
                let text = format.render(&args);
                self.io(|o| o.printf(&text))
            }
            Action::Join { separator } => {
                let text = join_text(&args, separator);
                self.io(|o| o.message(Message::Join, &text))
            }
            Action::Time(fmt) => {
                let text = local_time(fmt);
                self.io(|o| o.time(&text))
            }
            Action::PrintValue => match args.first() {
                Some(v) => self.io(|o| o.value(v)),
                None => Ok(()),
            },
            Action::PrintMap { map, top, div } => {
                let Some(sm) = ScriptMap::new(&self.artifact.maps[*map]) else {
                    return Ok(());
                };
                let m = self.read_map(bpf, &sm)?;
                self.io(|o| o.map(&m, *top, *div))
            }
            Action::ClearMap { map } | Action::ZeroMap { map } => {
                let Some(sm) = ScriptMap::new(&self.artifact.maps[*map]) else {
                    return Ok(());
                };
                let raw = raw_map(bpf, &sm, self.ncpus)?;
                let result = match spec.action {
                    Action::ClearMap { .. } => sm.clear(&raw),
                    _ => sm.zero(&raw, self.ncpus),
                };
                result.map_err(|e| RuntimeError::new(format!("cannot update {}: {e}", sm.name)))
            }
            Action::Exit => {
                self.exit = true;
                Ok(())
            }
        }
    }

    /// bpftrace's heuristic: a string exactly filling a `str()` buffer was cut.
    fn mark_truncated(&self, v: Value) -> Value {
        match v {
            Value::Str(s) if s.len() + 1 == self.artifact.max_strlen as usize => {
                Value::Str(s + STR_TRUNC_TRAILER)
            }
            other => other,
        }
    }

    fn read_map(&self, bpf: &Ebpf, sm: &ScriptMap) -> Result<tracelet_compiler::value::Map> {
        let raw = raw_map(bpf, sm, self.ncpus)?;
        sm.read(&raw, &Stacks { bpf })
            .map_err(|e| RuntimeError::new(format!("cannot read {}: {e}", sm.name)))
    }

    /// Prints how many records the ring buffer dropped since last time.
    fn report_lost(&mut self, bpf: &Ebpf) -> Result<()> {
        let Some(data) = map_data(bpf, "tl_lost") else {
            return Ok(());
        };
        let raw = RawMap {
            fd: data.fd().as_fd(),
            key_size: 4,
            value_size: 8 * self.ncpus,
        };
        let total: u64 = match raw.lookup(&[0u8; 4]) {
            Ok(Some(v)) => v
                .chunks(8)
                .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
                .sum(),
            _ => return Ok(()),
        };
        if total > self.lost_seen {
            let n = total - self.lost_seen;
            self.lost_seen = total;
            self.io(|o| o.lost(n))?;
        }
        Ok(())
    }
}

fn spec_args(spec: &EventSpec, record: &[u8], cx: &dyn DecodeContext) -> Vec<Value> {
    spec.fields
        .iter()
        .filter(|f| (f.offset + f.ty.size()) as usize <= record.len())
        .map(|f| f.ty.decode(&record[f.offset as usize..], cx))
        .collect()
}

fn raw_fd(ring: &RingBuf<MapData>) -> i32 {
    use std::os::fd::AsRawFd;
    ring.as_fd().as_raw_fd()
}

fn map_data<'a>(bpf: &'a Ebpf, symbol: &str) -> Option<&'a MapData> {
    match bpf.map(symbol)? {
        Map::HashMap(d)
        | Map::PerCpuHashMap(d)
        | Map::Array(d)
        | Map::PerCpuArray(d)
        | Map::StackTraceMap(d) => Some(d),
        _ => None,
    }
}

fn raw_map<'a>(bpf: &'a Ebpf, sm: &ScriptMap, ncpus: usize) -> Result<RawMap<'a>> {
    let data = map_data(bpf, &sm.spec.symbol)
        .ok_or_else(|| RuntimeError::new(format!("map {} missing", sm.name)))?;
    Ok(RawMap {
        fd: data.fd().as_fd(),
        key_size: sm.spec.key_size as usize,
        value_size: sm.lookup_size(ncpus),
    })
}

/// Writes CLOCK_MONOTONIC now into the start-time map, for `elapsed`.
fn set_start_time(bpf: &mut Ebpf, artifact: &Artifact) -> Result<()> {
    let Some(spec) = artifact.maps.iter().find(|m| m.role == MapRole::StartTime) else {
        return Ok(());
    };
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let now = ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
    let data =
        map_data(bpf, &spec.symbol).ok_or_else(|| RuntimeError::new("start-time map missing"))?;
    RawMap {
        fd: data.fd().as_fd(),
        key_size: 4,
        value_size: 8,
    }
    .update(&[0u8; 4], &now.to_le_bytes())
    .map_err(|e| RuntimeError::new(format!("cannot set the start time: {e}")))
}

/// Symbolizes kernel and user stacks from the stack-trace map, and symbols.
struct Stacks<'a> {
    bpf: &'a Ebpf,
}

impl DecodeContext for Stacks<'_> {
    fn kernel_stack(&self, id: i64) -> Vec<String> {
        let symbols = KernelSymbols::shared().ok();
        self.stack_addresses(id)
            .into_iter()
            .map(|ip| symbols.map_or_else(|| format!("0x{ip:x}"), |s| s.resolve(ip)))
            .collect()
    }
    fn kernel_symbol(&self, addr: u64) -> String {
        match KernelSymbols::shared() {
            Ok(symbols) => symbols.name(addr),
            Err(_) => tracelet_compiler::types::unknown_symbol(addr),
        }
    }
    fn user_stack(&self, id: i64, pid: u32) -> Vec<UserFrame> {
        let symbols = UserSymbols::shared();
        self.stack_addresses(id)
            .into_iter()
            .map(|ip| symbols.frame(ip, pid))
            .collect()
    }
    fn user_symbol(&self, addr: u64, pid: u32) -> String {
        UserSymbols::shared().name(addr, pid)
    }
}

impl Stacks<'_> {
    /// The addresses of a stack id in `tl_stacks` (kernel and user stacks
    /// share it), innermost first.
    fn stack_addresses(&self, id: i64) -> Vec<u64> {
        let Some(data) = map_data(self.bpf, "tl_stacks") else {
            return Vec::new();
        };
        if id < 0 {
            return Vec::new();
        }
        let frames = tracelet_compiler::sema::MAX_STACK_FRAMES as usize;
        let raw = RawMap {
            fd: data.fd().as_fd(),
            key_size: 4,
            value_size: 8 * frames,
        };
        let Ok(Some(bytes)) = raw.lookup(&(id as u32).to_le_bytes()) else {
            return Vec::new();
        };
        bytes
            .chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .take_while(|ip| *ip != 0)
            .collect()
    }
}

/// `join()`'s record: a count, then that many strings, joined by `separator`.
fn join_text(args: &[Value], separator: &str) -> String {
    let count = match args.first() {
        Some(Value::UInt(n)) => *n as usize,
        _ => 0,
    };
    let words: Vec<String> = args.iter().skip(1).take(count).map(Value::text).collect();
    words.join(separator)
}

/// The local time formatted with strftime.
fn local_time(fmt: &str) -> String {
    let Ok(cfmt) = std::ffi::CString::new(fmt) else {
        return String::new();
    };
    let mut buf = vec![0u8; 256];
    // SAFETY: time/localtime_r/strftime with valid pointers and buffer length.
    let n = unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            cfmt.as_ptr(),
            &tm,
        )
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}
