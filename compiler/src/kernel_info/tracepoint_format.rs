//! Parsing of tracefs `events/<category>/<event>/format` files.
//!
//! A format file lists the fields of a tracepoint's record, one per line
//! (the separators are tabs):
//!
//! ```text
//!     field:const char * filename; offset:24; size:8; signed:0;
//! ```
//!
//! The `common_*` fields (present in every record) and the `print fmt:` part
//! are left out.

/// The argument fields of one tracepoint (the `common_*` fields left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracepointFormat {
    pub fields: Vec<TracepointField>,
}

impl TracepointFormat {
    /// The field called `name`, if any.
    pub fn field(&self, name: &str) -> Option<&TracepointField> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// One `field:TYPE NAME; offset:N; size:N; signed:N;` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracepointField {
    pub name: String,
    /// The C type as written, e.g. `const char *`, `char[16]`, `__data_loc char[]`.
    pub c_type: String,
    pub offset: u32,
    pub size: u32,
    pub signed: bool,
    pub kind: FieldKind,
}

/// How the compiler can use a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An integer of `size` bytes (also enums, bools, `pid_t`, `size_t`…).
    Int,
    /// `char NAME[N]`: an inline string.
    CharArray { len: u32 },
    /// `__data_loc char[] NAME`: a u32 holding `(len << 16) | offset` from the record start.
    DataLocString,
    /// A pointer; `to_char` when it points to `char` (usable with `str()`).
    Pointer { to_char: bool },
    /// Anything else (other arrays, structs): not readable yet.
    Unsupported,
}

/// Parses the text of a format file.
///
/// Fails on a malformed `field:` line, or when the text has no `field:` line
/// at all (every real format has at least the `common_*` fields).
pub fn parse_format(text: &str) -> Result<TracepointFormat, String> {
    let mut fields = Vec::new();
    let mut seen_any = false;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with("print fmt:") {
            break;
        }
        if !line.starts_with("field:") {
            continue;
        }
        seen_any = true;
        let field = parse_field_line(line).map_err(|e| format!("line {}: {e}", index + 1))?;
        if !field.name.starts_with("common_") {
            fields.push(field);
        }
    }
    if !seen_any {
        return Err("not a tracepoint format: no `field:` line".to_string());
    }
    Ok(TracepointFormat { fields })
}

/// Parses one `field:…; offset:…; size:…; signed:…;` line (already trimmed).
fn parse_field_line(line: &str) -> Result<TracepointField, String> {
    let mut decl = None;
    let (mut offset, mut size, mut signed) = (None, None, false);
    for part in line.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once(':')
            .ok_or_else(|| format!("expected `key:value`, found `{part}`"))?;
        let value = value.trim();
        match key.trim() {
            "field" => decl = Some(value),
            "offset" => offset = Some(parse_number(key, value)?),
            "size" => size = Some(parse_number(key, value)?),
            "signed" => signed = parse_number(key, value)? != 0,
            _ => {} // Unknown attributes are ignored, for future kernels.
        }
    }
    let decl = decl.ok_or("missing `field:`")?;
    let offset = offset.ok_or("missing `offset:`")?;
    let size = size.ok_or("missing `size:`")?;
    let (name, c_type, array_len) = split_declaration(decl)?;
    let kind = classify(&c_type, array_len, size);
    Ok(TracepointField {
        name,
        c_type,
        offset,
        size,
        signed,
        kind,
    })
}

fn parse_number(key: &str, value: &str) -> Result<u32, String> {
    value
        .parse()
        .map_err(|_| format!("bad number `{value}` for `{key}`"))
}

/// The length written in an array declarator: `Some(Some(16))` for `[16]`,
/// `Some(None)` for `[]` or a non-numeric length, `None` for a non-array.
type ArrayLen = Option<Option<u32>>;

/// Splits `TYPE NAME` or `TYPE NAME[N]` into the name, the C type (with the
/// array suffix moved onto the type: `char[16]`) and the array length.
fn split_declaration(decl: &str) -> Result<(String, String, ArrayLen), String> {
    let decl = decl.trim();
    let (base, array_len, suffix) = match decl.strip_suffix(']') {
        Some(rest) => {
            let open = rest
                .rfind('[')
                .ok_or_else(|| format!("unbalanced `]` in `{decl}`"))?;
            let len = rest[open + 1..].trim();
            (&rest[..open], Some(len.parse().ok()), &decl[open..])
        }
        None => (decl, None, ""),
    };
    let base = base.trim_end();
    let start = base
        .rfind(|c: char| c.is_whitespace() || c == '*')
        .map_or(0, |i| i + 1);
    let name = &base[start..];
    let ty = base[..start].trim();
    if name.is_empty() || ty.is_empty() || !is_identifier(name) {
        return Err(format!("cannot split `{decl}` into a type and a name"));
    }
    Ok((name.to_string(), format!("{ty}{suffix}"), array_len))
}

fn is_identifier(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Decides how a field can be used from its C type (array suffix included).
fn classify(c_type: &str, array_len: ArrayLen, size: u32) -> FieldKind {
    if let Some(element) = c_type.strip_prefix("__data_loc ") {
        return if is_char(element.trim().trim_end_matches("[]")) {
            FieldKind::DataLocString
        } else {
            FieldKind::Unsupported
        };
    }
    if let Some(len) = array_len {
        let element = c_type[..c_type.rfind('[').unwrap_or(c_type.len())].trim();
        return if is_char(element) {
            FieldKind::CharArray {
                len: len.unwrap_or(size),
            }
        } else {
            FieldKind::Unsupported
        };
    }
    if let Some(pointee) = c_type.strip_suffix('*') {
        return FieldKind::Pointer {
            to_char: is_char(pointee.trim()),
        };
    }
    let aggregate = ["struct ", "union "]
        .iter()
        .any(|p| strip_qualifiers(c_type).starts_with(p));
    if !aggregate && matches!(size, 1 | 2 | 4 | 8) {
        FieldKind::Int
    } else {
        FieldKind::Unsupported
    }
}

/// `char`, `signed char` or `unsigned char`, possibly `const`/`volatile`.
fn is_char(ty: &str) -> bool {
    matches!(
        strip_qualifiers(ty),
        "char" | "signed char" | "unsigned char"
    )
}

/// Removes leading `const`/`volatile` qualifiers.
fn strip_qualifiers(mut ty: &str) -> &str {
    loop {
        ty = ty.trim_start();
        match ty
            .strip_prefix("const ")
            .or_else(|| ty.strip_prefix("volatile "))
        {
            Some(rest) => ty = rest,
            None => return ty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHED_SWITCH: &str = include_str!("fixtures/sched/sched_switch.format");
    const SYS_ENTER: &str = include_str!("fixtures/raw_syscalls/sys_enter.format");
    const OPENAT: &str = include_str!("fixtures/syscalls/sys_enter_openat.format");
    const PROCESS_EXEC: &str = include_str!("fixtures/sched/sched_process_exec.format");
    const RQ_ISSUE: &str = include_str!("fixtures/block/block_rq_issue.format");

    fn field(
        name: &str,
        c_type: &str,
        offset: u32,
        size: u32,
        signed: bool,
        kind: FieldKind,
    ) -> TracepointField {
        TracepointField {
            name: name.into(),
            c_type: c_type.into(),
            offset,
            size,
            signed,
            kind,
        }
    }

    fn kinds(text: &str) -> Vec<(String, FieldKind)> {
        let format = parse_format(text).unwrap();
        format
            .fields
            .into_iter()
            .map(|f| (f.name, f.kind))
            .collect()
    }

    #[test]
    fn sched_switch_fields() {
        let format = parse_format(SCHED_SWITCH).unwrap();
        use FieldKind::*;
        assert_eq!(
            format.fields,
            vec![
                field("prev_comm", "char[16]", 8, 16, false, CharArray { len: 16 }),
                field("prev_pid", "pid_t", 24, 4, true, Int),
                field("prev_prio", "int", 28, 4, true, Int),
                field("prev_state", "long", 32, 8, true, Int),
                field(
                    "next_comm",
                    "char[16]",
                    40,
                    16,
                    false,
                    CharArray { len: 16 }
                ),
                field("next_pid", "pid_t", 56, 4, true, Int),
                field("next_prio", "int", 60, 4, true, Int),
            ]
        );
        assert_eq!(format.field("next_pid").unwrap().offset, 56);
        assert!(format.field("common_pid").is_none());
    }

    #[test]
    fn raw_syscalls_args_array_is_unsupported() {
        let format = parse_format(SYS_ENTER).unwrap();
        assert_eq!(
            format.fields,
            vec![
                field("id", "long", 8, 8, true, FieldKind::Int),
                field(
                    "args",
                    "unsigned long[6]",
                    16,
                    48,
                    false,
                    FieldKind::Unsupported
                ),
            ]
        );
    }

    #[test]
    fn syscall_pointer_and_widened_ints() {
        let format = parse_format(OPENAT).unwrap();
        assert_eq!(
            format.fields,
            vec![
                field("__syscall_nr", "int", 8, 4, true, FieldKind::Int),
                field("dfd", "int", 16, 8, false, FieldKind::Int),
                field(
                    "filename",
                    "const char *",
                    24,
                    8,
                    false,
                    FieldKind::Pointer { to_char: true }
                ),
                field("flags", "int", 32, 8, false, FieldKind::Int),
                field("mode", "umode_t", 40, 8, false, FieldKind::Int),
            ]
        );
    }

    #[test]
    fn data_loc_strings() {
        let format = parse_format(PROCESS_EXEC).unwrap();
        let filename = format.field("filename").unwrap();
        assert_eq!(filename.c_type, "__data_loc char[]");
        assert_eq!((filename.offset, filename.size), (8, 4));
        assert_eq!(filename.kind, FieldKind::DataLocString);
    }

    #[test]
    fn block_rq_issue_kinds() {
        use FieldKind::*;
        assert_eq!(
            kinds(RQ_ISSUE),
            [
                ("dev", Int),
                ("sector", Int),
                ("nr_sector", Int),
                ("bytes", Int),
                ("ioprio", Int),
                ("rwbs", CharArray { len: 10 }),
                ("comm", CharArray { len: 16 }),
                ("cmd", DataLocString),
            ]
            .map(|(n, k)| (n.to_string(), k))
        );
    }

    #[test]
    fn declarations_seen_on_other_tracepoints() {
        let cases = [
            (
                "char * buf",
                "buf",
                "char *",
                FieldKind::Pointer { to_char: true },
            ),
            (
                "char *buf",
                "buf",
                "char *",
                FieldKind::Pointer { to_char: true },
            ),
            (
                "const unsigned char * p",
                "p",
                "const unsigned char *",
                FieldKind::Pointer { to_char: true },
            ),
            (
                "char ** argv",
                "argv",
                "char **",
                FieldKind::Pointer { to_char: false },
            ),
            (
                "struct mm_struct * mm",
                "mm",
                "struct mm_struct *",
                FieldKind::Pointer { to_char: false },
            ),
            (
                "const void * ptr",
                "ptr",
                "const void *",
                FieldKind::Pointer { to_char: false },
            ),
            (
                "unsigned char addr[6]",
                "addr",
                "unsigned char[6]",
                FieldKind::CharArray { len: 6 },
            ),
            ("__u8 saddr[4]", "saddr", "__u8[4]", FieldKind::Unsupported),
            (
                "__data_loc u64[] addrs",
                "addrs",
                "__data_loc u64[]",
                FieldKind::Unsupported,
            ),
            (
                "enum zone_type idx",
                "idx",
                "enum zone_type",
                FieldKind::Int,
            ),
            ("bool group_dead", "group_dead", "bool", FieldKind::Int),
            ("unsigned lockval", "lockval", "unsigned", FieldKind::Int),
        ];
        for (decl, name, c_type, kind) in cases {
            let size = match kind {
                FieldKind::CharArray { len } => len,
                _ => 8,
            };
            let text = format!("\tfield:{decl};\toffset:8;\tsize:{size};\tsigned:0;\n");
            let format = parse_format(&text).unwrap_or_else(|e| panic!("{decl}: {e}"));
            assert_eq!(
                format.fields,
                vec![field(name, c_type, 8, size, false, kind)],
                "{decl}"
            );
        }
    }

    #[test]
    fn odd_sizes_and_structs_are_unsupported() {
        let text = "\tfield:struct foo f;\toffset:8;\tsize:8;\tsigned:0;\n\
                    \tfield:u64 big;\toffset:16;\tsize:16;\tsigned:0;\n";
        assert_eq!(
            kinds(text),
            [
                ("f", FieldKind::Unsupported),
                ("big", FieldKind::Unsupported)
            ]
            .map(|(n, k)| (n.to_string(), k))
        );
    }

    #[test]
    fn errors() {
        assert!(parse_format("").unwrap_err().contains("no `field:`"));
        let missing = parse_format("format:\n\tfield:int x;\toffset:8;\n").unwrap_err();
        assert_eq!(missing, "line 2: missing `size:`");
        let bad = parse_format("\tfield:int x;\toffset:eight;\tsize:4;\n").unwrap_err();
        assert_eq!(bad, "line 1: bad number `eight` for `offset`");
        assert!(parse_format("\tfield:x;\toffset:8;\tsize:4;\n")
            .unwrap_err()
            .contains("type and a name"));
    }

    #[test]
    fn print_fmt_is_ignored() {
        let text = "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: \"field:int y;\"\n";
        assert_eq!(kinds(text), vec![("x".to_string(), FieldKind::Int)]);
    }
}
