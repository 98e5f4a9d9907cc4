//! The byte layout of bpftrace's JSON records, as a `serde_json` formatter.
//!
//! bpftrace v0.26 writes objects spaced, `{"key": value, "key": value}` (a
//! space after `:` and `,`), and arrays unspaced, `[1,"a"]`, histogram
//! buckets included (`[{…},{…}]`); every control character but `\n`, `\r`
//! and `\t` as `\u00XX` (so also `\b` and `\f`, which `serde_json` would
//! shorten).

use serde_json::ser::{CharEscape, Formatter};
use std::io::{self, Write};

/// A `serde_json::Value` as one bpftrace JSON record (no newline).
pub fn to_record_text(value: &serde_json::Value) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, BpftraceStyle);
    serde::Serialize::serialize(value, &mut ser).expect("a JSON value serializes to memory");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

/// The formatter behind [`to_record_text`]: `serde_json`'s compact layout
/// but for the spacing of objects and the escapes.
struct BpftraceStyle;

impl Formatter for BpftraceStyle {
    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        match escape {
            CharEscape::Quote => w.write_all(b"\\\""),
            CharEscape::ReverseSolidus => w.write_all(b"\\\\"),
            CharEscape::Solidus => w.write_all(b"/"),
            CharEscape::LineFeed => w.write_all(b"\\n"),
            CharEscape::CarriageReturn => w.write_all(b"\\r"),
            CharEscape::Tab => w.write_all(b"\\t"),
            CharEscape::Backspace => w.write_all(b"\\u0008"),
            CharEscape::FormFeed => w.write_all(b"\\u000c"),
            CharEscape::AsciiControl(byte) => write!(w, "\\u{byte:04x}"),
        }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::to_record_text;
    use serde_json::json;

    #[test]
    fn spaces_objects_but_not_arrays() {
        let v = json!({"a": [1, "x", [2, 3]], "h": [{"min": 1}, {"min": 2}], "e": [], "n": null});
        // v0.26.1:src/output/json.cpp: "Objects are spaced", "Arrays are unspaced".
        assert_eq!(
            to_record_text(&v),
            r#"{"a": [1,"x",[2,3]], "h": [{"min": 1},{"min": 2}], "e": [], "n": null}"#
        );
    }

    #[test]
    fn escapes_control_characters_as_bpftrace_does() {
        let v = json!("q\" b\\ / \n\r\t \u{8}\u{c}\u{1}\u{1f}");
        assert_eq!(
            to_record_text(&v),
            r#""q\" b\\ / \n\r\t \u0008\u000c\u0001\u001f""#
        );
    }
}
