//! Table-like one-line cases: a program either compiles against the fixture
//! kernel, or fails with one diagnostic whose class, message and span we check.

use tracelet_compiler::kernel_info::fixture::Fixture;
use tracelet_compiler::{Diagnostic, Options};

/// Compiles with every stage kept; the error is the first diagnostic.
fn compile(
    src: &str,
    kernel: &dyn tracelet_compiler::KernelInfo,
    options: &Options,
) -> Result<tracelet_compiler::Compiled, tracelet_compiler::Diagnostic> {
    tracelet_compiler::compile_stages(src, kernel, options).map_err(|ds| ds.0[0].clone())
}

/// Every diagnostic class the compiler reports.
const CODES: &[&str] = &[
    "syntax", "name", "type", "probe", "missing", "format", "codegen", "config",
];

fn compile_with(src: &str, options: &Options) -> Result<(), Diagnostic> {
    compile(src, &Fixture::new(), options).map(|_| ())
}

#[track_caller]
fn ok_with(src: &str, options: &Options) {
    if let Err(d) = compile_with(src, options) {
        panic!(
            "expected `{src}` to compile, got [{}] {} at {:?} (help: {:?})",
            d.code, d.message, d.span, d.help
        );
    }
}

#[track_caller]
fn err_with(src: &str, needle: &str, options: &Options) -> Diagnostic {
    let d = match compile_with(src, options) {
        Ok(()) => panic!("expected `{src}` to fail with `{needle}`, but it compiled"),
        Err(d) => d,
    };
    assert!(
        d.message.contains(needle),
        "`{src}`: message `{}` does not contain `{needle}`",
        d.message
    );
    assert!(
        CODES.contains(&d.code.as_str()),
        "`{src}`: unknown diagnostic class `{}`",
        d.code
    );
    assert!(
        d.span.start <= d.span.end && d.span.end <= src.len(),
        "`{src}`: span {:?} is not inside the {} bytes of source",
        d.span,
        src.len()
    );
    d
}

macro_rules! check_ok {
    ($src:expr) => {
        ok_with($src, &Options::default())
    };
    ($src:expr, $options:expr) => {
        ok_with($src, &$options)
    };
}

macro_rules! check_err {
    ($src:expr, $needle:expr) => {
        err_with($src, $needle, &Options::default())
    };
    ($src:expr, $needle:expr, $options:expr) => {
        err_with($src, $needle, &$options)
    };
}

/// Asserts the diagnostic's class and that its help contains `help`.
#[track_caller]
fn expect(d: Diagnostic, code: &str, help: Option<&str>) {
    assert_eq!(d.code.as_str(), code, "class of `{}`", d.message);
    match help {
        Some(h) => {
            let got = d.help.as_deref().unwrap_or("");
            assert!(
                got.contains(h),
                "help `{got}` of `{}` lacks `{h}`",
                d.message
            );
        }
        None => assert_eq!(d.help, None, "unexpected help for `{}`", d.message),
    }
}

// ---------------------------------------------------------------- valid programs

#[test]
fn one_liners() {
    check_ok!("tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }");
    check_ok!(
        r#"tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }"#
    );
    check_ok!("tracepoint:block:block_rq_complete { @us = hist(args->nr_sector); }");
    check_ok!("profile:hz:99 { @[kstack] = count(); }");
    check_ok!("tracepoint:sched:sched_switch { @[args->prev_comm] = count(); }");
    check_ok!("tracepoint:sched:sched_wakeup { @[comm] = hist(nsecs); }");
    check_ok!("tracepoint:syscalls:sys_exit_read /pid == 1234/ { @bytes = hist(args.ret); }");
    check_ok!("tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }");
    check_ok!(r#"BEGIN { printf("hello world\n"); }"#);
}

#[test]
fn assignments() {
    check_ok!("BEGIN { $x = 1; $x += 2; $x -= 1; $x *= 3; $x /= 2; $x %= 5; @ = $x; }");
    check_ok!("BEGIN { $x = 1; $x <<= 1; $x >>= 1; $x &= 7; $x |= 8; $x ^= 1; @ = $x; }");
    check_ok!("BEGIN { @a = 1; @a += 2; @a -= 1; @b[1] = 0; @b[1] += 5; }");
    check_ok!("BEGIN { $i = 0; $i++; $i--; ++$i; --$i; @ = $i; }");
    check_ok!("BEGIN { @x++; @x--; ++@y; --@y; @m[1]++; @m[2]--; }");
    check_ok!("BEGIN { $i = 0; @a = $i++; @b = ++$i; }");
    check_ok!(r#"BEGIN { $s = "abc"; $s = "de"; @ = $s; }"#);
    check_ok!("BEGIN { $x = 1; $x = 2; @ = $x; } END { $x = comm; @c = $x; }");
}

#[test]
fn expressions() {
    check_ok!(r#"BEGIN { @s = pid > 1 ? "big" : "small"; }"#);
    check_ok!("BEGIN { @i = pid > 1 ? 1 : 2; }");
    check_ok!(r#"BEGIN { $t = 1 ? comm : "x"; @ = $t; }"#);
    check_ok!("BEGIN { @ = (pid > 1 && tid < 5) || !(uid == 0); }");
    check_ok!("BEGIN { @ = -pid + ~tid * 3 / 2 % 7 - (1 << 3) >> 1 & 0xff | 2 ^ 1; }");
    check_ok!(r#"BEGIN { if (comm == "bash") { printf("yes\n"); } }"#);
    check_ok!(r#"BEGIN { if ("a" != comm) { exit(); } }"#);
    check_ok!("BEGIN { @a = (uint8)300; @b = (int16)-1; @c = (uint32)pid; }");
    check_ok!("BEGIN { @d = (int64)(uint8)1; @e = (int8)pid + (uint64)tid; }");
    check_ok!("BEGIN { @ = nsecs; @c = cpu; @u = uid; @g = gid; @t = tid; @e = elapsed; }");
    check_ok!("BEGIN { @r = rand; @p = probe; @n = comm; }");
}

#[test]
fn keys() {
    check_ok!("BEGIN { @[pid, comm] = count(); }");
    check_ok!(r#"BEGIN { @t[1, "a", 2] = 1; @t[3, "bc", 4] = 2; }"#);
    check_ok!("BEGIN { @m[pid] = 1; @m[tid] = 2; }");
    check_ok!("kprobe:vfs_read { @[kstack] = count(); }");
    check_ok!("kprobe:vfs_read { @k[kstack, pid] = sum(1); }");
    check_ok!("profile:hz:99 { @[kstack, comm] = count(); }");
    check_ok!("BEGIN { @a[1] = 1; } END { @a[2] = 3; }");
}

#[test]
fn control_flow() {
    check_ok!(
        "BEGIN { if (pid == 1) { @a = 1; } else if (pid == 2) { @a = 2; } else { @a = 3; } }"
    );
    check_ok!("BEGIN { if (pid) { @a = 1; } }");
    check_ok!("BEGIN { if (pid) { @a = 1; } else { @a = 2; } }");
    check_ok!("BEGIN { $i = 0; unroll(5) { $i++; } @ = $i; }");
    check_ok!("BEGIN { $i = 0; unroll(100) { $i++; } unroll(1) { @y++; } @ = $i; }");
    check_ok!("BEGIN { unroll(10) { @x++; } }");
    check_ok!(r#"BEGIN { if (pid > 0) { return; } printf("x\n"); }"#);
    check_ok!("BEGIN { return; }");
    check_ok!("BEGIN { }");
    check_ok!("BEGIN { @x = 1 }");
    check_ok!("BEGIN { @x = 1; @y = 2 }");
    check_ok!("BEGIN { if (pid) { if (tid) { if (uid) { @ = 1; } } } }");
}

#[test]
fn actions() {
    check_ok!("BEGIN { @c = count(); print(@c); clear(@c); zero(@c); }");
    check_ok!("BEGIN { @x = 1; print(@x); delete(@x); }");
    check_ok!("BEGIN { @m[1] = 1; delete(@m[1]); }");
    check_ok!("BEGIN { print(1); print(comm); }");
    check_ok!(r#"BEGIN { time("%H:%M:%S\n"); }"#);
    check_ok!("BEGIN { exit(); }");
    check_ok!(r#"END { printf("%d %u %x %s %c %% %-5d %05d\n", 1, 2, 3, "s", 65, 4, 5); }"#);
    check_ok!(r#"BEGIN { printf("%s %s\n", str(1), str(2)); }"#);
    check_ok!(r#"BEGIN { printf("%s\n", str(1, 8)); }"#);
}

#[test]
fn aggregations() {
    check_ok!("BEGIN { @s = sum(1); @mi = min(pid); @ma = max(pid); }");
    check_ok!("BEGIN { @av = avg(pid); @st = stats(pid); }");
    check_ok!("BEGIN { @l = lhist(pid, 0, 100, 10); @h = hist(pid); @h5 = hist(pid, 5); }");
    check_ok!("BEGIN { @c = count(); } END { @c = count(); }");
    check_ok!("BEGIN { @h[comm] = hist(1); } END { @h[comm] = hist(2); }");
}

#[test]
fn attach_points() {
    check_ok!("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_openat { @[probe] = count(); }");
    check_ok!("tracepoint:syscalls:sys_enter_* { @[probe] = count(); }");
    check_ok!("tracepoint:sched:* { @ = count(); }");
    check_ok!("tracepoint:*:sys_enter { @ = count(); }");
    check_ok!("tracepoint:raw_syscalls:sys_enter { @ = args->id; }");
    check_ok!("BEGIN { @ = 1; } END { @ = 2; }");
    check_ok!("interval:ms:100 { @ = count(); } profile:s:1 { @p = count(); }");
    check_ok!("interval:us:1000 { @ = count(); } interval:hz:10 { @h = count(); }");
    check_ok!("kprobe:vfs_read { @ = count(); } kretprobe:vfs_read { @r = count(); }");
    check_ok!("BEGIN, END { @ = count(); }");
}

// ---------------------------------------------------------------- errors

#[test]
fn syntax_errors() {
    let d = check_err!(r#"BEGIN { printf("hi\n") "#, "unexpected end of input");
    expect(d, "syntax", None);
    expect(check_err!("BEGIN { @x = ; }", "unexpected"), "syntax", None);
    expect(check_err!("BEGIN @x = 1; }", "unexpected"), "syntax", None);
    expect(check_err!("{ @x = 1; }", "unexpected"), "syntax", None);
    expect(check_err!("BEGIN { (( }", "unexpected"), "syntax", None);
}

#[test]
fn unknown_names() {
    let d = check_err!("BEGIN { @x = conut(); }", "unknown function `conut`");
    expect(d, "name", Some("did you mean `count`?"));
    let d = check_err!("BEGIN { @x = foo(1); }", "unknown function `foo`");
    expect(d, "name", None);
    let d = check_err!("BEGIN { $x = nsec; }", "unknown builtin `nsec`");
    expect(d, "name", Some("did you mean `nsecs`?"));
    let d = check_err!("BEGIN { $x = comn; }", "unknown builtin `comn`");
    expect(d, "name", Some("did you mean `comm`?"));
    let d = check_err!("BEGIN { @ = $y; }", "undefined variable $y");
    expect(d, "name", None);
}

#[test]
fn probe_errors() {
    let d = check_err!("kprobx:foo { }", "unknown probe type `kprobx`");
    expect(d, "probe", Some("did you mean `kprobe`?"));
    let d = check_err!("interval:xs:1 { }", "unknown time unit `xs`");
    expect(d, "probe", Some("interval:s|ms|us|hz:N"));
    let d = check_err!("profile:qq:99 { }", "unknown time unit `qq`");
    expect(d, "probe", Some("profile:hz|s|ms|us:N"));
    let d = check_err!("profile:hz:0 { }", "`0` is not a positive integer");
    expect(d, "probe", Some("profile:"));
    let d = check_err!("interval:s:abc { }", "`abc` is not a positive integer");
    expect(d, "probe", Some("interval:"));
    let d = check_err!(
        "tracepoint:sched:sched_swich { }",
        "tracepoint `sched:sched_swich` not found"
    );
    expect(
        d,
        "missing",
        Some("did you mean `tracepoint:sched:sched_switch`?"),
    );
    let d = check_err!("tracepoint:foo:bar { }", "tracepoint `foo:bar` not found");
    expect(d, "missing", None);
    let d = check_err!(
        "tracepoint:sched:sched_switch { @ = args->prev_com; }",
        "has no argument `prev_com`"
    );
    expect(d, "name", Some("did you mean `prev_comm`?"));
    let d = check_err!(
        "BEGIN { @ = args->x; }",
        "only available in tracepoint probes"
    );
    expect(d, "type", None);
    let d = check_err!(
        "kprobe:vfs_read { @ = args->x; }",
        "only available in tracepoint probes"
    );
    expect(d, "type", None);
}

#[test]
fn aggregation_errors() {
    let d = check_err!("BEGIN { $x = count(); }", "can only be assigned to a map");
    expect(d, "type", None);
    let d = check_err!("BEGIN { @x += count(); }", "cannot be combined with `op=`");
    expect(d, "type", None);
    // count/sum/min/max/avg read in a probe merge every CPU's value (bpftrace 0.21).
    check_ok!("BEGIN { @c = count(); if (@c > 1) { } }");
    check_ok!("BEGIN { @c = count(); @d = @c; }");
    check_ok!("BEGIN { @s[1] = sum(2); @m = min(3); @x = max(4); @a = avg(5); @t = @s[1] + @m + @x + @a; }");
    let d = check_err!(
        "BEGIN { @h = hist(1); @d = @h; }",
        "is a histogram, which can only be printed"
    );
    expect(d, "type", None);
    let d = check_err!("BEGIN { @s = stats(1); @d = @s; }", "can only be printed");
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @ = hist(1, 6); }",
        "hist() bits must be between 0 and 5"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @ = lhist(1, 10, 0, 1); }",
        "0 <= min < max and step >= 1"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @ = lhist(1, 0, 10, 0); }",
        "0 <= min < max and step >= 1"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @ = lhist(1, 0, 10); }",
        "lhist() takes 4 arguments, but 3"
    );
    expect(d, "type", None);
}

#[test]
fn map_conflicts() {
    let d = check_err!(
        "BEGIN { @x = count(); } END { @x = 1; }",
        "@x is assigned a value of type int64 here, but count() elsewhere"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @x = hist(1); @x = lhist(1, 0, 10, 1); }",
        "@x is assigned lhist(…, 0, 10, 1) here, but hist("
    );
    expect(d, "type", None);
    let d = check_err!(
        r#"BEGIN { @m[1] = 1; @m["a"] = 1; }"#,
        "@m is used with key [string[2]] here, but with key [int64] elsewhere"
    );
    expect(d, "type", None);
}

#[test]
fn format_errors() {
    let d = check_err!(
        r#"BEGIN { printf("%f\n", 1); }"#,
        "floating point is not supported"
    );
    expect(d, "format", None);
    let d = check_err!(r#"BEGIN { printf("%d %d\n", 1); }"#, "too few arguments");
    expect(d, "format", None);
    let d = check_err!(r#"BEGIN { printf("%d\n", 1, 2); }"#, "too many arguments");
    expect(d, "format", None);
    let d = check_err!(r#"BEGIN { printf("%d\n", "a"); }"#, "%d expects an integer");
    expect(d, "format", None);
}

#[test]
fn type_errors() {
    expect(
        check_err!("BEGIN { @ = 1 / 0; }", "division by zero"),
        "type",
        None,
    );
    expect(
        check_err!("BEGIN { @ = 1 % 0; }", "division by zero"),
        "type",
        None,
    );
    let d = check_err!(r#"BEGIN { $x = 1; $x = "a"; }"#, "$x has type int64");
    expect(d, "type", None);
    let d = check_err!("BEGIN { unroll(0) { } }", "unroll minimum value is 1");
    expect(d, "type", Some("1 to 100 times"));
    let d = check_err!("BEGIN { unroll(101) { } }", "unroll maximum value is 100");
    expect(d, "type", Some("1 to 100 times"));
    let d = check_err!(
        "BEGIN { @ = str(); }",
        "str() takes 1 to 2 arguments, but 0"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @ = str(1, 2, 3); }",
        "str() takes 1 to 2 arguments, but 3"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @ = comm + 1; }",
        "operator `+` cannot be applied to string"
    );
    expect(d, "type", None);
    let d = check_err!("BEGIN { if (comm) { } }", "a condition must be an integer");
    expect(d, "type", None);
    let d = check_err!("BEGIN { @ = delete(@x); }", "no value to assign");
    expect(d, "type", None);
}

#[test]
fn cast_to_unknown_type() {
    expect(
        check_err!("BEGIN { @ = (footype)1; }", "unknown type `footype`"),
        "type",
        Some("integer casts"),
    );
    // A parenthesised name followed by an operator stays an expression.
    check_ok!("BEGIN { @ = (pid) - 1; @b = (pid); }");
    check_ok!("BEGIN { @ = (struct foo *)1; }");
    expect(
        check_err!(
            "BEGIN { @ = *(struct foo *)1; }",
            "struct foo is not defined"
        ),
        "name",
        None,
    );
}

#[test]
fn cast_to_unknown_type_names_the_type() {
    let d = check_err!("BEGIN { @ = (footype)1; }", "unknown type `footype`");
    expect(d, "type", Some("integer casts"));
}

#[test]
fn values_too_big_for_the_stack_move_to_the_scratch_map() {
    let big = Options {
        max_strlen: 400,
        ..Options::default()
    };
    let src = r#"BEGIN { printf("%s %s\n", str(1), str(2)); @[str(3)] = count(); }"#;
    let compiled = compile(src, &Fixture::new(), &big).expect("compiles with a scratch map");
    let scratch = compiled
        .artifact
        .maps
        .iter()
        .find(|m| m.symbol == "tl_scratch")
        .expect("a scratch map");
    assert!(scratch.value_size >= 800, "{scratch:?}");
    assert!(compiled.programs.iter().all(|p| p.stack <= 512));
}

#[test]
fn values_too_big_for_the_scratch_map() {
    let huge = Options {
        max_strlen: 4096,
        ..Options::default()
    };
    let d = check_err!(
        r#"BEGIN { printf("%s %s %s %s %s %s %s %s %s\n", str(1), str(2), str(3), str(4), str(5), str(6), str(7), str(8), str(9)); }"#,
        "BPFTRACE_MAX_STRLEN",
        huge
    );
    expect(d, "codegen", None);
}

#[test]
fn unrolled_map_updates_fit_the_stack() {
    check_ok!("BEGIN { unroll(100) { @x++; } }");
}

#[test]
fn many_map_statements_fit_the_stack() {
    check_ok!(&format!("BEGIN {{ {}}}", "@x = 1; ".repeat(40)));
    check_ok!(&format!("BEGIN {{ {}}}", "@x++; ".repeat(30)));
}

#[test]
fn positional_parameters() {
    let opts = Options {
        positional: vec!["41".into(), "hello".into(), "0x10".into()],
        ..Options::default()
    };
    let ok = |src: &str| {
        compile(src, &Fixture::new(), &opts).unwrap_or_else(|d| panic!("`{src}`: {}", d.message))
    };
    ok("BEGIN { @ = $1 + $3 + $#; @s = str($2); @m = $9; @e = str($9); }");
    ok("tracepoint:syscalls:sys_enter_read /pid == $1/ { @ = count(); }");
    let err = |src: &str| compile(src, &Fixture::new(), &opts).unwrap_err();
    // A parameter that is not a number is a string (v0.26) …
    ok(r#"BEGIN { @ = $2; if ($2 == "hello") { } }"#);
    // … but not where a number must be.
    let d = err("BEGIN { @ = $2 + 1; }");
    assert!(d.message.contains("string"), "{}", d.message);
    let d = err("BEGIN { unroll($2) { } }");
    assert!(
        d.message.contains("$2 is `hello`, not a number"),
        "{}",
        d.message
    );
    assert_eq!(
        d.help.as_deref(),
        Some("use str($2) for a string parameter")
    );
    assert!(err("BEGIN { $1 = 2; }")
        .message
        .contains("cannot be assigned"));
    assert!(err("BEGIN { @ = $0; }").message.contains("start at $1"));
    // Numeric parameters are constants wherever a literal may stand.
    ok("BEGIN { unroll($3) { @u++ } @h = lhist(1, 0, $1, $3); @c = strncmp(\"a\", \"b\", $3); }");
    let c = ok("i:ms:$1 { }");
    assert_eq!(c.artifact.probes[0].name, "interval:ms:41");
    let d = err("i:ms:$4 { }");
    assert_eq!(
        d.message,
        "$4 is used in an attach point but not given on the command line"
    );
    assert!(err("BEGIN { unroll($2) { } }")
        .message
        .contains("not a number"));
}

#[test]
fn uprobes_and_registers() {
    check_ok!("uprobe:/tmp/target:target { @[arg0, str(arg1)] = count(); }");
    check_ok!("uretprobe:/tmp/target:target { @r = sum(retval); }");
    check_ok!("u:libc:getpid /pid == 1/ { printf(\"%s %s\\n\", func, probe); }");
    check_ok!("ur:libc:getpid { @[func] = hist(retval); }");
    check_ok!("uprobe:/bin/bash:read* { @[func] = count(); }");
    check_ok!("uprobe:bash:readline+4 { printf(\"%s\\n\", func); }");
    check_ok!("uprobe:/tmp/target:0x1149 { @ = arg5; }");
    check_ok!("uprobe:/tmp/target:target { @ = arg0 + arg1 + arg2 + arg3 + arg4 + arg5; }");
    check_ok!("kprobe:vfs_read { printf(\"%d %s\\n\", arg0, func); }");
    check_ok!("kretprobe:vfs_read { @ = hist(retval); }");
    check_ok!("kprobe:vfs_read { @[str(arg1)] = count(); }");
}

/// The instance names and `func` values an attach point expands to.
fn instances(src: &str) -> Vec<(String, String)> {
    use tracelet_compiler::probes::ProbeContext;
    let c = compile(src, &Fixture::new(), &Options::default())
        .unwrap_or_else(|d| panic!("`{src}`: {}", d.message));
    c.functions
        .iter()
        .map(|(inst, _)| {
            let ProbeContext::Regs { func, .. } = &inst.context else {
                panic!("{} has no registers", inst.name)
            };
            (inst.name.clone(), func.clone())
        })
        .collect()
}

#[test]
fn uprobe_expansion() {
    use tracelet_compiler::artifact::{AttachPlan, UprobeTarget};
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        instances("uprobe:/bin/bash:read* { @ = count(); }"),
        pairs(&[
            ("uprobe:/bin/bash:read_builtin", "read_builtin"),
            ("uprobe:/bin/bash:read_command", "read_command"),
            ("uprobe:/bin/bash:readline", "readline"),
            ("uprobe:/bin/bash:readonly_builtin", "readonly_builtin"),
        ])
    );
    assert_eq!(
        instances("ur:libc:getpid { @ = count(); } u:bash:main+0x10 { @m = count(); }"),
        pairs(&[
            ("uretprobe:libc:getpid", "getpid"),
            ("uprobe:bash:main+0x10", "main"),
        ])
    );
    let c = compile(
        "uretprobe:libc:getpid { @ = count(); } uprobe:/tmp/target:0x1149 { @a = count(); } \
         uprobe:bash:main+16 { @b = count(); }",
        &Fixture::new(),
        &Options::default(),
    )
    .unwrap();
    let plans: Vec<_> = c.artifact.probes.iter().map(|p| p.attach.clone()).collect();
    assert_eq!(
        plans,
        [
            AttachPlan::Uprobe {
                binary: "/usr/lib/x86_64-linux-gnu/libc.so.6".into(),
                target: UprobeTarget::Symbol {
                    symbol: "getpid".into(),
                    offset: 0
                },
                ret: true
            },
            AttachPlan::Uprobe {
                binary: "/tmp/target".into(),
                target: UprobeTarget::Address(0x1149),
                ret: false
            },
            AttachPlan::Uprobe {
                binary: "/bin/bash".into(),
                target: UprobeTarget::Symbol {
                    symbol: "main".into(),
                    offset: 16
                },
                ret: false
            },
        ]
    );
    // Sections select aya's program types.
    let sections: Vec<&str> = c.functions.iter().map(|(i, _)| i.section).collect();
    assert_eq!(sections, ["uretprobe", "uprobe", "uprobe"]);
}

#[test]
fn register_pointers_use_the_probe_address_space() {
    let ir = |src: &str| {
        let c = compile(src, &Fixture::new(), &Options::default()).unwrap();
        c.functions[0].1.to_string()
    };
    let user = ir("uprobe:/tmp/target:target { @[str(arg1)] = count(); }");
    assert!(user.contains("probe_read_user_str"), "{user}");
    let kernel = ir("kprobe:vfs_read { @[str(arg1)] = count(); }");
    assert!(kernel.contains("probe_read_kernel_str"), "{kernel}");
    assert!(!kernel.contains("probe_read_user_str"), "{kernel}");
}

#[test]
fn uprobe_errors() {
    let d = check_err!(
        "uprobe:/tmp/target:targte { @ = count(); }",
        "function `targte` not found in /tmp/target"
    );
    expect(
        d,
        "missing",
        Some("did you mean `uprobe:/tmp/target:target`?"),
    );
    let d = check_err!(
        "uprobe:libc:getpdi { @ = count(); }",
        "function `getpdi` not found in libc"
    );
    expect(d, "missing", Some("did you mean `uprobe:libc:getpid`?"));
    let d = check_err!(
        "uprobe:/tmp/nope:target { @ = count(); }",
        "cannot find the binary `/tmp/nope` of uprobe"
    );
    expect(d, "probe", Some("library name such as `libc`"));
    let src = "BEGIN { } uprobe:/tmp/target:zzzzzzzzz { @ = count(); }";
    let d = check_err!(src, "function `zzzzzzzzz` not found");
    assert_eq!(
        &src[d.span.start..d.span.end],
        "uprobe:/tmp/target:zzzzzzzzz"
    );
    assert_eq!(d.help, None);
    let d = check_err!("uprobe:/tmp/target { }", "wrong number of parts");
    expect(d, "probe", Some("uprobe:BINARY:FUNCTION"));
    check_err!(
        "uprobe:/bin/bash:nomatch* { }",
        "no function of /bin/bash matches `nomatch*`"
    );
    check_err!(
        "uretprobe:/tmp/target:target+4 { }",
        "uretprobe does not take an offset"
    );
    check_err!("uretprobe:/tmp/target:0x10 { }", "not an address");
    check_err!("uprobe:/tmp/target:target+x { }", "bad offset `x`");
    check_err!(
        "uprobe:/bin/bash:read*+4 { }",
        "an offset cannot follow a wildcard"
    );
    let d = check_err!("uprobe:/bin/bash { }", "wrong number of parts");
    expect(d, "probe", Some("expected"));
    let d = check_err!("uprobr:/bin/bash:main { }", "unknown probe type `uprobr`");
    expect(d, "probe", Some("did you mean `uprobe`?"));
}

#[test]
fn register_errors() {
    let d = check_err!(
        "uprobe:/tmp/target:target { @ = retval; }",
        "retval is only available in kretprobe and uretprobe probes, not in uprobe:/tmp/target:target"
    );
    expect(d, "type", Some("arg0 to arg5"));
    check_err!(
        "tracepoint:syscalls:sys_exit_read { @ = retval; }",
        "retval is only available in kretprobe and uretprobe probes"
    );
    let d = check_err!(
        "uretprobe:/tmp/target:target { @ = arg0; }",
        "arg0 is only available in rawtracepoint, kprobe and uprobe probes, not in uretprobe:/tmp/target:target"
    );
    expect(d, "type", Some("retval"));
    check_err!(
        "kretprobe:vfs_read { @ = arg3; }",
        "arg3 is only available in rawtracepoint, kprobe and uprobe probes"
    );
    let src = "BEGIN { printf(\"%s\\n\", func); }";
    let d = check_err!(
        src,
        "func is only available in kprobe, kretprobe, uprobe and uretprobe probes, not in begin"
    );
    assert_eq!(&src[d.span.start..d.span.end], "func");
    check_err!("interval:s:1 { @ = arg0; }", "arg0 is only available");
    check_err!("uprobe:/tmp/target:target { @ = arg6; }", "arg6");
}

#[test]
fn symbol_functions() {
    check_ok!("BEGIN { printf(\"%s\\n\", ksym(kaddr(\"vfs_read\"))); }");
    check_ok!("BEGIN { @[ksym(kaddr(\"vfs_read\") + 4)] = count(); print(ksym(0)); }");
    check_ok!("BEGIN { @s = ksym(kaddr(\"schedule\")); @s = ksym(1); }");
    check_ok!("BEGIN { printf(\"%lx\\n\", kaddr(\"do_sys_openat2\")); }");
    check_err!(
        "BEGIN { @ = ksym(); }",
        "ksym() takes 1 argument, but 0 were given"
    );
    check_err!(
        "BEGIN { @ = ksym(1, 2); }",
        "ksym() takes 1 argument, but 2 were given"
    );
    check_err!(
        "BEGIN { @ = ksym(\"vfs_read\"); }",
        "expected an integer, found string[9]"
    );
    check_err!("BEGIN { @ = kaddr(); }", "kaddr() takes 1 argument");
    check_err!(
        "BEGIN { @ = kaddr(1); }",
        "kaddr() expects a string literal naming a kernel symbol"
    );
    let src = "BEGIN { @ = kaddr(\"vfs_raed\"); }";
    let d = check_err!(src, "kaddr(): unknown kernel symbol `vfs_raed`");
    assert_eq!(&src[d.span.start..d.span.end], "\"vfs_raed\"");
    expect(d, "name", Some("did you mean `vfs_read`?"));
    // A map holding ksyms cannot also hold integers.
    check_err!(
        "BEGIN { @ = ksym(1); @ = 2; }",
        "@ is assigned a value of type int64 here, but a value of type ksym elsewhere"
    );
}

#[test]
fn string_functions() {
    check_ok!("BEGIN { @ = strncmp(\"abc\", \"abd\", 2); }");
    check_ok!("tracepoint:sched:sched_switch { @[strncmp(args.prev_comm, comm, 16)] = count(); }");
    check_ok!("BEGIN { if (strncmp(comm, \"bash\", 4) == 0) { exit(); } }");
    check_ok!("BEGIN { @ = strcontains(\"hello world\", \"lo w\"); }");
    check_ok!("BEGIN { @ = strcontains(comm, \"sh\") + strcontains(comm, comm) + strcontains(comm, \"\"); }");
    check_ok!(
        "tracepoint:syscalls:sys_enter_openat { @ = strcontains(str(args.filename), str(args.filename)); }"
    );
    check_err!(
        "BEGIN { @ = strncmp(\"a\", \"b\"); }",
        "strncmp() takes 3 arguments, but 2 were given"
    );
    check_err!(
        "BEGIN { @ = strncmp(\"a\", 1, 1); }",
        "strncmp() expects a string, found int64"
    );
    check_err!(
        "BEGIN { $n = 1; @ = strncmp(\"a\", \"b\", $n); }",
        "strncmp() expects an integer literal as its length"
    );
    check_err!(
        "BEGIN { @ = strncmp(\"a\", \"b\", -1); }",
        "must not be negative"
    );
    check_err!(
        "BEGIN { @ = strcontains(\"a\"); }",
        "strcontains() takes 2 arguments, but 1 were given"
    );
    check_err!(
        "BEGIN { @ = strcontains(pid, \"a\"); }",
        "strcontains() expects a string, found uint64"
    );
    check_err!(
        "tracepoint:syscalls:sys_enter_openat { @ = strcontains(str(args.filename, 200), str(args.filename, 200)); }",
        "strcontains() on strings of 200 and 200 bytes needs too many comparisons",
        Options {
            max_strlen: 200,
            ..Options::default()
        }
    );
}

#[test]
fn ntop_and_bswap() {
    check_ok!("BEGIN { printf(\"%s\\n\", ntop(0x0100007f)); }");
    check_ok!("BEGIN { @[ntop(2, 0x0100007f)] = count(); print(ntop(10, 1)); }");
    check_err!(
        "BEGIN { @ = ntop(); }",
        "ntop() takes 1 to 2 arguments, but 0 were given"
    );
    check_err!(
        "BEGIN { @ = ntop(\"127.0.0.1\"); }",
        "ntop() expects an integer or a 4- or 16-byte array, found string[10]"
    );
    check_err!(
        "BEGIN { @ = ntop(\"a\", 1); }",
        "expected an integer, found string[2]"
    );
    check_ok!("BEGIN { printf(\"%x %d\\n\", bswap((uint32)0x11223344), bswap((int16)1)); }");
    check_ok!("BEGIN { @ = bswap(pid); @ = bswap(0x1122334455667788); }");
    check_err!(
        "BEGIN { @ = bswap(); }",
        "bswap() takes 1 argument, but 0 were given"
    );
    check_err!(
        "BEGIN { @ = bswap(comm); }",
        "expected an integer, found string[16]"
    );
    check_err!(
        "BEGIN { @ = bswap(ksym(1)); }",
        "bswap() expects an integer, found ksym"
    );
}

#[test]
fn user_stacks_and_symbols() {
    check_ok!("profile:hz:99 { @[ustack] = count(); }");
    check_ok!("uprobe:/tmp/target:target { @[ustack, comm] = count(); }");
    check_ok!("tracepoint:syscalls:sys_enter_read { @[ustack(5)] = count(); }");
    check_ok!("kprobe:vfs_read { @[ustack(perf)] = count(); @r[ustack(raw, 3)] = count(); }");
    check_ok!("BEGIN { print(ustack(bpftrace, 127)); @s = ustack; @s = ustack; }");
    check_ok!(
        "uprobe:/tmp/target:target { printf(\"%s\\n\", usym(arg0)); @[usym(arg1)] = count(); }"
    );
    check_err!("BEGIN { @ = ustack(foo); }", "unknown stack mode foo");
    check_err!(
        "BEGIN { @ = ustack(0); }",
        "limit must be between 1 and 127"
    );
    check_err!(
        "BEGIN { @ = ustack(128); }",
        "limit must be between 1 and 127"
    );
    check_err!(
        "BEGIN { @ = ustack(3, raw); }",
        "ustack() expects ([mode,] [limit])"
    );
    check_err!(
        "BEGIN { @ = ustack(perf, 1, 2); }",
        "ustack() takes 0 to 2 arguments"
    );
    check_err!(
        "BEGIN { @ = ustack; @ = ustack(perf); }",
        "@ is assigned a value of type ustack(perf, 127) here, but a value of type ustack elsewhere"
    );
    check_err!(
        "BEGIN { @ = usym(1); @ = 2; }",
        "@ is assigned a value of type int64 here, but a value of type usym elsewhere"
    );
    check_err!(
        "BEGIN { @ = usym(); }",
        "usym() takes 1 argument, but 0 were given"
    );
    check_err!(
        "BEGIN { @ = usym(\"x\"); }",
        "expected an integer, found string"
    );
    check_err!(
        "BEGIN { @ = usym(kstack); }",
        "usym() expects an address, found kstack"
    );
}

#[test]
fn join_argv() {
    check_ok!("tracepoint:syscalls:sys_enter_openat { join(args.filename); }");
    check_ok!(r#"uprobe:/bin/bash:readline { join(arg0, ","); }"#);
    let d = check_err!(
        "BEGIN { join(1, comm); }",
        "separator must be a string literal"
    );
    expect(d, "type", None);
    let d = check_err!("BEGIN { join(comm); }", "expected an integer");
    expect(d, "type", None);
}

#[test]
fn errors_of_every_probe_are_collected_with_secondary_labels() {
    let src = "BEGIN { @x = 1; } BEGIN { @x = \"s\"; } END { $y + 1; }";
    let ds = tracelet_compiler::compile_stages(src, &Fixture::new(), &Options::default())
        .expect_err("two errors");
    let messages: Vec<&str> = ds.0.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(ds.0.len(), 2, "{messages:?}");
    assert!(messages[0].contains("@x is assigned"), "{messages:?}");
    assert!(
        messages[1].contains("undefined variable $y"),
        "{messages:?}"
    );
    let first = &ds.0[0].related[0];
    assert_eq!(&src[first.span.start..first.span.end], "1");
    assert_eq!(first.label, "first assigned here");
}

#[test]
fn loops() {
    check_ok!("BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i > 8) { break; } } }");
    check_ok!("tracepoint:sched:sched_switch { $n = 0; while ($n < args->prev_pid % 8) { $n++; } @ = hist($n); }");
    expect(
        check_err!("BEGIN { break; }", "`break` outside of a loop"),
        "syntax",
        Some("while"),
    );
    expect(
        check_err!(
            "BEGIN { if (1) { continue; } }",
            "`continue` outside of a loop"
        ),
        "syntax",
        Some("while"),
    );
    check_ok!("BEGIN { $x = 1; $s = \"aa\"; for ($i : 0..3) { $x += $i; $s = \"bb\"; } }");
    check_ok!("BEGIN { for ($i : 0..3) { for ($j : $i..4) { if ($j == 2) { return; } @[$i, $j] = count(); } } }");
    expect(
        check_err!("BEGIN { for ($i : 0..\"a\") { } }", "expected an integer"),
        "type",
        None,
    );
}

#[test]
fn map_declarations() {
    use tracelet_compiler::artifact::MapType;
    let kinds = |src: &str| -> Vec<(MapType, u32)> {
        let c = compile(src, &Fixture::new(), &Options::default()).expect(src);
        c.artifact
            .maps
            .iter()
            .filter(|m| m.script_name().is_some())
            .map(|m| (m.kind, m.max_entries))
            .collect()
    };
    assert_eq!(
        kinds("let @a = lruhash(2); BEGIN { @a[1] = 1; }"),
        [(MapType::LruHash, 2)]
    );
    assert_eq!(
        kinds("let @a = percpulruhash(7) BEGIN { @a[1] = count(); }"),
        [(MapType::LruPerCpuHash, 7)]
    );
    assert_eq!(
        kinds("let @a = percpuhash(3); let @b = hash(4); BEGIN { @a = sum(1); @b = 1; }"),
        [(MapType::PerCpuHash, 3), (MapType::Hash, 4)]
    );
    let c = compile(
        "let @a = hash(1); BEGIN { }",
        &Fixture::new(),
        &Options::default(),
    )
    .expect("an unused declaration is a warning");
    assert_eq!(c.warnings[0].message, "unused map: @a");

    let d = check_err!(
        "let @a = tree(1); BEGIN { @a = 1; }",
        "invalid bpf map type: tree"
    );
    expect(d, "type", Some("hash, lruhash, percpuhash, percpulruhash"));
    let d = check_err!(
        "let @a = hash(1); BEGIN { @a = count(); }",
        "incompatible map types for @a. Type from declaration: hash. Type from value/key type: percpuhash"
    );
    expect(d, "type", Some("percpuhash or percpulruhash"));
    let d = check_err!("let @a = hash(0); BEGIN { @a = 1; }", "max entries must be");
    expect(d, "type", None);
    let d = check_err!(
        "let @a = hash(1); let @a = lruhash(2); BEGIN { @a = 1; }",
        "@a is declared twice"
    );
    assert_eq!(d.related.len(), 1);
    let d = check_err!(
        "BEGIN { } let @a = hash(1); config = { max_map_keys = 2 }",
        "the config block must come first"
    );
    expect(d, "syntax", Some("move `config"));
}

#[test]
fn map_loops() {
    check_ok!("BEGIN { @m[1] = 2; $n = 0; for ($kv : @m) { $n += $kv.0 + $kv.1; } }");
    check_ok!("BEGIN { for ($kv : @m) { @n[$kv.1] = $kv.0.1; } } END { @m[1, 2] = \"s\"; }");
    check_ok!("BEGIN { @c[comm] = count(); @a[1] = avg(2); for ($kv : @c) { for ($x : @a) { print(($kv.1, $x.1)); } } }");
    check_ok!("BEGIN { @m[1, 2] = 1; for ($kv : @m) { delete(@m, $kv.0); } }");
    let d = check_err!(
        "BEGIN { @x = 1; for ($kv : @x) { } }",
        "@x has no explicit keys (scalar map), and cannot be used for iteration"
    );
    expect(d, "type", None);
    let d = check_err!(
        "BEGIN { @h[1] = hist(5); for ($kv : @h) { } }",
        "cannot iterate over @h, which holds hist()"
    );
    expect(d, "type", Some("count()"));
    check_err!(
        "BEGIN { @s[1] = stats(5); for ($kv : @s) { } }",
        "which holds stats()"
    );
    check_err!("BEGIN { for ($kv : @never) { } }", "never assigned a value");
    expect(
        check_err!(
            "BEGIN { for ($kv : 5) { } }",
            "iterates over a map or a range"
        ),
        "syntax",
        Some("for ($kv : @map)"),
    );
    expect(
        check_err!(
            "BEGIN { @m[1] = 1; for ($kv : @m[1]) { } }",
            "iterates over a whole map, not one element"
        ),
        "syntax",
        Some("for ($kv : @m)"),
    );
    // A failing body is reported, not half-built.
    check_err!(
        "BEGIN { @m[1] = 1; for ($kv : @m) { if ($kv.1) { $kv.0 + \"a\"; } } }",
        "cannot be applied"
    );
}

#[test]
fn tuple_elements() {
    check_ok!("BEGIN { $t = (1, \"s\", (2, 3)); @x = $t.2.1 + $t.0; @y = $t.1; }");
    // The tuple type of @w comes from a later probe.
    check_ok!("BEGIN { @z = @w.1; } END { @w = (4, 5); }");
    let src = "BEGIN { $t = (1, 2); print($t.2); }";
    let d = check_err!(src, "has no element `2`");
    assert_eq!(&src[d.span.start..d.span.end], "2");
    expect(d, "type", Some(".0 to .1"));
    check_err!("BEGIN { $t = (1, 2); print($t.x); }", "has no element `x`");
    check_err!("BEGIN { $i = 1; print($i.0); }", "int64 has no fields");
}

#[test]
fn blocks_scopes_and_declarations() {
    check_ok!("BEGIN { let $a = { let $b = 1; $b }; @ = $a; }");
    check_ok!("BEGIN { $x = { $y = { $z = 10; $z + 5 }; $y * 2 }; @ = $x; }");
    check_ok!("BEGIN { if 1 { $x = 1; } if 1 { let $x; if $x { $x = 5; } @ = $x; } }");
    check_ok!("BEGIN { let $a; $a = \"str\"; @ = $a; }");
    check_ok!("BEGIN { let $c: uint8 = 300; let $s: string[4]; $s = \"abc\"; @ = ($c, $s); }");
    check_ok!("BEGIN { let $t: typeof(comm); $t = comm; @ = $t; }");
    check_ok!("BEGIN { $k = \"test\"; @m[$k] = 1; $k = \"longer\"; @m[$k] = 2; }");
    check_ok!("BEGIN { _ = { @x = 1; 1 }; }");
    let d = check_err!(
        "BEGIN { if 1 { $x = 1; } @ = $x; }",
        "undefined variable $x"
    );
    expect(d, "name", None);
    let d = check_err!(
        "BEGIN { $x = 1; let $x; }",
        "Variable $x was already declared. Variable shadowing is not allowed."
    );
    assert_eq!(d.related.len(), 1);
    check_ok!("BEGIN { let $p: struct task_struct *; }");
    let d = check_err!(
        "BEGIN { let $p: struct task_struct *; print(*$p); }",
        "struct task_struct is not defined"
    );
    expect(d, "name", None);
    check_err!("BEGIN { let $1 = 2; }", "positional parameter");
    check_err!("BEGIN { @x = { 1; }; }", "no value to assign");
    check_err!("BEGIN { $a = 1; $a = \"s\"; }", "cannot be assigned");
}

#[test]
fn macros() {
    check_ok!("macro inc($x) { $x += 1; $x } BEGIN { $a = 1; @ = inc($a); }");
    check_ok!("BEGIN { @ = one; } macro one() { 1 }");
    check_ok!("BEGIN { @ = (__builtin_uid == uid, comm(), __builtin_comm); }");
    let src = "macro m(x) { x + \"s\" } BEGIN { @ = m(1); }";
    let ds =
        tracelet_compiler::compile_stages(src, &Fixture::new(), &Options::default()).unwrap_err();
    let d = &ds.0[0];
    assert_eq!(&src[d.span.start..d.span.end], "x + \"s\"", "{d:?}");
    assert_eq!(d.related.len(), 1, "{d:?}");
    assert_eq!(&src[d.related[0].span.start..d.related[0].span.end], "m(1)");
    check_err!(
        "macro u() { @x } BEGIN { @ = u(); }",
        "Unhygienic access to map: @x"
    );
    check_err!(
        "macro f($v) { $v } BEGIN { f(1); }",
        "expects a variable for arg $v"
    );
}

#[test]
fn raw_tracepoints() {
    let names = |src: &str| -> Vec<String> {
        let c = compile(src, &Fixture::new(), &Options::default())
            .unwrap_or_else(|d| panic!("`{src}`: {}", d.message));
        c.artifact.probes.iter().map(|p| p.name.clone()).collect()
    };
    assert_eq!(
        names("rawtracepoint:sys_exit { @[arg0] = count(); }"),
        ["rawtracepoint:vmlinux:sys_exit"]
    );
    assert_eq!(
        names("rt:vmlinu*:sys_e* { @ = arg1; }"),
        [
            "rawtracepoint:vmlinux:sys_enter",
            "rawtracepoint:vmlinux:sys_exit"
        ]
    );
    // Provider names are case-insensitive.
    assert_eq!(
        names("RawTracepoint:sys_enter { }"),
        ["rawtracepoint:vmlinux:sys_enter"]
    );
    let d = check_err!(
        "rawtracepoint:nonsense:sys_exit { }",
        "no matches for rawtracepoint nonsense:sys_exit"
    );
    expect(d, "missing", Some("tracelet -l"));
    let d = check_err!(
        "rawtracepoint:sys_exit { @ = retval; }",
        "retval is only available in kretprobe and uretprobe probes"
    );
    expect(d, "type", None);
}

#[test]
fn c_data_diagnostics() {
    let d = check_err!(
        "struct A { int count; int x[4]; } BEGIN { $a = (struct A *)0; @ = $a->cuont; }",
        "struct A has no field named `cuont`"
    );
    expect(d, "name", Some("did you mean `count`?"));
    let d = check_err!(
        "struct A { int x[4]; } BEGIN { $a = (struct A *)0; @ = $a.x[5]; }",
        "the index 5 is out of bounds for array of size 4"
    );
    expect(d, "type", None);
    let d = check_err!("BEGIN { $x = 1; @ = *$x; }", "cannot dereference int64");
    expect(d, "type", None);
    let d = check_err!(
        "struct A { int x; } BEGIN { @ = (struct A)1; }",
        "cannot cast int64 to struct A"
    );
    expect(d, "type", Some("cast to a pointer, `(struct A *)`"));
    let d = check_err!(
        "struct A { int x; } BEGIN { @ = *(struct B *)1; }",
        "struct B is not defined"
    );
    expect(d, "name", None);
    check_err!(
        "struct A { nosuch_t x; } BEGIN { }",
        "unknown type `nosuch_t`"
    );
}

#[test]
fn c_data_compiles() {
    check_ok!("struct A { int32_t a; char c[28]; } BEGIN { $a = (struct A *)1024; @ = $a - 5; @s = sizeof(struct A); }");
    check_ok!("struct A { int x[4]; struct { int y; } n; } BEGIN { $a = (struct A *)1; @x = $a.x; @y = $a->n.y; @z[$a.x] = $a.x[1]; }");
    check_ok!("enum E { ONE = 1, TWO } BEGIN { @ = TWO + offsetof(struct F, b); } struct F { int a; int b; }");
    check_ok!("BEGIN { $p = (int32 **)8; @ = **($p + 1); @b = ((int8[8])12345)[0]; }");
}

#[test]
fn map_queries_and_strlen() {
    check_ok!("BEGIN { @a[1] = 0; @b = has_key(@a, 1); @c = has_key(@a, pid); }");
    check_ok!("BEGIN { @c[1, (\"hello\", (int8)5)] = 0; @h = has_key(@c, (1, (\"hello\", 5))); }");
    check_ok!("BEGIN { @m[comm] = count(); @n = len(@m); for ($kv : @m) { @k = len(@m); } }");
    check_ok!("uprobe:/bin/bash:readline { @s = strlen(comm) + strlen(\"abc\"); $x = str(arg0); @t = strlen($x); }");
    check_err!(
        "BEGIN { @g = 2; @x = has_key(@g, 2); }",
        "call to has_key() expects a map with explicit keys (non-scalar map)"
    );
    check_err!(
        "BEGIN { @ = 0; @x = len(@); }",
        "call to len() expects a map with explicit keys (non-scalar map)"
    );
    check_err!(
        "BEGIN { @x = len(5); }",
        "call to len() expects a map, ustack, or kstack"
    );
    check_err!(
        "BEGIN { @x = len(kstack); }",
        "len() of a stack is not supported yet"
    );
    check_err!(
        "BEGIN { @h[1] = hist(2); @x = has_key(@h, 1); }",
        "has_key() of a histogram map is not supported yet"
    );
    check_err!(
        "BEGIN { @a[1] = 1; @x = has_key(1, 1); }",
        "has_key() expects a map such as `@m` and a key"
    );
    check_err!(
        "BEGIN { @x = strlen(1); }",
        "strlen() expects a string, found int64"
    );
    check_err!(
        "BEGIN { @x = has_key(@a); }",
        "has_key() takes 2 arguments, but 1 were given"
    );
}

#[test]
fn the_smaller_program_limit_applies() {
    let options = Options {
        max_bpf_progs: 1,
        ..Options::default()
    };
    let d = check_err!("BEGIN { } END { }", "more than max_bpf_progs (1)", options);
    expect(d, "probe", Some("BPFTRACE_MAX_BPF_PROGS"));
}
