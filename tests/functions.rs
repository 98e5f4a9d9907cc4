//! ksym, kaddr, strncmp, strcontains, ntop and bswap, run in the kernel.
//! Expected outputs were checked against bpftrace where it has the function.

mod common;

/// Run `tracelet -q -e PROGRAM`, require exit 0, return stdout without the
/// trailing blank lines printed at exit.
fn out_of(program: &str) -> String {
    let out = common::run_q(program);
    out.assert_ok();
    out.stdout.trim_end_matches('\n').to_string()
}

#[test]
fn all_functions_in_one_program() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { printf("%s %s\n", ksym(kaddr("vfs_read")), ntop(0x0100007f)); printf("%d %d %d\n", strncmp("abc", "abd", 2), strncmp("abc", "abd", 3) != 0, strcontains("hello world", "lo w")); printf("%x\n", bswap((uint32)0x11223344)); exit(); }"#,
    );
    assert_eq!(out, "vfs_read 127.0.0.1\n0 1 1\n44332211");
}

#[test]
fn ksym_and_kaddr() {
    require_bpf!();
    // Same as bpftrace 0.17: bare names, `0` for null, hex when unknown; map
    // keys are addresses, so two addresses in one function are two entries.
    let out = out_of(
        r#"BEGIN { printf("%s|%s|%s\n", ksym(0), ksym(1), ksym(kaddr("vfs_read") + 5)); @[ksym(kaddr("vfs_read"))] = count(); @[ksym(kaddr("vfs_read") + 1)] = count(); print(ksym(kaddr("do_sys_openat2"))); exit(); }"#,
    );
    assert_eq!(
        out,
        "0|0x1|vfs_read\ndo_sys_openat2\n\n\n@[vfs_read]: 1\n@[vfs_read]: 1"
    );
    let text = std::fs::read_to_string("/proc/kallsyms").unwrap();
    let line = text.lines().find(|l| l.ends_with(" T vfs_read")).unwrap();
    let out = out_of(r#"BEGIN { printf("%lx\n", kaddr("vfs_read")); exit(); }"#);
    assert_eq!(out, &line[..16]);
}

#[test]
fn kaddr_unknown_symbol_is_a_compile_error() {
    require_bpf!(); // kallsyms shows addresses to root only
    let out = common::run(&[
        "-q",
        "--dry-run",
        "-e",
        r#"BEGIN { @ = kaddr("vfs_raed"); }"#,
    ]);
    common::assert_diagnostic(
        &out,
        &[
            "unknown kernel symbol `vfs_raed`",
            "did you mean `vfs_read`?",
        ],
    );
}

#[test]
fn strncmp_and_strcontains() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { $h = "tracelet"; $n = "let"; printf("%d %d %d %d %d\n", strncmp("abc", "abd", 3), strncmp("abd", "abc", 3), strncmp("ab", "abc", 5), strncmp(comm, "trace", 5), strncmp(comm, $h, 100)); printf("%d %d %d %d %d %d\n", strcontains("hello", "xyz"), strcontains("hello", ""), strcontains("", "a"), strcontains("aab", "ab"), strcontains(comm, $n), strcontains("tracele", comm)); exit(); }"#,
    );
    assert_eq!(out, "1 1 1 0 0\n0 1 0 1 1 0");
}

#[test]
fn ntop_forms() {
    require_bpf!();
    // Same as bpftrace 0.17.
    let out = out_of(
        r#"BEGIN { $x = (uint32)0x0100007f; printf("%s|%s|%s|%s|%s|[%s]\n", ntop(0x0100007f), ntop(2, 0x0100007f), ntop(0), ntop($x), ntop(10, 1), ntop(3, 1)); print(ntop(0x0100007f)); @[ntop(0x0a0b0c0d)] = count(); exit(); }"#,
    );
    assert_eq!(
        out,
        "127.0.0.1|127.0.0.1|0.0.0.0|127.0.0.1|100::|[]\n127.0.0.1\n\n\n@[13.12.11.10]: 1"
    );
}

#[test]
fn ntop_of_ipv6_tracepoint_arrays() {
    require_bpf!();
    // A refused connection to [::1] still goes through SYN_SENT and CLOSE.
    let listener = std::net::TcpListener::bind("[::1]:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let script = common::temp_path("connect6");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec /bin/bash -c 'exec 3<>/dev/tcp/::1/{port}' 2>/dev/null\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = common::run(&[
        "-q",
        "-c",
        script.to_str().unwrap(),
        "-e",
        &format!(
            "tracepoint:sock:inet_sock_set_state /args.family == 10 && args.dport == {port}/ {{ printf(\"%s %s\\n\", ntop(args.daddr_v6), ntop(args.family, args.saddr_v6)); }}"
        ),
    ]);
    let _ = std::fs::remove_file(&script);
    out.assert_ok();
    let first = out.stdout.lines().next().unwrap_or("");
    assert_eq!(first, "::1 ::1", "{}", out.stdout);
}

#[test]
fn bswap_widths() {
    require_bpf!();
    // Same as bpftrace 0.17 (which prints %x of a 64-bit value as 32 bits).
    let out = out_of(
        r#"BEGIN { printf("%x %x %x %lx %d\n", bswap((uint32)0x11223344), bswap((uint16)0x1122), bswap((uint8)0x11), bswap(0x1122334455667788), bswap((int16)0x0080)); print(bswap((uint32)0x11223344)); exit(); }"#,
    );
    assert_eq!(out, "44332211 2211 11 8877665544332211 -32768\n1144201745");
}

#[test]
fn every_function_passes_the_verifier() {
    require_bpf!();
    for program in [
        r#"tracepoint:sched:sched_switch { @[ksym(kaddr("schedule"))] = count(); }"#,
        r#"tracepoint:syscalls:sys_enter_openat { @[strncmp(str(args.filename), "/etc", 4)] = count(); }"#,
        r#"tracepoint:syscalls:sys_enter_openat { @[strcontains(str(args.filename), str(args.filename))] = count(); }"#,
        r#"tracepoint:syscalls:sys_enter_openat { @[strcontains(str(args.filename), "passwd")] = count(); }"#,
        r#"tracepoint:sock:inet_sock_set_state { @[ntop(args.saddr), ntop(args.daddr_v6)] = count(); }"#,
        r#"tracepoint:raw_syscalls:sys_enter { @[bswap(args.id), bswap((uint16)args.id)] = count(); }"#,
    ] {
        let out = common::run(&["-q", "--dry-run", "-e", program]);
        assert_eq!(out.code, Some(0), "{program}: {}", out.stderr);
    }
}

#[test]
fn join_prints_an_argv() {
    require_bpf!();
    // The workload execs /bin/echo with arguments; join() prints its argv.
    let workload = common::Workload::new("exec /bin/echo alpha 'beta gamma' delta");
    let program = format!(
        "tracepoint:syscalls:sys_enter_execve /pid == {}/ {{ join(args.argv); join(args.argv, \",\"); exit(); }}",
        workload.pid()
    );
    let mut t = common::Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(common::TIMEOUT);
    workload.release_and_wait(common::TIMEOUT);
    let out = t.finish(common::TIMEOUT);
    out.assert_ok();
    assert_eq!(
        out.stdout_clean(),
        "/bin/echo alpha beta gamma delta\n/bin/echo,alpha,beta gamma,delta\n\n\n",
        "{out}"
    );
}

#[test]
fn has_key_len_and_strlen() {
    require_bpf!();
    // Expected outputs as bpftrace v0.26.1 prints them.
    let out = out_of(
        r#"BEGIN { @a[1] = 0; @b["longerstr"] = 0; printf("%d %d %d %d\n", has_key(@a, 1), has_key(@a, 2), has_key(@b, "longerstr"), has_key(@b, "byeasdfasdf")); print(has_key(@a, 1)); $s = "hello"; printf("%d %d %d %d\n", len(@a), len(@b), strlen($s), strlen("")); @b["x"] = 1; for ($kv : @a) { print(len(@b)); } clear(@a); clear(@b); exit(); }"#,
    );
    assert_eq!(out, "1 0 1 0\ntrue\n1 1 5 0\n2");
}
