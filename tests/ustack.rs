//! `ustack` and `usym` on a tiny C program built at test time with `cc`
//! (frame pointers kept, so the kernel can walk its stack): symbolized
//! frames, the modes, a process gone by print time, and `--dry-run`s of the
//! other probe types through the verifier.

mod common;

use common::{Running, Workload, TIMEOUT};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const ATTACH: Duration = Duration::from_secs(30);

/// `main` → `a` → `b` → `c(done)`, then `done()`, then sleeps for argv[1]
/// seconds when given (so the process is still there when tracelet prints).
const PROGRAM: &str = r#"
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) void done(void) { __asm__ volatile(""); }
__attribute__((noinline)) int c(void (*f)(void)) { return f != 0; }
__attribute__((noinline)) int b(void (*f)(void)) { return c(f) + 1; }
__attribute__((noinline)) int a(void (*f)(void)) { return b(f) + 1; }
int main(int argc, char **argv) {
    volatile int r = a(done);
    done();
    if (argc > 1) sleep(atoi(argv[1]));
    return r == 3 ? 0 : 1;
}
"#;

/// Builds [`PROGRAM`] into a fresh temporary directory and returns its path.
fn build(tag: &str) -> PathBuf {
    let dir = common::temp_path(&format!("ustack_{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("target.c");
    std::fs::write(&src, PROGRAM).unwrap();
    let bin = dir.join("target");
    let status = Command::new("cc")
        .args([
            "-O0",
            "-fno-omit-frame-pointer",
            "-fcf-protection=none",
            "-o",
        ])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("cannot run `cc`: a C compiler is needed to build the ustack test target");
    assert!(status.success(), "cc failed: {status}");
    bin
}

/// The frames of the map entry printed after the line `header`.
fn frames_after<'a>(stdout: &'a str, header: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with(']'))
        .map(str::trim)
        .collect()
}

#[test]
fn ustack_and_usym_symbolize_a_live_process() {
    require_bpf!();
    let bin = build("live");
    let bin_s = bin.to_str().unwrap();
    let program = format!(
        "uprobe:{bin_s}:c {{ @[ustack] = count(); @s[usym(arg0)] = count(); \
         @r[ustack(raw, 2)] = count(); @p[ustack(perf, 1)] = count(); }} \
         uprobe:{bin_s}:done {{ exit(); }}"
    );
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    // Sleeps after `done()`, so its mappings are still there at print time.
    let mut child = Command::new(&bin)
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let out = t.finish(TIMEOUT);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(bin.parent().unwrap());
    out.assert_ok();
    let stdout = out.stdout_clean();
    let frames = frames_after(&stdout, "@[");
    assert!(frames.len() >= 4, "too few frames:\n{stdout}");
    for (frame, name) in frames.iter().zip(["c", "b", "a", "main"]) {
        let (sym, off) = frame
            .split_once('+')
            .unwrap_or_else(|| panic!("frame `{frame}` has no offset:\n{stdout}"));
        assert_eq!(sym, name, "frames out of order:\n{stdout}");
        assert!(off.parse::<u64>().is_ok(), "bad offset in `{frame}`");
    }
    assert!(stdout.contains("\n        c+0\n"), "{stdout}");
    assert!(stdout.contains("@s[done]: 1\n"), "{stdout}");
    // raw: two hex addresses, no symbols.
    let raw = frames_after(&stdout, "@r[");
    assert_eq!(raw.len(), 2, "{stdout}");
    assert!(raw
        .iter()
        .all(|f| u64::from_str_radix(f, 16).is_ok() && !f.starts_with("0x")));
    // perf: `address symbol+offset (module)`.
    let perf = frames_after(&stdout, "@p[");
    assert_eq!(perf.len(), 1, "{stdout}");
    let (addr, rest) = perf[0].split_once(' ').unwrap();
    assert!(u64::from_str_radix(addr, 16).is_ok(), "{stdout}");
    assert_eq!(rest, format!("c+0 ({bin_s})"), "{stdout}");
}

#[test]
fn ustack_of_an_exited_process_prints_hex_frames() {
    require_bpf!();
    let bin = build("exited");
    let bin_s = bin.to_str().unwrap();
    let workload = Workload::new(&format!("exec {bin_s}"));
    let pid = workload.pid();
    let program = format!(
        "uprobe:{bin_s}:c {{ @[ustack] = count(); @s[usym(arg0)] = count(); }} \
         tracepoint:sched:sched_process_exit /pid == {pid}/ {{ exit(); }}"
    );
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    workload.release_and_wait(TIMEOUT);
    let out = t.finish(TIMEOUT);
    let _ = std::fs::remove_dir_all(bin.parent().unwrap());
    out.assert_ok();
    let stdout = out.stdout_clean();
    let frames = frames_after(&stdout, "@[");
    assert!(frames.len() >= 4, "too few frames:\n{stdout}");
    assert!(
        frames
            .iter()
            .all(|f| f.starts_with("0x") && u64::from_str_radix(&f[2..], 16).is_ok()),
        "{stdout}"
    );
    assert!(stdout.contains("@s[0x"), "{stdout}");
}

#[test]
fn ustack_dry_runs_pass_the_verifier() {
    require_bpf!();
    for program in [
        "profile:hz:99 { @[ustack] = count(); }",
        "tracepoint:syscalls:sys_enter_write { @[ustack(5)] = count(); }",
        "interval:s:1 { @[ustack(perf), usym(0)] = count(); }",
        "BEGIN { print(ustack(raw)); exit(); }",
    ] {
        let out = common::run(&["-q", "--dry-run", "-e", program]);
        assert_eq!(out.code, Some(0), "`{program}`:\n{out}");
    }
}
