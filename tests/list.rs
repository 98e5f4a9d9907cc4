//! `tracelet -l [SEARCH]`, `-lv`, `-l -e PROGRAM` and `-l FILE` against the
//! live kernel's tracefs (so they need root, like bpftrace's `-l`).

mod common;

use common::run;

/// The stdout lines of a successful `tracelet ARGS`.
fn lines(args: &[&str]) -> Vec<String> {
    let out = run(args);
    out.assert_ok();
    assert_eq!(out.stderr, "", "{out}");
    out.stdout.lines().map(str::to_string).collect()
}

#[test]
fn exact_tracepoint_pattern() {
    require_bpf!();
    let out = run(&["-l", "tracepoint:sched:sched_swi*"]);
    out.assert_ok();
    assert_eq!(out.stdout, "tracepoint:sched:sched_switch\n", "{out}");
    // `sched_sw*` also matches sched_swap_numa on kernels built with NUMA balancing.
    assert!(lines(&["-l", "tracepoint:sched:sched_sw*"])
        .contains(&"tracepoint:sched:sched_switch".to_string()));
}

#[test]
fn aliases_are_expanded() {
    require_bpf!();
    assert_eq!(
        lines(&["-l", "t:raw_syscalls:*"]),
        [
            "tracepoint:raw_syscalls:sys_enter",
            "tracepoint:raw_syscalls:sys_exit"
        ]
    );
    // A wildcard probe type matches every probe type that can be listed.
    assert_eq!(
        lines(&["-l", "*:raw_syscalls:sys_ent*"]),
        ["tracepoint:raw_syscalls:sys_enter"]
    );
}

#[test]
fn verbose_prints_tracepoint_arguments() {
    require_bpf!();
    let expected = "tracepoint:syscalls:sys_enter_openat\n    int __syscall_nr\n    int dfd\n    \
                    const char * filename\n    int flags\n    umode_t mode\n";
    for args in [
        &["-lv", "tracepoint:syscalls:sys_enter_openat"][..],
        &["-l", "-v", "tracepoint:syscalls:sys_enter_openat"],
    ] {
        let out = run(args);
        out.assert_ok();
        assert_eq!(out.stdout, expected, "{out}");
    }
}

#[test]
fn everything_is_sorted_tracepoints_and_raw_tracepoints() {
    require_bpf!();
    let all = lines(&["-l"]);
    assert!(all.len() > 100, "only {} probes", all.len());
    assert!(all
        .iter()
        .all(|l| l.starts_with("tracepoint:") || l.starts_with("rawtracepoint:vmlinux:")));
    assert!(all.windows(2).all(|w| w[0] < w[1]), "not sorted");
    assert!(all.contains(&"tracepoint:sched:sched_switch".to_string()));
    assert!(all.contains(&"rawtracepoint:vmlinux:sched_switch".to_string()));
    assert_eq!(lines(&["-l", "*"]), all);
}

#[test]
fn no_match_prints_nothing() {
    require_bpf!();
    for search in ["tracepoint:nosuch:*", "*no_such_probe*", "kprobe:*"] {
        let out = run(&["-l", search]);
        out.assert_ok();
        assert_eq!(out.stdout, "", "{out}");
    }
}

#[test]
fn program_lists_its_attach_points() {
    require_bpf!();
    let expanded = lines(&["-l", "-e", "tracepoint:sched:sched_w* { }"]);
    assert!(expanded.contains(&"tracepoint:sched:sched_wakeup".to_string()));
    assert!(expanded.contains(&"tracepoint:sched:sched_waking".to_string()));
    assert_eq!(expanded, lines(&["-l", "tracepoint:sched:sched_w*"]));

    let mixed = lines(&[
        "-l",
        "-e",
        "BEGIN { } t:raw_syscalls:sys_exit, i:s:1 { @ = count(); } END { }",
    ]);
    assert_eq!(
        mixed,
        [
            "begin",
            "tracepoint:raw_syscalls:sys_exit",
            "interval:s:1",
            "end"
        ]
    );

    let file = std::env::temp_dir().join(format!("tracelet-list-{}.bt", std::process::id()));
    std::fs::write(&file, "tracepoint:raw_syscalls:sys_enter { }\n").unwrap();
    let out = run(&["-lv", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    out.assert_ok();
    assert_eq!(
        out.stdout, "tracepoint:raw_syscalls:sys_enter\n    long id\n    unsigned long args[6]\n",
        "{out}"
    );
}

#[test]
fn bad_searches_fail() {
    require_bpf!();
    let out = run(&["-l", "tracepoint:sched"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("tracepoint probe type requires 2 arguments"),
        "{out}"
    );
    let out = run(&["-l", "-e", "tracepoint:sched:no_such_event { }"]);
    out.assert_code(1);
    assert!(out.stderr.contains("not found"), "{out}");
}

#[test]
fn verbose_needs_list() {
    let out = run(&["-v", "-e", "BEGIN { }"]);
    out.assert_code(1);
    assert!(out.stderr.contains("-l"), "{out}");
}
