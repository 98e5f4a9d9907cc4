//! Loops: `while`, with `break` and `continue`. A `while` loop is a header
//! block testing the condition, the body, and a back edge to the header;
//! liveness over the CFG keeps what the body needs alive around it.
//!
//! `for ($i : a..b)` and `for ($kv : @map)` run their body as the callback
//! of `bpf_loop` or `bpf_for_each_map_elem`: a subprogram whose last
//! parameter is a frame in the caller's stack holding the context pointer,
//! the range's start, a "returned" flag, and the enclosing variables the
//! body uses. The callback copies those in on entry and back out on every
//! exit, so the body reads and writes them as bpftrace's does. It returns
//! 1 to stop the loop (`break`, and `return`/`exit()`, which also set the
//! flag so the caller leaves the probe).

use super::map_loop::MapElement;
use super::{LoopTargets, Lowered, Lowerer, Var};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::helpers::Helper;
use crate::ir::{AluOp, Arg, Builder, CmpOp, CtxSource, FuncId, MapId, Operand, VReg};
use crate::syntax::ast::{Block, Expr, ExprKind, Ident, MapRef};
use crate::syntax::visit;
use crate::types::Type;

/// The callback frame's fixed words; captured variables follow.
const FRAME_CTX: u32 = 0;
/// A word of the walk's own: a range's first value.
const FRAME_WALK: u32 = 8;
const FRAME_RETURNED: u32 = 16;
const FRAME_CAPTURES: u32 = 24;

/// What a `for` loop walks, through which helper.
pub(super) enum Walk<'m> {
    /// `bpf_loop(count, callback(index, frame), frame, 0)` (Linux 5.17):
    /// `$i` is `first + index`.
    Range { first: VReg, count: VReg },
    /// `bpf_for_each_map_elem(map, callback(map, key, value, frame), frame, 0)`
    /// (Linux 5.13): `$kv` is `(key, value)`.
    Map {
        map: &'m MapRef,
        id: MapId,
        element: MapElement,
    },
}

impl Walk<'_> {
    fn helper(&self) -> Helper {
        match self {
            Walk::Range { .. } => Helper::Loop,
            Walk::Map { .. } => Helper::ForEachMapElem,
        }
    }

    /// The callback's parameters; the frame is the last.
    fn params(&self) -> usize {
        match self {
            Walk::Range { .. } => 2,
            Walk::Map { .. } => 4,
        }
    }
}

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
        let count = self.alu(AluOp::Sub, last, first, Type::I64);
        self.callback_loop(var, body, Walk::Range { first, count })
    }

    /// Runs `body` as the callback of the helper `walk` calls, with `var`
    /// bound to each element. The frame (ctx, walk word, "returned" flag,
    /// captures) is in this function's stack; captures are copied in before
    /// the call and back after it, so the body shares them by reference.
    pub(super) fn callback_loop(&mut self, var: &Ident, body: &Block, walk: Walk) -> Result<()> {
        let captures = self.captures(var, body);
        let callback = self.loop_callback(var, body, &captures, &walk)?;
        let size = captures.last().map_or(FRAME_CAPTURES, |c| {
            c.offset + c.val.ty().size().div_ceil(8) * 8
        });
        let frame = self.zeroed_slot(size);
        self.store_ctx(frame, FRAME_CTX);
        for c in &captures {
            match &c.val {
                Lowered::Reg(r, _) => self.store_slot(frame, c.offset, *r, 8),
                v => self.store(frame, c.offset, v, v.ty()),
            }
        }
        let skip = self.new_label();
        let args = match walk {
            Walk::Range { first, count } => {
                self.store_slot(frame, FRAME_WALK, first, 8);
                self.branch(CmpOp::SLe, count, 0, skip);
                vec![Arg::Reg(count), Arg::Func(callback)]
            }
            Walk::Map { id, .. } => vec![Arg::Map(id), Arg::Func(callback)],
        };
        let helper = walk.helper();
        self.call_void(
            helper,
            [args, vec![Arg::SlotAddr(frame, 0), Arg::Imm(0)]].concat(),
        );
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

    /// Lowers a `for` body into the callback `walk` calls, returning 0 to go
    /// on and 1 to stop; its last parameter is the frame.
    fn loop_callback(
        &mut self,
        var: &Ident,
        body: &Block,
        captures: &[Capture],
        walk: &Walk,
    ) -> Result<FuncId> {
        let param_types = vec![Type::U64; walk.params()];
        let ctx = CtxSource::Param {
            param: walk.params() as u8 - 1,
            offset: FRAME_CTX as i16,
        };
        let (builder, params, ret) = Builder::subprogram(&param_types, ctx, Type::U64);
        let frame = *params.last().expect("a frame parameter");
        let outer = std::mem::replace(&mut self.b, builder);
        let vars = std::mem::take(&mut self.vars);
        let loops = std::mem::take(&mut self.loops);
        let (returned, stop, done) = (self.new_label(), self.new_label(), self.new_label());
        let exit = std::mem::replace(&mut self.exit_label, returned);

        let mut locals = Vec::new();
        for c in captures {
            let val = self.load_val_at(frame, c.offset as i16, c.val.ty());
            self.vars
                .insert(c.name.clone(), Var::new(val.clone(), Span::default()));
            locals.push(val);
        }
        let element = self.element(walk, &params);
        let lowered = element.and_then(|val| {
            self.vars.insert(var.name.clone(), Var::new(val, var.span));
            self.loops.push(LoopTargets {
                next: done,
                exit: stop,
            });
            self.block(body)
        });
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
        // A body that failed may leave blocks unfinished: finish only a whole one.
        let callback = std::mem::replace(&mut self.b, outer);
        lowered?;
        Ok(self.add_callback(callback.finish()))
    }

    /// The loop variable's value in one call of the callback with `params`.
    fn element(&mut self, walk: &Walk, params: &[VReg]) -> Result<Lowered> {
        match walk {
            Walk::Range { .. } => {
                let first = self.load_ptr(params[1], FRAME_WALK as i16, 8, Type::I64);
                let i = self.alu(AluOp::Add, first, params[0], Type::I64);
                Ok(Lowered::Reg(i, Type::I64))
            }
            Walk::Map { map, id, element } => {
                self.map_element(map, *id, element, params[1], params[2])
            }
        }
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
