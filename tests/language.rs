//! Builtins, functions and statements, checked through deterministic programs.

mod common;

/// Run `tracelet -q -e PROGRAM`, require exit 0, return stdout without the
/// trailing blank lines printed at exit.
fn out_of(program: &str) -> String {
    let out = common::run_q(program);
    out.assert_ok();
    out.stdout.trim_matches('\n').to_string()
}

#[test]
fn builtins_process_identity() {
    require_bpf!();
    let out = common::run_q(
        r#"BEGIN { printf("%d %d %d %d %s|%s\n", pid, tid, uid, gid, comm, probe); exit(); }"#,
    );
    out.assert_ok();
    let line = out.stdout.lines().next().unwrap();
    let (nums, strs) = line
        .split_once(' ')
        .map(|_| line.split_at(line.find('|').unwrap()))
        .unwrap();
    let fields: Vec<&str> = nums.split(' ').collect();
    assert_eq!(fields.len(), 5, "{line}");
    let pid: u32 = fields[0].parse().unwrap();
    let tid: u32 = fields[1].parse().unwrap();
    // BEGIN runs in tracelet itself; v0.26 calls the probe `begin`.
    assert!(pid > 1 && tid > 1, "{line}");
    assert_eq!(fields[2], "0", "uid of root: {line}");
    assert_eq!(fields[3], "0", "gid of root: {line}");
    assert_eq!(fields[4], "tracelet", "{line}");
    assert_eq!(strs, "|begin", "{line}");
}

#[test]
fn builtins_time_cpu_cgroup_rand_curtask() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { printf("%d %d %d %d %d %d\n", nsecs > 0, elapsed >= 0, cpu >= 0, cgroup > 0, rand >= 0, curtask > 0); exit(); }"#,
    );
    assert_eq!(out, "1 1 1 1 1 1");
    let out = out_of(r#"BEGIN { printf("%d\n", cpu); exit(); }"#);
    let cpu: usize = out.parse().unwrap();
    let ncpu = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(cpu < ncpu.max(64), "cpu {cpu}");
}

#[test]
fn rand_varies() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { @a = rand; @b = rand; @c = rand; printf("%d\n", @a != @b || @b != @c); clear(@a); clear(@b); clear(@c); exit(); }"#,
    );
    assert_eq!(out, "1");
}

#[test]
fn str_literal_and_length() {
    require_bpf!();
    assert_eq!(
        out_of(r#"BEGIN { printf("[%s]\n", str("abc")); exit(); }"#),
        "[abc]"
    );
    assert_eq!(
        out_of(r#"BEGIN { printf("[%s]\n", str("abcdefghijkl", 4)); exit(); }"#),
        "[abcd]"
    );
}

#[test]
fn max_strlen_env_truncates() {
    require_bpf!();
    let mut cmd = common::tracelet();
    cmd.env("BPFTRACE_MAX_STRLEN", "8").args([
        "-q",
        "-e",
        r#"BEGIN { printf("[%s][%s]\n", str("abcdefghijkl"), str("ab")); exit(); }"#,
    ]);
    let out = common::run_cmd(cmd, None, common::TIMEOUT);
    out.assert_ok();
    // 8 characters (v0.26 counts no NUL); a string filling its buffer gets
    // bpftrace's `..` trailer (str_trunc_trailer).
    assert_eq!(out.stdout.lines().next(), Some("[abcdefgh..][ab]"), "{out}");
}

#[test]
fn if_else_if_else() {
    require_bpf!();
    let p = |x: i32| {
        format!(
            r#"BEGIN {{ $x = {x}; if ($x > 10) {{ printf("big\n"); }} else if ($x > 3) {{ printf("mid\n"); }} else {{ printf("small\n"); }} exit(); }}"#
        )
    };
    assert_eq!(out_of(&p(20)), "big");
    assert_eq!(out_of(&p(5)), "mid");
    assert_eq!(out_of(&p(1)), "small");
}

#[test]
fn unroll_ternary_cast_compound_incdec() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { $i = 0; unroll(3) { $i++; } $x = 5; printf("%d %d %d %d\n", $i, (uint8)300, $x > 1 ? 7 : 8, $x < 1 ? 7 : 8); $m = 3; $m += 4; $m -= 2; $m *= 6; $m /= 3; $m %= 7; $b = 12; $b &= 10; $b |= 1; $b ^= 3; $b <<= 2; $b >>= 1; printf("%d %d\n", $m, $b); $y = 1; $z = $y++; $w = ++$y; $v = $y--; $u = --$y; printf("%d %d %d %d %d\n", $z, $w, $v, $u, $y); exit(); }"#,
    );
    // $m: 3+4-2=5, *6=30, /3=10, %7=3.  $b: 12&10=8, |1=9, ^3=10, <<2=40, >>1=20.
    assert_eq!(out, "3 44 7 8\n3 20\n1 3 3 1 1");
}

#[test]
fn cast_truncation() {
    require_bpf!();
    assert_eq!(
        out_of(
            r#"BEGIN { printf("%d %d %d\n", (uint8)300 == 44, (int8)255, (uint16)65537); exit(); }"#
        ),
        "1 -1 1"
    );
}

#[test]
fn map_compound_assignment_and_incdec() {
    require_bpf!();
    let out = common::run_q(
        r#"BEGIN { @m += 3; @m -= 1; @m *= 5; @n++; @n++; @n--; @k[1]++; @k[1] += 2; exit(); }"#,
    );
    out.assert_ok();
    assert_eq!(out.stdout, "\n\n@k[1]: 3\n@m: 10\n@n: 1\n");
}

#[test]
fn short_circuit_values() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { $a = 0 && 1; $b = 0 || 2; $c = 3 && 4; $d = 0 || 0; printf("%d %d %d %d\n", $a, $b, $c, $d); exit(); }"#,
    );
    assert_eq!(out, "0 1 1 0");
}

#[test]
fn short_circuit_skips_side_effects() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { $x = 0; if ($x != 0 && 10 / $x > 1) { printf("no\n"); } if ($x == 0 || 10 / $x > 1) { printf("yes\n"); } exit(); }"#,
    );
    assert_eq!(out, "yes");
}

#[test]
fn tuple_keys_and_string_compare() {
    require_bpf!();
    let out = common::run_q(
        r#"BEGIN { @t[1, "a"] = 1; @t[2, "b"] = 2; if ("ab" == "ab") { printf("eq\n"); } if ("ab" != "ac") { printf("ne\n"); } if (comm == "tracelet") { printf("comm\n"); } exit(); }"#,
    );
    out.assert_ok();
    assert_eq!(out.stdout, "eq\nne\ncomm\n\n\n@t[1, a]: 1\n@t[2, b]: 2\n");
}

#[test]
fn map_read_defaults_to_zero() {
    require_bpf!();
    assert_eq!(
        out_of(
            r#"BEGIN { if (pid == 0) { @n[1] = 5; @o = 3; } printf("%d %d\n", @n[1], @o); exit(); }"#
        ),
        "0 0"
    );
}

#[test]
fn division_by_literal_zero_is_compile_error() {
    // No kernel needed: rejected before loading.
    let out = common::run_q("BEGIN { $x = 5 / 0; }");
    common::assert_diagnostic(&out, &["division by zero"]);
    let out = common::run_q("BEGIN { $x = 5 % 0; }");
    common::assert_diagnostic(&out, &["division by zero"]);
}

#[test]
fn return_ends_probe() {
    require_bpf!();
    assert_eq!(
        out_of(r#"BEGIN { printf("a\n"); return; } BEGIN { printf("b\n"); exit(); }"#),
        "a\nb"
    );
}

#[test]
fn return_inside_if() {
    require_bpf!();
    assert_eq!(
        out_of(
            r#"BEGIN { if (pid > 0) { printf("y\n"); return; } printf("no\n"); } BEGIN { exit(); }"#
        ),
        "y"
    );
}

#[test]
fn print_time_delete_clear_zero() {
    require_bpf!();
    let out = common::run_q(
        r#"BEGIN { @b[1] = 2; @b[2] = 3; delete(@b[1]); print(@b); @c = count(); @c = count(); zero(@c); print(@c); @d[5] = 1; clear(@d); print(1); print("s"); time("%Y\n"); exit(); }"#,
    );
    out.assert_ok();
    let year = {
        // SAFETY: time(NULL) and localtime_r into our own buffer.
        unsafe {
            let t = libc::time(std::ptr::null_mut());
            let mut tm: libc::tm = std::mem::zeroed();
            libc::localtime_r(&t, &mut tm);
            tm.tm_year + 1900
        }
    };
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(out.stdout.starts_with("@b[2]: 3\n"), "{out}");
    assert!(lines.contains(&"@c: 0"), "{out}");
    assert!(lines.contains(&"1") && lines.contains(&"s"), "{out}");
    assert!(lines.contains(&year.to_string().as_str()), "{out}");
    assert!(!out.stdout.contains("@d"), "cleared map printed:\n{out}");
    assert!(!out.stdout.contains("@b[1]"), "deleted key printed:\n{out}");
}

#[test]
fn exit_runs_end() {
    require_bpf!();
    let out = common::run_q(r#"BEGIN { printf("begin\n"); exit(); } END { printf("end\n"); }"#);
    out.assert_ok();
    assert!(out.stdout.starts_with("begin\nend\n"), "{out}");
}

#[test]
fn aggregations_in_probe_context() {
    require_bpf!();
    let out = common::run_q(
        r#"BEGIN { @s = sum(2); @s = sum(3); @mn = min(4); @mn = min(9); @mx = max(4); @mx = max(9); @a = avg(10); @a = avg(20); exit(); }"#,
    );
    out.assert_ok();
    // v0.26: no blank line after an avg() map.
    assert_eq!(out.stdout, "\n\n@a: 15\n@mn: 4\n@mx: 9\n@s: 5\n");
}

#[test]
fn long_strings_beyond_the_bpf_stack_use_the_scratch_map() {
    require_bpf!();
    let long = "x".repeat(150);
    let mut cmd = common::tracelet();
    cmd.env("BPFTRACE_MAX_STRLEN", "200").args([
        "-q",
        "-e",
        &format!(
            r#"BEGIN {{ $a = str("{long}"); printf("%s|%s|%s\n", $a, str("short"), comm); @[$a, comm] = count(); exit(); }}"#
        ),
    ]);
    let out = common::run_cmd(cmd, None, common::TIMEOUT);
    out.assert_ok();
    assert_eq!(
        out.stdout,
        format!("{long}|short|tracelet\n\n\n@[{long}, tracelet]: 1\n"),
        "{out}"
    );
}

#[test]
fn aggregations_read_in_a_probe_merge_every_cpu() {
    require_bpf!();
    let out = common::run_q(
        "BEGIN { @c = count(); @c = count(); @s = sum(5); @s = sum(-9); @mn = min(4); @mn = min(-3); \
         @mx = max(2); @mx = max(7); @a = avg(10); @a = avg(20); \
         printf(\"%d %d %d %d %d %d\\n\", @c, @s, @mn, @mx, @a, @c > 1); clear(@c); clear(@s); \
         clear(@mn); clear(@mx); clear(@a); exit(); }",
    );
    out.assert_ok();
    assert_eq!(out.stdout.lines().next(), Some("2 -4 -3 7 15 1"), "{out}");
}

#[test]
fn counts_from_every_cpu_are_seen_in_the_kernel() {
    require_bpf!();
    // profile fires on every CPU; the kernel-side read must equal the user-space merge.
    let out = common::run_q(
        "profile:hz:997 { @p = count(); } interval:ms:300 { @seen = max(@p); exit(); }",
    );
    out.assert_ok();
    let value = |name: &str| -> i64 {
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} line: {out}"))
    };
    let (seen, total) = (value("@seen:"), value("@p:"));
    assert!(seen > 0 && seen <= total, "{out}");
}

#[test]
fn positional_parameters_after_the_program() {
    require_bpf!();
    let out = common::run(&[
        "-q",
        "-e",
        r#"BEGIN { printf("%d %d %s [%s]\n", $#, $1 + 1, str($2), str($3)); exit(); }"#,
        "41",
        "hello",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().next(), Some("2 42 hello []"), "{out}");
}

#[test]
fn positional_parameters_as_constants_and_in_attach_points() {
    require_bpf!();
    let out = common::run(&[
        "-q",
        "-e",
        r#"$3 { $a = 0; unroll($1) { $a++; } if (strncmp("hello", "help", $2) == 0) { printf("%d %s\n", $a, probe); } @h = lhist(5, 0, $1, 1); exit(); }"#,
        "4",
        "3",
        "i:ms:20",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().next(), Some("4 interval:ms:20"), "{out}");
    assert!(out.stdout.contains("[4, ...)"), "{out}");
}

#[test]
fn while_loops_sum_and_nest_with_map_lookups() {
    require_bpf!();
    // The issue's loop, then a nested loop whose inner body reads a map.
    let out = out_of(
        r#"BEGIN { $i = 0; while ($i < 100) { $i++; @s = sum($i); } @k[1] = 10; @k[2] = 20; $o = 0; while ($o < 3) { $n = 1; while ($n <= 2) { @t = sum(@k[$n] * $o); $n++; } $o++; } exit(); }"#,
    );
    assert_eq!(out, "@k[1]: 10\n@k[2]: 20\n@s: 5050\n@t: 90");
}

#[test]
fn a_value_defined_before_a_loop_is_correct_on_every_iteration() {
    require_bpf!();
    // `$a` is last mentioned early in the body; the temporaries after it
    // must not take its register, or later iterations read garbage. A
    // [first mention, last mention] allocator fails this (@t would not be 50).
    let out = out_of(
        r#"BEGIN { $a = 5; $j = 0; while ($j < 10) { @t = sum($a); $b = $j * 100; $c = $b + 1; $d = $c * 2; $e = $d + $b; @u = sum($e); $j++; } exit(); }"#,
    );
    assert_eq!(out, "@t: 50\n@u: 13520");
}

#[test]
fn break_and_continue() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { $i = 0; while (1) { $i++; if ($i == 2 || $i == 5) { continue; } if ($i > 7) { break; } printf("%d ", $i); } printf("end %d\n", $i); exit(); }"#,
    );
    assert_eq!(out, "1 3 4 6 7 end 8");
}

#[test]
fn for_range_loops_run_as_bpf_loop_callbacks() {
    require_bpf!();
    // Enclosing variables are read and written by the body (scalars and
    // strings), the range is evaluated once, and the context reaches the
    // callback (comm).
    let out = out_of(
        r#"BEGIN { $sum = 0; $s = "abc"; $n = 5; for ($i : 1..$n) { $sum += $i; $s = "def"; $n = 100; @c[comm] = count(); } printf("%d %s %d\n", $sum, $s, $n); exit(); }"#,
    );
    assert_eq!(out, "10 def 100\n\n\n@c[tracelet]: 4");
}

#[test]
fn for_range_break_continue_and_return() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { for ($i : 1..6) { if ($i == 2) { continue; } if ($i == 5) { break; } printf("%d ", $i); } for ($i : 1..4) { for ($j : 1..$i) { printf("%d/%d ", $i, $j); if ($j == 2) { return; } } } printf("not reached"); }"#,
    );
    assert_eq!(out, "1 3 4 2/1 3/1 3/2 ");
}

#[test]
fn integer_literal_forms_and_durations() {
    require_bpf!();
    assert_eq!(
        out_of(
            r#"BEGIN { printf("%d %d %d %d %d %d %d\n", 1_000, 0x1f, 0b101, 0755, 2e3, 123UL, 0); printf("%d %d %d %d %lld %lld %lld\n", 5ns, 7us, 100ms, 1s, 1m, 1h, 1d); exit(); }"#
        ),
        "1000 31 5 493 2000 123 0\n5 7000 100000000 1000000000 60000000000 3600000000000 86400000000000"
    );
}

#[test]
fn declared_maps_have_their_kind_and_size_in_the_kernel() {
    require_bpf!();
    // hash(1) holds one key; lruhash(1) evicts and keeps the newest.
    assert_eq!(
        out_of("let @h = hash(1); let @l = lruhash(1); let @c = percpulruhash(1); BEGIN { @h[1] = 1; @h[2] = 2; @l[1] = 1; @l[2] = 2; @c[1] = count(); @c[2] = count(); exit(); }"),
        "@c[2]: 1\n@h[1]: 1\n@l[2]: 2"
    );
}

#[test]
fn an_update_of_a_full_map_is_a_warning_at_its_place() {
    require_bpf!();
    let out = common::run_q("let @h = hash(1); let @c = percpuhash(1); let @l = lruhash(1); BEGIN { @h[1] = 1; @h[2] = 2; @c[1] = count(); @c[2] = count(); @l[1] = 1; @l[2] = 2; exit(); }");
    out.assert_ok();
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("WARNING: Map full; can't update element"))
        .collect();
    // Two full maps; the LRU map evicts instead.
    assert_eq!(warnings.len(), 2, "{out}");
    assert!(warnings[0].starts_with("stdin:1:"), "{out}");
    assert!(
        out.stderr
            .contains("Additional Info - helper: map_update_elem, retcode: -7"),
        "{out}"
    );
    assert!(out.stderr.contains("~~~~~"), "{out}");
}

#[test]
fn elvis_and_conditions_without_parentheses() {
    require_bpf!();
    assert_eq!(
        out_of(
            r#"BEGIN { $x = 1; $a = $x ?: 10; $b = 0 ?: 20; @n = 0; $c = @n++ ?: 30; if $a > 0 { printf("%d %d %d %d\n", $a, $b, $c, @n); } $i = 0; while $i < 3 { $i++; } if ($i == 3) { exit(); } }"#
        ),
        "1 20 30 1\n\n\n@n: 1"
    );
}

#[test]
fn bool_values_print_as_true_and_false() {
    require_bpf!();
    assert_eq!(
        out_of(
            r#"BEGIN { $x = 0; print((true, !$x, 3 > 4, "a" == "a", (bool)"", (bool)7, (int64)true)); if (false || strcontains("abc", "b")) { @[true, 1] = false; } printf("%d %s\n", 2 > 1, 2 > 1); exit(); }"#
        ),
        "(true, true, false, true, false, true, 1)\n1 true\n\n\n@[true, 1]: false"
    );
}

#[test]
fn for_map_loops_walk_every_element_with_bpf_for_each_map_elem() {
    require_bpf!();
    // One key, several keys (a nested tuple), string keys and values, a
    // count() map read across CPUs, enclosing variables by reference, and a
    // map written in the body.
    let out = out_of(
        r#"BEGIN { @one[16] = 32; @two[1, 2] = 3; @s["abc"] = "de"; @c[7] = count(); @c[7] = count(); $n = 0; $t = "xy"; for ($kv : @one) { print($kv); $n += $kv.1; } for ($kv : @two) { printf("%d %d %d\n", $kv.0.0, $kv.0.1, $kv.1); print($kv); } for ($kv : @s) { print($kv); $t = $kv.1; } for ($kv : @c) { print($kv); @copy[$kv.1] = $kv.0; } printf("%d %s\n", $n, $t); exit(); }"#,
    );
    assert_eq!(
        out,
        "(16, 32)\n1 2 3\n((1, 2), 3)\n(abc, de)\n(7, 2)\n32 de\n\n\n\
         @c[7]: 2\n@copy[2]: 7\n@one[16]: 32\n@s[abc]: de\n@two[1, 2]: 3"
    );
}

#[test]
fn for_map_loops_break_continue_return_nest_and_delete() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { @a[1] = 1; @a[2] = 2; @a[3] = 3; @b[10] = 1; @b[20] = 2; $n = 0; $m = 0; for ($kv : @a) { $m++; for ($x : @b) { $n++; } } printf("%d %d\n", $m, $n); $n = 0; for ($kv : @a) { if ($kv.0 == 2) { continue; } $n += $kv.1; } printf("%d\n", $n); $n = 0; for ($kv : @a) { $n++; break; } printf("%d\n", $n); for ($kv : @a) { if ($kv.0 != 2) { delete(@a, $kv.0); } } print(@a); @r[1] = 1; for ($kv : @r) { for ($i : 0..3) { if ($i == 1) { return; } printf("%d ", $i); } } printf("not reached"); }"#,
    );
    assert_eq!(
        out,
        "3 6\n4\n1\n@a[2]: 2\n0 \n\n@a[2]: 2\n@b[10]: 1\n@b[20]: 2\n@r[1]: 1"
    );
}

#[test]
fn tuple_elements_are_read_by_index() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { $v = 99; $t = (0, 1, "str", (5, 6), $v); @t = (7, "m"); printf("%d %d %s %d %d %d %d %s\n", $t.0, $t.1, $t.2, $t.3.0, $t.3.1, $t.4, @t.0, @t.1); print($t.3); @[(1, "hello")] = 1; @[2, "bye"] = 2; delete(@, (1, "hello")); @k[$t.3] = 3; exit(); }"#,
    );
    assert_eq!(
        out,
        "0 1 str 5 6 99 7 m\n(5, 6)\n\n\n@[2, bye]: 2\n@k[5, 6]: 3\n@t: (7, m)"
    );
}

#[test]
fn block_expressions_scopes_and_let() {
    require_bpf!();
    let out = out_of(
        r#"BEGIN { let $a = { let $b = 1; $b }; $x = { $y = { $z = 10; $z + 5 }; $y * 2 }; _ = { printf("d "); 1 }; printf("%d %d\n", $a, $x); exit(); }"#,
    );
    assert_eq!(out, "d 1 30");
    let out = out_of(
        r#"BEGIN { if 1 { $x = 1; } if 1 { let $x; if $x { $x = 5; } printf("%d ", $x); } let $c: uint8 = 300; let $s; $s = "late"; printf("%d %s\n", $c, $s); exit(); }"#,
    );
    assert_eq!(out, "0 44 late");
    let out = out_of(
        r#"BEGIN { $k = "test"; @m[$k] = 1; $k = "longer"; @m[$k] = 2; $t = ("hi", 1); $t = ("hellolongstr", 2); print($t); exit(); }"#,
    );
    assert_eq!(out, "(hellolongstr, 2)\n\n\n@m[test]: 1\n@m[longer]: 2");
}

#[test]
fn macros_expand_hygienically() {
    require_bpf!();
    let out = out_of(
        r#"macro inc($x) { $x += 1; $x } macro add(x) { $y = x + 1; $y } BEGIN { $a = 1; $b = inc($a); $y = 2; printf("%d %d %d %d\n", $a, $b, add($y), $y); set(@m); exit(); } macro set(@m) { @m[1] = one; } macro one() { 1 }"#,
    );
    assert_eq!(out, "2 2 3 2\n\n\n@m[1]: 1");
    let out = out_of(
        r#"macro side(x) { x; x; } BEGIN { side({ printf("hi") }); printf(" %d\n", __builtin_uid == uid()); exit(); }"#,
    );
    assert_eq!(out, "hihi 1");
}

#[test]
fn macro_errors_point_at_the_body_and_the_call() {
    let out = common::run(&["-e", r#"macro m(x) { x + "s" } BEGIN { @ = m(1); }"#]);
    out.assert_code(1);
    common::assert_diagnostic(&out, &["cannot be applied", "in this use of macro m()"]);
}

#[test]
fn named_program_options_after_the_separator() {
    require_bpf!();
    let program = r#"BEGIN { print(($1, getopt("aa", 10), getopt("bb", -1), $2, getopt("cc", "hello"), getopt("dd"), getopt("ee", true))); exit(); }"#;
    let out = common::run(&[
        "-q", "-e", program, "pos1", "--", "--aa=20", "--bb=-5", "--cc=bye", "pos2", "--dd",
    ]);
    out.assert_ok();
    assert_eq!(
        out.stdout.lines().next(),
        Some("(pos1, 20, -5, pos2, bye, true, true)"),
        "{out}"
    );
    // A command-line error: no source line to show.
    let out = common::run(&["-q", "-e", program, "--", "--zz"]);
    assert_eq!(out.code, Some(1), "{out}");
    for needle in [
        "unexpected program command line options: --zz",
        "expected program options: --aa, --bb, --cc, --dd, --ee",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {out}");
    }
    let out = common::run(&["-q", "-e", program, "--", "--aa=x"]);
    common::assert_diagnostic(&out, &["option --aa invalid integer (value: x)"]);
}
