//! The byte layout of bpftrace's JSON records, as a `serde_json` formatter.
//!
//! bpftrace writes `{"key": value, "key": value}` (a space after `:` and
//! `,`), tuples as `[1,"a"]` (no space), histogram buckets as
//! `[{…}, {…}]` (a space), and every control character but `\n`, `\r` and
//! `\t` as `\u00XX` (so also `\b` and `\f`, which `serde_json` would
//! shorten).

use serde_json::ser::{CharEscape, Formatter};
use std::io::{self, Write};

/// A `serde_json::Value` as one bpftrace JSON record (no newline).
pub fn to_record_text(value: &serde_json::Value) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, BpftraceStyle::default());
    serde::Serialize::serialize(value, &mut ser).expect("a JSON value serializes to memory");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

/// The formatter behind [`to_record_text`].
///
/// An array separator depends on the element that follows it (`", "` before
/// an object, `","` before anything else), so [`Formatter::begin_array_value`]
/// only notes that one is due and the start of the next element writes it.
/// The element starts overridden here are the ones a `serde_json::Value`
/// reaches: null, bool, i64, u64, f64, string, array and object.
#[derive(Default)]
struct BpftraceStyle {
    separator_due: bool,
}

impl BpftraceStyle {
    /// Writes the array separator noted before this element, if any.
    fn element<W: ?Sized + Write>(&mut self, w: &mut W, is_object: bool) -> io::Result<()> {
        if std::mem::take(&mut self.separator_due) {
            w.write_all(if is_object { b", " } else { b"," })?;
        }
        Ok(())
    }
}

impl Formatter for BpftraceStyle {
    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.element(w, false)?;
        w.write_all(b"null")
    }

    fn write_bool<W: ?Sized + Write>(&mut self, w: &mut W, value: bool) -> io::Result<()> {
        self.element(w, false)?;
        w.write_all(if value { b"true" } else { b"false" })
    }

    fn write_i64<W: ?Sized + Write>(&mut self, w: &mut W, value: i64) -> io::Result<()> {
        self.element(w, false)?;
        write!(w, "{value}")
    }

    fn write_u64<W: ?Sized + Write>(&mut self, w: &mut W, value: u64) -> io::Result<()> {
        self.element(w, false)?;
        write!(w, "{value}")
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        self.element(w, false)?;
        write!(w, "{value}")
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.element(w, false)?;
        w.write_all(b"\"")
    }

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

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.element(w, false)?;
        w.write_all(b"[")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, _: &mut W, first: bool) -> io::Result<()> {
        self.separator_due = !first;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.element(w, true)?;
        w.write_all(b"{")
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
    fn spaces_objects_and_bucket_lists_but_not_tuples() {
        let v = json!({"a": [1, "x", [2, 3]], "h": [{"min": 1}, {"min": 2}], "e": [], "n": null});
        assert_eq!(
            to_record_text(&v),
            r#"{"a": [1,"x",[2,3]], "h": [{"min": 1}, {"min": 2}], "e": [], "n": null}"#
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
