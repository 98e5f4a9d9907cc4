//! `kstack`: the kernel stack of the current event, as an id into a stack-trace
//! map; user space symbolizes it when printing.

use super::{Builtin, Call, Form};
use crate::diagnostic::Result;
use crate::helpers::Helper;
use crate::ir::Arg;
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::Type;

pub struct Kstack;

impl Builtin for Kstack {
    fn name(&self) -> &'static str {
        "kstack"
    }
    fn doc(&self) -> &'static str {
        "kstack: the kernel stack, e.g. profile:hz:99 { @[kstack] = count(); }"
    }
    fn form(&self) -> Form {
        Form::Variable
    }
    fn lower(&self, cx: &mut Lowerer, _: &Call) -> Result<Lowered> {
        let map = cx.stack_map();
        let r = cx.call_helper(
            Helper::GetStackid,
            vec![Arg::Ctx, Arg::Map(map), Arg::Imm(0)],
            Type::KStack,
        );
        Ok(Lowered::Reg(r, Type::KStack))
    }
}
