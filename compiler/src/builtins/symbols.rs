//! Kernel symbols: `ksym(addr)` prints the name of the kernel symbol holding
//! an address (resolved in user space), `kaddr("name")` is a symbol's address
//! (resolved at compile time through [`KernelInfo`](crate::KernelInfo)).

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::Operand;
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::ExprKind;
use crate::types::Type;

pub struct Ksym;

impl Builtin for Ksym {
    fn name(&self) -> &'static str {
        "ksym"
    }
    fn doc(&self) -> &'static str {
        "ksym(addr): the name of the kernel symbol holding addr, e.g. printf(\"%s\\n\", ksym(kaddr(\"vfs_read\")))"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 1)?;
        let (r, ty) = cx.scalar(&call.args[0])?;
        if !matches!(ty, Type::Int { .. } | Type::Ptr { .. } | Type::KSym) {
            return Err(Diagnostic::new(
                Code::Type,
                call.args[0].span,
                format!("ksym() expects an address, found {ty}"),
            ));
        }
        let d = cx.reg(Type::KSym);
        cx.mov(d, Operand::Reg(r));
        Ok(Lowered::Reg(d, Type::KSym))
    }
}

pub struct Kaddr;

impl Builtin for Kaddr {
    fn name(&self) -> &'static str {
        "kaddr"
    }
    fn doc(&self) -> &'static str {
        "kaddr(\"name\"): the address of a kernel symbol, e.g. printf(\"%lx\\n\", kaddr(\"vfs_read\"))"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 1)?;
        let arg = &call.args[0];
        let name = match &arg.kind {
            ExprKind::Str(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            _ => match cx.positional_text(arg) {
                Some(text) => String::from_utf8_lossy(&text).into_owned(),
                None => {
                    return Err(Diagnostic::new(
                        Code::Type,
                        arg.span,
                        "kaddr() expects a string literal naming a kernel symbol",
                    )
                    .with_help("e.g. kaddr(\"vfs_read\")"))
                }
            },
        };
        let Some(addr) = cx.kernel().kernel_symbol_address(&name) else {
            let d = Diagnostic::new(
                Code::Name,
                arg.span,
                format!("kaddr(): unknown kernel symbol `{name}`"),
            );
            return Err(match cx.kernel().kernel_symbol_suggestion(&name) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("kernel symbols are listed in /proc/kallsyms"),
            });
        };
        Ok(Lowered::Reg(cx.constant(addr as i64, Type::U64), Type::U64))
    }
}
