//! `hist(n [, bits])`: a log2 histogram with 2^bits buckets per power of two.
//! Bucket index: 0 for negatives; 1 + v for small v < 2^(bits+1); above that
//! `1 + 2^(bits+1) + (b - bits - 1) * 2^bits + sub` where b = floor(log2 v)
//! and sub is the next `bits` bits of v below the leading one.

use super::{Aggregate, Builtin, Call, Form};
use crate::artifact::MapValue;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{AggOp, AluOp, CmpOp, Operand, VReg};
use crate::sema::lower::Lowerer;
use crate::types::Type;
use crate::value::{Bucket, Hist as HistValue, HistKind};
use std::collections::BTreeMap;

pub struct Hist;

impl Builtin for Hist {
    fn name(&self) -> &'static str {
        "hist"
    }
    fn doc(&self) -> &'static str {
        "hist(n [, bits]): power-of-two histogram of n, e.g. @bytes = hist(args.ret)"
    }
    fn form(&self) -> Form {
        Form::Aggregation
    }
    fn aggregate(&self, cx: &mut Lowerer, call: &Call) -> Result<Aggregate> {
        call.arity(1, 2)?;
        let bits = match call.args.get(1) {
            None => 0,
            Some(e) => {
                let b = cx.const_int(e)?;
                if !(0..=5).contains(&b) {
                    return Err(Diagnostic::new(
                        Code::Type,
                        e.span,
                        "hist() bits must be between 0 and 5",
                    ));
                }
                b as u8
            }
        };
        let (n, ty) = cx.scalar(&call.args[0])?;
        let bucket = bucket_index(cx, n, ty.is_signed(), bits);
        Ok(Aggregate {
            value: MapValue::Hist { bits },
            bucket: Some(bucket),
            ops: vec![AggOp::Add {
                offset: 0,
                value: Operand::Imm(1),
            }],
            init: vec![(0, Operand::Imm(1))],
        })
    }
}

/// Emits the bucket index computation for `n`.
fn bucket_index(cx: &mut Lowerer, n: VReg, signed: bool, bits: u8) -> VReg {
    let idx = cx.reg(Type::U64);
    let done = cx.new_label();
    let small_limit = 1i64 << (bits + 1);
    cx.mov(idx, Operand::Imm(0));
    if signed {
        cx.branch(CmpOp::SLt, n, Operand::Imm(0), done);
    }
    // Small values get one bucket each.
    let large = cx.new_label();
    cx.branch(CmpOp::UGe, n, Operand::Imm(small_limit), large);
    cx.alu_to(idx, AluOp::Add, n, Operand::Imm(1));
    cx.jump(done);
    cx.place(large);
    // b = floor(log2 n) by binary search.
    let (v, b) = (cx.reg(Type::U64), cx.reg(Type::U64));
    cx.mov(v, Operand::Reg(n));
    cx.mov(b, Operand::Imm(0));
    for shift in [32i64, 16, 8, 4, 2, 1] {
        let skip = cx.new_label();
        cx.branch(CmpOp::ULt, v, Operand::Imm(1i64 << shift), skip);
        cx.alu_to(v, AluOp::LShr, v, Operand::Imm(shift));
        cx.alu_to(b, AluOp::Add, b, Operand::Imm(shift));
        cx.place(skip);
    }
    // sub = (n >> (b - bits)) & (2^bits - 1)
    let shift = cx.alu(AluOp::Sub, b, Operand::Imm(bits as i64), Type::U64);
    let sub = cx.alu(AluOp::LShr, n, Operand::Reg(shift), Type::U64);
    let sub = cx.alu(AluOp::And, sub, Operand::Imm((1i64 << bits) - 1), Type::U64);
    // idx = 1 + 2^(bits+1) + (b - bits - 1) * 2^bits + sub
    let row = cx.alu(AluOp::Sub, b, Operand::Imm(bits as i64 + 1), Type::U64);
    let row = cx.alu(AluOp::Shl, row, Operand::Imm(bits as i64), Type::U64);
    let base = cx.alu(AluOp::Add, row, Operand::Imm(1 + small_limit), Type::U64);
    cx.alu_to(idx, AluOp::Add, base, Operand::Reg(sub));
    cx.place(done);
    idx
}

/// Bounds `[lo, hi)` of bucket `idx`; `None` is unbounded.
pub fn bounds(idx: u64, bits: u8) -> (Option<i64>, Option<i64>) {
    let small = 1u64 << (bits + 1);
    if idx == 0 {
        return (None, Some(0));
    }
    if idx <= small {
        let v = (idx - 1) as i64;
        return (Some(v), Some(v + 1));
    }
    let j = idx - 1 - small;
    let b = bits as u64 + 1 + (j >> bits);
    let sub = j & ((1 << bits) - 1);
    let width = 1u128 << (b - bits as u64);
    let lo = (1u128 << b) + sub as u128 * width;
    let hi = lo + width;
    (i64::try_from(lo).ok(), i64::try_from(hi).ok())
}

/// Number of buckets for `bits`.
pub fn bucket_count(bits: u8) -> u64 {
    1 + (1u64 << (bits + 1)) + (63 - bits as u64) * (1u64 << bits)
}

/// The histogram value of per-bucket counts.
pub fn value(bits: u8, counts: &BTreeMap<u64, u64>) -> HistValue {
    let buckets = (0..bucket_count(bits))
        .map(|i| {
            let (lo, hi) = bounds(i, bits);
            Bucket {
                lo,
                hi,
                count: counts.get(&i).copied().unwrap_or(0),
            }
        })
        .collect();
    HistValue {
        kind: HistKind::Log2,
        buckets,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_bounds() {
        assert_eq!(bounds(0, 0), (None, Some(0)));
        assert_eq!(bounds(1, 0), (Some(0), Some(1)));
        assert_eq!(bounds(2, 0), (Some(1), Some(2)));
        assert_eq!(bounds(3, 0), (Some(2), Some(4)));
        assert_eq!(bounds(4, 0), (Some(4), Some(8)));
        assert_eq!(bounds(5, 1), (Some(4), Some(6)));
        assert_eq!(bounds(6, 1), (Some(6), Some(8)));
        assert_eq!(bounds(7, 1), (Some(8), Some(12)));
        assert_eq!(bounds(bucket_count(0) - 1, 0), (None, None));
    }
}
