//! `str(p [, n])`: reads a NUL-terminated string from kernel or user memory.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{Arg, ReadKind};
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::{AddrSpace, Type};

pub struct Str;

impl Builtin for Str {
    fn name(&self) -> &'static str {
        "str"
    }
    fn doc(&self) -> &'static str {
        "str(p [, n]): the string at p (at most n bytes, default BPFTRACE_MAX_STRLEN), e.g. str(args.filename)"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 2)?;
        let max = cx.options().max_strlen;
        let size = match call.args.get(1) {
            None => max,
            Some(e) => {
                let n = cx.const_int(e)?;
                if n < 1 {
                    return Err(Diagnostic::new(
                        Code::Type,
                        e.span,
                        "str() length must be at least 1",
                    ));
                }
                (n as u32).saturating_add(1).min(max)
            }
        };
        let v = match cx.positional_text(&call.args[0]) {
            Some(text) => cx.string_literal(&text),
            None => cx.expr(&call.args[0])?,
        };
        match v {
            Lowered::Mem(src, Type::Str { size: have }) => {
                let slot = cx.zeroed_slot(size);
                let len = have.min(size - 1);
                cx.copy_slot(slot, 0, src, 0, len);
                Ok(Lowered::Mem(slot, Type::Str { size }))
            }
            Lowered::Reg(r, ty) if ty.is_scalar() => {
                let space = address_space(&ty, cx);
                let slot = cx.zeroed_slot(size);
                cx.probe_read(ReadKind::Str, space, slot, 0, size, Arg::Reg(r));
                Ok(Lowered::Mem(slot, Type::Str { size }))
            }
            v => Err(Diagnostic::new(
                Code::Type,
                call.args[0].span,
                format!("str() expects a pointer or a string, found {}", v.ty()),
            )),
        }
    }
}

/// Where a pointer of type `ty` points: a typed pointer knows; a plain
/// integer points into the probe's address space (user memory in uprobes and
/// syscall tracepoints, kernel memory elsewhere).
pub fn address_space(ty: &Type, cx: &Lowerer) -> AddrSpace {
    match (ty, super::regs::register_space(cx)) {
        (Type::Ptr { .. }, _) | (_, None) => super::args::pointer_space(ty, cx),
        (_, Some(space)) => space,
    }
}
