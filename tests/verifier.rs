//! Every generated program must pass the kernel verifier on first load: a
//! sweep of programs over every statement, operator, builtin and function,
//! each loaded with `--dry-run` (verifier only, nothing attached).

mod common;

/// Programs covering the language; each loads without being attached.
const PROGRAMS: &[&str] = &[
    // The issue's one-liners.
    "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }",
    r#"tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }"#,
    "tracepoint:block:block_rq_complete { @us = hist(args->nr_sector); }",
    "profile:hz:99 { @[kstack] = count(); }",
    "tracepoint:sched:sched_switch { @[args->prev_comm] = count(); }",
    "tracepoint:sched:sched_wakeup { @[comm] = hist(nsecs); }",
    "tracepoint:syscalls:sys_exit_read /pid == 1234/ { @bytes = hist(args.ret); }",
    "tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }",
    r#"BEGIN { printf("hello world\n"); }"#,
    // Context builtins.
    r#"BEGIN { printf("%d %d %d %d %d %d %d %d %d %p\n", pid, tid, uid, gid, nsecs, elapsed, cpu, cgroup, rand, curtask); }"#,
    "BEGIN { @[probe, comm, cpu] = count(); }",
    "interval:ms:100 { @[kstack, cpu] = sum(1); }",
    // Tracepoint argument kinds: int, char array, __data_loc string, pointer.
    "tracepoint:sched:sched_switch { @[args.prev_pid, args.next_comm] = max(args.prev_prio); }",
    r#"tracepoint:sched:sched_process_exec { printf("%s %d\n", str(args.filename), args.pid); }"#,
    "tracepoint:syscalls:sys_enter_openat { @[str(args.filename, 16)] = count(); @f[args.flags] = count(); }",
    "tracepoint:syscalls:sys_enter_read /args->count > 100/ { @ = lhist(args->count, 0, 10000, 500); }",
    // Aggregations, keyed and not, and reading them back in the kernel.
    "BEGIN { @c = count(); @s = sum(-3); @a = avg(4); @mn = min(-1); @mx = max(9); @st = stats(7); @h = hist(100, 3); @l = lhist(5, 0, 100, 10); }",
    "BEGIN { @c[1] = count(); @s[\"a\"] = sum(2); if (@c[1] > 0 && @s[\"a\"] == 2) { printf(\"ok\\n\"); } }",
    "BEGIN { @mn = min(3); @mx = max(4); @a = avg(5); printf(\"%d %d %d\\n\", @mn, @mx, @a); }",
    "profile:hz:99 { @n = count(); if (@n > 1000) { exit(); } }",
    // Maps: plain values, tuples, strings, defaults, delete/clear/zero/print.
    "BEGIN { @x = 1; @y[1, \"a\"] = @x + 1; @z = (1, \"two\", comm); @w = @nothing[5]; delete(@y[1, \"a\"]); clear(@x); zero(@z); print(@y); print(@z, 1, 2); print(5); print(comm); } END { @nothing[1] = 2; }",
    "BEGIN { @start[tid] = nsecs; } END { @d = nsecs - @start[tid]; delete(@start[tid]); }",
    "BEGIN { @s = \"short\"; @s = comm; @t[comm] = \"x\"; }",
    // Variables, operators, casts, control flow.
    "BEGIN { $x = 1; $x += 2; $x -= 1; $x *= 3; $x /= 2; $x %= 5; $x &= 7; $x |= 8; $x ^= 1; $x <<= 2; $x >>= 1; $y = $x++ + ++$x - $x-- - --$x; printf(\"%d %d\\n\", $x, $y); }",
    "BEGIN { @i++; ++@i; @i--; --@i; @j[1]++; @k += 5; @k *= 2; }",
    "BEGIN { $a = (uint8)300; $b = (int8)255; $c = (uint16)-1; $d = (int32)0xffffffff; $e = (uint64)-1; printf(\"%d %d %d %d %u\\n\", $a, $b, $c, $d, $e); }",
    "BEGIN { $x = 7; printf(\"%d %d %d %d %d %d\\n\", $x / 2, $x % 3, -$x, ~$x, !$x, $x << 60 >> 60); }",
    "BEGIN { $x = pid; printf(\"%d\\n\", $x > 1 && $x < 100000 || $x == 0 ? 1 : 0); }",
    "BEGIN { if (pid > 1) { printf(\"a\\n\"); } else if (pid == 1) { printf(\"b\\n\"); } else { printf(\"c\\n\"); } }",
    "BEGIN { if (pid) { return; } printf(\"unreached\\n\"); }",
    "BEGIN { if (pid) { exit(); } else { return; } }",
    "BEGIN { unroll(20) { @u++; } $i = 0; unroll(5) { $i = $i + 1; if ($i == 3) { printf(\"three\\n\"); } } }",
    "BEGIN { $s = comm == \"bash\" ? \"yes\" : \"no\"; $t = comm != \"x\"; printf(\"%s %d\\n\", $s, $t); }",
    "BEGIN { $t = (1, comm, (2, \"x\")); @m[$t] = 1; print($t); }",
    "tracepoint:syscalls:sys_enter_openat /comm == \"cat\" && str(args->filename) != \"/etc/passwd\"/ { @[str(args->filename)] = count(); }",
    // printf conversions and flags.
    r#"BEGIN { printf("%d %i %u %x %X %o %c %s %p %% %5d %-5d| %05d %.3s %10s %-10s| %hhd %hd %ld %lld %jd %zd %td %lu\n", -1, 2, 3, 255, 255, 8, 65, "str", 0, 42, 42, 42, "abcdef", "r", "l", 300, 70000, -5, -6, 7, 8, 9, 10); }"#,
    r#"BEGIN { time(); time("%Y-%m-%d %H:%M:%S\n"); }"#,
    // Timers and special probes together.
    "BEGIN { @b = 1; } interval:s:1 { print(@b); clear(@b); } interval:hz:10 { @h = count(); } profile:ms:10 { @p = count(); } END { @e = 1; }",
    "i:ms:100, p:hz:49 { @[probe] = count(); }",
    // kprobes load even where they cannot attach; uprobes and their registers.
    "kprobe:vfs_read { @[comm] = count(); } kretprobe:vfs_read { @r = count(); }",
    r#"kprobe:vfs_read { printf("%s %d %d %d %d %d %d\n", func, arg0, arg1, arg2, arg3, arg4, arg5); } kretprobe:vfs_read { @ = hist(retval); }"#,
    r#"uprobe:libc:getpid { @[func, arg0] = count(); } uretprobe:libc:getpid { @r = max(retval); }"#,
    r#"uprobe:/bin/bash:readline* { @[func] = count(); } interval:ms:1 { exit(); }"#,
    // Functions resolved in user space or at compile time.
    r#"tracepoint:syscalls:sys_enter_openat { join(args.filename); join(args.filename, "-"); }"#,
    r#"BEGIN { printf("%s %s %s\n", ksym(kaddr("vfs_read")), ntop(0x0100007f), ntop(10, 1)); @[ksym(kaddr("vfs_read"))] = count(); }"#,
    r#"BEGIN { printf("%d %d %x\n", strncmp(comm, "bash", 4), strcontains(comm, "trace"), bswap((uint32)0x11223344)); }"#,
    r#"BEGIN { @m[comm] = count(); printf("%d %d %d\n", has_key(@m, "x"), len(@m), strlen(comm)); for ($kv : @m) { @n = len(@m); } }"#,
];

/// Loads each program with `--dry-run` and fails with every rejection.
#[track_caller]
fn assert_all_load(programs: &[&str]) {
    let failures: Vec<String> = programs
        .iter()
        .filter_map(|p| {
            let out = common::run(&["--dry-run", "-e", p]);
            (out.code != Some(0) || !out.stdout.is_empty()).then(|| format!("{p}\n{out}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} programs failed to load:\n{}",
        failures.len(),
        programs.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_program_passes_the_verifier() {
    require_bpf!();
    assert_all_load(PROGRAMS);
}

/// Loop shapes: ranges and map walks, nested in each other, with strings
/// and tuples in the body, early exits, multi-key, string-keyed and
/// aggregation maps, in a probe with a context.
const LOOP_SHAPES: &[&str] = &[
    "BEGIN { $s = 0; for ($i : 0..10) { $s += $i; } @s = $s; }",
    "BEGIN { @m[1] = 2; for ($kv : @m) { print($kv); } }",
    "BEGIN { @m[1, 2] = 3; for ($kv : @m) { printf(\"%d %d %d\\n\", $kv.0.0, $kv.0.1, $kv.1); } }",
    "BEGIN { @m[\"abc\"] = \"de\"; $t = \"xy\"; for ($kv : @m) { $t = $kv.1; if ($kv.0 == \"abc\") { print($kv.0); } } print($t); }",
    "BEGIN { @m[1] = 1; @n[2] = (3, \"s\"); for ($a : @m) { for ($b : @n) { print(($a.0, $b.1.1)); for ($i : 0..$a.1) { @c[$i, $b.0] = count(); } } } }",
    "BEGIN { @m[1] = 1; for ($i : 0..3) { for ($kv : @m) { if ($kv.0 == $i) { break; } if ($i == 1) { continue; } if ($i == 2) { return; } } } }",
    "BEGIN { @m[1] = 1; for ($kv : @m) { if ($kv.1) { exit(); } } }",
    "BEGIN { @[0, 0] = 1; @[0, 1] = 1; for ($kv : @) { if ($kv.0.1 == 1) { delete(@, $kv.0); } } }",
    "BEGIN { @c[comm] = count(); @s[1] = sum(5); @a[1, 2] = avg(3); @mn[1] = min(1); @mx[1] = max(1); for ($kv : @c) { print($kv); } for ($kv : @s) { print($kv.1); } for ($kv : @a) { print($kv.1); } for ($kv : @mn) { print($kv); } for ($kv : @mx) { print($kv); } }",
    "tracepoint:sched:sched_switch { @p[args.prev_pid] = args.prev_comm; for ($kv : @p) { @q[$kv.1, comm] = $kv.0 + pid; } }",
    "interval:ms:100 { $x = 1; for ($kv : @a) { print(($x, $kv.0, $kv.1)); break; } @a[1] = 1; }",
];

#[test]
fn loop_shapes_pass_the_verifier() {
    require_bpf!();
    assert_all_load(LOOP_SHAPES);
}

#[test]
fn long_strings_pass_the_verifier_through_the_scratch_map() {
    require_bpf!();
    for p in PROGRAMS.iter().take(20) {
        let mut cmd = common::tracelet();
        cmd.env("BPFTRACE_MAX_STRLEN", "300")
            .args(["--dry-run", "-e", p]);
        let out = common::run_cmd(cmd, None, common::TIMEOUT);
        assert_eq!(out.code, Some(0), "{p}\n{out}");
    }
}

#[test]
fn a_loop_the_verifier_cannot_bound_is_a_clear_error() {
    require_bpf!();
    let out = common::run(&["--dry-run", "-e", "BEGIN { $n = 0; while (1) { $n = 1; } }"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains("verifier rejected"), "{out}");
    assert!(out.stderr.contains("for ($i : 0..N)"), "{out}");
    assert!(!out.stderr.contains("compiler bug"), "{out}");
}
