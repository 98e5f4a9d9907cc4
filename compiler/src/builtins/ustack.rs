//! `ustack` and `usym(addr)`: the user stack of the current event and the
//! user symbol holding an address. Both store the current pid next to what
//! they take (a stack id into the shared stack-trace map `tl_stacks`, or the
//! address), so user space can symbolize against `/proc/PID/maps` when it
//! prints them.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::helpers::Helper;
use crate::ir::{AluOp, Arg, Operand, Slot, VReg};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{Expr, ExprKind};
use crate::types::{StackMode, Type, DEFAULT_STACK_LIMIT};

/// `bpf_get_stackid` flag: take the user stack.
const BPF_F_USER_STACK: i64 = 1 << 8;

pub struct Ustack;

impl Builtin for Ustack {
    fn name(&self) -> &'static str {
        "ustack"
    }
    fn doc(&self) -> &'static str {
        "ustack / ustack([mode,] [limit]): the user stack (modes bpftrace, perf, raw), e.g. uprobe:/bin/bash:readline { @[ustack] = count(); }"
    }
    fn form(&self) -> Form {
        // `ustack(perf, 5)` too: see `also_callable`.
        Form::Variable
    }
    fn also_callable(&self) -> bool {
        true
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(0, 2)?;
        let (mode, limit) = stack_args(call, cx.options().stack_mode)?;
        let map = cx.stack_map();
        let id = cx.call_helper(
            Helper::GetStackid,
            vec![Arg::Ctx, Arg::Map(map), Arg::Imm(BPF_F_USER_STACK)],
            Type::I64,
        );
        let slot = with_pid(cx, id);
        Ok(Lowered::Mem(slot, Type::UStack { mode, limit }))
    }
}

pub struct Usym;

impl Builtin for Usym {
    fn name(&self) -> &'static str {
        "usym"
    }
    fn doc(&self) -> &'static str {
        "usym(addr): the name of the user symbol holding addr in the current process, e.g. printf(\"%s\\n\", usym(arg0))"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 1)?;
        let (r, ty) = cx.scalar(&call.args[0])?;
        if !matches!(ty, Type::Int { .. } | Type::Ptr { .. }) {
            return Err(Diagnostic::new(
                Code::Type,
                call.args[0].span,
                format!("usym() expects an address, found {ty}"),
            ));
        }
        let slot = with_pid(cx, r);
        Ok(Lowered::Mem(slot, Type::USym))
    }
}

/// A 16-byte slot holding `value`, then the current pid (tgid).
fn with_pid(cx: &mut Lowerer, value: VReg) -> Slot {
    let slot = cx.slot(16);
    cx.store_slot(slot, 0, Operand::Reg(value), 8);
    let tgid = cx.call_helper(Helper::GetCurrentPidTgid, vec![], Type::U64);
    let pid = cx.alu(AluOp::LShr, tgid, Operand::Imm(32), Type::U64);
    cx.store_slot(slot, 8, Operand::Reg(pid), 8);
    slot
}

/// `([mode,] [limit])`: a mode name and a frame count, both optional, both
/// literal; without a mode, `default` (the `stack_mode` config).
fn stack_args(call: &Call, default: StackMode) -> Result<(StackMode, u32)> {
    let mut mode = default;
    let mut limit = DEFAULT_STACK_LIMIT;
    let mut seen_limit = false;
    for (i, arg) in call.args.iter().enumerate() {
        match &arg.kind {
            ExprKind::Ident(name) if i == 0 && !seen_limit => {
                mode = StackMode::from_name(name).ok_or_else(|| bad_mode(arg, name))?;
            }
            ExprKind::Int(n) if i == call.args.len() - 1 => {
                if *n < 1 || *n > DEFAULT_STACK_LIMIT as u64 {
                    return Err(Diagnostic::new(
                        Code::Type,
                        arg.span,
                        format!(
                            "{}() limit must be between 1 and {DEFAULT_STACK_LIMIT}, found {n}",
                            call.name
                        ),
                    ));
                }
                limit = *n as u32;
                seen_limit = true;
            }
            _ => {
                return Err(Diagnostic::new(
                    Code::Type,
                    arg.span,
                    format!(
                        "{}() expects ([mode,] [limit]): a mode (bpftrace, perf or raw) and an integer literal",
                        call.name
                    ),
                ))
            }
        }
    }
    Ok((mode, limit))
}

fn bad_mode(arg: &Expr, name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::Type,
        arg.span,
        format!("unknown stack mode {name}: expected bpftrace, perf or raw"),
    )
}
