//! The JSON renderer: one object per line, spaced as bpftrace v0.21's
//! `JsonOutput` writes them.

use super::text::key_part_text;
use super::{divided, map_kind, nonzero_range, sorted_entries, MapKind, Message, Output};
use std::fmt::Write as _;
use std::io::{self, Write};
use tracelet_compiler::value::{average, stack_text, Hist, HistKind, Map, Value};

/// Writes bpftrace's `-f json` records to `W`.
pub struct JsonOutput<W: Write> {
    out: W,
}

impl<W: Write> JsonOutput<W> {
    pub fn new(out: W) -> Self {
        JsonOutput { out }
    }

    fn line(&mut self, line: &str) -> io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

impl<W: Write> Output for JsonOutput<W> {
    fn message(&mut self, kind: Message, text: &str) -> io::Result<()> {
        let line = format!(
            r#"{{"type": "{}", "data": "{}"}}"#,
            kind.json_type(),
            escape(text)
        );
        self.line(&line)
    }

    fn value(&mut self, v: &Value) -> io::Result<()> {
        match v {
            Value::Map(m) => self.map(m, 0, 0),
            _ => self.line(&format!(
                r#"{{"type": "value", "data": {}}}"#,
                value_json(v)
            )),
        }
    }

    fn map(&mut self, m: &Map, top: usize, div: u64) -> io::Result<()> {
        match map_json(m, top, div) {
            Some(line) => self.line(&line),
            None => Ok(()),
        }
    }

    fn attached(&mut self, probes: usize) -> io::Result<()> {
        self.line(&format!(
            r#"{{"type": "attached_probes", "data": {{"probes": {probes}}}}}"#
        ))
    }

    fn lost(&mut self, events: u64) -> io::Result<()> {
        self.line(&format!(
            r#"{{"type": "lost_events", "data": {{"events": {events}}}}}"#
        ))
    }

    fn end_separator(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The record of a map (without its newline), or `None` for an empty map,
/// which bpftrace does not print in JSON.
pub fn map_json(m: &Map, top: usize, div: u64) -> Option<String> {
    if m.entries.is_empty() {
        return None;
    }
    let div = div.max(1);
    let kind = match map_kind(m) {
        MapKind::Plain => "map",
        MapKind::Stats => "stats",
        MapKind::Hist => "hist",
    };
    let keyed = super::is_keyed(m);
    let elems: Vec<String> = sorted_entries(m, top)
        .into_iter()
        .map(|(key, value)| {
            let value = map_value_json(value, div);
            if keyed {
                let key: Vec<String> = key.iter().map(key_part_text).collect();
                format!("\"{}\": {value}", escape(&key.join(",")))
            } else {
                value
            }
        })
        .collect();
    let (open, close) = if keyed { ("{", "}") } else { ("", "") };
    Some(format!(
        r#"{{"type": "{kind}", "data": {{"{}": {open}{}{close}}}}}"#,
        escape(&m.name),
        elems.join(", ")
    ))
}

/// A map's value: averages as a plain number, `div` applied like the text
/// renderer (not to `stats()` and `lhist()` counts).
fn map_value_json(v: &Value, div: u64) -> String {
    match v {
        Value::Avg { count, total } => (average(*count, *total) / div as i64).to_string(),
        Value::Hist(h) => hist_json(h, div),
        v => value_json(&divided(v, div)),
    }
}

/// A value: numbers bare, strings quoted, tuples as arrays without spaces,
/// stacks as one string (as bpftrace prints them).
pub fn value_json(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Str(s) => format!("\"{}\"", escape(s)),
        Value::Tuple(items) => {
            let items: Vec<String> = items.iter().map(value_json).collect();
            format!("[{}]", items.join(","))
        }
        Value::Stack(frames) => format!("\"{}\"", escape(&stack_text(frames, 8))),
        Value::Avg { count, total } => average(*count, *total).to_string(),
        Value::Stats { count, total } => format!(
            r#"{{"count": {count}, "average": {}, "total": {total}}}"#,
            average(*count, *total)
        ),
        Value::Hist(h) => hist_json(h, 1),
        Value::Map(m) => map_json(m, 0, 1).unwrap_or_default(),
    }
}

/// `[{"min": 4, "max": 7, "count": 1}, …]` with closed bounds; the
/// underflow bucket has no `min`, the overflow bucket no `max`.
fn hist_json(h: &Hist, div: u64) -> String {
    let Some(range) = nonzero_range(h) else {
        return "[]".to_string();
    };
    let buckets: Vec<String> = h.buckets[range]
        .iter()
        .map(|b| {
            let mut s = String::from("{");
            if let Some(lo) = b.lo {
                let _ = write!(s, "\"min\": {lo}, ");
            }
            match (h.kind, b.lo, b.hi) {
                (_, _, Some(hi)) => {
                    let _ = write!(s, "\"max\": {}, ", hi - 1);
                }
                // The last `hist()` bucket ends at 2^63 (bpftrace prints
                // its closed bound, i64::MAX); `lhist()` overflow has none.
                (HistKind::Log2, Some(_), None) => {
                    let _ = write!(s, "\"max\": {}, ", i64::MAX);
                }
                _ => {}
            }
            let count = match h.kind {
                HistKind::Log2 => b.count / div,
                HistKind::Linear { .. } => b.count,
            };
            let _ = write!(s, "\"count\": {count}}}");
            s
        })
        .collect();
    format!("[{}]", buckets.join(", "))
}

/// JSON string escaping as bpftrace does it: `"` `\` `\n` `\r` `\t`, other
/// control characters as `\u00XX`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}
