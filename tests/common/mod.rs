//! Shared helpers for the end-to-end tests: run the real `tracelet` binary
//! with a timeout, capture what it prints, and skip loudly without root.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Default limit for one tracelet run; generous for a loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The line tracelet prints once every probe is attached (when the
/// `__BPFTRACE_NOTIFY_PROBES_ATTACHED` environment variable is set).
pub const ATTACHED: &str = "__BPFTRACE_NOTIFY_PROBES_ATTACHED";

/// True when BPF tests can run (we are root). Otherwise print a loud skip
/// message, or panic when `TRACELET_REQUIRE_BPF=1` so CI cannot skip silently.
pub fn bpf_available() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    if std::env::var("TRACELET_REQUIRE_BPF").as_deref() == Ok("1") {
        panic!("TRACELET_REQUIRE_BPF=1 but not running as root: BPF tests cannot run");
    }
    eprintln!();
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    eprintln!("!!! SKIPPING BPF TEST: not root. Run as root (or set              !!!");
    eprintln!("!!! TRACELET_REQUIRE_BPF=1 to make this a failure).               !!!");
    eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    false
}

/// Skip the current test (return early) when BPF is not available.
#[macro_export]
macro_rules! require_bpf {
    () => {
        if !common::bpf_available() {
            return;
        }
    };
}

/// What one run of tracelet produced.
#[derive(Debug)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    /// Exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    /// True when we had to kill it because it ran past its timeout.
    pub timed_out: bool,
}

impl Output {
    /// Panic with the whole output unless tracelet exited with `code`.
    pub fn assert_code(&self, code: i32) -> &Self {
        assert!(!self.timed_out, "tracelet timed out:\n{self}");
        assert_eq!(self.code, Some(code), "unexpected exit code:\n{self}");
        self
    }

    pub fn assert_ok(&self) -> &Self {
        self.assert_code(0)
    }

    /// stdout without the `__BPFTRACE_NOTIFY_PROBES_ATTACHED` line.
    pub fn stdout_clean(&self) -> String {
        self.stdout
            .lines()
            .filter(|l| *l != ATTACHED)
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "exit code: {:?}, timed out: {}",
            self.code, self.timed_out
        )?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        writeln!(f, "--- stderr ---\n{}", self.stderr)
    }
}

/// A `Command` for the tracelet binary under test.
pub fn tracelet() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tracelet"));
    // Config variables of the caller's environment would change the results.
    for (var, _) in std::env::vars_os() {
        if var.to_string_lossy().starts_with("BPFTRACE_") {
            cmd.env_remove(var);
        }
    }
    cmd.env_remove("__BPFTRACE_NOTIFY_PROBES_ATTACHED")
        .env("RUST_BACKTRACE", "1");
    cmd
}

/// Run `tracelet ARGS` with no stdin and the default timeout.
pub fn run(args: &[&str]) -> Output {
    let mut cmd = tracelet();
    cmd.args(args);
    run_cmd(cmd, None, TIMEOUT)
}

/// Run `tracelet -q -e PROGRAM`.
pub fn run_q(program: &str) -> Output {
    run(&["-q", "-e", program])
}

/// Run a prepared command, feeding `stdin`, killing it after `timeout`.
pub fn run_cmd(cmd: Command, stdin: Option<&str>, timeout: Duration) -> Output {
    let mut running = Running::spawn_cmd(cmd, stdin.is_some());
    if let Some(input) = stdin {
        let mut pipe = running.child.stdin.take().expect("stdin is piped");
        pipe.write_all(input.as_bytes())
            .expect("write tracelet stdin");
    }
    running.finish(timeout)
}

fn reader_thread<R: Read + Send + 'static>(
    pipe: R,
    lines: Option<mpsc::Sender<String>>,
) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let buf = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&buf);
    let handle = thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    sink.lock().unwrap().push_str(&text);
                    if let Some(tx) = &lines {
                        let _ = tx.send(text);
                    }
                }
            }
        }
    });
    (buf, handle)
}

/// A tracelet process in flight: lets a test wait for attachment, run a
/// workload, send signals, and collect the output with a timeout.
pub struct Running {
    pub child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    lines: Receiver<String>,
    threads: Vec<JoinHandle<()>>,
}

impl Running {
    /// Start `tracelet ARGS` with `__BPFTRACE_NOTIFY_PROBES_ATTACHED=1`.
    pub fn spawn(args: &[&str]) -> Running {
        let mut cmd = tracelet();
        cmd.args(args).env(ATTACHED, "1");
        Running::spawn_cmd(cmd, false)
    }

    pub fn spawn_cmd(mut cmd: Command, piped_stdin: bool) -> Running {
        cmd.stdin(if piped_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn tracelet");
        let (tx, lines) = mpsc::channel();
        let (stdout, h1) = reader_thread(child.stdout.take().unwrap(), Some(tx));
        let (stderr, h2) = reader_thread(child.stderr.take().unwrap(), None);
        Running {
            child,
            stdout,
            stderr,
            lines,
            threads: vec![h1, h2],
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Wait until tracelet reports its probes attached. Panics (after killing
    /// tracelet) if it exits or does not attach within `timeout`.
    pub fn wait_attached(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.trim_end() == ATTACHED => return,
                Ok(_) => continue,
                Err(_) => {
                    let what = if Instant::now() >= deadline {
                        "did not attach in time"
                    } else {
                        "exited before attaching"
                    };
                    let out = self.kill_and_collect();
                    panic!("tracelet {what}:\n{out}");
                }
            }
        }
    }

    /// Send a signal to tracelet.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(rc, 0, "kill({}, {sig}) failed", self.pid());
    }

    fn kill_and_collect(&mut self) -> Output {
        let _ = self.child.kill();
        let status = self.child.wait().ok();
        self.collect(status.and_then(|s| s.code()), true)
    }

    fn collect(&mut self, code: Option<i32>, timed_out: bool) -> Output {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        Output {
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
            code,
            timed_out,
        }
    }

    /// Wait for tracelet to exit by itself within `timeout`, else kill it.
    pub fn finish(mut self, timeout: Duration) -> Output {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait().expect("wait for tracelet") {
                Some(status) => return self.collect(status.code(), false),
                None if Instant::now() >= deadline => return self.kill_and_collect(),
                None => thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A workload process that is spawned stopped: it waits for one line on its
/// stdin before it `exec`s `script` (a shell command), so its pid is known
/// before it does anything worth tracing and stays the same through `exec`.
pub struct Workload {
    pub child: Child,
}

impl Workload {
    pub fn new(script: &str) -> Workload {
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("read _go; {script}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn workload");
        Workload { child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Let the workload run and wait (up to `timeout`) for it to finish.
    pub fn release_and_wait(mut self, timeout: Duration) {
        {
            let mut stdin = self.child.stdin.take().expect("workload stdin");
            stdin.write_all(b"go\n").expect("release workload");
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait workload") {
                assert!(status.success(), "workload failed: {status}");
                return;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("workload did not finish in {timeout:?}");
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Workload {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Assert a diagnostic: exit code 1, no panic/backtrace, the message, and a
/// source excerpt with an underline.
pub fn assert_diagnostic(out: &Output, needles: &[&str]) {
    out.assert_code(1);
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("stack backtrace"),
        "panic on stderr:\n{out}"
    );
    for needle in needles {
        assert!(
            out.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{out}"
        );
    }
    assert!(
        out.stderr.contains('│') || out.stderr.contains('|'),
        "no source line on stderr:\n{out}"
    );
    assert!(
        out.stderr.contains('┬') || out.stderr.contains('─') || out.stderr.contains('^'),
        "no underline on stderr:\n{out}"
    );
}

/// A unique temporary path for this test process.
pub fn temp_path(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("tracelet_e2e_{}_{tag}", std::process::id()))
}

/// Compiles the C `source` with `cc -O0` into a fresh directory for `tag`
/// and returns the binary's path.
#[allow(dead_code)]
pub fn build_c(tag: &str, source: &str) -> std::path::PathBuf {
    let dir = temp_path(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("target.c");
    std::fs::write(&src, source).unwrap();
    let bin = dir.join("target");
    let status = Command::new("cc")
        .args(["-O0", "-fcf-protection=none", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("cannot run `cc`: a C compiler is needed to build test targets");
    assert!(status.success(), "cc failed: {status}");
    bin
}
