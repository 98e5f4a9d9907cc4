//! Decoded values: what output backends render. Nothing here knows about BPF.

/// A value as the user sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    UInt(u64),
    Bool(bool),
    Str(String),
    Tuple(Vec<Value>),
    /// A C struct or union: its members in order (`{ .a = 1, .b = 2 }`).
    Record(Vec<(String, Value)>),
    /// A C array (`[1,2,3]`).
    Array(Vec<Value>),
    /// An address, printed in hex (`0x1000`).
    Pointer(u64),
    /// Symbolized frames, innermost first (`symbol+offset`).
    Stack(Vec<String>),
    /// `avg()`: printed as total / count.
    Avg {
        count: u64,
        total: i64,
    },
    /// `stats()`: printed as `{ .count = N, .average = N, .total = N }`.
    Stats {
        count: u64,
        total: i64,
    },
    Hist(Hist),
    Map(Map),
}

/// A map snapshot: its name (`@`, `@x`), what its values are, and its entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Map {
    pub name: String,
    /// One entry per key; a map without keys has one entry with an empty key.
    pub entries: Vec<(Vec<Value>, Value)>,
}

/// A histogram: every bucket in order, empty ones included.
#[derive(Clone, Debug, PartialEq)]
pub struct Hist {
    pub kind: HistKind,
    pub buckets: Vec<Bucket>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistKind {
    /// `hist()`: power-of-two buckets.
    Log2,
    /// `lhist()`: linear buckets of width `step`.
    Linear { step: u64 },
}

/// Values `v` with `lo <= v < hi`; `None` bounds are open (under/overflow).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub lo: Option<i64>,
    pub hi: Option<i64>,
    pub count: u64,
}

impl Value {
    /// The value as bpftrace prints it in text (`print`, `%s`, map values):
    /// integers in decimal, strings bare, tuples `(a, b)`, stacks one frame per
    /// line indented by 8, `avg` and `stats` as their figures. Histograms and
    /// maps have layouts of their own and print as nothing here.
    pub fn text(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::UInt(u) => u.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Str(s) => s.clone(),
            Value::Tuple(items) => {
                let items: Vec<String> = items.iter().map(Value::text).collect();
                format!("({})", items.join(", "))
            }
            Value::Record(members) if members.is_empty() => "{}".into(),
            Value::Record(members) => {
                let members: Vec<String> = members
                    .iter()
                    .map(|(name, v)| format!(".{name} = {}", v.text()))
                    .collect();
                format!("{{ {} }}", members.join(", "))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(Value::text).collect();
                format!("[{}]", items.join(","))
            }
            Value::Pointer(addr) => format!("{addr:#x}"),
            Value::Stack(frames) => stack_text(frames, 8),
            Value::Avg { count, total } => average(*count, *total).to_string(),
            Value::Stats { count, total } => stats_text(*count, *total, 1),
            Value::Hist(_) | Value::Map(_) => String::new(),
        }
    }

    /// The number maps of this value are sorted by, when they are sorted by value.
    pub fn sort_number(&self) -> Option<i128> {
        match self {
            Value::Int(v) => Some(*v as i128),
            Value::UInt(v) | Value::Pointer(v) => Some(*v as i128),
            Value::Bool(b) => Some(*b as i128),
            Value::Avg { count, total } | Value::Stats { count, total } => {
                Some(average(*count, *total) as i128)
            }
            Value::Hist(h) => Some(h.buckets.iter().map(|b| b.count as i128).sum()),
            _ => None,
        }
    }
}

/// Integer average of `count` values adding up to `total`; 0 when empty.
pub fn average(count: u64, total: i64) -> i64 {
    if count == 0 {
        0
    } else {
        total / count as i64
    }
}

/// A `stats()` value as bpftrace v0.26 prints it, a record:
/// `{ .count = 3, .average = 2, .total = 6 }`; `div` divides the average.
pub fn stats_text(count: u64, total: i64, div: u64) -> String {
    let avg = average(count, total) / div.max(1) as i64;
    format!("{{ .count = {count}, .average = {avg}, .total = {total} }}")
}

/// `\n`, then one frame per line indented by `indent` (bpftrace's `get_stack`).
pub fn stack_text(frames: &[String], indent: usize) -> String {
    let mut s = String::from("\n");
    for f in frames {
        s.push_str(&format!("{:indent$}{f}\n", ""));
    }
    s
}
