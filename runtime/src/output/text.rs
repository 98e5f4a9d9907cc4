//! The text renderer: bpftrace v0.26's layout (`src/output/text.cpp`
//! TextOutput). What the script prints goes to one stream; the runtime's own
//! messages (the `Attached N probes` banner, lost events) to another, stderr
//! in a run, as bpftrace keeps them out of the program's output.

use super::{divided, nonzero_range, sorted_entries, Message, Output};
use std::io::{self, Write};
use tracelet_compiler::value::{average, stats_text, Bucket, Hist, HistKind, Map, Value};

/// Width of a histogram bar.
const BAR_WIDTH: usize = 52;

/// Writes bpftrace's text output to `W`, and the runtime's messages to `E`.
pub struct TextOutput<W: Write, E: Write> {
    out: W,
    err: E,
}

impl<W: Write, E: Write> TextOutput<W, E> {
    pub fn new(out: W, err: E) -> Self {
        TextOutput { out, err }
    }
}

impl<W: Write, E: Write> Output for TextOutput<W, E> {
    fn message(&mut self, kind: Message, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        if kind == Message::Join {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    fn value(&mut self, v: &Value) -> io::Result<()> {
        match v {
            Value::Map(m) => self.map(m, 0, 0),
            _ => {
                writeln!(self.out, "{}", value_text(v))?;
                self.out.flush()
            }
        }
    }

    fn map(&mut self, m: &Map, top: usize, div: u64) -> io::Result<()> {
        self.out.write_all(map_text(m, top, div).as_bytes())?;
        self.out.flush()
    }

    fn attached(&mut self, probes: usize) -> io::Result<()> {
        let s = if probes == 1 { "" } else { "s" };
        writeln!(self.err, "Attached {probes} probe{s}")?;
        self.err.flush()
    }

    fn lost(&mut self, events: u64) -> io::Result<()> {
        writeln!(self.err, "Lost {events} events")?;
        self.err.flush()
    }

    fn end_separator(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n\n")?;
        self.out.flush()
    }
}

/// A whole map as `print(@m, top, div)` shows it (v0.26's `TextOutput::map`).
///
/// Every entry is one `@name[key]: value` line; a histogram instead starts
/// on the line after `@name[key]:` and is followed by a blank line. An empty
/// map prints nothing.
pub fn map_text(m: &Map, top: usize, div: u64) -> String {
    let div = div.max(1);
    let mut text = String::new();
    for (key, value) in sorted_entries(m, top) {
        let key = format!("{}{}", m.name, key_text(key));
        let line = match value {
            Value::Hist(h) => format!("{key}:\n{}", hist_text(h, div)),
            Value::Avg { count, total } => {
                format!("{key}: {}", average(*count, *total) / div as i64)
            }
            Value::Stats { count, total } => {
                format!("{key}: {}", stats_text(*count, *total, div))
            }
            v => format!("{key}: {}", value_text(&divided(v, div))),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// `[k1, k2]`, or nothing for a scalar map.
fn key_text(key: &[Value]) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("[{}]", key_label(key))
    }
}

/// What goes between a key's brackets: `k1, k2`. A key that is one tuple
/// prints as its elements, as v0.26 strips a tuple key's parentheses.
pub(super) fn key_label(key: &[Value]) -> String {
    match key {
        [Value::Tuple(items)] => key_label(items),
        parts => {
            let parts: Vec<String> = parts.iter().map(value_text).collect();
            parts.join(", ")
        }
    }
}

/// A value as bpftrace prints it: scalars, strings, tuples and stacks as
/// [`Value::text`]; histograms and maps in their own layouts.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Hist(h) => hist_text(h, 1),
        Value::Map(m) => map_text(m, 0, 1),
        v => v.text(),
    }
}

/// The bucket lines of a histogram, first to last non-empty bucket.
/// `div` divides the counts of `hist()` (not `lhist()`, as in bpftrace), and
/// the bars are drawn from the divided counts, as v0.26 does.
pub fn hist_text(h: &Hist, div: u64) -> String {
    let Some(range) = nonzero_range(h) else {
        return String::new();
    };
    let count = |b: &Bucket| match h.kind {
        HistKind::Log2 => b.count / div.max(1),
        HistKind::Linear { .. } => b.count,
    };
    let buckets = &h.buckets[range];
    let max = buckets.iter().map(count).max().unwrap_or(0);
    let mut out = String::new();
    for b in buckets {
        let count = count(b);
        // bpftrace computes the bar in single-precision floating point.
        let bar = (count as f32 / max as f32 * BAR_WIDTH as f32) as usize;
        out.push_str(&format!(
            "{:<16}{count:>8} |{:<BAR_WIDTH$}|\n",
            bucket_label(h.kind, b),
            "@".repeat(bar)
        ));
    }
    out
}

/// `(..., 0)`, `[3]`, `[4, 8)`, `[1K, 2K)`, `[100, ...)`.
fn bucket_label(kind: HistKind, b: &Bucket) -> String {
    match (kind, b.lo, b.hi) {
        (HistKind::Log2, None, _) => "(..., 0)".to_string(),
        (HistKind::Log2, Some(lo), Some(hi)) if hi == lo + 1 => format!("[{lo}]"),
        (HistKind::Log2, Some(lo), hi) => {
            // The last bucket ends at 2^63, which does not fit the i64
            // bound: bpftrace still prints it (`[4E, 8E)`).
            let lo = lo as u64;
            let hi = hi.map_or(1 << 63, |hi| hi as u64);
            // With 2^k buckets per power of two, a bucket starting at `lo`
            // has width 2^(log2(lo) - k).
            let k = lo.max(1).ilog2() as i64 - (hi - lo).max(1).ilog2() as i64;
            format!("[{}, {})", log2_label(lo, k), log2_label(hi, k))
        }
        (HistKind::Linear { step }, None, Some(hi)) => format!("(..., {})", linear_label(hi, step)),
        (HistKind::Linear { step }, Some(lo), None) => format!("[{}, ...)", linear_label(lo, step)),
        (HistKind::Linear { step }, Some(lo), Some(hi)) => {
            format!("[{}, {})", linear_label(lo, step), linear_label(hi, step))
        }
        (HistKind::Linear { .. }, None, None) => "(..., ...)".to_string(),
    }
}

/// A `hist()` bound: the width of the bucket starting at `n` picks the
/// suffix (bpftrace's `hist_index_label`): `1K`, `2M`, but `1280` for k=2.
fn log2_label(n: u64, k: i64) -> String {
    if n == 0 {
        return n.to_string();
    }
    let power = (n.ilog2() as i64 - k).max(0);
    let decade = (power / 10).min(6) as usize;
    let suffix = ["", "K", "M", "G", "T", "P", "E"][decade];
    format!("{}{suffix}", n >> (10 * decade))
}

/// An `lhist()` bound: `K`/`M` suffixes only when `step` is a multiple of
/// 1024 (bpftrace's `lhist_index_label`).
fn linear_label(n: i64, step: u64) -> String {
    const KILO: i64 = 1024;
    const MEGA: i64 = 1024 * 1024;
    if !step.is_multiple_of(1024) || n == 0 {
        n.to_string()
    } else if n % MEGA == 0 {
        format!("{}M", n / MEGA)
    } else if n % KILO == 0 {
        format!("{}K", n / KILO)
    } else {
        n.to_string()
    }
}
