//! `bswap(n)`: reverses the bytes of an integer within its width (8, 16, 32
//! or 64 bits), keeping its type. Built from shifts and masks.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{AluOp, Operand};
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::Type;

pub struct Bswap;

impl Builtin for Bswap {
    fn name(&self) -> &'static str {
        "bswap"
    }
    fn doc(&self) -> &'static str {
        "bswap(n): n with its bytes reversed, keeping its width, e.g. bswap((uint32)0x11223344) is 0x44332211"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 1)?;
        let (x, ty) = cx.scalar(&call.args[0])?;
        let Type::Int { bits, signed } = ty else {
            return Err(Diagnostic::new(
                Code::Type,
                call.args[0].span,
                format!("bswap() expects an integer, found {ty}"),
            ));
        };
        let bytes = bits as i64 / 8;
        let out = cx.constant(0, ty.clone());
        for i in 0..bytes {
            // Byte i of x goes to byte bytes-1-i of the result.
            let byte = if i == 0 {
                x
            } else {
                cx.alu(AluOp::LShr, x, Operand::Imm(8 * i), Type::U64)
            };
            let byte = cx.alu(AluOp::And, byte, Operand::Imm(0xff), Type::U64);
            let to = 8 * (bytes - 1 - i);
            let moved = if to == 0 {
                byte
            } else {
                cx.alu(AluOp::Shl, byte, Operand::Imm(to), Type::U64)
            };
            cx.alu_to(out, AluOp::Or, out, Operand::Reg(moved));
        }
        if signed && bits < 64 {
            let d = cx.reg(ty.clone());
            cx.extend(d, out, bits, signed);
            return Ok(Lowered::Reg(d, ty));
        }
        Ok(Lowered::Reg(out, ty))
    }
}
