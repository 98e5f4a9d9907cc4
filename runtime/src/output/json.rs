//! The JSON renderer: one object per line, spaced as bpftrace v0.26's
//! `JsonOutput` writes them. Records are built as `serde_json` values and
//! written in bpftrace's layout by [`super::json_style`].

use super::json_style::to_record_text;
use super::text::key_label;
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

    /// `{"type": kind, "count": n, "data": {field: n}}`: v0.26 gives the
    /// runtime's own counts a top-level `count` besides the older `data`.
    fn counted_record(&mut self, kind: &str, n: u64, field: &str) -> io::Result<()> {
        let record = json!({ "type": kind, "count": n, "data": { field: n } });
        self.line(&to_record_text(&record))
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
        self.counted_record("attached_probes", probes as u64, "probes")
    }

    fn lost(&mut self, events: u64) -> io::Result<()> {
        self.counted_record("lost_events", events, "events")
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
        // v0.26 names an entry by its key's text without any spaces.
        let keyed = entries
            .into_iter()
            .map(|(key, value)| (key_label(key).replace(' ', ""), map_value_json(value, div)));
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
        Value::Avg { count, total } => int_json(average(*count, *total) / div as i64),
        Value::Stats { count, total } => stats_json(*count, *total, div),
        Value::Hist(h) => hist_json(h, div),
        v => value_json(&divided(v, div)),
    }
}

/// `{"count": …, "average": …, "total": …}`, the average divided by `div`.
fn stats_json(count: u64, total: i64, div: u64) -> Json {
    let avg = average(count, total) / div.max(1) as i64;
    json!({ "count": int_json(count), "average": int_json(avg), "total": int_json(total) })
}

/// An integer as a JSON number, or as a string when a double cannot hold it
/// exactly (v0.26 follows RFC 8259 there: `"18446744073709551615"`).
fn int_json(v: impl Into<i128>) -> Json {
    let v: i128 = v.into();
    if (v as f64) as i128 != v {
        Json::from(v.to_string())
    } else if v < 0 {
        Json::from(v as i64)
    } else {
        Json::from(v as u64)
    }
}

/// A value: numbers bare, strings quoted, tuples as arrays, stacks as one
/// string (as bpftrace prints them).
pub fn value_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => int_json(*i),
        Value::UInt(u) => int_json(*u),
        Value::Bool(b) => Json::from(*b),
        Value::Str(s) => Json::from(s.as_str()),
        Value::Tuple(items) | Value::Array(items) => {
            Json::Array(items.iter().map(value_json).collect())
        }
        Value::Record(members) => Json::Object(
            members
                .iter()
                .map(|(name, v)| (name.clone(), value_json(v)))
                .collect(),
        ),
        Value::Pointer(addr) => Json::from(*addr),
        Value::Stack(frames) => Json::from(stack_text(frames, 8)),
        Value::Avg { count, total } => int_json(average(*count, *total)),
        Value::Stats { count, total } => stats_json(*count, *total, 1),
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
            bucket.insert("min".into(), int_json(lo));
        }
        match (h.kind, b.lo, b.hi) {
            (_, _, Some(hi)) => {
                bucket.insert("max".into(), int_json(hi - 1));
            }
            // The last `hist()` bucket ends at 2^63 (bpftrace prints
            // its closed bound, i64::MAX, which a double cannot hold);
            // `lhist()` overflow has none.
            (HistKind::Log2, Some(_), None) => {
                bucket.insert("max".into(), int_json(i64::MAX));
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
