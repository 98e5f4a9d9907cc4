//! The order of a run as bpftrace v0.26 prints it: every probe attached,
//! then the banner (stderr in text mode) and the attach marker, then BEGIN's
//! output; after `exit()` nothing more of the probes, then END, then maps.

mod common;

use common::{ATTACHED, TIMEOUT};

/// Runs `tracelet ARGS` with the attach marker requested.
fn run_marked(args: &[&str]) -> common::Output {
    let mut cmd = common::tracelet();
    cmd.env(ATTACHED, "1").args(args);
    common::run_cmd(cmd, None, TIMEOUT)
}

#[test]
fn begin_output_follows_the_attach_marker() {
    require_bpf!();
    let out = run_marked(&[
        "-e",
        r#"interval:ms:10 { printf("tick\n"); exit(); } BEGIN { printf("begin\n"); }"#,
    ]);
    out.assert_ok();
    // BEGIN's record waits in the ring buffer while the interval probe is
    // attached, so it comes first, after the marker; the tick follows.
    assert_eq!(
        out.stdout,
        format!("{ATTACHED}\nbegin\ntick\n\n\n"),
        "{out}"
    );
    assert_eq!(out.stderr, "Attached 2 probes\n", "{out}");
}

#[test]
fn exit_in_begin_still_attaches_and_drops_later_records() {
    require_bpf!();
    let out = run_marked(&[
        "-e",
        r#"interval:ms:1 { printf("tick\n"); } BEGIN { printf("begin\n"); exit(); } END { printf("end\n"); @n = 1; }"#,
    ]);
    out.assert_ok();
    // Whatever the interval probe wrote before the exit record was acted on
    // is dropped, as bpftrace ignores events once it finalizes.
    assert_eq!(
        out.stdout,
        format!("{ATTACHED}\nbegin\nend\n\n\n@n: 1\n"),
        "{out}"
    );
    assert_eq!(out.stderr, "Attached 3 probes\n", "{out}");
}

#[test]
fn json_banner_then_marker_then_begin() {
    require_bpf!();
    let out = run_marked(&["-f", "json", "-e", r#"BEGIN { printf("b"); }"#]);
    out.assert_ok();
    let expected = format!(
        "{}\n{ATTACHED}\n{}\n",
        r#"{"type": "attached_probes", "count": 1, "data": {"probes": 1}}"#,
        r#"{"type": "printf", "data": "b"}"#
    );
    assert_eq!(out.stdout, expected, "{out}");
    assert_eq!(out.stderr, "", "{out}");
}

#[test]
fn quiet_keeps_the_marker() {
    require_bpf!();
    let out = run_marked(&["-q", "-e", r#"BEGIN { printf("q\n"); }"#]);
    out.assert_ok();
    assert_eq!(out.stdout, format!("{ATTACHED}\nq\n\n\n"), "{out}");
    assert_eq!(out.stderr, "", "{out}");
}
