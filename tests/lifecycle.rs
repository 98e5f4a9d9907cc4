//! Nothing outlives tracelet: after exit(), SIGINT and SIGTERM every BPF
//! program it loaded is gone, and END still runs and maps still print.
//!
//! The tests in this file run one at a time (see `SERIAL`), and each one
//! checks only the program ids held open by *its* tracelet process (read from
//! /proc/PID/fdinfo), so other tracelet processes on the machine don't matter.

mod common;

use common::{Running, TIMEOUT};
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

/// Ids of the BPF programs held open by process `pid`.
fn prog_ids_of(pid: i32) -> BTreeSet<u32> {
    let mut ids = BTreeSet::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else {
        return ids;
    };
    for entry in dir.filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("prog_id:") {
                if let Ok(id) = v.trim().parse() {
                    ids.insert(id);
                }
            }
        }
    }
    ids
}

/// All loaded BPF programs: id → name.
fn loaded() -> Vec<(u32, String)> {
    aya::programs::loaded_programs()
        .filter_map(Result::ok)
        .map(|p| (p.id(), p.name_as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Start PROGRAM, wait for attachment, snapshot its `tl_` program ids, let
/// `end` stop it, then assert those ids are gone. Returns the output.
fn check_cleanup(program: &str, end: impl FnOnce(&Running)) -> common::Output {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut t = Running::spawn(&["-q", "-e", program]);
    t.wait_attached(Duration::from_secs(30));
    let mine = prog_ids_of(t.pid());
    let named: Vec<(u32, String)> = loaded()
        .into_iter()
        .filter(|(id, name)| mine.contains(id) && name.starts_with("tl_"))
        .collect();
    assert!(
        !named.is_empty(),
        "no tl_ programs held by tracelet (fd ids {mine:?})"
    );
    end(&t);
    let out = t.finish(TIMEOUT);
    out.assert_ok();
    // Program release after close is synchronous for fds but give RCU a moment.
    let mut left = Vec::new();
    for _ in 0..50 {
        let now: BTreeSet<u32> = loaded().into_iter().map(|(id, _)| id).collect();
        left = named
            .iter()
            .filter(|(id, _)| now.contains(id))
            .cloned()
            .collect();
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(left.is_empty(), "programs left loaded: {left:?}\n{out}");
    out
}

const PROGRAM: &str = "tracepoint:sched:sched_switch { @sw = count(); } \
                       profile:hz:49 { @p = count(); } \
                       interval:ms:100 { @i = count(); } \
                       END { printf(\"end ran\\n\"); }";

#[test]
fn cleanup_after_exit() {
    require_bpf!();
    let program = format!("{PROGRAM} interval:ms:600 {{ exit(); }}");
    let out = check_cleanup(&program, |_| {});
    assert!(out.stdout.contains("end ran\n"), "{out}");
    assert!(out.stdout.contains("@sw: "), "{out}");
}

#[test]
fn cleanup_after_sigint_prints_maps() {
    require_bpf!();
    let out = check_cleanup(PROGRAM, |t| {
        std::thread::sleep(Duration::from_millis(300));
        t.signal(libc::SIGINT);
    });
    assert!(out.stdout.contains("end ran\n"), "{out}");
    assert!(out.stdout.contains("@sw: "), "{out}");
    assert!(out.stdout.contains("@i: "), "{out}");
}

#[test]
fn cleanup_after_sigterm_prints_maps() {
    require_bpf!();
    let out = check_cleanup(PROGRAM, |t| {
        std::thread::sleep(Duration::from_millis(300));
        t.signal(libc::SIGTERM);
    });
    assert!(out.stdout.contains("end ran\n"), "{out}");
    assert!(out.stdout.contains("@sw: "), "{out}");
}

#[test]
fn cleanup_after_attach_failure() {
    require_bpf!();
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let before: BTreeSet<u32> = loaded().into_iter().map(|(id, _)| id).collect();
    let out = common::run_q("tracepoint:sched:sched_switch { @ = count(); } kprobe:vfs_read { }");
    out.assert_code(1);
    assert!(!out.stderr.contains("panicked"), "{out}");
    // Any tl_ program that appeared during the run and is still loaded must
    // belong to some other live tracelet; ours exited, so check by owner.
    let leaked: Vec<(u32, String)> = loaded()
        .into_iter()
        .filter(|(id, name)| !before.contains(id) && name.starts_with("tl_"))
        .filter(|(id, _)| !held_by_live_process(*id))
        .collect();
    assert!(leaked.is_empty(), "leaked after failed attach: {leaked:?}");
}

/// True when some live process holds program `id` open (e.g. another
/// engineer's tracelet), so it cannot be our leak.
fn held_by_live_process(id: u32) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .any(|pid| prog_ids_of(pid).contains(&id))
}

#[test]
fn a_probe_fed_by_its_own_output_still_stops() {
    require_bpf!();
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Every line printed is a write syscall that fires the probe again: the
    // event loop must still see exit() and signals, never drain forever.
    let out = common::run_q("tracepoint:raw_syscalls:sys_exit { printf(\"x\\n\"); exit(); }");
    out.assert_ok();
    assert!(out.stdout.starts_with("x\n"), "{out}");
    let mut flood = Running::spawn(&["-q", "-e", "rawtracepoint:sys_exit { printf(\"y\\n\"); }"]);
    flood.wait_attached(Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    flood.signal(libc::SIGTERM);
    let out = flood.finish(TIMEOUT);
    assert!(!out.timed_out, "SIGTERM did not stop it: {out}");
    assert_eq!(out.code, Some(0), "{out}");
}
