//! The runtime runs many sessions in one process: one after another, and after
//! a run stopped by SIGINT, with the process's SIGINT disposition back to
//! the default after each run. Needs root (BPF programs load for real).

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};
use tracelet_compiler::Options;
use tracelet_runtime::kernel::LiveKernel;
use tracelet_runtime::{Caches, RunOptions, Session};

/// The tests share the process's signal dispositions, and one raises SIGINT:
/// they run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A file in the temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "tracelet-sessions-{}-{name}.out",
            std::process::id()
        ));
        TempFile(path)
    }

    fn read(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap_or_default()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Compiles `src` against the live kernel and runs it in a fresh session
/// (sharing `caches`), writing its output to `out`; returns that output.
fn run(src: &str, out: &TempFile, caches: &Caches) -> String {
    let kernel = LiveKernel::new().expect("tracefs");
    let artifact = tracelet_compiler::compile(src, &kernel, &Options::default())
        .unwrap_or_else(|d| panic!("{src}: {d:?}"));
    let options = RunOptions {
        quiet: true,
        output: Some(std::fs::File::create(&out.0).expect("output file")),
        ..RunOptions::default()
    };
    Session::new(&artifact, options)
        .with_caches(caches.clone())
        .run()
        .unwrap_or_else(|e| panic!("{src}: {e}"));
    out.read()
}

/// The handler address of the process's current SIGINT disposition.
fn sigint_handler() -> libc::sighandler_t {
    // SAFETY: a null new action only queries; `old` is a valid out-pointer.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        assert_eq!(libc::sigaction(libc::SIGINT, std::ptr::null(), &mut old), 0);
        old.sa_sigaction
    }
}

#[test]
fn two_sessions_run_back_to_back_in_one_process() {
    if !common::root_or_skip("two_sessions_run_back_to_back_in_one_process") {
        return;
    }
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let caches = Caches::default();
    let first = TempFile::new("first");
    assert_eq!(
        run(r#"BEGIN { printf("a\n"); exit(); }"#, &first, &caches),
        "a\n\n\n"
    );
    let second = TempFile::new("second");
    let src = r#"BEGIN { @x = 7; printf("b %d\n", 42); exit(); }"#;
    assert_eq!(run(src, &second, &caches), "b 42\n\n\n@x: 7\n");
    assert_eq!(sigint_handler(), libc::SIG_DFL);
}

#[test]
fn a_run_stopped_by_sigint_leaves_the_next_run_and_the_default_disposition() {
    if !common::root_or_skip(
        "a_run_stopped_by_sigint_leaves_the_next_run_and_the_default_disposition",
    ) {
        return;
    }
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(
        sigint_handler(),
        libc::SIG_DFL,
        "the test starts with SIG_DFL"
    );
    let caches = Caches::default();
    // A run before: the SIGINT below must reach the next run even though
    // this one has already come and gone.
    let before = TempFile::new("before");
    assert_eq!(run("BEGIN { exit(); }", &before, &caches), "\n\n");
    let stopped = TempFile::new("stopped");
    let watched = stopped.0.clone();
    // Once the interval probe has printed (so it is attached and polling),
    // the whole process gets a SIGINT, as from Ctrl-C.
    let interrupter = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let text = std::fs::read_to_string(&watched).unwrap_or_default();
            if text.contains("tick\n") {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_hook::low_level::raise(libc::SIGINT).expect("raise SIGINT");
    });
    let src = r#"BEGIN { printf("begin\n"); }
        interval:ms:50 { printf("tick\n"); }
        END { printf("end\n"); }"#;
    let out = run(src, &stopped, &caches);
    interrupter.join().expect("interrupter thread");
    let ticks = out
        .strip_prefix("begin\n")
        .and_then(|rest| rest.strip_suffix("end\n\n\n"))
        .unwrap_or_else(|| panic!("BEGIN, ticks, END and the separator: {out:?}"));
    assert!(!ticks.is_empty(), "at least one tick: {out:?}");
    assert_eq!(ticks.replace("tick\n", ""), "", "only ticks: {out:?}");
    assert_eq!(
        sigint_handler(),
        libc::SIG_DFL,
        "restored after the first run"
    );

    // A fresh stop flag: this run polls until its own exit(), not stopped at
    // once by the first run's SIGINT.
    let next = TempFile::new("next");
    let src = r#"interval:ms:50 { printf("again\n"); exit(); }"#;
    assert_eq!(run(src, &next, &caches), "again\n\n\n");
    assert_eq!(
        sigint_handler(),
        libc::SIG_DFL,
        "restored after the second run"
    );
}
