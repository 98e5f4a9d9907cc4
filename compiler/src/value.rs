//! Decoded values: what output backends render. Nothing here knows about BPF.

/// A value as the user sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    UInt(u64),
    Str(String),
    Tuple(Vec<Value>),
    /// Symbolized frames, innermost first (`symbol+offset`).
    Stack(Vec<String>),
    /// `avg()`: printed as total / count.
    Avg {
        count: u64,
        total: i64,
    },
    /// `stats()`: printed as `count N, average N, total N`.
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
    /// The number maps of this value are sorted by, when they are sorted by value.
    pub fn sort_number(&self) -> Option<i128> {
        match self {
            Value::Int(v) => Some(*v as i128),
            Value::UInt(v) => Some(*v as i128),
            Value::Avg { count, total } | Value::Stats { count, total } => Some(if *count == 0 {
                0
            } else {
                *total as i128 / *count as i128
            }),
            Value::Hist(h) => Some(h.buckets.iter().map(|b| b.count as i128).sum()),
            _ => None,
        }
    }
}
