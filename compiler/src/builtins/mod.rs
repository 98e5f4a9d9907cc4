//! Builtins: one file per builtin or small family. Each implements
//! [`Builtin`]: its name, a doc line with an example, its form, and how it is
//! checked and lowered. The core dispatches through [`BUILTINS`] only.

pub mod aggregates;
pub mod args;
pub mod bswap;
pub mod context;
pub mod cpid;
pub mod getopt;
pub mod has_key;
pub mod hist;
pub mod join;
pub mod kstack;
pub mod len;
pub mod lhist;
pub mod maps;
pub mod net;
pub mod output;
pub mod regs;
pub mod str;
pub mod strings;
pub mod strlen;
pub mod symbols;
pub mod truth;
pub mod ustack;

use crate::artifact::MapValue;
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::ir::{AggOp, MapId, Operand, Slot, VReg};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{Expr, Ident, MapRef};

/// How a builtin is used in a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// A bare name: `pid`, `comm`.
    Variable,
    /// A call: `str(p)`, `printf(…)`.
    Function,
    /// A call only allowed as a map's value: `@x = count()`.
    Aggregation,
}

/// One use of a builtin.
pub struct Call<'a> {
    pub name: &'a str,
    pub args: &'a [Expr],
    pub span: Span,
}

impl Call<'_> {
    /// Checks the number of arguments is within `min..=max`.
    pub fn arity(&self, min: usize, max: usize) -> Result<()> {
        let n = self.args.len();
        if n < min || n > max {
            let expected = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            let s = if max == 1 { "" } else { "s" };
            return Err(Diagnostic::new(
                Code::Type,
                self.span,
                format!(
                    "{}() takes {expected} argument{s}, but {n} were given",
                    self.name
                ),
            ));
        }
        Ok(())
    }
}

/// What an aggregation call does to its map entry.
pub struct Aggregate {
    pub value: MapValue,
    /// The histogram bucket to append to the key.
    pub bucket: Option<VReg>,
    /// Updates of an existing entry.
    pub ops: Vec<AggOp>,
    /// The 8-byte fields of a new entry that are not zero.
    pub init: Vec<(u32, Operand)>,
}

/// Declares a builtin variable: a unit struct implementing [`Builtin`] with
/// `Form::Variable`, whose `lower` is `$body`.
macro_rules! variable {
    ($ty:ident, $name:literal, $doc:literal, |$cx:ident, $call:ident| $body:block) => {
        pub struct $ty;
        impl $crate::builtins::Builtin for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn doc(&self) -> &'static str {
                $doc
            }
            fn form(&self) -> $crate::builtins::Form {
                $crate::builtins::Form::Variable
            }
            fn lower(
                &self,
                $cx: &mut $crate::sema::lower::Lowerer,
                $call: &$crate::builtins::Call,
            ) -> $crate::diagnostic::Result<$crate::sema::lower::Lowered> $body
        }
    };
}
pub(crate) use variable;

/// A builtin variable or function.
pub trait Builtin: Sync {
    fn name(&self) -> &'static str;
    /// What it does, with an example.
    fn doc(&self) -> &'static str;
    fn form(&self) -> Form;
    /// A variable that may also be called with arguments (`ustack(perf, 5)`).
    fn also_callable(&self) -> bool {
        false
    }
    /// Lowers a variable or function use to a value (`Type::Void` for none).
    fn lower(&self, _cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        Err(Diagnostic::new(
            Code::Type,
            call.span,
            format!("{} cannot be used here", call.name),
        ))
    }
    /// Lowers a field of the variable: `args.filename`, `args->pid`.
    fn field(&self, _cx: &mut Lowerer, call: &Call, field: &Ident) -> Result<Lowered> {
        Err(Diagnostic::new(
            Code::Type,
            field.span,
            format!("{} has no fields", call.name),
        ))
    }
    /// Reads the aggregated `value` of `map[key]` inside a probe (`@x` used in
    /// an expression, where `at` names the map).
    fn read_aggregate(
        &self,
        _cx: &mut Lowerer,
        _value: &MapValue,
        _map: MapId,
        _key: Slot,
        at: &MapRef,
    ) -> Result<Lowered> {
        Err(Diagnostic::new(
            Code::Type,
            at.span,
            format!(
                "{} is a histogram or stats map, which can only be printed",
                at.name
            ),
        ))
    }
    /// Lowers an aggregation assigned to a map.
    fn aggregate(&self, _cx: &mut Lowerer, call: &Call) -> Result<Aggregate> {
        Err(Diagnostic::new(
            Code::Type,
            call.span,
            format!("{} is not an aggregation", call.name),
        ))
    }
}

/// Every builtin.
pub static BUILTINS: &[&dyn Builtin] = &[
    &context::Pid,
    &context::Tid,
    &context::Uid,
    &context::Gid,
    &context::Nsecs,
    &context::Elapsed,
    &context::Cpu,
    &context::Cgroup,
    &context::Rand,
    &context::Curtask,
    &context::Comm,
    &context::Probe,
    &truth::True,
    &truth::False,
    &cpid::Cpid,
    &getopt::Getopt,
    &args::Args,
    &regs::Arg0,
    &regs::Arg1,
    &regs::Arg2,
    &regs::Arg3,
    &regs::Arg4,
    &regs::Arg5,
    &regs::Retval,
    &regs::Func,
    &kstack::Kstack,
    &ustack::Ustack,
    &ustack::Usym,
    &str::Str,
    &strings::Strncmp,
    &strings::Strcontains,
    &strlen::Strlen,
    &symbols::Ksym,
    &symbols::Kaddr,
    &net::Ntop,
    &bswap::Bswap,
    &output::Printf,
    &join::Join,
    &output::Print,
    &output::Time,
    &output::Exit,
    &maps::Delete,
    &maps::Clear,
    &maps::Zero,
    &has_key::HasKey,
    &len::Len,
    &aggregates::Count,
    &aggregates::Sum,
    &aggregates::Avg,
    &aggregates::Min,
    &aggregates::Max,
    &aggregates::Stats,
    &hist::Hist,
    &lhist::Lhist,
];

/// Builtin variables bpftrace v0.26 also names `__builtin_<name>` (its
/// standard library defines `name` as a macro expanding to that).
pub static BUILTIN_ALIASES: &[&str] = &[
    "cgroup",
    "comm",
    "cpid",
    "cpu",
    "curtask",
    "elapsed",
    "func",
    "gid",
    "jiffies",
    "ncpus",
    "probe",
    "probetype",
    "rand",
    "retval",
    "uid",
    "usermode",
    "username",
];

/// Looks a builtin up by name or `__builtin_` alias.
pub fn find(name: &str) -> Option<&'static dyn Builtin> {
    let name = name
        .strip_prefix("__builtin_")
        .filter(|n| BUILTIN_ALIASES.contains(n))
        .unwrap_or(name);
    BUILTINS.iter().copied().find(|b| b.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_aggregated_value_names_its_aggregation() {
        let values = [
            MapValue::Count,
            MapValue::Sum { signed: true },
            MapValue::Min,
            MapValue::Max,
            MapValue::Avg,
            MapValue::Stats,
            MapValue::Hist { bits: 0 },
            MapValue::LHist {
                min: 0,
                max: 1,
                step: 1,
            },
        ];
        for v in values {
            let b = v.function().and_then(find).expect("a builtin");
            assert_eq!(b.form(), Form::Aggregation, "{v:?}");
        }
    }

    #[test]
    fn names_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for b in BUILTINS {
            assert!(seen.insert(b.name()), "duplicate builtin {}", b.name());
            assert!(
                b.doc().contains(b.name()),
                "{} doc lacks an example",
                b.name()
            );
        }
    }
}
