//! Builtins that send records to user space: `printf`, `print`, `time`, `exit`.

use super::{Builtin, Call, Form};
use crate::artifact::Action;
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::format::Format;
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{Expr, ExprKind};
use crate::types::Type;

/// The text of a string literal argument.
fn literal<'a>(e: &'a Expr, what: &str) -> Result<&'a [u8]> {
    match &e.kind {
        ExprKind::Str(s) => Ok(s),
        _ => Err(Diagnostic::new(
            Code::Type,
            e.span,
            format!("{what} must be a string literal"),
        )),
    }
}

pub struct Printf;

impl Builtin for Printf {
    fn name(&self) -> &'static str {
        "printf"
    }
    fn doc(&self) -> &'static str {
        "printf(fmt, args…): formatted output, e.g. printf(\"%s %d\\n\", comm, pid)"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        if call.args.is_empty() {
            return Err(Diagnostic::new(
                Code::Type,
                call.span,
                "printf() needs a format string",
            ));
        }
        let fmt_expr = &call.args[0];
        let text = String::from_utf8_lossy(literal(fmt_expr, "printf's format")?).into_owned();
        let format = Format::parse(&text).map_err(|e| {
            let start = fmt_expr.span.start + 1;
            Diagnostic::new(
                Code::Format,
                Span::new(start + e.start, start + e.end.max(e.start + 1)),
                e.message,
            )
        })?;
        let args = &call.args[1..];
        let vals = args
            .iter()
            .map(|a| cx.expr(a))
            .collect::<Result<Vec<_>>>()?;
        let types: Vec<Type> = vals.iter().map(|v| v.ty().clone()).collect();
        format.check_args(&types).map_err(|(i, msg)| {
            let span = args.get(i).map_or(call.span, |a| a.span);
            Diagnostic::new(Code::Format, span, msg)
        })?;
        cx.event(Action::Printf(format), &vals)?;
        Ok(Lowered::void())
    }
}

pub struct Print;

impl Builtin for Print {
    fn name(&self) -> &'static str {
        "print"
    }
    fn doc(&self) -> &'static str {
        "print(@m [, top [, div]]) or print(expr): prints a map now (its `top` last entries, \
         values divided by `div`), or a value, e.g. interval:s:1 { print(@, 10); }"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 3)?;
        let arg = &call.args[0];
        if matches!(&arg.kind, ExprKind::Map(m) if m.keys.is_empty()) {
            let map = cx.map_arg(arg)?;
            let number = |i: usize| -> Result<u64> {
                call.args.get(i).map_or(Ok(0), |e| {
                    let n = cx.const_int(e)?;
                    u64::try_from(n).map_err(|_| {
                        Diagnostic::new(
                            Code::Type,
                            e.span,
                            "print() top and div must not be negative",
                        )
                    })
                })
            };
            let (top, div) = (number(1)?, number(2)?);
            cx.event(
                Action::PrintMap {
                    map: map.0,
                    top: top as usize,
                    div,
                },
                &[],
            )?;
        } else if call.args.len() > 1 {
            return Err(Diagnostic::new(
                Code::Type,
                call.args[1].span,
                "only maps take `top` and `div` arguments",
            ));
        } else {
            let v = cx.expr(arg)?;
            if v.ty() == &Type::Void {
                return Err(Diagnostic::new(
                    Code::Type,
                    arg.span,
                    "this expression has no value to print",
                ));
            }
            cx.event(Action::PrintValue, &[v])?;
        }
        Ok(Lowered::void())
    }
}

pub struct Time;

impl Builtin for Time {
    fn name(&self) -> &'static str {
        "time"
    }
    fn doc(&self) -> &'static str {
        "time([fmt]): prints the wall-clock time with strftime, e.g. time(\"%H:%M:%S\\n\")"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(0, 1)?;
        let fmt = match call.args.first() {
            Some(e) => String::from_utf8_lossy(literal(e, "time's format")?).into_owned(),
            None => "%H:%M:%S\n".to_string(),
        };
        cx.event(Action::Time(fmt), &[])?;
        Ok(Lowered::void())
    }
}

pub struct Exit;

impl Builtin for Exit {
    fn name(&self) -> &'static str {
        "exit"
    }
    fn doc(&self) -> &'static str {
        "exit(): stops tracing; END runs and maps are printed, e.g. interval:s:5 { exit(); }"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(0, 0)?;
        cx.event(Action::Exit, &[])?;
        cx.leave();
        Ok(Lowered::void())
    }
}
