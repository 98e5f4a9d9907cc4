//! The whole contract between compiler and runtime: the ELF object, how to
//! attach each program, the maps and their layouts, and every output event.

use crate::format::Format;
use crate::types::Type;

/// A compiled script, ready to load.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// One relocatable eBPF ELF holding every program and map definition.
    pub elf: Vec<u8>,
    pub probes: Vec<ProbeSpec>,
    pub maps: Vec<MapSpec>,
    /// Output call sites; a record's first 8 bytes are the index into this list.
    pub events: Vec<EventSpec>,
    /// `str()` buffer size: a printed string that fills it was probably cut,
    /// and gets `str_trunc_trailer` as in bpftrace.
    pub max_strlen: u32,
    /// Appended to printed strings that look truncated (`..` by default).
    pub str_trunc_trailer: String,
    /// Print every map when the run ends (`print_maps_on_exit`).
    pub print_maps_on_exit: bool,
}

/// Appended to strings printf prints that look truncated, unless configured.
pub const STR_TRUNC_TRAILER: &str = "..";

/// One eBPF program and where it attaches.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeSpec {
    /// The program's ELF symbol (aya's program name).
    pub symbol: String,
    /// The attach point as the user would write it, e.g. `tracepoint:sched:sched_switch`.
    pub name: String,
    pub attach: AttachPlan,
}

/// One mechanical attach operation, chosen by the probe provider.
#[derive(Clone, Debug, PartialEq)]
pub enum AttachPlan {
    /// Run once before every other probe is attached.
    Begin,
    /// Run once after every other probe is detached.
    End,
    Tracepoint {
        category: String,
        event: String,
    },
    /// A raw tracepoint by event name (`sched_switch`).
    RawTracepoint {
        event: String,
    },
    /// A software perf event sampled on one CPU (`cpu: Some`) or on every CPU.
    PerfEvent {
        event: SoftwareEvent,
        sample: Sample,
        one_cpu: bool,
    },
    Kprobe {
        function: String,
        offset: u64,
        ret: bool,
    },
    /// A uprobe (`ret: false`) or uretprobe in the ELF file `binary`, an
    /// absolute path.
    Uprobe {
        binary: String,
        target: UprobeTarget,
        ret: bool,
    },
}

/// Where in a binary a uprobe attaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UprobeTarget {
    /// `offset` bytes past the start of the function `symbol`.
    Symbol { symbol: String, offset: u64 },
    /// A virtual address of the ELF file (as `nm` prints it).
    Address(u64),
}

/// Software perf events used by `profile`, `interval` and `software`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoftwareEvent {
    CpuClock,
}

/// How often a perf event fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample {
    /// Every N units of the event (nanoseconds for the clock events).
    Period(u64),
    /// N times per second.
    Frequency(u64),
}

/// The kernel map type of a map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapType {
    Hash,
    Array,
    PerCpuHash,
    PerCpuArray,
    RingBuf,
    StackTrace,
    /// A hash evicting about the least recently used entry when full.
    LruHash,
    LruPerCpuHash,
}

impl MapType {
    /// `BPF_MAP_TYPE_*` number.
    pub fn bpf_type(self) -> u32 {
        match self {
            MapType::Hash => 1,
            MapType::Array => 2,
            MapType::PerCpuHash => 5,
            MapType::PerCpuArray => 6,
            MapType::StackTrace => 7,
            MapType::LruHash => 9,
            MapType::LruPerCpuHash => 10,
            MapType::RingBuf => 27,
        }
    }

    /// One value per CPU, merged in user space.
    pub fn is_per_cpu(self) -> bool {
        matches!(
            self,
            MapType::PerCpuHash | MapType::PerCpuArray | MapType::LruPerCpuHash
        )
    }
}

/// What a map is for.
#[derive(Clone, Debug, PartialEq)]
pub enum MapRole {
    /// A script map such as `@x[k]`.
    Script {
        name: String,
        keys: Vec<Type>,
        value: MapValue,
    },
    /// The ring buffer every output record goes through.
    Output,
    /// One per-CPU counter of records the ring buffer had no room for.
    Lost,
    /// Kernel stack traces, for `kstack`.
    Stacks,
    /// One u64: the CLOCK_MONOTONIC time the run started, for `elapsed`.
    StartTime,
    /// Per-CPU room for the values of programs too big for the BPF stack.
    Scratch,
}

/// What a script map's values hold, which decides merging, sorting and printing.
#[derive(Clone, Debug, PartialEq)]
pub enum MapValue {
    /// A plain value, stored with `=`.
    Plain(Type),
    Count,
    Sum {
        signed: bool,
    },
    Min,
    Max,
    Avg,
    Stats,
    /// `hist(n, bits)`: the bucket index is appended to the key.
    Hist {
        bits: u8,
    },
    /// `lhist(n, min, max, step)`: the bucket index is appended to the key.
    LHist {
        min: i64,
        max: i64,
        step: i64,
    },
}

impl MapValue {
    /// Aggregations live in per-CPU maps and are merged in user space.
    pub fn is_aggregation(&self) -> bool {
        !matches!(self, MapValue::Plain(_))
    }

    /// The aggregation function making this value (`count` …); none for plain values.
    pub fn function(&self) -> Option<&'static str> {
        Some(match self {
            MapValue::Plain(_) => return None,
            MapValue::Count => "count",
            MapValue::Sum { .. } => "sum",
            MapValue::Min => "min",
            MapValue::Max => "max",
            MapValue::Avg => "avg",
            MapValue::Stats => "stats",
            MapValue::Hist { .. } => "hist",
            MapValue::LHist { .. } => "lhist",
        })
    }

    /// Histograms keep one entry per (key, bucket).
    pub fn has_bucket_key(&self) -> bool {
        matches!(self, MapValue::Hist { .. } | MapValue::LHist { .. })
    }

    /// Bytes of one (per-CPU) value.
    pub fn size(&self) -> u32 {
        match self {
            MapValue::Plain(t) => t.size().max(1),
            MapValue::Min | MapValue::Max | MapValue::Avg | MapValue::Stats => 16,
            _ => 8,
        }
    }
}

/// The fields of a script map's key: the script's keys, then the bucket index
/// of histograms; a map without either is keyed by one zero u64.
pub fn key_fields(keys: &[Type], value: &MapValue) -> Vec<Type> {
    let mut fields = keys.to_vec();
    if value.has_bucket_key() || fields.is_empty() {
        fields.push(Type::U64);
    }
    fields
}

/// One kernel map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSpec {
    /// ELF symbol and kernel map name.
    pub symbol: String,
    pub kind: MapType,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub role: MapRole,
}

impl SourceLocation {
    /// The location of `span` in `src`, a file called `name`.
    pub fn new(span: crate::diagnostic::Span, src: &str, name: &str) -> SourceLocation {
        let start = span.start.min(src.len());
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line_no = src[..start].matches('\n').count() + 1;
        let col = src[line_start..start].chars().count();
        let width = src[start..span.end.clamp(start, line_end)]
            .chars()
            .count()
            .max(1);
        SourceLocation {
            span,
            position: format!("{name}:{line_no}:{}-{}", col + 1, col + width + 1),
            line: src[line_start..line_end].to_string(),
            underline: format!("{}{}", " ".repeat(col), "~".repeat(width)),
        }
    }
}

impl MapSpec {
    /// The script map name (`@x`), if this is a script map.
    pub fn script_name(&self) -> Option<&str> {
        match &self.role {
            MapRole::Script { name, .. } => Some(name),
            _ => None,
        }
    }
}

/// An output call site and the layout of the record the BPF side writes for it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSpec {
    pub action: Action,
    /// Argument fields of the record, after the 8-byte event id.
    pub fields: Vec<Field>,
}

/// One value inside a record.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub offset: u32,
    pub ty: Type,
}

/// What user space does with a record.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `printf(fmt, args…)`
    Printf(Format),
    /// `join(argv, sep)`: the record's first field counts the strings that follow.
    Join { separator: String },
    /// `time(fmt)`: local wall-clock time through strftime.
    Time(String),
    /// `print(@m)`: print a map (by index into `maps`) as it is now.
    /// Only the last `top` entries (0: all), values divided by `div` (0: 1).
    PrintMap { map: usize, top: usize, div: u64 },
    /// `print(expr)`: print the record's single field.
    PrintValue,
    /// `clear(@m)`
    ClearMap { map: usize },
    /// `zero(@m)`
    ZeroMap { map: usize },
    /// `exit()`
    Exit,
    /// A map update failed because the map is full: a warning pointing at
    /// the update; the record's field is the helper's status.
    MapFull { location: SourceLocation },
}

/// A place in the script, for messages the runtime prints.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceLocation {
    /// Where in the source; the text fields are filled from it once the
    /// whole program is lowered.
    pub span: crate::diagnostic::Span,
    /// `stdin:1:20-29` (file, line, columns), as bpftrace writes it.
    pub position: String,
    /// The source line.
    pub line: String,
    /// `~` under the columns, aligned with `line`.
    pub underline: String,
}

#[cfg(test)]
mod tests {
    use super::SourceLocation;
    use crate::diagnostic::Span;

    #[test]
    fn source_locations_name_line_and_columns() {
        let src = "BEGIN {\n  @a[1] = 1;\n}";
        let at = SourceLocation::new(Span::new(10, 15), src, "x.bt");
        assert_eq!(at.position, "x.bt:2:3-8");
        assert_eq!(at.line, "  @a[1] = 1;");
        assert_eq!(at.underline, "  ~~~~~");
    }
}
