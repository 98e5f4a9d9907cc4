//! `len(@m)`: the number of a map's entries, counted in the kernel by
//! `bpf_for_each_map_elem` (Linux 5.13) with a callback that only goes on.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::helpers::Helper;
use crate::ir::{Arg, Builder, CtxSource};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::ExprKind;
use crate::types::Type;

pub struct Len;

impl Builtin for Len {
    fn name(&self) -> &'static str {
        "len"
    }
    fn doc(&self) -> &'static str {
        "len(@m): the number of elements of map @m, e.g. printf(\"%d\\n\", len(@start))"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 1)?;
        let arg = &call.args[0];
        let ExprKind::Map(map) = &arg.kind else {
            let found = cx.expr(arg)?;
            let (message, help) = match found.ty() {
                Type::KStack | Type::UStack { .. } => (
                    "len() of a stack is not supported yet: stacks are kept as ids, without their depth",
                    "print the stack, or count its frames in user space",
                ),
                _ => (
                    "call to len() expects a map, ustack, or kstack",
                    "pass a map with keys, as in len(@m)",
                ),
            };
            return Err(Diagnostic::new(Code::Type, arg.span, message).with_help(help));
        };
        if !map.keys.is_empty() {
            return Err(Diagnostic::new(
                Code::Type,
                arg.span,
                "len() expects a whole map such as `@m`, not one element",
            ));
        }
        super::maps::require_keyed(cx, map, "len()")?;
        let id = cx.map_id(&map.name, map.span);
        let count = count_callback(cx);
        let n = cx.call_helper(
            Helper::ForEachMapElem,
            vec![Arg::Map(id), Arg::Func(count), Arg::Imm(0), Arg::Imm(0)],
            Type::I64,
        );
        Ok(Lowered::Reg(n, Type::I64))
    }
}

/// A `bpf_for_each_map_elem` callback `(map, key, value, ctx) -> 0` that
/// visits every element: the helper returns how many it visited.
fn count_callback(cx: &mut Lowerer) -> crate::ir::FuncId {
    let params = [Type::U64, Type::U64, Type::U64, Type::U64];
    // The return register starts at 0: "go on".
    let (b, _, _) = Builder::subprogram(&params, CtxSource::Entry, Type::U64);
    cx.add_callback(b.finish())
}
