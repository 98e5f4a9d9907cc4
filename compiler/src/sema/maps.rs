//! Script maps: their key and value types, fixed by every use across all probes.

use crate::artifact::{MapType, MapValue};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::ir::MapId;
use crate::syntax::ast::MapDecl;
use crate::types::Type;
use std::collections::{BTreeMap, HashMap};

/// What is known about one map so far.
#[derive(Clone, Debug, PartialEq)]
pub struct MapInfo {
    pub keys: Option<Vec<Type>>,
    pub value: Option<MapValue>,
    /// Where a value was first given, or else where it was first used.
    pub span: Span,
    /// Where the keys were first given.
    pub keys_span: Span,
}

/// Every script map by name (`@`, `@x`); ids follow name order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MapTable {
    pub maps: BTreeMap<String, MapInfo>,
    pub uses_stacks: bool,
    /// Scratch variables' types learnt from all their assignments (the
    /// longest string, the type a later assignment gives `let $x;`), by the
    /// span of the variable's definition; the next pass allocates them so.
    pub var_types: HashMap<Span, Type>,
}

impl MapTable {
    pub fn id(&mut self, name: &str, span: Span) -> MapId {
        if !self.maps.contains_key(name) {
            self.maps.insert(
                name.to_string(),
                MapInfo {
                    keys: None,
                    value: None,
                    span,
                    keys_span: span,
                },
            );
        }
        MapId(
            self.maps
                .keys()
                .position(|k| k == name)
                .expect("just inserted"),
        )
    }

    pub fn get(&self, name: &str) -> Option<&MapInfo> {
        self.maps.get(name)
    }

    /// Records the key types of one use.
    pub fn use_keys(&mut self, name: &str, keys: Vec<Type>, span: Span) -> Result<()> {
        let info = self.maps.get_mut(name).expect("map registered");
        let first = info.keys_span;
        info.keys = Some(match info.keys.take() {
            None => {
                info.keys_span = span;
                keys
            }
            Some(old) => {
                let unified = (old.len() == keys.len())
                    .then(|| {
                        old.iter()
                            .zip(&keys)
                            .map(|(a, b)| unify(a, b))
                            .collect::<Option<Vec<_>>>()
                    })
                    .flatten();
                unified.ok_or_else(|| {
                    Diagnostic::new(
                        Code::Type,
                        span,
                        format!(
                            "{name} is used with key {} here, but with key {} elsewhere",
                            show(&keys),
                            show(&old)
                        ),
                    )
                    .with_secondary(first, format!("key {} first used here", show(&old)))
                })?
            }
        });
        Ok(())
    }

    /// Records the value kind of one assignment.
    pub fn use_value(&mut self, name: &str, value: MapValue, span: Span) -> Result<()> {
        let info = self.maps.get_mut(name).expect("map registered");
        let merged = match (&info.value, &value) {
            (None, _) => Some(value.clone()),
            (Some(MapValue::Plain(a)), MapValue::Plain(b)) => unify(a, b).map(MapValue::Plain),
            (Some(old), new) if old == new => Some(new.clone()),
            _ => None,
        };
        match merged {
            Some(v) => {
                if info.value.is_none() {
                    info.span = span;
                }
                info.value = Some(v);
                Ok(())
            }
            None => Err(Diagnostic::new(
                Code::Type,
                span,
                format!(
                    "{name} is assigned {} here, but {} elsewhere",
                    describe(&value),
                    describe(info.value.as_ref().expect("checked"))
                ),
            )
            .with_label("conflicting assignment")
            .with_secondary(info.span, "first assigned here")),
        }
    }
}

/// The map kinds a declaration `let @m = KIND(N)` may name.
const DECLARABLE: &[(&str, MapType)] = &[
    ("hash", MapType::Hash),
    ("lruhash", MapType::LruHash),
    ("percpuhash", MapType::PerCpuHash),
    ("percpulruhash", MapType::LruPerCpuHash),
];

/// A map's kernel type and size, as its declaration fixes them.
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub kind: MapType,
    pub max_entries: u32,
    pub span: Span,
}

/// The declarations by map name; a kind that does not exist, a size out of
/// range or a second declaration of one map is an error.
pub fn declarations(decls: &[MapDecl]) -> Result<BTreeMap<String, Declared>> {
    let mut out: BTreeMap<String, Declared> = BTreeMap::new();
    for d in decls {
        let names: Vec<&str> = DECLARABLE.iter().map(|(n, _)| *n).collect();
        let kind = DECLARABLE
            .iter()
            .find(|(n, _)| *n == d.kind.name)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                Diagnostic::new(
                    Code::Type,
                    d.kind.span,
                    format!("invalid bpf map type: {}", d.kind.name),
                )
                .with_help(format!("valid map types: {}", names.join(", ")))
            })?;
        let max_entries = u32::try_from(d.max_entries)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Diagnostic::new(
                    Code::Type,
                    d.max_entries_span,
                    "max entries must be between 1 and 4294967295",
                )
            })?;
        if let Some(first) = out.get(&d.name.name) {
            return Err(Diagnostic::new(
                Code::Name,
                d.name.span,
                format!("{} is declared twice", d.name.name),
            )
            .with_secondary(first.span, "first declared here"));
        }
        out.insert(
            d.name.name.clone(),
            Declared {
                kind,
                max_entries,
                span: d.span,
            },
        );
    }
    Ok(out)
}

/// The kernel map type for a script map's values: per-CPU for aggregations.
/// A declaration may pick the LRU variant of that type; any other choice is
/// an error pointing at the declaration.
pub fn map_type(name: &str, value: &MapValue, declared: Option<&Declared>) -> Result<MapType> {
    let natural = if value.is_aggregation() {
        MapType::PerCpuHash
    } else {
        MapType::Hash
    };
    let Some(d) = declared else {
        return Ok(natural);
    };
    if d.kind.is_per_cpu() == natural.is_per_cpu() {
        return Ok(d.kind);
    }
    let word = |k: MapType| {
        DECLARABLE
            .iter()
            .find(|(_, t)| *t == k)
            .map_or("?", |(n, _)| *n)
    };
    Err(Diagnostic::new(
        Code::Type,
        d.span,
        format!(
            "incompatible map types for {name}. Type from declaration: {}. Type from value/key type: {}",
            word(d.kind),
            word(natural)
        ),
    )
    .with_help(if natural.is_per_cpu() {
        "aggregations such as count() need percpuhash or percpulruhash"
    } else {
        "plain values need hash or lruhash"
    }))
}

/// The common type of two uses, or `None` when they conflict.
pub fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Int { signed, .. }, Type::Int { .. }) => Some(Type::Int {
            bits: 64,
            signed: *signed,
        }),
        (Type::Str { size: x }, Type::Str { size: y }) => Some(Type::Str { size: (*x).max(*y) }),
        (Type::Tuple(x), Type::Tuple(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .map(|(a, b)| unify(a, b))
            .collect::<Option<Vec<_>>>()
            .map(Type::Tuple),
        (
            Type::Bool
            | Type::KStack
            | Type::KSym
            | Type::UStack { .. }
            | Type::USym
            | Type::Inet
            | Type::Record(_)
            | Type::Array { .. },
            _,
        ) if a == b => Some(a.clone()),
        (Type::Ptr { .. }, Type::Ptr { .. }) | (Type::Ptr { .. }, Type::Int { .. }) => {
            Some(a.clone())
        }
        (Type::Int { .. }, Type::Ptr { .. }) => Some(b.clone()),
        _ => None,
    }
}

/// How a value is stored in maps and records: integers widened to 64 bits.
pub fn storage_type(t: &Type) -> Type {
    match t {
        Type::Int { signed, .. } => Type::Int {
            bits: 64,
            signed: *signed,
        },
        Type::Tuple(fields) => Type::Tuple(fields.iter().map(storage_type).collect()),
        other => other.clone(),
    }
}

fn show(keys: &[Type]) -> String {
    let parts: Vec<String> = keys.iter().map(|t| t.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

fn describe(v: &MapValue) -> String {
    match v {
        MapValue::Plain(t) => format!("a value of type {t}"),
        MapValue::Count => "count()".into(),
        MapValue::Sum { .. } => "sum()".into(),
        MapValue::Min => "min()".into(),
        MapValue::Max => "max()".into(),
        MapValue::Avg => "avg()".into(),
        MapValue::Stats => "stats()".into(),
        MapValue::Hist { bits } => format!("hist(…, {bits})"),
        MapValue::LHist { min, max, step } => format!("lhist(…, {min}, {max}, {step})"),
    }
}
