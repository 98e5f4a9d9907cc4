//! `join(argv [, sep])`: prints a NULL-terminated array of string pointers
//! (an `argv`) joined by `sep` (default " "), then a newline. Up to
//! [`MAX_ARGS`] strings of `BPFTRACE_MAX_STRLEN` bytes each are read.

use super::{Builtin, Call, Form};
use crate::artifact::Action;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{AluOp, Arg, CmpOp, ReadKind};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::ExprKind;
use crate::types::Type;

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
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
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
        let space = super::str::address_space(&ty, cx);
        let size = cx.options().max_strlen;
        // One slot per string, filled up to the first NULL pointer; `count` says how many.
        let strings: Vec<_> = (0..MAX_ARGS).map(|_| cx.zeroed_slot(size)).collect();
        let count = cx.constant(0, Type::U64);
        let pointer = cx.zeroed_slot(8);
        let (p, done) = (cx.reg(Type::U64), cx.new_label());
        for (i, slot) in strings.iter().enumerate() {
            let at = cx.alu(AluOp::Add, argv, i as i64 * 8, Type::U64);
            cx.probe_read(ReadKind::Bytes, space, pointer, 0, 8, Arg::Reg(at));
            cx.load_slot_to(p, pointer, 0, 8);
            cx.branch(CmpOp::Eq, p, 0, done);
            cx.probe_read(ReadKind::Str, space, *slot, 0, size, Arg::Reg(p));
            cx.mov(count, i as i64 + 1);
        }
        cx.place(done);
        let mut vals = vec![Lowered::Reg(count, Type::U64)];
        vals.extend(
            strings
                .into_iter()
                .map(|s| Lowered::Mem(s, Type::Str { size })),
        );
        cx.event(Action::Join { separator }, &vals)?;
        Ok(Lowered::void())
    }
}
