//! `join(argv [, sep])`: prints a NULL-terminated array of string pointers
//! (an `argv`) joined by `sep` (default " "), then a newline. Up to
//! [`MAX_ARGS`] strings of `BPFTRACE_MAX_STRLEN` bytes each are read.

use super::helpers::{
    PROBE_READ_KERNEL, PROBE_READ_KERNEL_STR, PROBE_READ_USER, PROBE_READ_USER_STR,
};
use super::{Builtin, Call, Form};
use crate::artifact::Action;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{AluOp, Arg, CmpOp, Inst, Operand};
use crate::sema::lower::{Lowerer, Val};
use crate::syntax::ast::ExprKind;
use crate::types::{AddrSpace, Type};

/// How many strings `join` reads, as bpftrace.
pub const MAX_ARGS: u32 = 16;

pub struct Join;

impl Builtin for Join {
    fn name(&self) -> &'static str {
        "join"
    }
    fn doc(&self) -> &'static str {
        "join(argv [, sep]): prints an argv-style array joined by sep, e.g. join(args.argv)"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Val> {
        call.arity(1, 2)?;
        let separator = match call.args.get(1).map(|e| &e.kind) {
            None => " ".to_string(),
            Some(ExprKind::Str(s)) => String::from_utf8_lossy(s).into_owned(),
            Some(_) => {
                return Err(Diagnostic::new(
                    Code::Type,
                    call.args[1].span,
                    "join()'s separator must be a string literal",
                ))
            }
        };
        let (argv, ty) = cx.scalar(&call.args[0])?;
        let (read, read_str) = match super::str::address_space(&ty, cx) {
            AddrSpace::User => (PROBE_READ_USER, PROBE_READ_USER_STR),
            AddrSpace::Kernel => (PROBE_READ_KERNEL, PROBE_READ_KERNEL_STR),
        };
        let size = cx.options.max_strlen;
        // One slot per string, filled up to the first NULL pointer; `count` says how many.
        let strings: Vec<_> = (0..MAX_ARGS).map(|_| cx.zeroed_slot(size)).collect();
        let count = cx.constant(0, Type::U64);
        let pointer = cx.zeroed_slot(8);
        let (p, done) = (cx.reg(Type::U64), cx.label());
        for (i, slot) in strings.iter().enumerate() {
            let at = cx.alu(AluOp::Add, argv, Operand::Imm(i as i64 * 8), Type::U64);
            cx.push(Inst::Call {
                dst: None,
                helper: read,
                args: vec![Arg::SlotAddr(pointer, 0), Arg::Imm(8), Arg::Reg(at)],
            });
            cx.push(Inst::LoadSlot {
                dst: p,
                slot: pointer,
                offset: 0,
                size: 8,
            });
            cx.branch(CmpOp::Eq, p, Operand::Imm(0), done);
            cx.push(Inst::Call {
                dst: None,
                helper: read_str,
                args: vec![Arg::SlotAddr(*slot, 0), Arg::Imm(size as i64), Arg::Reg(p)],
            });
            cx.push(Inst::Mov {
                dst: count,
                src: Operand::Imm(i as i64 + 1),
            });
        }
        cx.place(done);
        let mut vals = vec![Val::Reg(count, Type::U64)];
        vals.extend(strings.into_iter().map(|s| Val::Mem(s, Type::Str { size })));
        cx.event(Action::Join { separator }, &vals)?;
        Ok(Val::void())
    }
}
