//! Loops: `while`, with `break` and `continue`. A loop is a header block
//! testing the condition, the body, and a back edge to the header; liveness
//! over the CFG keeps what the body needs alive around it.

use super::{LoopTargets, Lowerer};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::ir::{CmpOp, Operand};
use crate::syntax::ast::{Block, Expr};

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

    /// `break` (`leave`) or `continue` (`!leave`) in the innermost loop.
    pub(super) fn loop_jump(&mut self, leave: bool, span: Span) -> Result<()> {
        let word = if leave { "break" } else { "continue" };
        let targets = self.loops.last().copied().ok_or_else(|| {
            Diagnostic::new(Code::Syntax, span, format!("`{word}` outside of a loop"))
                .with_help("`break` and `continue` are allowed in `while` loops")
        })?;
        self.jump(if leave { targets.exit } else { targets.next });
        Ok(())
    }
}
