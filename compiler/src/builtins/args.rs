//! `args`: the typed arguments of a tracepoint, read from its context as laid
//! out by the tracefs `format` file (`args.f` and `args->f`).

use super::{Builtin, Call, Form};
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result};
use crate::ir::{AluOp, Arg, ReadKind};
use crate::kernel_info::{FieldKind, TracepointField};
use crate::probes::{providers_with, ContextBuiltin, ProbeContext};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::Ident;
use crate::types::{AddrSpace, Type};

pub struct Args;

impl Builtin for Args {
    fn name(&self) -> &'static str {
        "args"
    }
    fn doc(&self) -> &'static str {
        "args: tracepoint arguments, e.g. printf(\"%s\\n\", str(args.filename))"
    }
    fn form(&self) -> Form {
        Form::Variable
    }
    fn lower(&self, _: &mut Lowerer, call: &Call) -> Result<Lowered> {
        Err(Diagnostic::new(
            Code::Type,
            call.span,
            "`args` can only be used with a field",
        )
        .with_help("write args.FIELD, e.g. args.filename"))
    }
    fn field(&self, cx: &mut Lowerer, _: &Call, name: &Ident) -> Result<Lowered> {
        field(cx, name)
    }
}

/// Lowers `args.field`.
fn field(cx: &mut Lowerer, name: &Ident) -> Result<Lowered> {
    let ProbeContext::Tracepoint { format, space } = &cx.probe().context else {
        return Err(Diagnostic::new(
            Code::Type,
            name.span,
            format!(
                "`args` is only available in {}, not in {}",
                providers_with(ContextBuiltin::Args),
                cx.probe().name
            ),
        ));
    };
    let space = *space;
    let Some(f) = format.fields.iter().find(|f| f.name == name.name).cloned() else {
        let d = Diagnostic::new(
            Code::Name,
            name.span,
            format!("{} has no argument `{}`", cx.probe().name, name.name),
        );
        let names: Vec<&str> = format.fields.iter().map(|f| f.name.as_str()).collect();
        return Err(match did_you_mean(&name.name, names.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("its arguments are: {}", names.join(", "))),
        });
    };
    match f.kind {
        FieldKind::Int => {
            let (bits, signed) = int_type(&f);
            let r = cx.load_ctx(f.offset, f.size as u8, Type::Int { bits, signed });
            if bits < (f.size * 8) as u8 || signed {
                cx.extend(r, r, bits, signed);
            }
            Ok(Lowered::Reg(r, Type::Int { bits, signed }))
        }
        FieldKind::Pointer { to_char } => {
            let pointee = if to_char {
                Type::int(8, true)
            } else {
                Type::Void
            };
            let ty = Type::Ptr {
                pointee: Box::new(pointee),
                space,
            };
            let r = cx.load_ctx(f.offset, 8, ty.clone());
            Ok(Lowered::Reg(r, ty))
        }
        FieldKind::CharArray { len } => {
            let slot = cx.zeroed_slot(len);
            cx.copy_from_ctx(slot, 0, f.offset, len);
            Ok(Lowered::Mem(slot, Type::Str { size: len }))
        }
        FieldKind::DataLocString => {
            let size = cx.options().max_strlen;
            let loc = cx.load_ctx(f.offset, 4, Type::U32);
            let off = cx.alu(AluOp::And, loc, 0xffff, Type::U64);
            let slot = cx.zeroed_slot(size);
            cx.probe_read(
                ReadKind::Str,
                AddrSpace::Kernel,
                slot,
                0,
                size,
                Arg::CtxPlus(off),
            );
            Ok(Lowered::Mem(slot, Type::Str { size }))
        }
        FieldKind::Unsupported => Err(Diagnostic::new(
            Code::Type,
            name.span,
            format!(
                "argument `{}` has type `{}`, which tracelet cannot read yet",
                f.name, f.c_type
            ),
        )),
    }
}

/// The integer type of a field: from its C type when recognisable (syscall
/// arguments are 8-byte slots even for `int`), else from its size and sign.
fn int_type(f: &TracepointField) -> (u8, bool) {
    let t = f.c_type.replace("const ", "").replace("volatile ", "");
    let t = t.trim();
    let known = match t {
        "char" | "signed char" | "s8" | "__s8" => Some((8, true)),
        "unsigned char" | "u8" | "__u8" | "bool" | "_Bool" => Some((8, false)),
        "short" | "s16" | "__s16" => Some((16, true)),
        "unsigned short" | "u16" | "__u16" => Some((16, false)),
        "int" | "s32" | "__s32" | "pid_t" => Some((32, true)),
        "unsigned int" | "unsigned" | "u32" | "__u32" | "umode_t" | "uid_t" | "gid_t" => {
            Some((32, false))
        }
        "long" | "long long" | "s64" | "__s64" | "ssize_t" | "loff_t" | "off_t" => Some((64, true)),
        "unsigned long" | "unsigned long long" | "u64" | "__u64" | "size_t" => Some((64, false)),
        _ => None,
    };
    match known {
        Some((bits, signed)) if bits as u32 <= f.size * 8 => (bits, signed),
        _ => ((f.size * 8).min(64) as u8, f.signed),
    }
}

/// The address space `str()` reads a pointer from.
pub fn pointer_space(ty: &Type, cx: &Lowerer) -> AddrSpace {
    match (ty, &cx.probe().context) {
        (Type::Ptr { space, .. }, _) => *space,
        (_, ProbeContext::Tracepoint { space, .. }) => *space,
        _ => AddrSpace::Kernel,
    }
}
