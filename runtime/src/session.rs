//! One run of an artifact: load maps and programs, run BEGIN, attach, poll
//! output records until exit or a signal, detach, run END, print the maps.
//! Everything the kernel holds is released when the run's `Ebpf` drops, and
//! the signal handlers are the run's own ([`StopSignals`]), so a process can
//! create, run and drop [`Session`]s one after another.
//!
//! This module only sequences the run: decoding is in [`crate::events`],
//! what each record does in [`crate::actions`], rendering in
//! [`crate::output`].

use crate::actions::{ActionContext, Flow};
use crate::attach;
use crate::child::Child;
use crate::error::{Result, RuntimeError};
use crate::events::{Decoder, Event};
use crate::loaded_maps::{set_start_time, LoadedMaps};
use crate::output::{OutputFormat, Sink};
use crate::signals::StopSignals;
use crate::snapshot::ScriptMap;
use crate::symbolizer::{Caches, Symbolizer};

/// Most records one pass of the event loop performs before it looks at
/// signals and the `-c` command again.
const DRAIN_BATCH: usize = 4096;
use aya::maps::{MapData, RingBuf};
use aya::{Ebpf, EbpfLoader};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};
use tracelet_compiler::artifact::AttachPlan;
use tracelet_compiler::Artifact;

/// How a run presents itself, and what it runs alongside.
#[derive(Debug, Default)]
pub struct RunOptions {
    pub format: OutputFormat,
    /// No `Attached N probes` banner.
    pub quiet: bool,
    /// Print `__BPFTRACE_NOTIFY_PROBES_ATTACHED` once attached.
    pub notify_attached: bool,
    /// `-c CMD`: the held command, released once every probe is attached;
    /// the run ends when it exits. Whatever happens, it is ended and reaped
    /// before [`Session::run`] returns.
    pub child: Option<Child>,
    /// `-o FILE`: where the program's output goes instead of stdout.
    pub output: Option<std::fs::File>,
}

/// One run of a compiled artifact, to be created, run and dropped; a process
/// may run any number of them, one after another or at once.
///
/// SIGINT, SIGTERM and SIGHUP stop the run while it runs and do what they
/// did before once it returns. Kernel symbols come from the [`Caches`] given
/// with [`Session::with_caches`] (a fresh, empty one otherwise), so a caller
/// that runs many sessions reads `/proc/kallsyms` once; user-space symbols
/// are looked up afresh in every run.
pub struct Session<'a> {
    artifact: &'a Artifact,
    options: RunOptions,
    caches: Caches,
}

impl<'a> Session<'a> {
    pub fn new(artifact: &'a Artifact, options: RunOptions) -> Self {
        Session {
            artifact,
            options,
            caches: Caches::default(),
        }
    }

    /// Shares symbol caches with other runs.
    pub fn with_caches(mut self, caches: Caches) -> Self {
        self.caches = caches;
        self
    }

    /// Runs to completion (`exit()`, a stop signal, the `-c` command's end,
    /// or right after BEGIN when there is nothing to attach), writing to
    /// stdout or `options.output`.
    pub fn run(mut self) -> Result<()> {
        let mut child = self.options.child.take();
        let result = self.run_with(&mut child);
        // Never leave the command behind: held (an error before release), or
        // still running (exit(), a signal, an error), it is ended and reaped.
        if let Some(c) = child.as_mut() {
            c.terminate();
        }
        result
    }

    fn run_with(self, child: &mut Option<Child>) -> Result<()> {
        let artifact = self.artifact;
        let bpf = open(artifact)?;
        let signals = StopSignals::install()?;
        let mut run = Running::start(bpf, artifact, self.options, self.caches, signals)?;
        let mut links = Vec::new();
        let result = run.trace(child, &mut links);
        attach::detach_all(links);
        // Tracing stopped (exit(), a signal): the command does not outlive it.
        if let Some(c) = child.as_mut() {
            c.terminate();
        }
        result?;
        run.finish()
    }
}

/// Runs an artifact to completion with fresh caches: `Session::new(…).run()`.
pub fn run(artifact: &Artifact, options: RunOptions) -> Result<()> {
    Session::new(artifact, options).run()
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

/// A run in progress: what the kernel holds, the output, the stop signals.
struct Running<'a> {
    artifact: &'a Artifact,
    options: RunOptions,
    bpf: Ebpf,
    ring: RingBuf<MapData>,
    sink: Sink<'a>,
    symbols: Symbolizer,
    signals: StopSignals,
    ncpus: usize,
    /// `exit()` ran, a stop signal came, or the output's reader went away:
    /// tracing stops, and records still in the ring buffer are dropped.
    exit: bool,
    lost_seen: u64,
}

impl<'a> Running<'a> {
    /// Sets the start time and loads every program.
    fn start(
        mut bpf: Ebpf,
        artifact: &'a Artifact,
        mut options: RunOptions,
        caches: Caches,
        signals: StopSignals,
    ) -> Result<Self> {
        set_start_time(&bpf, artifact)?;
        for p in &artifact.probes {
            attach::load(&mut bpf, p)?;
        }
        let ring = RingBuf::try_from(
            bpf.take_map("tl_output")
                .ok_or_else(|| RuntimeError::new("no output map"))?,
        )
        .map_err(|e| RuntimeError::new(format!("cannot open the output ring buffer: {e}")))?;
        let sink = Sink::new(options.format, options.output.take());
        Ok(Running {
            artifact,
            options,
            bpf,
            ring,
            sink,
            symbols: Symbolizer::new(caches),
            signals,
            ncpus: aya::util::nr_cpus()
                .map_err(|(what, e)| RuntimeError::new(format!("{what}: {e}")))?,
            exit: false,
            lost_seen: 0,
        })
    }

    /// BEGIN, attach, and poll until the run should stop.
    ///
    /// As in bpftrace v0.26, BEGIN runs first but its records wait in the
    /// ring buffer until every probe is attached and announced, so its
    /// output follows the banner and the attach marker; an `exit()` in
    /// BEGIN stops the run after that.
    fn trace(&mut self, child: &mut Option<Child>, links: &mut Vec<attach::Link>) -> Result<()> {
        self.run_once(AttachPlan::Begin)?;
        for p in &self.artifact.probes {
            links.extend(attach::attach(&mut self.bpf, p)?);
        }
        if let Some(c) = child.as_mut() {
            c.release().map_err(RuntimeError::new)?;
        }
        self.announce_attached()?;
        self.drain()?;
        if self.exit {
            return Ok(());
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
        while !self.exit && !self.signals.stop_requested() {
            self.wait(child.as_ref().and_then(Child::exit_fd));
            self.drain()?;
            // The command exited: stop as exit() does.
            if child.as_mut().is_some_and(Child::try_wait) {
                break;
            }
            if last_lost_check.elapsed() > Duration::from_millis(500) {
                self.report_lost()?;
                last_lost_check = Instant::now();
            }
        }
        self.exit |= self.signals.stop_requested();
        Ok(())
    }

    /// The banner (unless `-q`), then the marker bpftrace's test runner
    /// waits for (a raw stdout line in every output format).
    fn announce_attached(&mut self) -> Result<()> {
        if !self.options.quiet {
            let probes = self.artifact.probes.len();
            self.sink.write(|o| o.attached(probes))?;
        }
        if self.options.notify_attached {
            let mut stdout = std::io::stdout();
            let _ =
                writeln!(stdout, "__BPFTRACE_NOTIFY_PROBES_ATTACHED").and_then(|_| stdout.flush());
        }
        Ok(())
    }

    /// END, the last records, and every script map.
    fn finish(mut self) -> Result<()> {
        // Everything is detached: after `exit()` or a signal the records
        // left are dropped (bpftrace ignores them once it finalizes); after
        // the command's end they are printed. END's are printed either way.
        if self.exit {
            self.discard();
        } else {
            self.drain_all()?;
        }
        self.exit = false;
        self.run_once(AttachPlan::End)?;
        self.drain_all()?;
        self.report_lost()?;
        if self.lost_seen > 0 {
            // On stderr, so that it is seen whatever the output's volume.
            eprintln!("WARNING: Total lost event count: {}", self.lost_seen);
        }
        self.sink.write(|o| o.end_separator())?;
        let decoder = Decoder {
            maps: LoadedMaps::new(&self.bpf, self.ncpus),
            symbols: &self.symbols,
        };
        let printed = self
            .artifact
            .maps
            .iter()
            .filter(|_| self.artifact.print_maps_on_exit);
        for spec in printed {
            if let Some(map) = ScriptMap::new(spec) {
                // Every map, empty ones too (a blank line), as bpftrace prints them.
                let m = decoder.maps.read(&map, &decoder)?;
                self.sink.write(|o| o.map(&m, 0, 0))?;
            }
        }
        Ok(())
    }

    /// Runs the `BEGIN` or `END` programs once, with `BPF_PROG_TEST_RUN`.
    fn run_once(&mut self, plan: AttachPlan) -> Result<()> {
        for p in self.artifact.probes.iter().filter(|p| p.attach == plan) {
            attach::run_once(&mut self.bpf, p)?;
        }
        Ok(())
    }

    /// Waits up to 100 ms for records, or for the command's pidfd.
    fn wait(&self, exit_fd: Option<i32>) {
        let mut fds = [libc::pollfd {
            fd: self.ring.as_fd().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }; 2];
        // The pidfd (if any) wakes us as soon as the command exits.
        if let Some(fd) = exit_fd {
            fds[1].fd = fd;
        }
        let nfds = 1 + exit_fd.is_some() as libc::nfds_t;
        // SAFETY: nfds valid pollfds; a signal interrupts the wait with EINTR, which we treat as a wakeup.
        unsafe { libc::poll(fds.as_mut_ptr(), nfds, 100) };
    }

    /// Decodes the records waiting in the ring buffer and performs them, up
    /// to `exit()` or [`DRAIN_BATCH`] records: probes that fire on the
    /// tracer's own output (a write syscall) refill the buffer as fast as it
    /// drains, and the caller must get to see signals. True when the batch
    /// ended before the buffer did.
    fn drain(&mut self) -> Result<bool> {
        let decoder = Decoder {
            maps: LoadedMaps::new(&self.bpf, self.ncpus),
            symbols: &self.symbols,
        };
        let mut cx = ActionContext {
            artifact: self.artifact,
            decoder: &decoder,
            sink: &mut self.sink,
        };
        let mut more = true;
        for _ in 0..DRAIN_BATCH {
            let Some(record) = self.ring.next().filter(|_| !self.exit) else {
                more = false;
                break;
            };
            let event = Event::decode(self.artifact, &record, &decoder);
            drop(record);
            if let Some(event) = event {
                if event.perform(&mut cx)? == Flow::Exit {
                    self.exit = true;
                }
            }
        }
        self.exit |= cx.sink.is_closed();
        Ok(more)
    }

    /// Performs every record left once all probes are detached.
    fn drain_all(&mut self) -> Result<()> {
        while self.drain()? {}
        Ok(())
    }

    /// Drops every record left once all probes are detached.
    fn discard(&mut self) {
        while self.ring.next().is_some() {}
    }

    /// Prints how many records the ring buffer dropped since last time.
    fn report_lost(&mut self) -> Result<()> {
        let maps = LoadedMaps::new(&self.bpf, self.ncpus);
        match maps.lost_total() {
            Some(total) if total > self.lost_seen => {
                let n = total - self.lost_seen;
                self.lost_seen = total;
                self.sink.write(|o| o.lost(n))?;
                self.exit |= self.sink.is_closed();
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
