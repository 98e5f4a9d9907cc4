//! What tracelet does about its environment: tracefs not mounted yet, and not
//! running as root.

mod common;

use std::os::unix::process::CommandExt;

#[test]
fn mounts_tracefs_when_it_is_missing() {
    require_bpf!();
    // In a private mount namespace with tracefs unmounted, as on a fresh machine.
    let script = format!(
        "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; \
         if grep -q ' tracefs ' /proc/self/mounts; then echo STILL-MOUNTED; exit 3; fi; \
         {} -q -e 'tracepoint:sched:sched_switch {{ @ = count(); }} interval:ms:200 {{ exit(); }}' && \
         grep -c ' /sys/kernel/tracing tracefs ' /proc/self/mounts",
        env!("CARGO_BIN_EXE_tracelet")
    );
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-c", &script]);
    let out = common::run_cmd(cmd, None, common::TIMEOUT);
    out.assert_ok();
    assert!(out.stdout.contains("@: "), "the tracepoint fired: {out}");
    assert!(
        out.stdout.trim_end().ends_with('1'),
        "tracefs mounted: {out}"
    );
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
