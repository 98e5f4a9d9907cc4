//! `strlen(s)`: the length of a string up to its first NUL; a literal's is
//! known at compile time, a buffer's is counted by a loop unrolled over its
//! size.

use super::strings::{byte_at, string_arg, StrArg};
use super::{Builtin, Call, Form};
use crate::diagnostic::Result;
use crate::ir::{CmpOp, Operand};
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::Type;

pub struct Strlen;

impl Builtin for Strlen {
    fn name(&self) -> &'static str {
        "strlen"
    }
    fn doc(&self) -> &'static str {
        "strlen(s): the number of bytes of string s before its NUL, e.g. @[strlen(comm)] = count()"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 1)?;
        let s = string_arg(cx, call, 0)?;
        let size = match &s {
            StrArg::Literal(bytes) => {
                let n = cx.constant(bytes.len() as i64, Type::U64);
                return Ok(Lowered::Reg(n, Type::U64));
            }
            StrArg::Buffer(_, size) => *size,
        };
        let n = cx.constant(0, Type::U64);
        let (byte, end) = (cx.reg(Type::U64), cx.new_label());
        for i in 0..size {
            if let Operand::Reg(b) = byte_at(cx, &s, i, byte) {
                cx.branch(CmpOp::Eq, b, 0, end);
            }
            cx.mov(n, Operand::Imm(i as i64 + 1));
        }
        cx.jump(end);
        cx.place(end);
        Ok(Lowered::Reg(n, Type::U64))
    }
}
