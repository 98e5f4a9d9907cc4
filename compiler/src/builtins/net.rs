//! `ntop([af,] addr)`: an IPv4 or IPv6 address as text, formatted in user
//! space. The value is a [`Type::Inet`]: the family, then the address bytes.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::Operand;
use crate::kernel_info::FieldKind;
use crate::probes::ProbeContext;
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{Expr, ExprKind};
use crate::types::{Type, AF_INET, AF_INET6, INET_SIZE};

pub struct Ntop;

impl Builtin for Ntop {
    fn name(&self) -> &'static str {
        "ntop"
    }
    fn doc(&self) -> &'static str {
        "ntop([af,] addr): an IPv4 (integer, 4 bytes) or IPv6 (16 bytes) address as text, e.g. ntop(0x0100007f) is 127.0.0.1"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 2)?;
        let family = if call.args.len() == 2 {
            let (r, ty) = cx.scalar(&call.args[0])?;
            if !ty.is_int() {
                return Err(Diagnostic::new(
                    Code::Type,
                    call.args[0].span,
                    format!("ntop() expects an address family (integer), found {ty}"),
                ));
            }
            Some(r)
        } else {
            None
        };
        let addr = call.args.last().expect("arity checked");
        let slot = cx.zeroed_slot(INET_SIZE);
        let default_family = match array_field(cx, addr)? {
            Some((offset, size)) => {
                cx.copy_from_ctx(slot, 8, offset, size);
                if size == 16 {
                    AF_INET6
                } else {
                    AF_INET
                }
            }
            None => match cx.expr(addr)? {
                Lowered::Reg(r, ty) if ty.is_int() => {
                    // The integer's bytes in memory order: network order for
                    // an address read from a kernel structure.
                    cx.store_slot(slot, 8, Operand::Reg(r), 8);
                    AF_INET
                }
                Lowered::Mem(src, Type::Str { size }) if size == 4 || size == 16 => {
                    cx.copy_slot(slot, 8, src, 0, size);
                    if size == 16 {
                        AF_INET6
                    } else {
                        AF_INET
                    }
                }
                v => {
                    return Err(Diagnostic::new(
                        Code::Type,
                        addr.span,
                        format!(
                            "ntop() expects an integer or a 4- or 16-byte array, found {}",
                            v.ty()
                        ),
                    ))
                }
            },
        };
        let src = match family {
            Some(r) => Operand::Reg(r),
            None => Operand::Imm(default_family as i64),
        };
        cx.store_slot(slot, 0, src, 8);
        Ok(Lowered::Mem(slot, Type::Inet))
    }
}

/// `args.F` where F is a tracepoint's 4- or 16-byte integer array (such as
/// `__u8 saddr_v6[16]`): its offset and size in the context.
fn array_field(cx: &Lowerer, e: &Expr) -> Result<Option<(u32, u32)>> {
    let ExprKind::Field { expr, field, .. } = &e.kind else {
        return Ok(None);
    };
    if !matches!(&expr.kind, ExprKind::Ident(n) if n == "args") {
        return Ok(None);
    }
    let ProbeContext::Tracepoint { format, .. } = &cx.probe().context else {
        return Ok(None);
    };
    let Some(f) = format.field(&field.name) else {
        return Ok(None);
    };
    if f.kind != FieldKind::Unsupported || !f.c_type.contains('[') {
        return Ok(None);
    }
    if f.size == 4 || f.size == 16 {
        Ok(Some((f.offset, f.size)))
    } else {
        Err(Diagnostic::new(
            Code::Type,
            e.span,
            format!(
                "ntop() expects a 4- or 16-byte address, but `{}` is {} bytes",
                f.name, f.size
            ),
        ))
    }
}
