//! The C type model: structs, unions and enums declared in a script (and,
//! later, found in the kernel's BTF), with their layouts. Sema lays out and
//! reads C data with it; decoding in user space uses the same [`Record`]s,
//! carried by [`Type::Record`].

mod lexer;
mod parse;
mod record;

pub use parse::parse_definitions;
pub use record::{layout, Bitfield, Field, Member, MemberRef, Record, RecordKind};

use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::types::Type;
use std::collections::HashMap;
use std::sync::Arc;

/// The C types a program knows: its records by tag, typedefs and enum
/// constants by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CTypes {
    records: HashMap<(RecordKind, String), Arc<Record>>,
    typedefs: HashMap<String, Type>,
    enums: HashMap<String, Type>,
    constants: HashMap<String, i64>,
}

impl CTypes {
    /// The record `struct|union name`, complete or not.
    pub fn record(&self, kind: RecordKind, name: &str) -> Option<&Arc<Record>> {
        self.records.get(&(kind, name.to_string()))
    }

    /// The complete definition of `r` (itself, or the one a later
    /// definition gave its tag).
    pub fn complete(&self, r: &Arc<Record>) -> Option<Arc<Record>> {
        if r.complete {
            return Some(r.clone());
        }
        self.record(r.kind, &r.name).filter(|d| d.complete).cloned()
    }

    /// The value of enumerator `name`.
    pub fn constant(&self, name: &str) -> Option<i64> {
        self.constants.get(name).copied()
    }

    /// Tags of every record of `kind`, for "did you mean".
    pub fn record_names(&self, kind: RecordKind) -> impl Iterator<Item = &str> {
        self.records
            .keys()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
    }

    fn define_record(&mut self, r: Record) -> Arc<Record> {
        let r = Arc::new(r);
        if !r.name.is_empty() {
            self.records.insert((r.kind, r.name.clone()), r.clone());
        }
        r
    }

    /// `struct name` as used in a declaration: its definition, or an
    /// incomplete record to be completed later.
    fn use_record(&mut self, kind: RecordKind, name: &str) -> Arc<Record> {
        self.records
            .entry((kind, name.to_string()))
            .or_insert_with(|| Arc::new(Record::declared(kind, name)))
            .clone()
    }

    /// A type named by a single word: a C or bpftrace integer name or a typedef.
    pub fn named(&self, word: &str) -> Option<Type> {
        builtin_int(word).or_else(|| self.typedefs.get(word).cloned())
    }

    /// The type an `enum name` has.
    fn enum_type(&self, name: &str) -> Option<Type> {
        self.enums.get(name).cloned()
    }

    /// Resolves a type as written in a cast or `sizeof`: `struct Foo *`,
    /// `int8[4]`, `uint32_t`, `enum E`. Unknown names are diagnostics at `span`.
    pub fn resolve(&self, text: &str, span: Span) -> Result<Type> {
        parse::type_name(self, text, span).map_err(|d| {
            Diagnostic {
                code: Code::Type,
                ..d
            }
            .with_help(
                "integer casts: (int8) … (uint64); C types: (struct Foo *), (int32 *), (uint8[4])",
            )
        })
    }
}

/// Integer names of C, `<stdint.h>`, the kernel and bpftrace.
fn builtin_int(word: &str) -> Option<Type> {
    let (bits, signed) = match word {
        "int8" | "int8_t" | "s8" | "__s8" | "char" => (8, true),
        "uint8" | "uint8_t" | "u8" | "__u8" => (8, false),
        "int16" | "int16_t" | "s16" | "__s16" | "short" => (16, true),
        "uint16" | "uint16_t" | "u16" | "__u16" | "__be16" | "__le16" => (16, false),
        "int32" | "int32_t" | "s32" | "__s32" | "int" | "pid_t" => (32, true),
        "uint32" | "uint32_t" | "u32" | "__u32" | "__be32" | "__le32" | "unsigned" => (32, false),
        "int64" | "int64_t" | "s64" | "__s64" | "long" | "ssize_t" | "loff_t" => (64, true),
        "uint64" | "uint64_t" | "u64" | "__u64" | "size_t" | "uintptr_t" => (64, false),
        "bool" | "_Bool" => return Some(Type::Bool),
        "void" => return Some(Type::Void),
        _ => return None,
    };
    Some(Type::int(bits, signed))
}

/// An error in a C declaration.
fn error(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, message)
}

impl CTypes {
    /// Every record, typedef and constant with its layout, sorted by name
    /// (for tests and `-d`).
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let mut records: Vec<_> = self.records.values().collect();
        records.sort_by_key(|r| r.title());
        for r in records {
            describe_record(&mut out, r, 0);
        }
        let mut typedefs: Vec<_> = self.typedefs.iter().collect();
        typedefs.sort_by_key(|(n, _)| n.as_str());
        for (name, ty) in typedefs {
            out.push_str(&format!("typedef {name} = {ty}\n"));
        }
        let mut constants: Vec<_> = self.constants.iter().collect();
        constants.sort_by_key(|(n, v)| (**v, n.as_str()));
        for (name, v) in constants {
            out.push_str(&format!("{name} = {v}\n"));
        }
        out
    }
}

fn describe_record(out: &mut String, r: &Record, depth: usize) {
    let pad = "  ".repeat(depth);
    if !r.complete {
        out.push_str(&format!("{pad}{} (declared)\n", r.title()));
        return;
    }
    out.push_str(&format!(
        "{pad}{} size {} align {}\n",
        r.title(),
        r.size,
        r.align
    ));
    for m in &r.members {
        let bits = m
            .bitfield
            .map(|b| format!(" bits {}..{}", b.shift, b.shift + b.bits))
            .unwrap_or_default();
        out.push_str(&format!(
            "{pad}  +{} {}: {}{bits}\n",
            m.offset, m.name, m.ty
        ));
        if let (Type::Record(inner), true) = (&m.ty, m.name.is_empty() || inner_is_anonymous(&m.ty))
        {
            describe_record(out, inner, depth + 2);
        }
    }
}

fn inner_is_anonymous(t: &Type) -> bool {
    matches!(t, Type::Record(r) if r.name.is_empty())
}

#[cfg(test)]
mod tests;
