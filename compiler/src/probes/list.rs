//! Probe listing: `tracelet -l [SEARCH]`, `-lv`, and `-l` with a program.
//!
//! The rules are bpftrace v0.21's (`src/main.cpp`, `src/ast/attachpoint_parser.cpp`,
//! `src/probe_matcher.cpp`), restricted to the probe types tracelet has:
//!
//! - No search, or `*`, means `*:*`. A search is a comma-separated list of
//!   attach points, each listed in turn.
//! - A wildcard in the probe type is matched against the types bpftrace lists
//!   for the kernel (the providers that are `wildcard_listed`: `kprobe` and
//!   `tracepoint`). A search without any `:`
//!   (`sched*`, `*sched_switch*`) matches every such type. When several types
//!   match, the search is tried as an argument of each one; those it does not
//!   fit (wrong number of parts) are skipped silently.
//! - Otherwise the probe type (or its alias, `t` → `tracepoint`) is looked up
//!   and the output always uses the full name.
//! - `tracepoint:EVENT*` (one part, with a wildcard) means `tracepoint:*:EVENT*`.
//!   The pattern `CATEGORY:EVENT` is matched against every `category:event`;
//!   the matches are printed sorted, as `tracepoint:category:event`.
//! - `interval:*` and `profile:*` list their time units (`interval:hz:`,
//!   `interval:ms:`, `interval:s:`, `interval:us:`), as bpftrace does.
//! - `kprobe:` searches list nothing: [`KernelInfo`] has no list of
//!   traceable kernel functions.
//! - `BEGIN` and `END` list themselves (bpftrace v0.21 prints `special::`).
//! - A match that lists nothing is not an error.
//!
//! Each provider lists its own share ([`super::Provider::list`]). With
//! `verbose`, every tracepoint is followed by its arguments, one per line,
//! indented by four spaces and written as in the `format` file
//! (`    const char * filename`, `    char prev_comm[16]`).
//!
//! [`list_program`] lists what a program would attach: every attach point
//! expanded exactly as compiling it would, in program order.

use super::{expand, lookup, Provider, Wildcard, PROVIDERS};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::kernel_info::{KernelInfo, TracepointField};
use crate::Span;

/// One provider's share of a `-l` search.
pub struct ListQuery<'a> {
    /// The search's parts after the probe type.
    pub args: &'a [&'a str],
    /// Where the search is, for diagnostics.
    pub span: Span,
    /// `-lv`: tracepoints are followed by their arguments.
    pub verbose: bool,
    /// The probe type came from a wildcard: a search with the wrong number
    /// of parts for this provider lists nothing instead of failing.
    pub from_wildcard: bool,
}

impl ListQuery<'_> {
    /// Nothing for a wildcard search, else the error that `provider` takes
    /// `expected` arguments (bpftrace's wording).
    pub fn wrong_count(&self, provider: &str, expected: &str, usage: &str) -> Result<Vec<String>> {
        if self.from_wildcard {
            return Ok(Vec::new());
        }
        Err(Diagnostic::new(
            Code::Probe,
            self.span,
            format!("{provider} probe type requires {expected} arguments"),
        )
        .with_help(format!("expected `{usage}`")))
    }
}

/// The lines `tracelet -l [SEARCH]` (`-lv` when `verbose`) prints.
///
/// Spans in errors are byte offsets into `search`.
pub fn list(search: Option<&str>, verbose: bool, kernel: &dyn KernelInfo) -> Result<Vec<String>> {
    let search = search.unwrap_or("");
    let mut out = Vec::new();
    if search.trim().is_empty() || search.trim() == "*" {
        list_search("*:*", Span::new(0, search.len()), verbose, kernel, &mut out)?;
        return Ok(out);
    }
    let mut start = 0;
    for item in search.split(',') {
        let trimmed = item.trim();
        let at = start + (item.len() - item.trim_start().len());
        start += item.len() + 1;
        if trimmed.is_empty() {
            continue; // a trailing comma
        }
        let span = Span::new(at, at + trimmed.len());
        list_search(trimmed, span, verbose, kernel, &mut out)?;
    }
    Ok(out)
}

/// The lines `tracelet -l -e PROGRAM` (or `-l FILE`) prints: every attach
/// point of the program expanded (wildcards resolved), one per line, sorted
/// within an attach point, in program order. Errors are those a run would
/// report for the attach points (syntax, unknown types, no matches).
pub fn list_program(src: &str, verbose: bool, kernel: &dyn KernelInfo) -> Result<Vec<String>> {
    let program = crate::syntax::parse(src)?;
    let mut out = Vec::new();
    for probe in &program.probes {
        for ap in &probe.attach_points {
            let mut names: Vec<String> = expand(ap, kernel)?.into_iter().map(|i| i.name).collect();
            names.sort();
            names.dedup();
            for name in names {
                let args = match name.strip_prefix("tracepoint:") {
                    Some(tp) if verbose => tracepoint_args(tp, kernel),
                    _ => Vec::new(),
                };
                out.push(name);
                out.extend(args);
            }
        }
    }
    Ok(out)
}

/// True when a search looks like a script file name (`foo.bt`) rather than a
/// pattern; bpftrace then warns that the file does not exist.
pub fn looks_like_file(search: &str) -> bool {
    search.contains('.') && !search.contains([':', '*'])
}

/// Lists one attach point of a search (`t:sched:*`, `sched*`, `BEGIN`…).
fn list_search(
    search: &str,
    span: Span,
    verbose: bool,
    kernel: &dyn KernelInfo,
    out: &mut Vec<String>,
) -> Result<()> {
    let parts: Vec<&str> = search.split(':').collect();
    let kind = parts[0];
    let mut query = ListQuery {
        args: &parts[1..],
        span,
        verbose,
        from_wildcard: false,
    };
    if !kind.contains('*') {
        out.extend(lookup(kind, span)?.list(&query, kernel)?);
        return Ok(());
    }
    // A lone word is a search over every listable probe type.
    let pattern = Wildcard::new(if parts.len() == 1 { "*" } else { kind });
    let mut listable: Vec<&dyn Provider> = PROVIDERS
        .iter()
        .copied()
        .filter(|p| p.wildcard_listed())
        .collect();
    listable.sort_by_key(|p| p.names()[0]);
    let matching: Vec<&dyn Provider> = listable
        .iter()
        .copied()
        .filter(|p| pattern.matches(p.names()[0]))
        .collect();
    if matching.is_empty() {
        let names: Vec<&str> = listable.iter().map(|p| p.names()[0]).collect();
        return Err(
            Diagnostic::new(Code::Probe, span, format!("no probe type matches `{kind}`"))
                .with_help(format!(
                    "probe types that can be listed: {}",
                    names.join(", ")
                )),
        );
    }
    if parts.len() == 1 && matching.len() > 1 {
        query.args = &parts;
    }
    query.from_wildcard = matching.len() > 1;
    for p in matching {
        out.extend(p.list(&query, kernel)?);
    }
    Ok(())
}

/// The `-lv` lines of one tracepoint (`category:event`): its arguments, as in
/// the format file, indented by four spaces. None when the format cannot be read.
pub(super) fn tracepoint_args(tracepoint: &str, kernel: &dyn KernelInfo) -> Vec<String> {
    let Some((category, event)) = tracepoint.split_once(':') else {
        return Vec::new();
    };
    match kernel.tracepoint_format(category, event) {
        Ok(format) => format
            .fields
            .iter()
            .map(|f| format!("    {}", declaration(f)))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A field's C declaration as the format file writes it: `const char * filename`,
/// `char prev_comm[16]` (the array suffix goes back after the name),
/// `__data_loc char[] name`.
fn declaration(field: &TracepointField) -> String {
    let ty = &field.c_type;
    if !ty.starts_with("__data_loc") && ty.ends_with(']') {
        if let Some(open) = ty.rfind('[') {
            return format!("{} {}{}", ty[..open].trim_end(), field.name, &ty[open..]);
        }
    }
    format!("{ty} {}", field.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel_info::fixture::Fixture;

    fn ls(search: &str) -> Vec<String> {
        list(Some(search), false, &Fixture::new()).unwrap()
    }

    fn lsv(search: &str) -> Vec<String> {
        list(Some(search), true, &Fixture::new()).unwrap()
    }

    fn err(search: &str) -> String {
        list(Some(search), false, &Fixture::new())
            .unwrap_err()
            .message
    }

    const ALL: &[&str] = &[
        "rawtracepoint:vmlinux:block_rq_complete",
        "rawtracepoint:vmlinux:block_rq_issue",
        "rawtracepoint:vmlinux:sched_migrate_task",
        "rawtracepoint:vmlinux:sched_process_exec",
        "rawtracepoint:vmlinux:sched_process_exit",
        "rawtracepoint:vmlinux:sched_process_fork",
        "rawtracepoint:vmlinux:sched_process_free",
        "rawtracepoint:vmlinux:sched_stat_runtime",
        "rawtracepoint:vmlinux:sched_switch",
        "rawtracepoint:vmlinux:sched_wakeup",
        "rawtracepoint:vmlinux:sched_wakeup_new",
        "rawtracepoint:vmlinux:sched_waking",
        "rawtracepoint:vmlinux:sys_enter",
        "rawtracepoint:vmlinux:sys_exit",
        "tracepoint:block:block_rq_complete",
        "tracepoint:block:block_rq_issue",
        "tracepoint:raw_syscalls:sys_enter",
        "tracepoint:raw_syscalls:sys_exit",
        "tracepoint:sched:sched_migrate_task",
        "tracepoint:sched:sched_process_exec",
        "tracepoint:sched:sched_process_exit",
        "tracepoint:sched:sched_process_fork",
        "tracepoint:sched:sched_process_free",
        "tracepoint:sched:sched_stat_runtime",
        "tracepoint:sched:sched_switch",
        "tracepoint:sched:sched_wakeup",
        "tracepoint:sched:sched_wakeup_new",
        "tracepoint:sched:sched_waking",
        "tracepoint:syscalls:sys_enter_getpid",
        "tracepoint:syscalls:sys_enter_openat",
        "tracepoint:syscalls:sys_enter_read",
        "tracepoint:syscalls:sys_exit_getpid",
        "tracepoint:syscalls:sys_exit_openat",
        "tracepoint:syscalls:sys_exit_read",
    ];

    #[test]
    fn everything() {
        assert_eq!(list(None, false, &Fixture::new()).unwrap(), ALL);
        assert_eq!(ls("*"), ALL);
        assert_eq!(ls(""), ALL);
        assert_eq!(ls("*:*"), ALL);
        let tracepoints: Vec<&str> = ALL
            .iter()
            .copied()
            .filter(|p| p.starts_with("tracepoint:"))
            .collect();
        assert_eq!(ls("tracepoint:*"), tracepoints);
        assert_eq!(ls("t:*:*"), tracepoints);
        assert_eq!(ls("rawtracepoint:*").len(), ALL.len() - tracepoints.len());
    }

    #[test]
    fn tracepoint_patterns() {
        assert_eq!(
            ls("tracepoint:sched:sched_sw*"),
            ["tracepoint:sched:sched_switch"]
        );
        assert_eq!(
            ls("t:sched:sched_wak*"),
            [
                "tracepoint:sched:sched_wakeup",
                "tracepoint:sched:sched_wakeup_new",
                "tracepoint:sched:sched_waking",
            ]
        );
        assert_eq!(
            ls("tracepoint:syscalls:sys_enter_*"),
            [
                "tracepoint:syscalls:sys_enter_getpid",
                "tracepoint:syscalls:sys_enter_openat",
                "tracepoint:syscalls:sys_enter_read",
            ]
        );
        // One part with a wildcard: the category is `*`.
        assert_eq!(
            ls("tracepoint:*read"),
            [
                "tracepoint:syscalls:sys_enter_read",
                "tracepoint:syscalls:sys_exit_read",
            ]
        );
        assert_eq!(
            ls("t:*_sys*:*"),
            [
                "tracepoint:raw_syscalls:sys_enter",
                "tracepoint:raw_syscalls:sys_exit"
            ]
        );
        // No wildcard: the exact tracepoint, if it exists.
        assert_eq!(
            ls("t:sched:sched_switch"),
            ["tracepoint:sched:sched_switch"]
        );
        assert_eq!(ls("t:sched:sched_switc"), Vec::<String>::new());
    }

    #[test]
    fn searches_without_a_probe_type() {
        assert_eq!(
            ls("*sched_switch*"),
            [
                "rawtracepoint:vmlinux:sched_switch",
                "tracepoint:sched:sched_switch"
            ]
        );
        assert_eq!(
            ls("sched_w*"),
            [
                "rawtracepoint:vmlinux:sched_wakeup",
                "rawtracepoint:vmlinux:sched_wakeup_new",
                "rawtracepoint:vmlinux:sched_waking",
                "tracepoint:sched:sched_wakeup",
                "tracepoint:sched:sched_wakeup_new",
                "tracepoint:sched:sched_waking",
            ]
        );
        assert_eq!(
            ls("*:raw_syscalls:*"),
            [
                "tracepoint:raw_syscalls:sys_enter",
                "tracepoint:raw_syscalls:sys_exit"
            ]
        );
        assert_eq!(
            ls("t*:raw_syscalls:*"),
            [
                "tracepoint:raw_syscalls:sys_enter",
                "tracepoint:raw_syscalls:sys_exit"
            ]
        );
        // Too many parts for both kprobe and tracepoint: skipped, not an error.
        assert_eq!(ls("*:a:b:c"), Vec::<String>::new());
    }

    #[test]
    fn no_match_is_empty() {
        assert_eq!(ls("tracepoint:nosuch:*"), Vec::<String>::new());
        assert_eq!(ls("*nosuch*"), Vec::<String>::new());
        assert_eq!(ls("kprobe:*"), Vec::<String>::new());
        assert_eq!(ls("kr:vfs_read"), Vec::<String>::new());
        assert_eq!(ls("k:vmlinux:vfs_*"), Vec::<String>::new());
    }

    #[test]
    fn several_searches() {
        assert_eq!(
            ls("t:sched:sched_switch, t:block:*issue"),
            [
                "tracepoint:sched:sched_switch",
                "tracepoint:block:block_rq_issue"
            ]
        );
        assert_eq!(
            ls("t:sched:sched_switch,"),
            ["tracepoint:sched:sched_switch"]
        );
    }

    #[test]
    fn timers_and_specials() {
        assert_eq!(
            ls("interval:*"),
            [
                "interval:hz:",
                "interval:ms:",
                "interval:s:",
                "interval:us:"
            ]
        );
        assert_eq!(ls("i:*s"), ["interval:ms:", "interval:s:", "interval:us:"]);
        assert_eq!(ls("profile:h*"), ["profile:hz:"]);
        assert_eq!(ls("p:s:1"), ["profile:s:"]);
        assert_eq!(ls("BEGIN"), ["begin"]);
        assert_eq!(ls("END:*"), ["end"]);
        // Wildcard probe types never list timers or specials.
        assert_eq!(ls("*interval*"), Vec::<String>::new());
    }

    #[test]
    fn errors() {
        assert_eq!(
            err("tracepoint"),
            "tracepoint probe type requires 2 arguments"
        );
        assert_eq!(err("t:sched"), "tracepoint probe type requires 2 arguments");
        assert_eq!(
            err("t:sched:*:*"),
            "tracepoint probe type requires 2 arguments"
        );
        assert_eq!(
            err("interval:*:*:*"),
            "interval probe type requires 2 arguments"
        );
        assert_eq!(err("interval:s:x"), "invalid rate of interval probe: `x`");
        assert_eq!(err("BEGIN:x"), "begin probe type requires 0 arguments");
        assert_eq!(err("kprobe"), "kprobe probe type requires 1 or 2 arguments");
        assert_eq!(err("sched:*"), "unknown probe type `sched`");
        assert_eq!(err("nosuch"), "unknown probe type `nosuch`");
        assert_eq!(err("zz*:foo"), "no probe type matches `zz*`");
        let d = list(Some("t:sched:*, tracepont:x:y"), false, &Fixture::new()).unwrap_err();
        assert_eq!(d.span, Span::new(11, 24));
        assert_eq!(d.help.as_deref(), Some("did you mean `tracepoint`?"));
    }

    #[test]
    fn verbose_prints_arguments() {
        assert_eq!(
            lsv("tracepoint:syscalls:sys_enter_openat"),
            [
                "tracepoint:syscalls:sys_enter_openat",
                "    int __syscall_nr",
                "    int dfd",
                "    const char * filename",
                "    int flags",
                "    umode_t mode",
            ]
        );
        assert_eq!(
            lsv("t:sched:sched_switch"),
            [
                "tracepoint:sched:sched_switch",
                "    char prev_comm[16]",
                "    pid_t prev_pid",
                "    int prev_prio",
                "    long prev_state",
                "    char next_comm[16]",
                "    pid_t next_pid",
                "    int next_prio",
            ]
        );
        assert_eq!(
            lsv("t:*process_exec"),
            [
                "tracepoint:sched:sched_process_exec",
                "    __data_loc char[] filename",
                "    pid_t pid",
                "    pid_t old_pid",
            ]
        );
        assert_eq!(lsv("interval:s*"), ["interval:s:"]);
    }

    #[test]
    fn programs() {
        let k = Fixture::new();
        assert_eq!(
            list_program("tracepoint:sched:sched_w* { }", false, &k).unwrap(),
            [
                "tracepoint:sched:sched_wakeup",
                "tracepoint:sched:sched_wakeup_new",
                "tracepoint:sched:sched_waking",
            ]
        );
        assert_eq!(
            list_program(
                "BEGIN { } t:raw_syscalls:sys_exit, i:s:1 { @ = count(); } END { }",
                false,
                &k
            )
            .unwrap(),
            [
                "begin",
                "tracepoint:raw_syscalls:sys_exit",
                "interval:s:1",
                "end"
            ]
        );
        assert_eq!(
            list_program("t:syscalls:sys_exit_read { }", true, &k).unwrap(),
            [
                "tracepoint:syscalls:sys_exit_read",
                "    int __syscall_nr",
                "    long ret",
            ]
        );
        let d = list_program("t:sched:nosuch* { }", false, &k).unwrap_err();
        assert_eq!(d.message, "tracepoint `sched:nosuch*` not found");
        assert!(list_program("t:sched:sched_switch {", false, &k).is_err());
    }

    #[test]
    fn file_like_searches() {
        assert!(looks_like_file("script.bt"));
        assert!(!looks_like_file("t:sched:*"));
        assert!(!looks_like_file("*.bt"));
        assert!(!looks_like_file("sched_switch"));
    }
}
