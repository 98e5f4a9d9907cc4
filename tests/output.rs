//! Whole-output checks: printf conversions (glibc as oracle), map text
//! formats, hist/lhist, JSON.

mod common;

/// Format with glibc's snprintf: the oracle for printf conversions.
macro_rules! c_printf {
    ($fmt:expr $(, $arg:expr)* $(,)?) => {{
        let mut buf = vec![0u8; 1024];
        let fmt = std::ffi::CString::new($fmt).unwrap();
        // SAFETY: buf is writable for its length, fmt is NUL-terminated, and
        // each argument's C type matches its conversion.
        let n = unsafe {
            libc::snprintf(buf.as_mut_ptr().cast::<libc::c_char>(), buf.len(), fmt.as_ptr() $(, $arg)*)
        };
        buf.truncate(n as usize);
        String::from_utf8(buf).unwrap()
    }};
}

fn begin_printf(fmt: &str, args: &str) -> String {
    let program = format!(r#"BEGIN {{ printf("{fmt}\n", {args}); exit(); }}"#);
    let out = common::run_q(&program);
    out.assert_ok();
    out.stdout.lines().next().unwrap_or_default().to_string()
}

#[test]
fn printf_basic_conversions() {
    require_bpf!();
    let got = common::run_q(
        r#"BEGIN { printf("[%5d][%-5d][%05d][%x][%X][%o][%c][%s][%.2s][%%]\n", 42, 42, 42, 255, 255, 8, 65, "abc", "abc"); exit(); }"#,
    );
    got.assert_ok();
    assert_eq!(
        got.stdout.lines().next(),
        Some("[   42][42   ][00042][ff][FF][10][A][abc][ab][%]"),
        "{got}"
    );
}

#[test]
fn printf_against_glibc() {
    require_bpf!();
    let a = std::ffi::CString::new("abc").unwrap();
    let fmt = "[%d][%u][%x][%X][%o][%c][%s][%-6s][%6s][%.1s][%8.3d][%-8x][%08o][%+d][%%]";
    let expected = c_printf!(
        fmt,
        -17 as libc::c_int,
        4000000000u32 as libc::c_uint,
        48879 as libc::c_uint,
        48879 as libc::c_uint,
        511 as libc::c_uint,
        122 as libc::c_int,
        a.as_ptr(),
        a.as_ptr(),
        a.as_ptr(),
        a.as_ptr(),
        7 as libc::c_int,
        255 as libc::c_uint,
        8 as libc::c_uint,
        5 as libc::c_int,
    );
    let got = begin_printf(
        fmt,
        r#"-17, 4000000000, 48879, 48879, 511, 122, "abc", "abc", "abc", "abc", 7, 255, 8, 5"#,
    );
    assert_eq!(got, expected);
}

#[test]
fn printf_length_modifiers_against_glibc() {
    require_bpf!();
    let fmt = "[%hhd][%hhu][%hd][%hu][%ld][%lu][%lld][%llx][%jd][%zu][%td][%lx][%u][%x]";
    let expected = c_printf!(
        fmt,
        300 as libc::c_int,
        -1 as libc::c_int,
        70000 as libc::c_int,
        -1 as libc::c_int,
        -5 as libc::c_long,
        -1 as libc::c_long,
        -6 as libc::c_longlong,
        -1 as libc::c_longlong,
        (1i64 << 40) as libc::intmax_t,
        12345678901 as libc::size_t,
        -9 as libc::ptrdiff_t,
        255 as libc::c_long,
        -1 as libc::c_int,
        -2 as libc::c_int,
    );
    let got = begin_printf(
        fmt,
        "300, -1, 70000, -1, -5, -1, -6, -1, 1 << 40, 12345678901, -9, 255, -1, -2",
    );
    assert_eq!(got, expected);
}

#[test]
fn printf_pointer() {
    require_bpf!();
    let expected = c_printf!("[%p]", 4096usize as *const libc::c_void);
    assert_eq!(begin_printf("[%p]", "4096"), expected);
}

const AGG: &str = "BEGIN { @c=count();@c=count(); @s=sum(5);@s=sum(7); @a=avg(3);@a=avg(4); @mn=min(5);@mn=min(-2); @mx=max(9);@mx=max(1); @st=stats(10);@st=stats(20); @k[\"bash\",1]=5; @k[\"zsh\",2]=3; exit() }";

#[test]
fn aggregation_text_format() {
    require_bpf!();
    let out = common::run(&["-e", AGG]);
    out.assert_ok();
    let expected = "\n\n@a: 3\n@c: 2\n@k[zsh, 2]: 3\n@k[bash, 1]: 5\n@mn: -2\n@mx: 9\n@s: 12\n@st: { .count = 2, .average = 15, .total = 30 }\n";
    assert_eq!(out.stdout, expected, "{out}");
    assert_eq!(out.stderr, "Attached 1 probe\n", "{out}");
}

#[test]
fn hist_text_format() {
    require_bpf!();
    let out = common::run(&[
        "-e",
        "BEGIN { @=hist(-1); @=hist(2); @=hist(3); @=hist(7); @=hist(20); exit();}",
    ]);
    out.assert_ok();
    let bar26 = "@".repeat(26);
    let bar52 = "@".repeat(52);
    let sp26 = " ".repeat(26);
    let sp52 = " ".repeat(52);
    let expected = format!(
        "\n\n@:\n\
(..., 0)               1 |{bar26}{sp26}|\n\
[0]                    0 |{sp52}|\n\
[1]                    0 |{sp52}|\n\
[2, 4)                 2 |{bar52}|\n\
[4, 8)                 1 |{bar26}{sp26}|\n\
[8, 16)                0 |{sp52}|\n\
[16, 32)               1 |{bar26}{sp26}|\n\n"
    );
    assert_eq!(out.stdout, expected, "{out}");
}

#[test]
fn hist_power_of_two_labels() {
    require_bpf!();
    let out = common::run_q("BEGIN { @=hist(1024); @=hist(3000); @=hist(1048576); exit(); }");
    out.assert_ok();
    for label in ["[1K, 2K)", "[2K, 4K)", "[1M, 2M)"] {
        assert!(
            out.stdout.lines().any(|l| l.starts_with(label)),
            "no {label}:\n{out}"
        );
    }
}

#[test]
fn lhist_text_format() {
    require_bpf!();
    let out = common::run(&[
        "-e",
        "BEGIN { @=lhist(2,0,10,2); @=lhist(3,0,10,2); @=lhist(7,0,10,2); @=lhist(-1,0,10,2); @=lhist(11,0,10,2); exit()}",
    ]);
    out.assert_ok();
    let bar26 = "@".repeat(26);
    let bar52 = "@".repeat(52);
    let sp26 = " ".repeat(26);
    let sp52 = " ".repeat(52);
    let expected = format!(
        "\n\n@:\n\
(..., 0)               1 |{bar26}{sp26}|\n\
[0, 2)                 0 |{sp52}|\n\
[2, 4)                 2 |{bar52}|\n\
[4, 6)                 0 |{sp52}|\n\
[6, 8)                 1 |{bar26}{sp26}|\n\
[8, 10)                0 |{sp52}|\n\
[10, ...)              1 |{bar26}{sp26}|\n\n"
    );
    assert_eq!(out.stdout, expected, "{out}");
}

#[test]
fn json_output_lines() {
    require_bpf!();
    let out = common::run(&[
        "-q",
        "-f",
        "json",
        "-e",
        r#"BEGIN { @c=count(); @h=hist(3); @k["a",1]=2; printf("x %d\n", 1); exit(); }"#,
    ]);
    out.assert_ok();
    let expected = "{\"type\": \"printf\", \"data\": \"x 1\\n\"}\n\
{\"type\": \"map\", \"data\": {\"@c\": 1}}\n\
{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 2, \"max\": 3, \"count\": 1}]}}\n\
{\"type\": \"map\", \"data\": {\"@k\": {\"a,1\": 2}}}\n";
    assert_eq!(out.stdout, expected, "{out}");
}

#[test]
fn json_stats_and_banner() {
    require_bpf!();
    let out = common::run(&[
        "-f",
        "json",
        "-e",
        "BEGIN { @s = stats(10); @s = stats(20); exit(); }",
    ]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"{\"type\": \"attached_probes\", \"count\": 1, \"data\": {\"probes\": 1}}"),
        "{out}"
    );
    assert!(
        lines.contains(&"{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 2, \"average\": 15, \"total\": 30}}}"),
        "{out}"
    );
}

#[test]
fn print_keeps_the_top_entries_divided() {
    require_bpf!();
    let out = common::run_q(
        "BEGIN { @[1] = 10; @[2] = 20; @[3] = 30; print(@, 2, 10); clear(@); exit(); }",
    );
    out.assert_ok();
    // The cleared map prints nothing in the exit dump (v0.26).
    assert_eq!(out.stdout, "@[2]: 2\n@[3]: 3\n\n\n", "{out}");
}

#[test]
fn records_the_ring_buffer_had_no_room_for_are_reported() {
    require_bpf!();
    let mut cmd = common::tracelet();
    cmd.env("BPFTRACE_PERF_RB_PAGES", "1").args([
        "-q",
        "-e",
        r#"BEGIN { unroll(100) { printf("%s %s\n", "0123456789012345678901234567890123456789", comm); } exit(); }"#,
    ]);
    let out = common::run_cmd(cmd, None, std::time::Duration::from_secs(20));
    out.assert_ok();
    let printed = out.stdout.lines().filter(|l| l.starts_with("0123")).count();
    // Lost events are the runtime's message: on stderr in text mode.
    let lost: usize = out
        .stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("Lost ")?
                .strip_suffix(" events")?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no `Lost N events` line: {out}"));
    assert!(lost > 0 && printed > 0, "{out}");
    assert!(
        out.stderr.contains("WARNING: Total lost event count: "),
        "{out}"
    );
    // 100 printf records and one exit record, each printed, acted on or counted as lost.
    assert!(
        (100..=101).contains(&(printed + lost)),
        "every record is printed or counted as lost: {out}"
    );
}

#[test]
fn division_is_unsigned_and_empty_maps_print_as_bpftrace_does() {
    require_bpf!();
    // bpftrace divides and shifts as unsigned; in v0.26 a cleared map prints
    // nothing and a zeroed histogram its bare header and a blank line.
    let out = common::run_q(
        r#"BEGIN { printf("%d %d %ld\n", -7/2, -7%3, -16 >> 2); @m[1]=1; clear(@m); @n = 5; @h = hist(5); zero(@h); exit(); }"#,
    );
    out.assert_ok();
    assert_eq!(
        out.stdout, "-4 0 4611686018427387900\n\n\n@h:\n\n@n: 5\n",
        "{out}"
    );
}
