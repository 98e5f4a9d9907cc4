//! Robustness: odd and malformed programs must give `Ok` or a diagnostic, never
//! a panic; every program that compiles must be non-empty and relocate only to
//! maps that exist.

use std::panic::{catch_unwind, AssertUnwindSafe};
use tracelet_compiler::kernel_info::fixture::Fixture;
use tracelet_compiler::{compile_stages as compile, Options};

const VALID: &[&str] = &[
    "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }",
    r#"tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }"#,
    "tracepoint:block:block_rq_complete { @us = hist(args->nr_sector); }",
    "profile:hz:99 { @[kstack] = count(); }",
    "tracepoint:sched:sched_switch { @[args->prev_comm] = count(); }",
    "tracepoint:sched:sched_wakeup { @[comm] = hist(nsecs); }",
    "tracepoint:syscalls:sys_exit_read /pid == 1234/ { @bytes = hist(args.ret); }",
    "tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }",
    r#"BEGIN { printf("hello world\n"); }"#,
    r#"BEGIN { if (pid > 10) { @a = 1; } else if (pid == 5) { @a = 2; } else { @a = 3; } @s = tid > 1 ? "big" : "small"; }"#,
    "BEGIN { @av = avg(pid); @mi = min(pid); @ma = max(pid); @st = stats(pid); @l = lhist(pid, 0, 100, 10); }",
    "BEGIN { $i = 0; unroll(5) { $i++; } @x[$i, comm] = sum($i); print(@x); clear(@x); zero(@x); delete(@x[1, \"a\"]); }",
    r#"kprobe:vfs_read { @[kstack] = count(); } END { time("%H\n"); print(@); }"#,
    "BEGIN { $x = 1; $x += 2; $x <<= 1; @ = (uint8)$x; @y++; --@y; if (!$x) { return; } }",
];

/// Tokens for the token soups: valid pieces in random order.
const TOKENS: &[&str] = &[
    "BEGIN",
    "END",
    "tracepoint",
    ":",
    "sched",
    "sched_switch",
    "syscalls",
    "sys_enter_openat",
    "profile",
    "hz",
    "99",
    "interval",
    "s",
    "kprobe",
    "vfs_read",
    "*",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "/",
    ";",
    ",",
    "=",
    "==",
    "!=",
    "+=",
    "++",
    "--",
    "+",
    "-",
    "%",
    "<<",
    ">>",
    "&&",
    "||",
    "!",
    "~",
    "?",
    "<",
    ">",
    "<=",
    ">=",
    "&",
    "|",
    "^",
    "@",
    "@x",
    "@m",
    "$x",
    "$y",
    "args",
    "->",
    ".",
    "ret",
    "prev_comm",
    "filename",
    "comm",
    "pid",
    "tid",
    "nsecs",
    "kstack",
    "probe",
    "count()",
    "sum",
    "hist",
    "lhist",
    "avg",
    "min",
    "max",
    "stats",
    "str",
    "printf",
    "print",
    "clear",
    "zero",
    "delete",
    "exit",
    "time",
    "if",
    "else",
    "unroll",
    "return",
    "(uint8)",
    "(int64)",
    "0",
    "1",
    "-1",
    "100",
    "101",
    "6",
    "0xff",
    "18446744073709551615",
    "99999999999999999999999",
    "\"a\"",
    "\"%d\\n\"",
    "\"%s %s\\n\"",
    "\"%\"",
    "\"",
    "\\",
    "#",
    "//",
    "/*",
    "*/",
    " ",
    "\n",
    "é",
    "\0",
];

/// A tiny linear congruential generator, so the soups are the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

/// Compiles `src`, failing the test on a panic; checks what a success produced.
fn survives(src: &str, options: &Options) {
    let result = catch_unwind(AssertUnwindSafe(|| compile(src, &Fixture::new(), options)));
    let compiled = match result {
        Ok(Ok(c)) => c,
        Ok(Err(ds)) => {
            assert!(!ds.is_empty(), "{src:?}: an error without diagnostics");
            for d in ds {
                assert!(
                    d.span.start <= d.span.end && d.span.end <= src.len(),
                    "{src:?}: span {:?} outside the source ({})",
                    d.span,
                    d.message
                );
            }
            return;
        }
        Err(_) => panic!("compile panicked on {src:?}"),
    };
    assert_eq!(
        compiled.programs.len(),
        compiled.artifact.probes.len(),
        "{src:?}"
    );
    for prog in &compiled.programs {
        assert!(!prog.insns.is_empty(), "{src:?}: empty program");
        for (at, map) in &prog.map_relocs {
            assert!(
                map.0 < compiled.artifact.maps.len(),
                "{src:?}: relocation at {at} names map #{} of {}",
                map.0,
                compiled.artifact.maps.len()
            );
            assert!(
                *at + 1 < prog.insns.len(),
                "{src:?}: relocation past the end"
            );
            assert_eq!(
                prog.insns[*at].code, 0x18,
                "{src:?}: relocation not on ld_imm64"
            );
        }
    }
}

/// Runs `survives` over `programs`, collecting every panicking input.
fn all_survive<'a>(programs: impl IntoIterator<Item = &'a str>, options: &Options) {
    let mut panicked = Vec::new();
    let mut count = 0;
    for src in programs {
        count += 1;
        if catch_unwind(AssertUnwindSafe(|| survives(src, options))).is_err() {
            panicked.push(src.to_string());
        }
    }
    assert!(count > 0);
    assert!(
        panicked.is_empty(),
        "{} of {count} programs failed:\n{panicked:#?}",
        panicked.len()
    );
}

#[test]
fn valid_programs_compile_and_relocate() {
    for src in VALID {
        let c = compile(src, &Fixture::new(), &Options::default())
            .unwrap_or_else(|d| panic!("{src}: {d}"));
        assert!(!c.programs.is_empty());
        survives(src, &Options::default());
    }
}

#[test]
fn truncations() {
    let mut all = Vec::new();
    for src in VALID {
        for (i, _) in src.char_indices() {
            all.push(&src[..i]);
            all.push(&src[i..]);
        }
    }
    all_survive(all, &Options::default());
}

#[test]
fn single_deletions() {
    let all: Vec<String> = VALID
        .iter()
        .flat_map(|src| {
            src.char_indices()
                .map(|(i, c)| format!("{}{}", &src[..i], &src[i + c.len_utf8()..]))
        })
        .collect();
    all_survive(all.iter().map(String::as_str), &Options::default());
}

#[test]
fn token_soups() {
    let mut rng = Lcg(0x7472_6163_656c_6574);
    let mut all = Vec::new();
    for _ in 0..3000 {
        let len = 1 + rng.next() % 40;
        let soup: Vec<&str> = (0..len)
            .map(|_| TOKENS[rng.next() % TOKENS.len()])
            .collect();
        all.push(soup.join(" "));
    }
    // Soups inside a valid probe body get past the parser more often.
    for _ in 0..3000 {
        let len = 1 + rng.next() % 12;
        let soup: Vec<&str> = (0..len)
            .map(|_| TOKENS[rng.next() % TOKENS.len()])
            .collect();
        all.push(format!(
            "tracepoint:sched:sched_switch {{ {} }}",
            soup.join(" ")
        ));
    }
    all_survive(all.iter().map(String::as_str), &Options::default());
}

fn nested(depth: usize) -> Vec<String> {
    vec![
        format!("BEGIN {{ @ = {}1; }}", "- ".repeat(depth)),
        format!("BEGIN {{ @ = {}1; }}", "!".repeat(depth)),
        format!("BEGIN {{ @ = {}1; }}", "~".repeat(depth)),
        format!("BEGIN {{ @ = 1{}; }}", " + 1".repeat(depth)),
        format!(
            "BEGIN {{ {}@ = 1;{} }}",
            "if (pid) { ".repeat(depth),
            " }".repeat(depth)
        ),
        format!(
            "BEGIN {{ @ = {}1{}; }}",
            "pid ? ".repeat(depth),
            " : 2".repeat(depth)
        ),
        format!(
            "BEGIN {{ {}@x++;{} }}",
            "unroll(2) { ".repeat(depth.min(10)),
            " }".repeat(depth.min(10))
        ),
        format!("BEGIN {{ @[{}] = 1; }}", vec!["pid"; depth].join(", ")),
    ]
}

#[test]
fn deep_nesting() {
    let mut all = Vec::new();
    for depth in [10, 50, 100] {
        all.extend(nested(depth));
    }
    // Parentheses: shallow enough to parse, or deep enough to be refused.
    for depth in [10, 16, 100, 1000] {
        all.push(format!(
            "BEGIN {{ @ = {}1{}; }}",
            "(".repeat(depth),
            ")".repeat(depth)
        ));
    }
    all.push(format!("BEGIN {{ @ = {}1; }}", "(".repeat(1000)));
    all_survive(all.iter().map(String::as_str), &Options::default());
}

#[test]
fn moderately_deep_parentheses_do_not_overflow() {
    for depth in [17, 20, 40, 90] {
        let src = format!(
            "BEGIN {{ @ = {}1{}; }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        survives(&src, &Options::default());
    }
}

#[test]
fn deep_blocks_do_not_overflow() {
    let depth = 300;
    let ifs = format!(
        "BEGIN {{ {}@ = 1;{} }}",
        "if (pid) { ".repeat(depth),
        " }".repeat(depth)
    );
    survives(&ifs, &Options::default());
    let tern = format!(
        "BEGIN {{ @ = {}1{}; }}",
        "pid ? ".repeat(depth),
        " : 2".repeat(depth)
    );
    survives(&tern, &Options::default());
}

#[test]
fn odd_programs() {
    let all = [
        "",
        " ",
        "\n\n",
        "//",
        "/*",
        "BEGIN",
        "BEGIN {",
        "BEGIN }",
        "BEGIN { } }",
        "BEGIN { @ = 18446744073709551615; }",
        "BEGIN { @ = 18446744073709551616; }",
        "BEGIN { @ = -9223372036854775808; }",
        "BEGIN { @ = 1 << 64; }",
        "BEGIN { @ = 1 >> 70; }",
        "BEGIN { @ = 0x; }",
        "BEGIN { @ = \"\\x\"; }",
        "BEGIN { @ = \"unterminated; }",
        "BEGIN { printf(\"%\"); }",
        "BEGIN { printf(\"%5\"); }",
        "BEGIN { printf(\"%-\", 1); }",
        "BEGIN { printf(\"%lld %hhu %zd\\n\", 1, 2, 3); }",
        "BEGIN { printf(1); }",
        "BEGIN { printf(); }",
        "BEGIN { print(); }",
        "BEGIN { print(@nope); }",
        "BEGIN { clear(1); }",
        "BEGIN { delete(1); }",
        "BEGIN { exit(1); }",
        "BEGIN { time(1); }",
        "BEGIN { @ = str(comm); }",
        "BEGIN { @ = str(1, 0); }",
        "BEGIN { @ = str(1, -1); }",
        "BEGIN { @ = str(1, 100000); }",
        "BEGIN { @ = hist(); }",
        "BEGIN { @ = hist(1, -1); }",
        "BEGIN { @ = hist(1, pid); }",
        "BEGIN { @ = lhist(1, 0, 1, 1); }",
        "BEGIN { @ = lhist(1, -5, 10, 1); }",
        "BEGIN { @ = lhist(1, 0, 9223372036854775807, 1); }",
        "BEGIN { @ = lhist(1, pid, 10, 1); }",
        "BEGIN { @ = count(1); }",
        "BEGIN { @ = sum(); }",
        "BEGIN { @ = sum(comm); }",
        "BEGIN { @[count()] = 1; }",
        "BEGIN { @[@x] = 1; }",
        "BEGIN { @x = 1; @[@x] = 1; }",
        "BEGIN { @ = (1, 2); }",
        "BEGIN { @ = (1, \"a\", comm); @ = (2, \"bb\", comm); }",
        "BEGIN { $t = (1, 2); @ = $t; }",
        "BEGIN { @ = kstack; }",
        "BEGIN { @ = kstack + 1; }",
        "BEGIN { printf(\"%d\\n\", kstack); }",
        "BEGIN { @ = probe + 1; }",
        "BEGIN { @ = -comm; }",
        "BEGIN { @ = comm == 1; }",
        "BEGIN { @ = comm < \"a\"; }",
        "BEGIN { $x++; }",
        "BEGIN { @x = \"a\"; @x++; }",
        "BEGIN { comm = 1; }",
        "BEGIN { 1 = 1; }",
        "BEGIN { @x[1][2] = 1; }",
        "BEGIN { unroll(pid) { } }",
        "BEGIN { unroll(-1) { } }",
        "BEGIN { return 1; }",
        "BEGIN { if (1) { } else { } else { } }",
        "tracepoint { }",
        "tracepoint:sched { }",
        "tracepoint::: { }",
        "tracepoint:*:* { @ = count(); }",
        "tracepoint:sched:sched_switch { @ = args; }",
        "tracepoint:sched:sched_switch { @ = args->prev_comm + 1; }",
        "tracepoint:sched:sched_switch { @ = args->prev_comm->x; }",
        "tracepoint:sched:sched_switch { @ = args.prev_pid.x; }",
        "tracepoint:sched:sched_switch, BEGIN { @ = args->prev_pid; }",
        "tracepoint:syscalls:sys_enter_openat { @ = str(args->filename, 1000); }",
        "tracepoint:syscalls:sys_enter_openat { @[str(args->filename)] = count(); }",
        "profile { }",
        "profile:hz { }",
        "profile:hz:99:1 { }",
        "profile:hz:18446744073709551616 { }",
        "interval:ms:0 { }",
        "interval:s:99999999999 { }",
        "kprobe { }",
        "kprobe: { }",
        "kprobe:vfs_read+0x10 { }",
        "kprobe:vfs_read+zz { }",
        "kretprobe:vfs_read { @ = retval; }",
        "BEGIN, { }",
        "BEGIN /pid/ { }",
        "BEGIN /comm/ { }",
        "BEGIN // x\n{ }",
        "BEGIN { /* x */ }",
        "BEGIN { @x = 1; } BEGIN { @x = \"a\"; }",
        "BEGIN { @x = 1; } BEGIN { @x[1] = 1; }",
        "BEGIN { @x = count(); } END { @x = sum(1); }",
        "BEGIN { @x = hist(1); } END { @x = hist(1, 2); }",
        "BEGIN { @x = 1; @y = @x + @x * @x; @z[@y] = @x; }",
        "BEGIN { @ = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"; }",
    ];
    all_survive(all, &Options::default());
    let tiny = Options {
        max_strlen: 1,
        map_keys_max: 1,
        ringbuf_pages: 1,
        cpid: Some(1),
        positional: vec![String::new(); 3],
        max_probes: 1,
        str_trunc_trailer: String::new(),
        ..Options::default()
    };
    all_survive(all, &tiny);
    all_survive(VALID.iter().copied(), &tiny);
    let huge = Options {
        max_strlen: 100_000,
        map_keys_max: u32::MAX,
        ringbuf_pages: u32::MAX,
        cpid: Some(u32::MAX),
        positional: vec!["x".repeat(10_000), "-1".into(), "0xffffffffffffffff".into()],
        max_probes: u32::MAX,
        str_trunc_trailer: "x".repeat(10_000),
        ..Options::default()
    };
    all_survive(all, &huge);
    all_survive(VALID.iter().copied(), &huge);
}
