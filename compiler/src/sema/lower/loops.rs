//! Loops: `while`, with `break` and `continue`. A `while` loop is a header
//! block testing the condition, the body, and a back edge to the header;
//! liveness over the CFG keeps what the body needs alive around it.
//!
//! `for ($i : a..b)` runs its body as a `bpf_loop` callback: a subprogram
//! taking (index, frame) where the frame, in the caller's stack, holds the
//! context pointer, `a`, a "returned" flag, and the enclosing variables the
//! body uses. The callback copies those in on entry and back out on every
//! exit, so the body reads and writes them as bpftrace's does. It returns
//! 1 to stop the loop (`break`, and `return`/`exit()`, which also set the
//! flag so the caller leaves the probe).

use super::{LoopTargets, Lowered, Lowerer, Var};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::helpers::Helper;
use crate::ir::{AluOp, Arg, Builder, CmpOp, CtxSource, FuncId, Operand};
use crate::syntax::ast::{Block, Expr, ExprKind, Ident};
use crate::syntax::visit;
use crate::types::Type;

/// The callback frame's fixed words; captured variables follow.
const FRAME_CTX: u32 = 0;
const FRAME_FIRST: u32 = 8;
const FRAME_RETURNED: u32 = 16;
const FRAME_CAPTURES: u32 = 24;

/// An enclosing variable a `for` body uses, and where the frame holds it.
struct Capture {
    name: String,
    val: Lowered,
    offset: u32,
}

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
        let captures = self.captures(var, body);
        let callback = self.loop_callback(var, body, &captures)?;
        let size = captures.last().map_or(FRAME_CAPTURES, |c| {
            c.offset + c.val.ty().size().div_ceil(8) * 8
        });
        let frame = self.zeroed_slot(size);
        self.store_ctx(frame, FRAME_CTX);
        self.store_slot(frame, FRAME_FIRST, first, 8);
        for c in &captures {
            match &c.val {
                Lowered::Reg(r, _) => self.store_slot(frame, c.offset, *r, 8),
                v => self.store(frame, c.offset, v, v.ty()),
            }
        }
        let count = self.alu(AluOp::Sub, last, first, Type::I64);
        let skip = self.new_label();
        self.branch(CmpOp::SLe, count, 0, skip);
        let args = vec![
            Arg::Reg(count),
            Arg::Func(callback),
            Arg::SlotAddr(frame, 0),
            Arg::Imm(0),
        ];
        self.call_void(Helper::Loop, args);
        for c in &captures {
            match &c.val {
                Lowered::Reg(r, _) => self.load_slot_to(*r, frame, c.offset, 8),
                Lowered::Mem(s, t) => self.copy_slot(*s, 0, frame, c.offset, t.size()),
            }
        }
        let returned = self.load_slot(frame, FRAME_RETURNED, Type::U64);
        let exit = self.exit_label;
        self.branch(CmpOp::Ne, returned, 0, exit);
        self.place(skip);
        Ok(())
    }

    /// The defined variables `body` mentions, other than the loop's own, in
    /// order of first mention, with their frame offsets.
    fn captures(&self, var: &Ident, body: &Block) -> Vec<Capture> {
        let mut names: Vec<String> = Vec::new();
        visit::exprs_in_block(body, &mut |e| {
            if let ExprKind::Var(n) = &e.kind {
                if *n != var.name && self.vars.contains_key(n) && !names.contains(n) {
                    names.push(n.clone());
                }
            }
        });
        let mut offset = FRAME_CAPTURES;
        names
            .into_iter()
            .map(|name| {
                let val = self.vars[&name].val.clone();
                let c = Capture { name, val, offset };
                offset += c.val.ty().size().div_ceil(8) * 8;
                c
            })
            .collect()
    }

    /// Lowers a `for` body into a callback `(index, frame) -> 0 | 1`.
    fn loop_callback(&mut self, var: &Ident, body: &Block, captures: &[Capture]) -> Result<FuncId> {
        let ctx = CtxSource::Param {
            param: 1,
            offset: FRAME_CTX as i16,
        };
        let (builder, params, ret) = Builder::subprogram(&[Type::U64, Type::U64], ctx, Type::U64);
        let (index, frame) = (params[0], params[1]);
        let outer = std::mem::replace(&mut self.b, builder);
        let vars = std::mem::take(&mut self.vars);
        let loops = std::mem::take(&mut self.loops);
        let (returned, stop, done) = (self.new_label(), self.new_label(), self.new_label());
        let exit = std::mem::replace(&mut self.exit_label, returned);

        let mut locals = Vec::new();
        for c in captures {
            let at = c.offset as i16;
            let val = match c.val.ty().clone() {
                t if t.is_scalar() => Lowered::Reg(self.load_ptr(frame, at, 8, t.clone()), t),
                t => {
                    let s = self.slot(t.size());
                    self.copy_from_ptr(s, frame, at, t.size());
                    Lowered::Mem(s, t)
                }
            };
            self.vars.insert(c.name.clone(), Var { val: val.clone() });
            locals.push(val);
        }
        let first = self.load_ptr(frame, FRAME_FIRST as i16, 8, Type::I64);
        let i = self.alu(AluOp::Add, first, index, Type::I64);
        let val = Lowered::Reg(i, Type::I64);
        self.vars.insert(var.name.clone(), Var { val });
        self.loops.push(LoopTargets {
            next: done,
            exit: stop,
        });
        let lowered = self.block(body);
        self.jump(done);
        self.place(returned);
        self.store_ptr(frame, FRAME_RETURNED as i16, 1, 8);
        self.place(stop);
        self.mov(ret, 1);
        self.place(done);
        for (c, local) in captures.iter().zip(&locals) {
            let at = c.offset as i16;
            match local {
                Lowered::Reg(r, _) => self.store_ptr(frame, at, *r, 8),
                Lowered::Mem(s, t) => self.copy_to_ptr(frame, at, *s, t.size()),
            }
        }

        self.exit_label = exit;
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
