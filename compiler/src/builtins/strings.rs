//! String comparisons: `strncmp(s1, s2, n)` and `strcontains(haystack,
//! needle)`. The IR has only forward branches, so both are unrolled over the
//! strings' buffer sizes at compile time.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{CmpOp, Label, Operand, Slot, VReg};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{Expr, ExprKind};
use crate::types::Type;

/// Most byte comparisons `strcontains()` unrolls: haystack positions times
/// needle bytes (64 × 64 for two default-sized `str()` buffers).
pub const MAX_STRCONTAINS_PAIRS: u32 = 64 * 64;

/// A string argument: a literal known at compile time, or a buffer.
pub(super) enum StrArg {
    Literal(Vec<u8>),
    Buffer(Slot, u32),
}

pub(super) fn string_arg(cx: &mut Lowerer, call: &Call, i: usize) -> Result<StrArg> {
    let e: &Expr = &call.args[i];
    if let ExprKind::Str(bytes) = &e.kind {
        // Up to the first NUL, as C sees it.
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        return Ok(StrArg::Literal(bytes[..end].to_vec()));
    }
    if let Some(text) = cx.positional_text(e) {
        return Ok(StrArg::Literal(text));
    }
    match cx.expr(e)? {
        Lowered::Mem(slot, Type::Str { size }) => Ok(StrArg::Buffer(slot, size)),
        v => Err(Diagnostic::new(
            Code::Type,
            e.span,
            format!("{}() expects a string, found {}", call.name, v.ty()),
        )),
    }
}

/// The byte at `i` of a string argument: an immediate or a loaded register
/// (`None` past the end, where the string reads as NUL).
pub(super) fn byte_at(cx: &mut Lowerer, s: &StrArg, i: u32, scratch: VReg) -> Operand {
    match s {
        StrArg::Literal(b) => Operand::Imm(b.get(i as usize).copied().unwrap_or(0) as i64),
        StrArg::Buffer(slot, size) => {
            if i >= *size {
                return Operand::Imm(0);
            }
            cx.load_slot_to(scratch, *slot, i, 1);
            Operand::Reg(scratch)
        }
    }
}

/// How many bytes a string argument can hold before its implicit NUL.
fn capacity(s: &StrArg) -> u32 {
    match s {
        StrArg::Literal(b) => b.len() as u32,
        StrArg::Buffer(_, size) => *size,
    }
}

/// Branches to `target` when `a op b`, whatever mix of immediates and
/// registers the operands are. Returns `Some(taken)` when both are constants.
fn branch(cx: &mut Lowerer, op: CmpOp, a: Operand, b: Operand, target: Label) -> Option<bool> {
    let (lhs, rhs) = match (a, b) {
        (Operand::Imm(x), Operand::Imm(y)) => {
            let taken = match op {
                CmpOp::Eq => x == y,
                _ => x != y,
            };
            if taken {
                cx.jump(target);
            }
            return Some(taken);
        }
        (Operand::Reg(r), other) | (other, Operand::Reg(r)) => (r, other),
    };
    cx.branch(op, lhs, rhs, target);
    None
}

pub struct Strncmp;

impl Builtin for Strncmp {
    fn name(&self) -> &'static str {
        "strncmp"
    }
    fn doc(&self) -> &'static str {
        "strncmp(s1, s2, n): 0 when the first n bytes (up to a NUL) of s1 and s2 are equal, else 1, e.g. strncmp(comm, \"bash\", 4)"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(3, 3)?;
        let n = cx.const_int(&call.args[2]).map_err(|_| {
            Diagnostic::new(
                Code::Type,
                call.args[2].span,
                "strncmp() expects an integer literal as its length",
            )
        })?;
        if n < 0 {
            return Err(Diagnostic::new(
                Code::Type,
                call.args[2].span,
                "strncmp() length must not be negative",
            ));
        }
        let a = string_arg(cx, call, 0)?;
        let b = string_arg(cx, call, 1)?;
        // Past both buffers the strings are NUL on both sides: equal.
        let len = (n as u64).min(capacity(&a).max(capacity(&b)) as u64 + 1) as u32;
        let d = cx.constant(0, Type::U64);
        let (differ, end) = (cx.new_label(), cx.new_label());
        let (x, y) = (cx.reg(Type::U64), cx.reg(Type::U64));
        for i in 0..len {
            let p = byte_at(cx, &a, i, x);
            let q = byte_at(cx, &b, i, y);
            if branch(cx, CmpOp::Ne, p, q, differ) == Some(true) {
                break;
            }
            // Equal bytes: a NUL ends both strings.
            if branch(cx, CmpOp::Eq, p, Operand::Imm(0), end) == Some(true) {
                break;
            }
        }
        cx.jump(end);
        cx.place(differ);
        cx.mov(d, Operand::Imm(1));
        cx.place(end);
        Ok(Lowered::Reg(d, Type::U64))
    }
}

pub struct Strcontains;

impl Builtin for Strcontains {
    fn name(&self) -> &'static str {
        "strcontains"
    }
    fn doc(&self) -> &'static str {
        "strcontains(haystack, needle): true if needle occurs in haystack, e.g. strcontains(comm, \"sh\")"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(2, 2)?;
        let hay = string_arg(cx, call, 0)?;
        let needle = string_arg(cx, call, 1)?;
        let (h, n) = (capacity(&hay), capacity(&needle));
        if h.saturating_mul(n.max(1)) > MAX_STRCONTAINS_PAIRS {
            return Err(Diagnostic::new(
                Code::Type,
                call.span,
                format!(
                    "strcontains() on strings of {h} and {n} bytes needs too many comparisons \
                     (at most {MAX_STRCONTAINS_PAIRS} haystack × needle bytes)"
                ),
            )
            .with_help("shorten the strings, e.g. with str(p, 32)"));
        }
        let d = cx.constant(0, Type::Bool);
        let (found, end) = (cx.new_label(), cx.new_label());
        let (x, y) = (cx.reg(Type::U64), cx.reg(Type::U64));
        match &needle {
            // An empty needle occurs everywhere.
            StrArg::Literal(b) if b.is_empty() => cx.jump(found),
            StrArg::Literal(b) => {
                // Every start where the whole literal fits.
                let starts = (h + 1).saturating_sub(b.len() as u32);
                for i in 0..starts {
                    let next = cx.new_label();
                    for (j, &c) in b.iter().enumerate() {
                        let hb = byte_at(cx, &hay, i + j as u32, x);
                        if j == 0 {
                            // The haystack ended before this start.
                            branch(cx, CmpOp::Eq, hb, Operand::Imm(0), end);
                        }
                        branch(cx, CmpOp::Ne, hb, Operand::Imm(c as i64), next);
                    }
                    cx.jump(found);
                    cx.place(next);
                }
            }
            StrArg::Buffer(..) => {
                for i in 0..=h {
                    let next = cx.new_label();
                    for j in 0..n {
                        let nb = byte_at(cx, &needle, j, y);
                        // The needle ended: it matched from i.
                        branch(cx, CmpOp::Eq, nb, Operand::Imm(0), found);
                        if i + j >= h {
                            // The haystack ran out before the needle.
                            cx.jump(end);
                            break;
                        }
                        let hb = byte_at(cx, &hay, i + j, x);
                        if j == 0 {
                            branch(cx, CmpOp::Eq, hb, Operand::Imm(0), end);
                        }
                        branch(cx, CmpOp::Ne, hb, nb, next);
                    }
                    // The whole needle buffer matched.
                    cx.jump(found);
                    cx.place(next);
                }
            }
        }
        cx.jump(end);
        cx.place(found);
        cx.mov(d, Operand::Imm(1));
        cx.place(end);
        Ok(Lowered::Reg(d, Type::Bool))
    }
}
