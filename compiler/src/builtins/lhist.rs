//! `lhist(n, min, max, step)`: a linear histogram. Bucket 0 holds n < min,
//! buckets 1..=k hold `[min + (i-1)·step, min + i·step)`, bucket k+1 holds n ≥ max.

use super::{Aggregate, Builtin, Call, Form};
use crate::artifact::MapValue;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{AggOp, AluOp, CmpOp, Operand};
use crate::sema::lower::Lowerer;
use crate::types::Type;
use crate::value::{Bucket, Hist as HistValue, HistKind};
use std::collections::BTreeMap;

pub struct Lhist;

impl Builtin for Lhist {
    fn name(&self) -> &'static str {
        "lhist"
    }
    fn doc(&self) -> &'static str {
        "lhist(n, min, max, step): linear histogram of n, e.g. @ = lhist(args.ret, 0, 1000, 100)"
    }
    fn form(&self) -> Form {
        Form::Aggregation
    }
    fn aggregate(&self, cx: &mut Lowerer, call: &Call) -> Result<Aggregate> {
        call.arity(4, 4)?;
        let (min, max, step) = (
            cx.const_int(&call.args[1])?,
            cx.const_int(&call.args[2])?,
            cx.const_int(&call.args[3])?,
        );
        if min < 0 || max <= min || step < 1 {
            return Err(Diagnostic::new(
                Code::Type,
                call.span,
                "lhist() needs 0 <= min < max and step >= 1",
            ));
        }
        let buckets = (max - min) / step;
        if !(1..=1000).contains(&buckets) {
            return Err(Diagnostic::new(
                Code::Type,
                call.span,
                "lhist() must have between 1 and 1000 buckets",
            ));
        }
        let (n, _) = cx.scalar(&call.args[0])?;
        let idx = cx.reg(Type::U64);
        let (done, over) = (cx.new_label(), cx.new_label());
        cx.mov(idx, Operand::Imm(0));
        cx.branch(CmpOp::SLt, n, Operand::Imm(min), done);
        cx.branch(CmpOp::SGe, n, Operand::Imm(min + buckets * step), over);
        let off = cx.alu(AluOp::Sub, n, Operand::Imm(min), Type::U64);
        let q = cx.alu(AluOp::UDiv, off, Operand::Imm(step), Type::U64);
        cx.alu_to(idx, AluOp::Add, q, Operand::Imm(1));
        cx.jump(done);
        cx.place(over);
        cx.mov(idx, Operand::Imm(buckets + 1));
        cx.place(done);
        Ok(Aggregate {
            value: MapValue::LHist {
                min,
                max: min + buckets * step,
                step,
            },
            bucket: Some(idx),
            ops: vec![AggOp::Add {
                offset: 0,
                value: Operand::Imm(1),
            }],
            init: vec![(0, Operand::Imm(1))],
        })
    }
}

/// The histogram value of per-bucket counts.
pub fn value(min: i64, max: i64, step: i64, counts: &BTreeMap<u64, u64>) -> HistValue {
    let k = ((max - min) / step) as u64;
    let buckets = (0..k + 2)
        .map(|i| {
            let (lo, hi) = match i {
                0 => (None, Some(min)),
                i if i == k + 1 => (Some(max), None),
                i => (
                    Some(min + (i as i64 - 1) * step),
                    Some(min + i as i64 * step),
                ),
            };
            Bucket {
                lo,
                hi,
                count: counts.get(&i).copied().unwrap_or(0),
            }
        })
        .collect();
    HistValue {
        kind: HistKind::Linear { step: step as u64 },
        buckets,
    }
}
