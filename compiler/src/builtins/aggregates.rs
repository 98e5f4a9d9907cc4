//! Aggregations kept per CPU and merged in user space: `count sum avg min max
//! stats`. Value layouts: count/sum one u64; avg/stats `{count, total}`;
//! min/max `{value, set}` (a per-CPU slot another CPU created reads as unset).

use super::{Aggregate, Builtin, Call, Form};
use crate::artifact::MapValue;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{AggOp, AluOp, CmpOp, MapId, Operand, Slot, VReg};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::MapRef;
use crate::types::{read_uint, Type};
use crate::value::Value;

fn one_int(cx: &mut Lowerer, call: &Call) -> Result<Operand> {
    call.arity(1, 1)?;
    Ok(Operand::Reg(cx.scalar(&call.args[0])?.0))
}

/// `{count += 1, total += n}`
fn count_total(value: MapValue, n: Operand) -> Aggregate {
    Aggregate {
        value,
        bucket: None,
        ops: vec![
            AggOp::Add {
                offset: 0,
                value: Operand::Imm(1),
            },
            AggOp::Add {
                offset: 8,
                value: n,
            },
        ],
        init: vec![(0, Operand::Imm(1)), (8, n)],
    }
}

macro_rules! aggregation {
    ($ty:ident, $name:literal, $doc:literal, |$cx:ident, $call:ident| $body:block) => {
        pub struct $ty;
        impl Builtin for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn doc(&self) -> &'static str {
                $doc
            }
            fn form(&self) -> Form {
                Form::Aggregation
            }
            fn aggregate(&self, $cx: &mut Lowerer, $call: &Call) -> Result<Aggregate> $body
            fn read_aggregate(
                &self,
                cx: &mut Lowerer,
                value: &MapValue,
                map: MapId,
                key: Slot,
                at: &MapRef,
            ) -> Result<Lowered> {
                read_in_kernel(cx, value, map, key, at)
            }
        }
    };
}

aggregation!(
    Count,
    "count",
    "count(): counts events, e.g. @[comm] = count()",
    |_cx, call| {
        call.arity(0, 0)?;
        Ok(Aggregate {
            value: MapValue::Count,
            bucket: None,
            ops: vec![AggOp::Add {
                offset: 0,
                value: Operand::Imm(1),
            }],
            init: vec![(0, Operand::Imm(1))],
        })
    }
);

aggregation!(
    Sum,
    "sum",
    "sum(n): adds up n, e.g. @bytes[comm] = sum(args.ret)",
    |cx, call| {
        call.arity(1, 1)?;
        let (r, ty) = cx.scalar(&call.args[0])?;
        Ok(Aggregate {
            value: MapValue::Sum {
                signed: ty.is_signed(),
            },
            bucket: None,
            ops: vec![AggOp::Add {
                offset: 0,
                value: Operand::Reg(r),
            }],
            init: vec![(0, Operand::Reg(r))],
        })
    }
);

aggregation!(
    Avg,
    "avg",
    "avg(n): integer average of n, e.g. @lat = avg(nsecs - @start[tid])",
    |cx, call| { Ok(count_total(MapValue::Avg, one_int(cx, call)?)) }
);

aggregation!(
    Stats,
    "stats",
    "stats(n): count, average and total of n, e.g. @ = stats(args.ret)",
    |cx, call| { Ok(count_total(MapValue::Stats, one_int(cx, call)?)) }
);

aggregation!(
    Min,
    "min",
    "min(n): smallest n seen, e.g. @ = min(args.ret)",
    |cx, call| { extreme(cx, call, MapValue::Min) }
);

aggregation!(
    Max,
    "max",
    "max(n): largest n seen, e.g. @ = max(args.ret)",
    |cx, call| { extreme(cx, call, MapValue::Max) }
);

fn extreme(cx: &mut Lowerer, call: &Call, value: MapValue) -> Result<Aggregate> {
    call.arity(1, 1)?;
    let (r, _) = cx.scalar(&call.args[0])?;
    let op = match value {
        MapValue::Min => AggOp::Min {
            offset: 0,
            flag: 8,
            value: r,
        },
        _ => AggOp::Max {
            offset: 0,
            flag: 8,
            value: r,
        },
    };
    Ok(Aggregate {
        value,
        bucket: None,
        ops: vec![op],
        init: vec![(0, Operand::Reg(r)), (8, Operand::Imm(1))],
    })
}

/// Reads an aggregation inside a probe, as bpftrace does: every CPU's value
/// through `map_lookup_percpu_elem` (Linux 5.19+), counts and sums added up,
/// min and max compared (skipping CPUs that never set one), avg divided.
fn read_in_kernel(
    cx: &mut Lowerer,
    kind: &MapValue,
    map: MapId,
    key: Slot,
    at: &MapRef,
) -> Result<Lowered> {
    let ty = match kind {
        MapValue::Count | MapValue::Sum { signed: false } => Type::U64,
        MapValue::Sum { signed: true } | MapValue::Min | MapValue::Max | MapValue::Avg => Type::I64,
        _ => {
            return Err(Diagnostic::new(
                Code::Type,
                at.span,
                format!(
                    "{} is a histogram or stats map, which can only be printed",
                    at.name
                ),
            ))
        }
    };
    let acc = cx.constant(0, ty.clone());
    let extra = cx.constant(0, Type::U64); // avg: the count; min/max: "acc is set"
    let cell = cx.slot(kind.size());
    let word = |cx: &mut Lowerer, offset| {
        let r = cx.reg(Type::I64);
        cx.load_slot_to(r, cell, offset, 8);
        r
    };
    for cpu in 0..cx.kernel().possible_cpus() {
        cx.map_read(map, key, Some(cpu), cell, 0, kind.size());
        let value = word(cx, 0);
        match kind {
            MapValue::Avg => {
                let total = word(cx, 8);
                add(cx, extra, value);
                add(cx, acc, total);
            }
            MapValue::Min | MapValue::Max => {
                let set = word(cx, 8);
                keep_extreme(cx, *kind == MapValue::Min, (acc, extra), (value, set));
            }
            _ => add(cx, acc, value),
        }
    }
    if *kind == MapValue::Avg {
        cx.alu_to(acc, AluOp::SDiv, acc, Operand::Reg(extra));
    }
    Ok(Lowered::Reg(acc, ty))
}

fn add(cx: &mut Lowerer, acc: VReg, v: VReg) {
    cx.alu_to(acc, AluOp::Add, acc, Operand::Reg(v));
}

/// `if set && (!acc_set || value beats acc) { acc = value; acc_set = 1 }`
fn keep_extreme(
    cx: &mut Lowerer,
    min: bool,
    (acc, acc_set): (VReg, VReg),
    (value, set): (VReg, VReg),
) {
    let (take, skip) = (cx.new_label(), cx.new_label());
    let zero = Operand::Imm(0);
    cx.branch(CmpOp::Eq, set, zero, skip);
    cx.branch(CmpOp::Eq, acc_set, zero, take);
    let keep = if min { CmpOp::SGe } else { CmpOp::SLe };
    cx.branch(keep, value, Operand::Reg(acc), skip);
    cx.place(take);
    cx.mov(acc, Operand::Reg(value));
    cx.mov(acc_set, Operand::Imm(1));
    cx.place(skip);
}

/// Merges the per-CPU values of one key into the value user space shows.
/// Histograms are merged by their own modules, bucket by bucket.
pub fn merge(kind: &MapValue, per_cpu: &[&[u8]]) -> Value {
    let word = |b: &[u8], i: usize| read_uint(&b[i * 8..], 8);
    match kind {
        MapValue::Count | MapValue::Hist { .. } | MapValue::LHist { .. } => Value::UInt(
            per_cpu
                .iter()
                .map(|b| word(b, 0))
                .fold(0, u64::wrapping_add),
        ),
        MapValue::Sum { signed: false } => Value::UInt(
            per_cpu
                .iter()
                .map(|b| word(b, 0))
                .fold(0, u64::wrapping_add),
        ),
        MapValue::Sum { signed: true } => Value::Int(
            per_cpu
                .iter()
                .map(|b| word(b, 0) as i64)
                .fold(0, i64::wrapping_add),
        ),
        MapValue::Avg | MapValue::Stats => {
            let count = per_cpu
                .iter()
                .map(|b| word(b, 0))
                .fold(0, u64::wrapping_add);
            let total = per_cpu
                .iter()
                .map(|b| word(b, 1) as i64)
                .fold(0, i64::wrapping_add);
            if *kind == MapValue::Avg {
                Value::Avg { count, total }
            } else {
                Value::Stats { count, total }
            }
        }
        MapValue::Min | MapValue::Max => {
            let set = per_cpu
                .iter()
                .filter(|b| word(b, 1) != 0)
                .map(|b| word(b, 0) as i64);
            let v = if *kind == MapValue::Min {
                set.min()
            } else {
                set.max()
            };
            Value::Int(v.unwrap_or(0))
        }
        MapValue::Plain(_) => Value::UInt(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(words: &[u64]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn merges_across_cpus() {
        let (a, b) = (cpu(&[2, 10]), cpu(&[1, (-4i64) as u64]));
        assert_eq!(merge(&MapValue::Count, &[&a, &b]), Value::UInt(3));
        assert_eq!(
            merge(&MapValue::Stats, &[&a, &b]),
            Value::Stats { count: 3, total: 6 }
        );
        let (set, unset) = (cpu(&[(-5i64) as u64, 1]), cpu(&[0, 0]));
        assert_eq!(merge(&MapValue::Min, &[&set, &unset]), Value::Int(-5));
        assert_eq!(merge(&MapValue::Max, &[&unset, &set]), Value::Int(-5));
    }
}
