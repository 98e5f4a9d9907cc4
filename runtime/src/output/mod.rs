//! Rendering of values: text (bpftrace v0.26 layout, byte for byte) and JSON
//! (bpftrace v0.26's NDJSON records). Both see only [`Value`]s.

pub mod json;
mod json_style;
pub mod sink;
pub mod text;

pub use json::JsonOutput;
pub use sink::Sink;
pub use text::TextOutput;

use std::cmp::Ordering;
use std::io::{self, Write};
use tracelet_compiler::value::{Hist, Map, Value};

/// Which renderer `-f` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// Kinds of preformatted text the runtime prints; JSON names them in `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    Printf,
    Time,
    Cat,
    /// `join()`: text mode adds a newline.
    Join,
    /// `system()`.
    Syscall,
}

impl Message {
    /// The JSON `type` of this message.
    pub fn json_type(self) -> &'static str {
        match self {
            Message::Printf => "printf",
            Message::Time => "time",
            Message::Cat => "cat",
            Message::Join => "join",
            Message::Syscall => "syscall",
        }
    }
}

/// What the runtime prints, whatever the format.
pub trait Output {
    /// Text already formatted by a script call (`printf`, `time`, `cat`, …).
    fn message(&mut self, kind: Message, text: &str) -> io::Result<()>;
    /// `print(expr)` of a value that is not a map.
    fn value(&mut self, v: &Value) -> io::Result<()>;
    /// `print(@m, top, div)` and the exit dump; `top == 0` keeps every entry,
    /// `div == 0` means 1.
    fn map(&mut self, m: &Map, top: usize, div: u64) -> io::Result<()>;
    /// The banner once probes are attached.
    fn attached(&mut self, probes: usize) -> io::Result<()>;
    /// Events the kernel dropped since the last report.
    fn lost(&mut self, events: u64) -> io::Result<()>;
    /// Printed once before the exit map dump.
    fn end_separator(&mut self) -> io::Result<()>;

    /// `printf(...)` output.
    fn printf(&mut self, text: &str) -> io::Result<()> {
        self.message(Message::Printf, text)
    }
    /// `time(...)` output.
    fn time(&mut self, text: &str) -> io::Result<()> {
        self.message(Message::Time, text)
    }
}

impl OutputFormat {
    /// A renderer of this format writing to `out`; text mode writes the
    /// runtime's own messages to `err`, JSON mode everything to `out`.
    pub fn writer<'a, W: Write + 'a, E: Write + 'a>(self, out: W, err: E) -> Box<dyn Output + 'a> {
        match self {
            OutputFormat::Text => Box::new(TextOutput::new(out, err)),
            OutputFormat::Json => Box::new(JsonOutput::new(out)),
        }
    }

    /// Runs `f` on a renderer writing to memory and returns what it wrote
    /// to its two streams: the output, then the runtime's messages.
    pub fn render_streams(
        self,
        f: impl FnOnce(&mut dyn Output) -> io::Result<()>,
    ) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        f(&mut *self.writer(&mut out, &mut err)).expect("writing to memory cannot fail");
        let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
        (text(out), text(err))
    }

    /// What `f` writes to the output stream (see [`Self::render_streams`]).
    pub fn render(self, f: impl FnOnce(&mut dyn Output) -> io::Result<()>) -> String {
        self.render_streams(f).0
    }
}

/// How a map prints, by the kind of its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PrintStyle {
    /// Integers, strings, tuples, stacks: one line per entry.
    Plain,
    /// `avg()` and `stats()`.
    Stats,
    /// `hist()` and `lhist()`.
    Hist,
}

fn print_style(m: &Map) -> PrintStyle {
    match m.entries.first().map(|(_, v)| v) {
        Some(Value::Avg { .. } | Value::Stats { .. }) => PrintStyle::Stats,
        Some(Value::Hist(_)) => PrintStyle::Hist,
        _ => PrintStyle::Plain,
    }
}

/// Whether the map has keys (as opposed to a scalar `@x = …`).
fn is_keyed(m: &Map) -> bool {
    m.entries.first().is_some_and(|(k, _)| !k.is_empty())
}

/// The entries in bpftrace's print order, cut to the last `top`.
///
/// Numbers, averages and histogram totals sort ascending by value; other
/// values by key. Ties between `hist`/`lhist`/`avg`/`stats` entries are
/// ordered by the raw key bytes, as bpftrace collects them in a `std::map`
/// keyed by those before sorting by value, so equal totals come in byte
/// order of the little-endian keys (`@h[256]` before `@h[1]`). Ties between
/// plain numbers come in hash-table order in bpftrace, which is not
/// reproducible; they are ordered by key here. v0.26 applies `top` to every
/// kind of map (`src/types_format.cpp` `format`).
fn sorted_entries(m: &Map, top: usize) -> Vec<&(Vec<Value>, Value)> {
    let mut entries: Vec<_> = m.entries.iter().collect();
    let raw_ties = print_style(m) != PrintStyle::Plain;
    entries.sort_by(|a, b| {
        let by_value = match (a.1.sort_number(), b.1.sort_number()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        };
        by_value.then_with(|| {
            if raw_ties {
                cmp_raw_keys(&a.0, &b.0)
            } else {
                cmp_keys(&a.0, &b.0)
            }
        })
    });
    if top > 0 && entries.len() > top {
        entries.drain(..entries.len() - top);
    }
    entries
}

fn cmp_keys(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| cmp_key(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// Key order as bpftrace's `sort_by_key`: integers compare as unsigned
/// (so negative keys come last), strings byte-wise.
fn cmp_key(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(_) | Value::UInt(_), Value::Int(_) | Value::UInt(_)) => {
            int_bits(a).cmp(&int_bits(b))
        }
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Tuple(x), Value::Tuple(y)) => cmp_keys(x, y),
        (Value::Stack(x), Value::Stack(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Key order as `memcmp` of bpftrace's key bytes: integers as their
/// little-endian bytes, strings NUL-padded, tuples field by field.
fn cmp_raw_keys(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| cmp_raw_key(x, y))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

fn cmp_raw_key(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Int(_) | Value::UInt(_), Value::Int(_) | Value::UInt(_)) => {
            int_bits(a).to_le_bytes().cmp(&int_bits(b).to_le_bytes())
        }
        (Value::Tuple(x), Value::Tuple(y)) => cmp_raw_keys(x, y),
        _ => cmp_key(a, b),
    }
}

fn int_bits(v: &Value) -> u64 {
    match v {
        Value::Int(i) => *i as u64,
        Value::UInt(u) => *u,
        _ => 0,
    }
}

/// `v` with every integer divided by `div` (as bpftrace's `print(@, top, div)`).
fn divided(v: &Value, div: u64) -> Value {
    match v {
        Value::Int(i) => Value::Int(i / div as i64),
        Value::UInt(u) => Value::UInt(u / div),
        Value::Tuple(items) => Value::Tuple(items.iter().map(|x| divided(x, div)).collect()),
        other => other.clone(),
    }
}

/// The range of buckets bpftrace prints: first to last non-empty.
fn nonzero_range(h: &Hist) -> Option<std::ops::RangeInclusive<usize>> {
    let first = h.buckets.iter().position(|b| b.count > 0)?;
    let last = h.buckets.iter().rposition(|b| b.count > 0)?;
    Some(first..=last)
}

#[cfg(test)]
mod tests;
