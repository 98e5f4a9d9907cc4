//! Real probes with workloads the tests make themselves, the must-work
//! one-liners, and the CLI surface (banner, -q, -d, --dry-run, files, stdin).

mod common;

use common::{Running, Workload, TIMEOUT};
use std::time::Duration;

const ATTACH: Duration = Duration::from_secs(30);

/// Run PROGRAM (with -q), wait for attachment, release WORKLOAD, wait for
/// tracelet to exit by itself.
fn trace_workload(program_for_pid: impl Fn(u32) -> String, script: &str) -> common::Output {
    let workload = Workload::new(script);
    let program = program_for_pid(workload.pid());
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    workload.release_and_wait(TIMEOUT);
    t.finish(TIMEOUT)
}

#[test]
fn counts_exactly_the_child_syscalls() {
    require_bpf!();
    // dd issues exactly one read(2) of 4097 bytes per block.
    let out = trace_workload(
        |pid| {
            format!(
                "tracepoint:syscalls:sys_enter_read /pid == {pid} && args->count == 4097/ {{ @ = count(); }} \
                 tracepoint:sched:sched_process_exit /pid == {pid}/ {{ exit(); }}"
            )
        },
        "exec dd if=/dev/zero of=/dev/null bs=4097 count=1000",
    );
    out.assert_ok();
    assert_eq!(out.stdout_clean(), "\n\n@: 1000\n", "{out}");
}

#[test]
fn sigint_ends_workload_count() {
    require_bpf!();
    let workload = Workload::new("exec dd if=/dev/zero of=/dev/null bs=4099 count=250");
    let pid = workload.pid();
    let program = format!(
        "tracepoint:syscalls:sys_enter_read /pid == {pid} && args->count == 4099/ {{ @reads = count(); }}"
    );
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    workload.release_and_wait(TIMEOUT);
    t.signal(libc::SIGINT);
    let out = t.finish(TIMEOUT);
    out.assert_ok();
    assert!(out.stdout.contains("@reads: 250\n"), "{out}");
}

#[test]
fn sys_exit_read_bytes_hist() {
    require_bpf!();
    let path = common::temp_path("read3000");
    std::fs::write(&path, vec![b'x'; 3000]).unwrap();
    let script = format!("exec dd if={} of=/dev/null bs=5000", path.display());
    let out = trace_workload(
        |pid| {
            format!(
                "tracepoint:syscalls:sys_exit_read /pid == {pid}/ {{ @bytes = hist(args.ret); }} \
                 tracepoint:sched:sched_process_exit /pid == {pid}/ {{ exit(); }}"
            )
        },
        &script,
    );
    let _ = std::fs::remove_file(&path);
    out.assert_ok();
    assert!(out.stdout.contains("@bytes:\n"), "{out}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("[2K, 4K)"))
        .unwrap_or_else(|| panic!("no [2K, 4K) bucket:\n{out}"));
    let count: u64 = line[8..].split('|').next().unwrap().trim().parse().unwrap();
    assert!(count >= 1, "{line}");
}

#[test]
fn exec_filename_data_loc_and_comm() {
    require_bpf!();
    let out = trace_workload(
        |pid| {
            format!(
                r#"tracepoint:sched:sched_process_exec /pid == {pid}/ {{ printf("%s|%s|%d\n", str(args->filename), comm, args->pid == pid); exit(); }}"#
            )
        },
        "exec /bin/true",
    );
    out.assert_ok();
    assert!(out.stdout.contains("/bin/true|true|1\n"), "{out}");
}

/// Run a one-liner for about a second (`interval:s:1 { exit(); }` appended).
fn one_second(program: &str) -> common::Output {
    let program = format!("{program} interval:s:1 {{ exit(); }}");
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    t.finish(TIMEOUT)
}

#[test]
fn oneliner_raw_syscalls_by_comm() {
    require_bpf!();
    let out = one_second("tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }");
    out.assert_ok();
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("@[") && l.contains("]: ")),
        "{out}"
    );
}

#[test]
fn oneliner_openat_filename() {
    require_bpf!();
    let path = common::temp_path("openat_marker_q7z");
    let name = path.display().to_string();
    let workload = Workload::new(&format!("cat {name} 2>/dev/null; true"));
    let pid = workload.pid();
    let program = format!(
        r#"tracepoint:syscalls:sys_enter_openat {{ printf("%s %s\n", comm, str(args->filename)); }} tracepoint:sched:sched_process_exit /pid == {pid}/ {{ exit(); }}"#
    );
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    workload.release_and_wait(TIMEOUT);
    let out = t.finish(TIMEOUT);
    out.assert_ok();
    assert!(
        out.stdout.lines().any(|l| l == format!("cat {name}")),
        "{out}"
    );
}

#[test]
fn oneliner_block_rq_complete() {
    require_bpf!();
    one_second("tracepoint:block:block_rq_complete { @us = hist(args->nr_sector); }").assert_ok();
}

#[test]
fn oneliner_profile_kstack() {
    require_bpf!();
    let out = one_second("profile:hz:99 { @[kstack] = count(); }");
    out.assert_ok();
    assert!(out.stdout.contains("@[\n"), "{out}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("    ") && l.trim().contains('+')),
        "no symbolized frame:\n{out}"
    );
}

#[test]
fn oneliner_sched_switch_prev_comm() {
    require_bpf!();
    let out = one_second("tracepoint:sched:sched_switch { @[args->prev_comm] = count(); }");
    out.assert_ok();
    assert!(out.stdout.lines().any(|l| l.starts_with("@[")), "{out}");
}

#[test]
fn oneliner_sched_wakeup_hist() {
    require_bpf!();
    let out = one_second("tracepoint:sched:sched_wakeup { @[comm] = hist(nsecs); }");
    out.assert_ok();
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("@[") && l.ends_with("]:")),
        "{out}"
    );
    assert!(out.stdout.contains('|'), "{out}");
}

#[test]
fn oneliner_sched_wildcard_probe_names() {
    require_bpf!();
    let out = one_second("tracepoint:sched:sched* { @[probe] = count(); }");
    out.assert_ok();
    assert!(
        out.stdout.contains("@[tracepoint:sched:sched_switch]: "),
        "{out}"
    );
}

#[test]
fn oneliner_hello_world() {
    require_bpf!();
    let mut t = Running::spawn(&["-e", r#"BEGIN { printf("hello world\n"); }"#]);
    t.wait_attached(ATTACH);
    t.signal(libc::SIGINT);
    let out = t.finish(TIMEOUT);
    out.assert_ok();
    assert!(out.stderr.starts_with("Attached 1 probe\n"), "{out}");
    assert!(out.stdout.contains("hello world\n"), "{out}");
}

#[test]
fn interval_and_profile_fire() {
    require_bpf!();
    let out = common::run_q(
        "interval:ms:100 { @i = count(); } profile:hz:49 { @p = count(); } interval:ms:450 { exit(); }",
    );
    out.assert_ok();
    let count = |name: &str| -> u64 {
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(
        count("@i: ") >= 2,
        "interval:ms:100 fired too rarely:\n{out}"
    );
    assert!(count("@p: ") >= 1, "profile never fired:\n{out}");
}

#[test]
fn exit_inside_if() {
    require_bpf!();
    let out = common::run_q("interval:ms:50 { @i++; if (@i == 3) { exit(); } }");
    out.assert_ok();
    assert!(out.stdout.contains("@i: 3\n"), "{out}");
}

#[test]
fn profile_fires_on_all_cpus() {
    require_bpf!();
    let out = one_second("profile:hz:99 { @[cpu] = count(); }");
    out.assert_ok();
    assert!(out.stdout.lines().any(|l| l.starts_with("@[0]: ")), "{out}");
}

#[test]
fn banner_singular_and_wildcard_count() {
    require_bpf!();
    let out = common::run(&["-e", "BEGIN { exit(); }"]);
    out.assert_ok();
    assert_eq!(out.stderr, "Attached 1 probe\n", "{out}");

    let n = std::fs::read_dir("/sys/kernel/tracing/events/sched")
        .or_else(|_| std::fs::read_dir("/sys/kernel/debug/tracing/events/sched"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("sched_wak"))
                .count()
        })
        .unwrap_or(0);
    let out = common::run(&["-e", "tracepoint:sched:sched_wak* { } BEGIN { exit(); }"]);
    out.assert_ok();
    if n > 0 {
        assert_eq!(
            out.stderr,
            format!("Attached {} probes\n", n + 1),
            "expected {} probes:\n{out}",
            n + 1
        );
    } else {
        assert!(out.stderr.starts_with("Attached "), "{out}");
    }
}

#[test]
fn quiet_flag_hides_banner() {
    require_bpf!();
    let out = common::run(&["-q", "-e", r#"BEGIN { printf("x\n"); exit(); }"#]);
    out.assert_ok();
    assert!(!out.stderr.contains("Attached"), "{out}");
    assert!(out.stdout.starts_with("x\n"), "{out}");
}

#[test]
fn debug_ast_needs_no_kernel() {
    let out = common::run(&["-d", "ast", "-e", "BEGIN { @x = 1 + 2; }"]);
    out.assert_ok();
    assert!(out.stdout.contains("BEGIN"), "{out}");
    assert!(!out.stderr.contains("Attached"), "{out}");
}

#[test]
fn debug_ir_and_bpf() {
    require_bpf!();
    let ir = common::run(&["-d", "ir", "-e", "BEGIN { @x = 1 + 2; }"]);
    ir.assert_ok();
    assert!(ir.stdout.contains("begin:"), "{ir}");
    let bpf = common::run(&["-d", "bpf", "-e", "BEGIN { @x = 1 + 2; }"]);
    bpf.assert_ok();
    assert!(bpf.stdout.contains("r6"), "{bpf}");
}

#[test]
fn dry_run_prints_nothing_from_probes() {
    require_bpf!();
    let out = common::run(&[
        "-q",
        "--dry-run",
        "-e",
        r#"BEGIN { printf("no\n"); } tracepoint:sched:sched_switch { @ = count(); }"#,
    ]);
    out.assert_ok();
    assert!(!out.stdout.contains("no"), "{out}");
    assert!(!out.stdout.contains('@'), "{out}");
}

#[test]
fn script_file_with_shebang() {
    require_bpf!();
    let path = common::temp_path("shebang.bt");
    std::fs::write(
        &path,
        "#!/usr/bin/env tracelet\n// comment\nBEGIN { printf(\"file\\n\"); exit(); }\n",
    )
    .unwrap();
    let out = common::run(&["-q", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    out.assert_ok();
    assert!(out.stdout.starts_with("file\n"), "{out}");
}

#[test]
fn program_from_stdin() {
    require_bpf!();
    let mut cmd = common::tracelet();
    cmd.args(["-q", "-"]);
    let out = common::run_cmd(
        cmd,
        Some("BEGIN { printf(\"stdin\\n\"); exit(); }\n"),
        TIMEOUT,
    );
    out.assert_ok();
    assert!(out.stdout.starts_with("stdin\n"), "{out}");
}

#[test]
fn exit_codes() {
    require_bpf!();
    common::run_q("BEGIN { exit(); }").assert_code(0);
    common::run_q("BEGIN { exit(; }").assert_code(1);
}

#[test]
fn interval_period_as_duration_or_nanoseconds() {
    require_bpf!();
    for probe in ["interval:30ms", "i:30000000", "interval:ms:3e1"] {
        let out = common::run_q(&format!("{probe} {{ @i++; if (@i == 3) {{ exit(); }} }}"));
        out.assert_ok();
        assert_eq!(out.stdout.trim(), "@i: 3", "{probe}: {out}");
    }
}
