//! What tracelet does about its environment: tracefs not mounted yet, and not
//! running as root.

mod common;

use std::os::unix::process::CommandExt;

/// In a private mount namespace (the machine's mounts stay as they are):
/// unmounts every tracefs, runs `setup`, runs a tracepoint script, and returns
/// its output and the mount points of tracefs afterwards.
fn run_with_tracefs_unmounted(setup: &str) -> (common::Output, Vec<String>) {
    let script = format!(
        "while umount /sys/kernel/tracing 2>/dev/null; do :; done; \
         while umount /sys/kernel/debug/tracing 2>/dev/null; do :; done; \
         {setup} \
         if grep -q ' tracefs ' /proc/self/mounts; then echo STILL-MOUNTED; exit 3; fi; \
         {} -q -e 'tracepoint:sched:sched_switch {{ @ = count(); }} interval:ms:200 {{ exit(); }}' && \
         echo MOUNTS: && awk '$3 == \"tracefs\" {{ print $2 }}' /proc/self/mounts",
        env!("CARGO_BIN_EXE_tracelet")
    );
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-c", &script]);
    let out = common::run_cmd(cmd, None, common::TIMEOUT);
    out.assert_ok();
    assert!(out.stdout.contains("@: "), "the tracepoint fired: {out}");
    let (_, mounts) = out.stdout.split_once("MOUNTS:\n").expect("mount list");
    let mounts = mounts.lines().map(str::to_string).collect();
    (out, mounts)
}

/// Whether the kernel has debugfs (it is optional: CONFIG_DEBUG_FS).
fn kernel_has_debugfs() -> bool {
    std::fs::read_to_string("/proc/filesystems")
        .unwrap()
        .lines()
        .any(|line| line.split_whitespace().last() == Some("debugfs"))
}

#[test]
fn mounts_tracefs_when_it_is_missing() {
    require_bpf!();
    // As on a fresh machine: no tracefs, and no debugfs that would bring one.
    let (out, mounts) = run_with_tracefs_unmounted(
        "while umount /sys/kernel/debug 2>/dev/null; do :; done; \
         if grep -q ' debugfs ' /proc/self/mounts; then echo DEBUGFS-MOUNTED; exit 3; fi;",
    );
    assert_eq!(mounts, ["/sys/kernel/tracing"], "{out}");
}

#[test]
fn uses_the_tracefs_that_debugfs_brings() {
    require_bpf!();
    if !kernel_has_debugfs() {
        eprintln!(
            "!!! SKIPPED uses_the_tracefs_that_debugfs_brings: this kernel has no debugfs !!!"
        );
        return;
    }
    // debugfs mounted, tracefs nowhere: /sys/kernel/debug/tracing mounts
    // tracefs when it is looked into, and the runtime takes that one.
    let (out, mounts) = run_with_tracefs_unmounted(
        "grep -q ' /sys/kernel/debug debugfs ' /proc/self/mounts || \
         mount -t debugfs none /sys/kernel/debug || exit 4;",
    );
    assert_eq!(mounts, ["/sys/kernel/debug/tracing"], "{out}");
}

/// tracelet with `args`, run as the user `nobody` (the caller must be root).
fn run_as_nobody(args: &[&str]) -> common::Output {
    let mut cmd = common::tracelet();
    cmd.args(args);
    // SAFETY: setgid/setuid in the child before exec, no allocation.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    common::run_cmd(cmd, None, common::TIMEOUT)
}

/// tracelet with `args` in a private mount namespace whose `/sys/kernel` is
/// an empty tmpfs: no tracefs anywhere, and nowhere to mount it.
fn run_without_tracefs(args: &[&str]) -> common::Output {
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(r#"mount -t tmpfs none /sys/kernel && exec "$@""#)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_tracelet"))
        .args(args);
    common::run_cmd(cmd, None, common::TIMEOUT)
}

#[test]
fn not_root_is_a_clear_error_before_anything_is_attempted() {
    require_bpf!(); // root, to be able to drop to nobody
    let out = run_as_nobody(&["-e", "tracepoint:sched:sched_switch { @ = count(); }"]);
    out.assert_code(1);
    assert!(out.stdout.is_empty(), "{out}");
    assert!(out.stderr.contains("tracelet needs root"), "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
}

/// Asserts that a dump of a tracepoint program failed because tracepoint
/// formats cannot be read (`why` says why), and printed no stage.
fn assert_no_formats(out: &common::Output, why: &str) {
    out.assert_code(1);
    assert!(out.stdout.is_empty(), "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
    // miette wraps long lines (at a space or a `/`): compare without layout.
    let squeeze = |s: &str| s.replace(|c: char| c.is_whitespace() || c == '│', "");
    assert!(
        squeeze(&out.stderr).contains(&squeeze(&format!("cannot read tracepoint formats: {why}"))),
        "{out}"
    );
}

#[test]
fn dump_of_a_tracepoint_without_readable_tracefs_says_so() {
    require_bpf!(); // root, to be able to drop to nobody
    let tracepoint = "tracepoint:sched:sched_switch { @ = count(); }";
    for stage in ["ir", "bpf"] {
        let out = run_as_nobody(&["-d", stage, "-e", tracepoint]);
        assert_no_formats(
            &out,
            "/sys/kernel/tracing is readable only by root (permission denied)",
        );
    }
    // A wildcard, under the alias: the same error, not "no tracepoint matches".
    let out = run_as_nobody(&["-d", "ir", "-e", "t:syscalls:sys_enter_* { @ = count(); }"]);
    assert_no_formats(&out, "/sys/kernel/tracing is readable only by root");
    // The AST needs no kernel; a program without tracepoints needs no tracefs.
    run_as_nobody(&["-d", "ast", "-e", tracepoint]).assert_ok();
    let out = run_as_nobody(&[
        "-d",
        "ir",
        "-e",
        "BEGIN { @x = 1; } interval:s:1 { exit(); }",
    ]);
    out.assert_ok();
    assert!(out.stdout.starts_with("begin:"), "{out}");
    assert!(out.stderr.is_empty(), "{out}");
}

#[test]
fn dump_of_a_tracepoint_without_tracefs_says_so() {
    require_bpf!(); // root, for a private mount namespace
    let out = run_without_tracefs(&["-d", "ir", "-e", "tracepoint:sched:sched_switch { }"]);
    assert_no_formats(
        &out,
        "tracefs is not available: /sys/kernel/tracing does not exist",
    );
    let out = run_without_tracefs(&["-d", "bpf", "-e", "BEGIN { printf(\"hi\\n\"); }"]);
    out.assert_ok();
    assert!(out.stdout.starts_with("begin:"), "{out}");
}
