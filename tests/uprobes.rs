//! uprobes and uretprobes on a tiny C program built at test time with `cc`,
//! on libc through its library name, and the register builtins (`arg0`…,
//! `retval`, `func`); kprobes only through `--dry-run` (no kprobes here).

mod common;

use common::{Running, Workload, TIMEOUT};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const ATTACH: Duration = Duration::from_secs(30);

/// The workload: `target(1, "alpha")` three times, `target(2, "beta")` twice,
/// `target2(5)` once and `getpid()` four times. The strings live on the stack,
/// which is mapped, so probe_read_user_str never meets an absent page.
const PROGRAM: &str = r#"
#include <unistd.h>
__attribute__((noinline)) int target(int a, const char *s) { return a * 2 + (s[0] == 'z'); }
__attribute__((noinline)) int target2(int a) { return a + 1; }
int main(void) {
    char alpha[] = "alpha", beta[] = "beta";
    volatile int sum = 0;
    for (int i = 0; i < 3; i++) sum += target(1, alpha);
    for (int i = 0; i < 2; i++) sum += target(2, beta);
    sum += target2(5);
    for (int i = 0; i < 4; i++) sum += getpid() > 0;
    return sum == 24 ? 0 : 1;
}
"#;

/// Builds [`PROGRAM`] into a fresh temporary directory and returns its path.
fn build(tag: &str) -> PathBuf {
    common::build_c(&format!("uprobe_{tag}"), PROGRAM)
}

/// Runs `script` (with `-q`) against a fresh build of the workload; `script`
/// gets the binary's path and the workload's pid. Tracelet exits when the
/// workload does.
fn trace(tag: &str, script: impl Fn(&str, u32) -> String) -> common::Output {
    let bin = build(tag);
    let bin_s = bin.to_str().unwrap();
    let workload = Workload::new(&format!("exec {bin_s}"));
    let pid = workload.pid();
    let program = format!(
        "{} tracepoint:sched:sched_process_exit /pid == {pid}/ {{ exit(); }}",
        script(bin_s, pid)
    );
    let mut t = Running::spawn(&["-q", "-e", &program]);
    t.wait_attached(ATTACH);
    workload.release_and_wait(TIMEOUT);
    let out = t.finish(TIMEOUT);
    let _ = std::fs::remove_dir_all(bin.parent().unwrap());
    out
}

#[test]
fn uprobe_args_strings_and_uretprobe_retval() {
    require_bpf!();
    let out = trace("args", |bin, _| {
        format!(
            "uprobe:{bin}:target {{ @[arg0, str(arg1)] = count(); }} \
             uretprobe:{bin}:target {{ @r = sum(retval); }}"
        )
    });
    out.assert_ok();
    assert_eq!(
        out.stdout_clean(),
        "\n\n@[2, beta]: 2\n@[1, alpha]: 3\n@r: 14\n",
        "{out}"
    );
}

#[test]
fn library_name_resolution() {
    require_bpf!();
    let out = trace("libc", |_, pid| {
        format!("uprobe:libc:getpid /pid == {pid}/ {{ @calls = count(); }}")
    });
    out.assert_ok();
    assert_eq!(out.stdout_clean(), "\n\n@calls: 4\n", "{out}");
}

#[test]
fn func_probe_wildcards_offsets_and_addresses() {
    require_bpf!();
    let out = trace("func", |bin, pid| {
        let nm = Command::new("nm").arg(bin).output().expect("run nm");
        let nm = String::from_utf8(nm.stdout).unwrap();
        let addr = nm
            .lines()
            .find(|l| l.ends_with(" T target2"))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_else(|| panic!("no target2 in nm output:\n{nm}"))
            .trim_start_matches('0')
            .to_string();
        format!(
            "uprobe:{bin}:target* /pid == {pid}/ {{ @entry[func] = count(); }} \
             uretprobe:{bin}:target2 {{ printf(\"%s returned %d\\n\", func, retval); }} \
             uprobe:{bin}:target+1 {{ @off[func, arg0] = count(); }} \
             uprobe:{bin}:0x{addr} {{ @addr = sum(arg0); }}"
        )
    });
    out.assert_ok();
    let stdout = out.stdout_clean();
    assert!(stdout.starts_with("target2 returned 6\n"), "{out}");
    for line in [
        "@addr: 5\n",
        "@entry[target2]: 1\n@entry[target]: 5\n",
        "@off[target, 2]: 2\n@off[target, 1]: 3\n",
    ] {
        assert!(stdout.contains(line), "no {line:?} in:\n{out}");
    }
}

#[test]
fn probe_names_and_banner() {
    require_bpf!();
    let bin = build("banner");
    let bin_s = bin.to_str().unwrap();
    let program = format!("uprobe:{bin_s}:target* {{ }} BEGIN {{ exit(); }}");
    let out = common::run(&["-e", &program]);
    let _ = std::fs::remove_dir_all(bin.parent().unwrap());
    out.assert_ok();
    assert_eq!(out.stderr, "Attached 3 probes\n", "{out}");
}

#[test]
fn missing_function_and_binary() {
    // Diagnostics come from the compiler: no BPF needed.
    let bin = build("missing");
    let bin_s = bin.to_str().unwrap();
    let out = common::run(&["-e", &format!("uprobe:{bin_s}:targt {{ }}")]);
    // (miette wraps long lines: only look for short pieces.)
    common::assert_diagnostic(
        &out,
        &[
            "function `targt` not found in",
            "help: did you mean",
            ":target`?",
        ],
    );
    let out = common::run(&["-e", "uprobe:/nonexistent/bin:main { }"]);
    common::assert_diagnostic(
        &out,
        &["cannot find the binary `/nonexistent/bin` of uprobe"],
    );
    let out = common::run(&["-e", "uprobe:libc:getpidd { }"]);
    common::assert_diagnostic(&out, &["did you mean `uprobe:libc:getpid`?"]);
    let out = common::run(&["-e", &format!("uprobe:{bin_s}:target {{ @ = retval; }}")]);
    common::assert_diagnostic(
        &out,
        &["retval is only available in kretprobe and uretprobe probes"],
    );
    let _ = std::fs::remove_dir_all(bin.parent().unwrap());
}

#[test]
fn kprobe_registers_pass_the_verifier() {
    require_bpf!();
    for program in [
        "kprobe:vfs_read { printf(\"%d %s\\n\", arg0, func); }",
        "kretprobe:vfs_read { @ = hist(retval); }",
        "kprobe:do_sys_openat2 { @[str(arg1)] = count(); }",
    ] {
        let out = common::run(&["--dry-run", "-e", program]);
        out.assert_ok();
    }
}
