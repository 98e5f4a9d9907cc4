//! Loops: `while`, with `break` and `continue`. A `while` loop is a header
//! block testing the condition, the body, and a back edge to the header;
//! liveness over the CFG keeps what the body needs alive around it.
//!
//! `for ($i : a..b)` runs its body as a `bpf_loop` callback: a subprogram
//! taking (index, frame) where the frame, in the caller's stack, holds the
//! context pointer and `a`. The callback returns 1 to stop (`break`).

use super::{LoopTargets, Lowerer, Val, Var};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::helpers::Helper;
use crate::ir::{AluOp, Arg, Builder, CmpOp, CtxSource, FuncId, Operand};
use crate::syntax::ast::{Block, Expr, Ident};
use crate::types::Type;

/// The callback frame: the context pointer, then the range's first value.
const FRAME_CTX: u32 = 0;
const FRAME_FIRST: u32 = 8;

impl Lowerer<'_> {
    pub(super) fn while_loop(&mut self, cond: &Expr, body: &Block) -> Result<()> {
        let (head, exit) = (self.new_label(), self.new_label());
        self.place(head);
        let c = self.condition(cond)?;
        self.branch(CmpOp::Eq, c, Operand::Imm(0), exit);
        self.loops.push(LoopTargets { next: head, exit });
        let lowered = self.block(body);
        self.loops.pop();
        lowered?;
        self.jump(head);
        self.place(exit);
        Ok(())
    }

    pub(super) fn for_range(
        &mut self,
        var: &Ident,
        start: &Expr,
        end: &Expr,
        body: &Block,
    ) -> Result<()> {
        let (first, _) = self.scalar(start)?;
        let (last, _) = self.scalar(end)?;
        let frame = self.zeroed_slot(16);
        self.store_ctx(frame, FRAME_CTX);
        self.store_slot(frame, FRAME_FIRST, first, 8);
        let count = self.alu(AluOp::Sub, last, first, Type::I64);
        let skip = self.new_label();
        self.branch(CmpOp::SLe, count, 0, skip);
        let callback = self.loop_callback(var, body)?;
        let args = vec![
            Arg::Reg(count),
            Arg::Func(callback),
            Arg::SlotAddr(frame, 0),
            Arg::Imm(0),
        ];
        self.call_void(Helper::Loop, args);
        self.place(skip);
        Ok(())
    }

    /// Lowers a `for` body into a callback `(index, frame) -> 0 | 1`.
    fn loop_callback(&mut self, var: &Ident, body: &Block) -> Result<FuncId> {
        let ctx = CtxSource::Param {
            param: 1,
            offset: FRAME_CTX as i16,
        };
        let (builder, params, ret) = Builder::subprogram(&[Type::U64, Type::U64], ctx, Type::U64);
        let outer = std::mem::replace(&mut self.b, builder);
        let vars = std::mem::take(&mut self.vars);
        let loops = std::mem::take(&mut self.loops);
        let hidden = self.outer_vars.clone();
        self.outer_vars.extend(vars.keys().cloned());
        let (stop, done) = (self.new_label(), self.new_label());
        let exit = std::mem::replace(&mut self.exit_label, stop);

        let first = self.load_ptr(params[1], FRAME_FIRST as i16, 8, Type::I64);
        let i = self.alu(AluOp::Add, first, params[0], Type::I64);
        let val = Val::Reg(i, Type::I64);
        self.vars.insert(var.name.clone(), Var { val });
        self.loops.push(LoopTargets {
            next: done,
            exit: stop,
        });
        let lowered = self.block(body);
        self.jump(done);
        self.place(stop);
        self.mov(ret, 1);
        self.place(done);

        self.exit_label = exit;
        self.outer_vars = hidden;
        self.loops = loops;
        self.vars = vars;
        let callback = std::mem::replace(&mut self.b, outer).finish();
        lowered?;
        Ok(self.add_callback(callback))
    }

    /// `break` (`leave`) or `continue` (`!leave`) in the innermost loop.
    pub(super) fn loop_jump(&mut self, leave: bool, span: Span) -> Result<()> {
        let word = if leave { "break" } else { "continue" };
        let targets = self.loops.last().copied().ok_or_else(|| {
            Diagnostic::new(Code::Syntax, span, format!("`{word}` outside of a loop"))
                .with_help("`break` and `continue` are allowed in `while` and `for` loops")
        })?;
        self.jump(if leave { targets.exit } else { targets.next });
        Ok(())
    }
}
