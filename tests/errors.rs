//! One test per error class: exit code 1, a message, a source excerpt with an
//! underline, and never a panic or backtrace.

mod common;

use common::assert_diagnostic;

fn err(program: &str, needles: &[&str]) {
    let out = common::run_q(program);
    assert_diagnostic(&out, needles);
}

#[test]
fn syntax_error() {
    err(
        r#"BEGIN { printf("x" }"#,
        &["unexpected", "BEGIN { printf(\"x\" }"],
    );
}

#[test]
fn unknown_function_did_you_mean() {
    err(
        "BEGIN { @ = cout(); }",
        &["unknown function `cout`", "did you mean `count`"],
    );
}

#[test]
fn unknown_builtin_did_you_mean() {
    err(
        "BEGIN { $x = pdi; }",
        &["unknown builtin `pdi`", "did you mean `pid`"],
    );
}

#[test]
fn unknown_tracepoint_near_miss() {
    require_bpf!();
    err(
        "tracepoint:sched:sched_swich { }",
        &[
            "sched_swich",
            "not found",
            "did you mean `tracepoint:sched:sched_switch`",
        ],
    );
}

#[test]
fn unknown_tracepoint_field_hint() {
    require_bpf!();
    err(
        "tracepoint:sched:sched_switch { @[args->prev_com] = count(); }",
        &["prev_com", "did you mean `prev_comm`"],
    );
}

#[test]
fn type_error_map_value_conflict() {
    err("BEGIN { @x = count(); @x = 1; }", &["@x", "count()"]);
}

#[test]
fn type_error_string_arithmetic() {
    err("BEGIN { $x = comm + 1; }", &["operator `+`", "string"]);
}

#[test]
fn str_of_string_literal_is_fine() {
    require_bpf!();
    let out = common::run_q(r#"BEGIN { printf("%s\n", str("lit")); exit(); }"#);
    out.assert_ok();
    assert!(out.stdout.starts_with("lit\n"), "{out}");
}

#[test]
fn printf_argument_count_mismatch() {
    err(r#"BEGIN { printf("%d %d\n", 1); }"#, &["too few arguments"]);
    err(r#"BEGIN { printf("%d\n", 1, 2); }"#, &["printf"]);
}

#[test]
fn printf_argument_type_mismatch() {
    err(
        r#"BEGIN { printf("%d\n", "s"); }"#,
        &["%d expects an integer"],
    );
}

#[test]
fn division_by_literal_zero() {
    err("BEGIN { $x = 5 / 0; }", &["division by zero"]);
}

#[test]
fn bad_probe_type() {
    err("foo:bar { }", &["unknown probe type `foo`"]);
}

#[test]
fn undefined_variable() {
    err(
        r#"BEGIN { printf("%d\n", $undef); }"#,
        &["undefined variable $undef"],
    );
}

#[test]
fn unroll_out_of_range() {
    err("BEGIN { unroll(0) { } }", &["unroll minimum value is 1"]);
    err(
        "BEGIN { unroll(101) { } }",
        &["unroll maximum value is 100"],
    );
}

#[test]
fn kprobe_attach_fails_precisely() {
    require_bpf!();
    // kprobes are compiled out of this kernel: loading works, attaching fails.
    err("kprobe:vfs_read { @ = count(); }", &["kprobe", "vfs_read"]);
}

#[test]
fn kprobe_dry_run_succeeds() {
    require_bpf!();
    let out = common::run(&["-q", "--dry-run", "-e", "kprobe:vfs_read { @ = count(); }"]);
    out.assert_ok();
    assert!(!out.stderr.contains("panicked"), "{out}");
}

#[test]
fn missing_file_is_an_error() {
    let out = common::run(&["/nonexistent/tracelet_e2e_nope.bt"]);
    out.assert_code(1);
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert!(out.stderr.contains("nonexistent"), "{out}");
}

#[test]
fn closed_stdout_does_not_panic() {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe(2) into a 2-element array.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is ours and closed exactly once here.
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is a fresh descriptor owned by this File from now on.
    let write_end = unsafe { std::fs::File::from_raw_fd(fds[1]) };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tracelet"))
        .args(["-d", "ast", "-e", "BEGIN { @x = 1 + 2; }"])
        .stdout(write_end)
        .output()
        .expect("run tracelet");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
