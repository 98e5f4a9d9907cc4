//! `config = { … }` and `BPFTRACE_*` variables, run for real: each setting
//! changes what the program prints, and the environment wins over the script.

mod common;

fn run_with_env(program: &str, env: &[(&str, &str)]) -> common::Output {
    let mut cmd = common::tracelet();
    cmd.args(["-q", "-e", program]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    common::run_cmd(cmd, None, common::TIMEOUT)
}

#[test]
fn print_maps_on_exit_off_prints_no_maps() {
    require_bpf!();
    let program = r#"config = { print_maps_on_exit = 0 } BEGIN { @a = 1; @b[2] = count(); printf("x\n"); exit(); }"#;
    let out = common::run_q(program);
    out.assert_ok();
    assert_eq!(out.stdout.trim_matches('\n'), "x", "{out}");
    let on = common::run_q(&program.replace("print_maps_on_exit = 0", "print_maps_on_exit = true"));
    on.assert_ok();
    assert!(
        on.stdout.contains("@a: 1\n") && on.stdout.contains("@b[2]: 1\n"),
        "{on}"
    );
}

#[test]
fn max_strlen_and_trailer_in_every_spelling() {
    require_bpf!();
    let program = r#"config = { MAX_STRLEN = 5; bpftrace_str_trunc_trailer = "~" } BEGIN { printf("%s|%s\n", str("abcdefgh"), str("abc")); exit(); }"#;
    let out = common::run_q(program);
    out.assert_ok();
    assert_eq!(out.stdout.lines().next(), Some("abcde~|abc"), "{out}");
}

#[test]
fn the_environment_wins_over_the_config_block() {
    require_bpf!();
    let program =
        r#"config = { max_strlen = 3 } BEGIN { printf("%s\n", str("abcdefgh")); exit(); }"#;
    let out = run_with_env(program, &[("BPFTRACE_MAX_STRLEN", "6")]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().next(), Some("abcdef.."), "{out}");
}

#[test]
fn missing_probes_warn_skips_and_says_so() {
    require_bpf!();
    let program = r#"config = { missing_probes = "warn" } BEGIN { printf("up\n"); exit(); } tracepoint:nosuch:nosuch { }"#;
    let out = common::run_q(program);
    out.assert_ok();
    assert_eq!(out.stdout.lines().next(), Some("up"), "{out}");
    assert!(
        out.stderr.contains("tracepoint `nosuch:nosuch` not found"),
        "{out}"
    );
    assert!(out.stderr.contains("no attach point left"), "{out}");
    let ignored = common::run_q(&program.replace("\"warn\"", "ignore"));
    ignored.assert_ok();
    assert_eq!(ignored.stderr, "", "{ignored}");
    // The default is an error.
    let strict = common::run_q(&program.replace("missing_probes = \"warn\"", ""));
    common::assert_diagnostic(&strict, &["not found"]);
}

#[test]
fn bad_entries_are_all_reported() {
    let out = common::run_q(r#"config = { bad_config = raw; max_strlen = "x" } BEGIN { }"#);
    common::assert_diagnostic(
        &out,
        &[
            "bad_config: not a known configuration option",
            "max_strlen: expecting a number, got `x`",
        ],
    );
}

#[test]
fn bad_environment_values_are_errors() {
    let out = run_with_env("BEGIN { exit(); }", &[("BPFTRACE_STACK_MODE", "sideways")]);
    out.assert_code(1);
    assert!(
        out.stderr
            .contains("BPFTRACE_STACK_MODE=sideways: invalid stack mode `sideways`"),
        "{out}"
    );
}
