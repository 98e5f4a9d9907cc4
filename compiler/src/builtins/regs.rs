//! The registers of kprobes and uprobes: `arg0`…`arg5` (the first six integer
//! arguments under the x86_64 calling convention; a raw tracepoint's first
//! six arguments), `retval` (the return value,
//! in return probes) and `func` (the probed function's name).

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::probes::{providers_with, ContextBuiltin, ProbeContext};
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::{AddrSpace, Type};

/// Offsets in x86_64 `struct pt_regs`.
mod pt_regs {
    pub const R9: u32 = 64;
    pub const R8: u32 = 72;
    pub const AX: u32 = 80;
    pub const CX: u32 = 88;
    pub const DX: u32 = 96;
    pub const SI: u32 = 104;
    pub const DI: u32 = 112;
}

/// The register context of the current probe, or a diagnostic naming the
/// probe types that have `name`.
fn regs<'a>(
    cx: &'a Lowerer,
    name: &str,
    what: ContextBuiltin,
    span: Span,
) -> Result<(bool, &'a str)> {
    match &cx.probe().context {
        ProbeContext::Regs { ret, func, .. } => Ok((*ret, func)),
        _ => Err(unavailable(cx, name, what, span)),
    }
}

/// `name is only available in …, not in PROBE`, the providers listed from the registry.
fn unavailable(cx: &Lowerer, name: &str, what: ContextBuiltin, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Type,
        span,
        format!(
            "{name} is only available in {}, not in {}",
            providers_with(what),
            cx.probe().name
        ),
    )
}

/// Reads one 8-byte register from the context.
fn register(cx: &mut Lowerer, offset: u32) -> Lowered {
    Lowered::Reg(cx.load_ctx(offset, 8, Type::U64), Type::U64)
}

/// The address space pointers read from registers point into, if the probe
/// has registers: user memory for uprobes, kernel memory for kprobes.
pub fn register_space(cx: &Lowerer) -> Option<AddrSpace> {
    match &cx.probe().context {
        ProbeContext::Regs { space, .. } => Some(*space),
        ProbeContext::RawTracepoint => Some(AddrSpace::Kernel),
        _ => None,
    }
}

macro_rules! arg_builtin {
    ($ty:ident, $name:literal, $index:literal, $offset:expr, $doc:literal) => {
        super::variable!($ty, $name, $doc, |cx, call| {
            if matches!(cx.probe().context, ProbeContext::RawTracepoint) {
                // The context is the array of the tracepoint's u64 arguments.
                return Ok(register(cx, $index * 8));
            }
            let (ret, _) = regs(cx, $name, ContextBuiltin::Arg, call.span)?;
            if ret {
                return Err(unavailable(cx, $name, ContextBuiltin::Arg, call.span)
                    .with_help("a return probe has only `retval`"));
            }
            Ok(register(cx, $offset))
        });
    };
}

arg_builtin!(
    Arg0,
    "arg0",
    0,
    pt_regs::DI,
    "arg0: the first argument of a kprobe or uprobe, e.g. @[arg0] = count()"
);
arg_builtin!(
    Arg1,
    "arg1",
    1,
    pt_regs::SI,
    "arg1: the second argument, e.g. printf(\"%s\\n\", str(arg1))"
);
arg_builtin!(
    Arg2,
    "arg2",
    2,
    pt_regs::DX,
    "arg2: the third argument, e.g. @bytes = hist(arg2)"
);
arg_builtin!(
    Arg3,
    "arg3",
    3,
    pt_regs::CX,
    "arg3: the fourth argument, e.g. printf(\"%d\\n\", arg3)"
);
arg_builtin!(
    Arg4,
    "arg4",
    4,
    pt_regs::R8,
    "arg4: the fifth argument, e.g. @[arg4] = count()"
);
arg_builtin!(
    Arg5,
    "arg5",
    5,
    pt_regs::R9,
    "arg5: the sixth argument, e.g. @[arg5] = count()"
);

/// `retval`: the return value of a uretprobe or kretprobe.
pub struct Retval;

impl Builtin for Retval {
    fn name(&self) -> &'static str {
        "retval"
    }
    fn doc(&self) -> &'static str {
        "retval: the return value in a uretprobe or kretprobe, e.g. @ = hist(retval)"
    }
    fn form(&self) -> Form {
        Form::Variable
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        let (ret, _) = regs(cx, "retval", ContextBuiltin::Retval, call.span)?;
        if !ret {
            return Err(unavailable(cx, "retval", ContextBuiltin::Retval, call.span)
                .with_help("an entry probe has arg0 to arg5"));
        }
        Ok(register(cx, pt_regs::AX))
    }
}

/// `func`: the name of the probed function.
pub struct Func;

impl Builtin for Func {
    fn name(&self) -> &'static str {
        "func"
    }
    fn doc(&self) -> &'static str {
        "func: the name of the probed function, e.g. @[func] = count()"
    }
    fn form(&self) -> Form {
        Form::Variable
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        let (_, func) = regs(cx, "func", ContextBuiltin::Func, call.span)?;
        let func = func.to_string();
        Ok(cx.string_literal(func.as_bytes()))
    }
}
