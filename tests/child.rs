//! `-c CMD` (the command is held until every probe is attached, tracelet ends
//! when it exits, it never outlives tracelet), the `cpid` builtin, and `-o FILE`.

mod common;

use common::{Running, TIMEOUT};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs `tracelet ARGS` with stdout and stderr in files (a command left
/// behind would keep a pipe open and hang a reader), tagging tracelet and
/// so its command with a unique environment variable. Returns the output and
/// the tag, for [`tagged_processes`].
fn run_tagged(tag: &str, args: &[&str]) -> (common::Output, String) {
    let mark = format!("TRACELET_CHILD_TEST={}_{tag}", std::process::id());
    let out_path = common::temp_path(&format!("{tag}.stdout"));
    let err_path = common::temp_path(&format!("{tag}.stderr"));
    let mut cmd = common::tracelet();
    let (k, v) = mark.split_once('=').unwrap();
    cmd.args(args)
        .env(k, v)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap());
    let mut child = cmd.spawn().expect("spawn tracelet");
    let deadline = Instant::now() + TIMEOUT;
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (status.code(), false);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            break (child.wait().unwrap().code(), true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = common::Output {
        stdout: std::fs::read_to_string(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
        code,
        timed_out,
    };
    let _ = std::fs::remove_file(out_path);
    let _ = std::fs::remove_file(err_path);
    (out, mark)
}

/// Live processes whose environment carries `mark`.
fn tagged_processes(mark: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|v| v == mark.as_bytes()) {
            found.push(pid);
        }
    }
    found
}

/// True if `pid` exists and is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.contains(") Z ") && !s.contains(") X "))
}

/// The `cpid=N` line a test program printed.
fn printed_cpid(out: &common::Output) -> u32 {
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("cpid="))
        .unwrap_or_else(|| panic!("no cpid= line:\n{out}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn counts_exactly_the_child_syscalls_and_exits_with_it() {
    require_bpf!();
    // dd issues exactly one read(2) of 4097 bytes per block; every one is
    // seen only if dd is held until the probe is attached.
    let start = Instant::now();
    let out = common::run(&[
        "-c",
        "/bin/dd if=/dev/zero of=/dev/null bs=4097 count=100",
        "-e",
        "tracepoint:syscalls:sys_enter_read /pid == cpid && args->count == 4097/ { @ = count(); }",
    ]);
    out.assert_ok();
    assert_eq!(out.stdout, "\n\n@: 100\n", "{out}");
    // The command is released before the banner, as in bpftrace.
    assert!(out.stderr.contains("Attached 1 probe\n"), "{out}");
    // dd's own stderr is inherited.
    assert!(out.stderr.contains("100+0 records in"), "{out}");
    assert!(start.elapsed() < Duration::from_secs(20), "{out}");
}

#[test]
fn command_is_found_in_path_and_split_without_a_shell() {
    require_bpf!();
    let out = common::run(&[
        "-q",
        "-c",
        "sh -c 'echo \"child:  $0\"' '$HOME' *",
        "-e",
        "BEGIN { printf(\"cpid=%d\\n\", cpid); }",
    ]);
    out.assert_ok();
    let cpid = printed_cpid(&out);
    assert!(cpid > 0, "{out}");
    // sh got its arguments verbatim: $0 is the literal '$HOME'.
    assert!(out.stdout.contains("child:  $HOME\n"), "{out}");
}

#[test]
fn begin_only_program_waits_for_the_command() {
    require_bpf!();
    let start = Instant::now();
    let out = common::run(&[
        "-q",
        "-c",
        "/bin/sleep 1",
        "-e",
        "BEGIN { printf(\"start\\n\"); } END { printf(\"end\\n\"); }",
    ]);
    out.assert_ok();
    assert!(start.elapsed() >= Duration::from_millis(900), "{out}");
    assert_eq!(out.stdout, "start\nend\n\n\n", "{out}");
}

#[test]
fn missing_command_fails_before_attaching() {
    require_bpf!();
    let out = common::run(&[
        "-c",
        "tracelet-no-such-command --flag",
        "-e",
        "BEGIN { printf(\"ran\\n\"); }",
    ]);
    out.assert_code(1);
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        out.stderr
            .contains("cannot run 'tracelet-no-such-command': command not found in PATH"),
        "{out}"
    );
    let out = common::run(&["-c", "/nonexistent/cmd", "-e", "BEGIN { }"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("cannot run '/nonexistent/cmd': No such file or directory"),
        "{out}"
    );
    assert!(!out.stderr.contains("panicked"), "{out}");
}

#[test]
fn cpid_without_a_command_is_a_compile_error() {
    // -d needs no privileges.
    let out = common::run(&["-d", "ir", "-e", "BEGIN { printf(\"%d\\n\", cpid); }"]);
    common::assert_diagnostic(&out, &["cpid cannot be used without child command"]);
    let out = common::run(&[
        "-d",
        "ir",
        "-c",
        "/bin/true",
        "-e",
        "BEGIN { printf(\"%d\\n\", cpid); }",
    ]);
    out.assert_ok();
    require_bpf!();
    let out = common::run(&["-e", "tracepoint:syscalls:sys_enter_read /pid == cpid/ { }"]);
    common::assert_diagnostic(&out, &["cpid cannot be used without child command"]);
}

#[test]
fn output_file_gets_the_output_and_stdout_only_the_child() {
    require_bpf!();
    let path = common::temp_path("o_file");
    std::fs::write(&path, "old content\n").unwrap();
    let out = common::run(&[
        "-o",
        path.to_str().unwrap(),
        "-c",
        "/bin/echo from the child",
        "-e",
        "BEGIN { printf(\"hi\\n\"); @x = 1; }",
    ]);
    out.assert_ok();
    let file = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    // The banner is the runtime's message: stderr, not the file (v0.26).
    assert_eq!(file, "hi\n\n\n@x: 1\n", "{out}");
    assert!(out.stderr.contains("Attached 1 probe\n"), "{out}");
    assert_eq!(out.stdout, "from the child\n", "{out}");

    // Without -c: stdout stays empty; -f json goes to the file too.
    let out = common::run(&[
        "-f",
        "json",
        "-o",
        path.to_str().unwrap(),
        "-e",
        "BEGIN { printf(\"x\\n\"); exit(); }",
    ]);
    out.assert_ok();
    let file = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        file.contains(r#"{"type": "printf", "data": "x\n"}"#),
        "{file}"
    );
}

#[test]
fn unwritable_output_file_is_an_error() {
    require_bpf!();
    let out = common::run(&["-o", "/nonexistent/dir/out", "-e", "BEGIN { exit(); }"]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("cannot open output file /nonexistent/dir/out: No such file or directory"),
        "{out}"
    );
}

#[test]
fn exit_ends_the_command() {
    require_bpf!();
    let (out, mark) = run_tagged(
        "exit",
        &[
            "-q",
            "-c",
            "/bin/sleep 60",
            "-e",
            "BEGIN { printf(\"cpid=%d\\n\", cpid); } interval:ms:300 { exit(); }",
        ],
    );
    out.assert_ok();
    let cpid = printed_cpid(&out);
    assert!(!alive(cpid), "the command outlived tracelet:\n{out}");
    assert_eq!(tagged_processes(&mark), Vec::<u32>::new(), "{out}");
}

#[test]
fn sigint_ends_the_command_and_prints_maps() {
    require_bpf!();
    let mut t = Running::spawn(&[
        "-q",
        "-c",
        "/bin/sleep 60",
        "-e",
        "BEGIN { printf(\"cpid=%d\\n\", cpid); } tracepoint:sched:sched_switch { @s = count(); }",
    ]);
    t.wait_attached(Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(200));
    t.signal(libc::SIGINT);
    let out = t.finish(TIMEOUT);
    out.assert_ok();
    assert!(out.stdout.contains("@s: "), "{out}");
    let cpid = printed_cpid(&out);
    assert!(!alive(cpid), "the command outlived tracelet:\n{out}");
}

#[test]
fn held_command_is_reaped_when_compiling_or_attaching_fails() {
    require_bpf!();
    for (tag, program) in [
        ("compile", "BEGIN { @ = nosuch_builtin; }"),
        ("probe", "tracepoint:nosuch_category:nosuch_event { }"),
    ] {
        let (out, mark) = run_tagged(tag, &["-c", "/bin/sleep 60", "-e", program]);
        out.assert_code(1);
        assert_eq!(tagged_processes(&mark), Vec::<u32>::new(), "{out}");
    }
}

#[test]
fn a_script_file_takes_flags_after_it() {
    require_bpf!();
    let dir = std::env::temp_dir().join(format!("tracelet-child-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("cpid.bt");
    std::fs::write(
        &script,
        "END { printf(\"cpid %d arg %s\\n\", cpid > 0, str($1)); }\n",
    )
    .unwrap();
    // `-c` after the file is a flag, not a script argument.
    let out = common::run(&["-q", script.to_str().unwrap(), "word", "-c", "/bin/true"]);
    out.assert_ok();
    assert!(out.stdout.contains("cpid 1 arg word"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
