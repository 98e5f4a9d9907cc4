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

#[test]
fn not_root_is_a_clear_error_before_anything_is_attempted() {
    require_bpf!(); // root, to be able to drop to nobody
    let mut cmd = common::tracelet();
    cmd.args(["-e", "tracepoint:sched:sched_switch { @ = count(); }"]);
    // SAFETY: setgid/setuid in the child before exec, no allocation.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = common::run_cmd(cmd, None, common::TIMEOUT);
    out.assert_code(1);
    assert!(out.stdout.is_empty(), "{out}");
    assert!(out.stderr.contains("tracelet needs root"), "{out}");
    assert!(!out.stderr.contains("panicked"), "{out}");
}
