//! The JSON renderer: one object per line, spaced as bpftrace v0.21's
//! `JsonOutput` writes them. Records are built as `serde_json` values and
//! written in bpftrace's layout by [`super::json_style`].

use super::json_style::to_record_text;
use super::text::key_part_text;
use super::{divided, nonzero_range, print_style, sorted_entries, Message, Output, PrintStyle};
use serde_json::{json, Value as Json};
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

    /// Writes one `{"type": …, "data": …}` record and its newline.
    fn record(&mut self, kind: &str, data: Json) -> io::Result<()> {
        self.line(&to_record_text(&record(kind, data)))
    }

    fn line(&mut self, line: &str) -> io::Result<()> {
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

impl<W: Write> Output for JsonOutput<W> {
    fn message(&mut self, kind: Message, text: &str) -> io::Result<()> {
        self.record(kind.json_type(), Json::from(text))
    }

    fn value(&mut self, v: &Value) -> io::Result<()> {
        match v {
            Value::Map(m) => self.map(m, 0, 0),
            _ => self.record("value", value_json(v)),
        }
    }

    fn map(&mut self, m: &Map, top: usize, div: u64) -> io::Result<()> {
        match map_json(m, top, div) {
            Some(record) => self.line(&to_record_text(&record)),
            None => Ok(()),
        }
    }

    fn attached(&mut self, probes: usize) -> io::Result<()> {
        self.record("attached_probes", json!({ "probes": probes }))
    }

    fn lost(&mut self, events: u64) -> io::Result<()> {
        self.record("lost_events", json!({ "events": events }))
    }

    fn end_separator(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `{"type": kind, "data": data}`, the shape of every record.
fn record(kind: &str, data: Json) -> Json {
    json!({ "type": kind, "data": data })
}

/// The record of a map, or `None` for an empty map, which bpftrace does not
/// print in JSON.
pub fn map_json(m: &Map, top: usize, div: u64) -> Option<Json> {
    if m.entries.is_empty() {
        return None;
    }
    let div = div.max(1);
    let kind = match print_style(m) {
        PrintStyle::Plain => "map",
        PrintStyle::Stats => "stats",
        PrintStyle::Hist => "hist",
    };
    let entries = sorted_entries(m, top);
    let data = if super::is_keyed(m) {
        let keyed = entries.into_iter().map(|(key, value)| {
            let key: Vec<String> = key.iter().map(key_part_text).collect();
            (key.join(","), map_value_json(value, div))
        });
        Json::Object(keyed.collect())
    } else {
        // An unkeyed map has one entry.
        let (_, value) = entries.first()?;
        map_value_json(value, div)
    };
    let mut by_name = serde_json::Map::new();
    by_name.insert(m.name.clone(), data);
    Some(record(kind, Json::Object(by_name)))
}

/// A map's value: averages as a plain number, `div` applied like the text
/// renderer (not to `stats()` and `lhist()` counts).
fn map_value_json(v: &Value, div: u64) -> Json {
    match v {
        Value::Avg { count, total } => Json::from(average(*count, *total) / div as i64),
        Value::Hist(h) => hist_json(h, div),
        v => value_json(&divided(v, div)),
    }
}

/// A value: numbers bare, strings quoted, tuples as arrays, stacks as one
/// string (as bpftrace prints them).
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Bool(b) => Json::from(*b),
        Value::Str(s) => Json::from(s.as_str()),
        Value::Tuple(items) => Json::Array(items.iter().map(value_json).collect()),
        Value::Stack(frames) => Json::from(stack_text(frames, 8)),
        Value::Avg { count, total } => Json::from(average(*count, *total)),
        Value::Stats { count, total } => json!({
            "count": count,
            "average": average(*count, *total),
            "total": total,
        }),
        Value::Hist(h) => hist_json(h, 1),
        Value::Map(m) => map_json(m, 0, 1).unwrap_or(Json::Null),
    }
}

/// `[{"min": 4, "max": 7, "count": 1}, …]` with closed bounds; the
/// underflow bucket has no `min`, the overflow bucket no `max`.
fn hist_json(h: &Hist, div: u64) -> Json {
    let Some(range) = nonzero_range(h) else {
        return Json::Array(Vec::new());
    };
    let buckets = h.buckets[range].iter().map(|b| {
        let mut bucket = serde_json::Map::new();
        if let Some(lo) = b.lo {
            bucket.insert("min".into(), Json::from(lo));
        }
        match (h.kind, b.lo, b.hi) {
            (_, _, Some(hi)) => {
                bucket.insert("max".into(), Json::from(hi - 1));
            }
            // The last `hist()` bucket ends at 2^63 (bpftrace prints
            // its closed bound, i64::MAX); `lhist()` overflow has none.
            (HistKind::Log2, Some(_), None) => {
                bucket.insert("max".into(), Json::from(i64::MAX));
            }
            _ => {}
        }
        let count = match h.kind {
            HistKind::Log2 => b.count / div,
            HistKind::Linear { .. } => b.count,
        };
        bucket.insert("count".into(), Json::from(count));
        Json::Object(bucket)
    });
    Json::Array(buckets.collect())
}
