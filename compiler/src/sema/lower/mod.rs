//! Checking and lowering of one probe's AST into typed IR. Builtins and
//! probe contexts are reached through their registries; this module holds the
//! language core: the lowering context and records here, statements, maps and
//! expressions in their own files.

mod expr;
mod loops;
mod map;
mod positional;
mod stmt;

use super::maps::{storage_type, MapTable};
use super::Options;
use crate::artifact::{Action, EventSpec, Field};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{
    AluOp, Arg, Builder, CmpOp, Function, Helper, Inst, Label, MapId, Operand, Slot, VReg,
};
use crate::kernel_info::KernelInfo;
use crate::probes::ProbeInstance;
use crate::syntax::ast::{Block, Expr, ExprKind, UnaryOp};
use crate::types::Type;
use std::collections::HashMap;

/// A computed value: a scalar in a register, or bytes in a stack slot.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Reg(VReg, Type),
    Mem(Slot, Type),
}

impl Val {
    pub fn ty(&self) -> &Type {
        match self {
            Val::Reg(_, t) | Val::Mem(_, t) => t,
        }
    }

    pub fn void() -> Val {
        Val::Reg(VReg(u32::MAX), Type::Void)
    }
}

/// Where a scratch variable lives.
#[derive(Clone, Debug)]
struct Var {
    val: Val,
}

/// Lowers one probe instance; shared state (maps, events) lives across probes.
pub struct Lowerer<'a> {
    /// The function being built.
    b: Builder,
    pub maps: &'a mut MapTable,
    pub events: &'a mut Vec<EventSpec>,
    pub probe: &'a ProbeInstance,
    pub options: &'a Options,
    /// Ids of the runtime's own maps, after the script maps.
    pub runtime_maps: RuntimeMapIds,
    /// The kernel the script is compiled for (`kaddr()` resolves symbols).
    pub kernel: &'a dyn KernelInfo,
    vars: HashMap<String, Var>,
    exit_label: Label,
    /// Innermost last: where `continue` and `break` go.
    loops: Vec<LoopTargets>,
}

/// The blocks a loop's `continue` and `break` jump to.
#[derive(Clone, Copy, Debug)]
struct LoopTargets {
    next: Label,
    exit: Label,
}

/// Ids of the maps every script has (and the stack map when used).
#[derive(Clone, Copy, Debug)]
pub struct RuntimeMapIds {
    pub output: MapId,
    pub lost: MapId,
    pub start: MapId,
    pub stacks: MapId,
}

impl<'a> Lowerer<'a> {
    pub fn new(
        maps: &'a mut MapTable,
        events: &'a mut Vec<EventSpec>,
        probe: &'a ProbeInstance,
        options: &'a Options,
        runtime_maps: RuntimeMapIds,
        kernel: &'a dyn KernelInfo,
    ) -> Self {
        let mut b = Builder::new();
        let exit_label = b.new_label();
        Lowerer {
            b,
            maps,
            events,
            probe,
            options,
            runtime_maps,
            kernel,
            vars: HashMap::new(),
            exit_label,
            loops: Vec::new(),
        }
    }

    /// Lowers a probe body behind its optional predicate.
    pub fn lower_probe(mut self, predicate: Option<&Expr>, body: &Block) -> Result<Function> {
        if let Some(p) = predicate {
            let c = self.condition(p)?;
            self.branch(CmpOp::Eq, c, Operand::Imm(0), self.exit_label);
        }
        self.block(body)?;
        self.place(self.exit_label);
        Ok(self.b.finish())
    }

    // ----- building blocks used by builtins -----

    pub fn push(&mut self, inst: Inst) {
        self.b.push(inst);
    }

    pub fn reg(&mut self, ty: Type) -> VReg {
        self.b.reg(ty)
    }

    pub fn slot(&mut self, size: u32) -> Slot {
        self.b.slot(size)
    }

    /// A zero-filled slot.
    pub fn zeroed_slot(&mut self, size: u32) -> Slot {
        let s = self.slot(size);
        self.push(Inst::ZeroSlot { slot: s });
        s
    }

    /// A block to [`place`](Self::place) later and jump or branch to.
    pub fn label(&mut self) -> Label {
        self.b.new_label()
    }

    /// Continues in block `l` (the current block falls through into it).
    pub fn place(&mut self, l: Label) {
        self.b.place(l);
    }

    pub fn jump(&mut self, l: Label) {
        self.b.jump(l);
    }

    /// `if lhs op rhs goto target`.
    pub fn branch(&mut self, op: CmpOp, lhs: VReg, rhs: Operand, target: Label) {
        self.b.branch(op, lhs, rhs, target);
    }

    pub fn constant(&mut self, v: i64, ty: Type) -> VReg {
        let r = self.reg(ty);
        self.push(Inst::Mov {
            dst: r,
            src: Operand::Imm(v),
        });
        r
    }

    /// Calls a helper and returns its result as a value of type `ty`.
    pub fn call(&mut self, helper: Helper, args: Vec<Arg>, ty: Type) -> VReg {
        let r = self.reg(ty);
        self.push(Inst::Call {
            dst: Some(r),
            helper,
            args,
        });
        r
    }

    pub fn alu(&mut self, op: AluOp, lhs: VReg, rhs: Operand, ty: Type) -> VReg {
        let r = self.reg(ty);
        self.push(Inst::Alu {
            op,
            dst: r,
            lhs,
            rhs,
        });
        r
    }

    /// Copies `len` bytes of the probe's context at `ctx_offset` (a tracepoint
    /// record field) into `slot` at `at`.
    pub fn copy_from_ctx(&mut self, slot: Slot, at: u32, ctx_offset: u32, len: u32) {
        let off = self.constant(ctx_offset as i64, Type::U64);
        self.push(Inst::Call {
            dst: None,
            helper: crate::builtins::helpers::PROBE_READ_KERNEL,
            args: vec![
                Arg::SlotAddr(slot, at),
                Arg::Imm(len as i64),
                Arg::CtxPlus(off),
            ],
        });
    }

    /// Leaves the probe (after `exit()` or `return`).
    pub fn leave(&mut self) {
        self.jump(self.exit_label);
    }

    /// The value of an integer literal (possibly negated).
    pub fn const_int(&self, e: &Expr) -> Result<i64> {
        match &e.kind {
            ExprKind::Int(v) => Ok(*v as i64),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                expr,
            } => Ok(self.const_int(expr)?.wrapping_neg()),
            _ => Err(Diagnostic::new(
                Code::Type,
                e.span,
                "expected an integer literal",
            )),
        }
    }

    /// A scalar (integer or pointer) value.
    pub fn scalar(&mut self, e: &Expr) -> Result<(VReg, Type)> {
        match self.expr(e)? {
            Val::Reg(r, t) if t.is_scalar() => Ok((r, t)),
            v => Err(Diagnostic::new(
                Code::Type,
                e.span,
                format!("expected an integer, found {}", v.ty()),
            )),
        }
    }

    /// Writes a record `{u64 event id; fields…}` to the output ring buffer.
    pub fn event(&mut self, action: Action, vals: &[Val]) -> Result<()> {
        let mut types = vec![Type::U64];
        types.extend(vals.iter().map(|v| storage_type(v.ty())));
        let record = Type::Tuple(types.clone());
        let offsets = Type::field_offsets(&types);
        let slot = self.zeroed_slot(record.size());
        let id = self.events.len() as i64;
        self.push(Inst::StoreSlot {
            slot,
            offset: 0,
            src: Operand::Imm(id),
            size: 8,
        });
        let mut fields = Vec::new();
        for (i, v) in vals.iter().enumerate() {
            self.store(slot, offsets[i + 1], v, &types[i + 1]);
            fields.push(Field {
                offset: offsets[i + 1],
                ty: types[i + 1].clone(),
            });
        }
        self.events.push(EventSpec { action, fields });
        self.push(Inst::Output {
            slot,
            len: record.size(),
        });
        Ok(())
    }

    /// Stores a value into memory laid out as `ty` (its storage type).
    pub fn store(&mut self, slot: Slot, offset: u32, v: &Val, ty: &Type) {
        match v {
            Val::Reg(r, _) => self.push(Inst::StoreSlot {
                slot,
                offset,
                src: Operand::Reg(*r),
                size: ty.size() as u8,
            }),
            Val::Mem(src, src_ty) => match (src_ty, ty) {
                (Type::Tuple(from), Type::Tuple(to)) => {
                    let (fo, to_off) = (Type::field_offsets(from), Type::field_offsets(to));
                    for i in 0..from.len() {
                        let field = self.field_val(*src, fo[i], &from[i]);
                        self.store(slot, offset + to_off[i], &field, &to[i]);
                    }
                }
                _ => {
                    let len = src_ty.size().min(ty.size());
                    self.push(Inst::CopySlot {
                        dst: slot,
                        dst_offset: offset,
                        src: *src,
                        src_offset: 0,
                        len,
                    });
                }
            },
        }
    }

    /// A field of a tuple held in a slot, as a value.
    fn field_val(&mut self, slot: Slot, offset: u32, ty: &Type) -> Val {
        if ty.is_scalar() {
            let r = self.reg(ty.clone());
            self.push(Inst::LoadSlot {
                dst: r,
                slot,
                offset,
                size: 8,
            });
            Val::Reg(r, ty.clone())
        } else {
            let s = self.slot(ty.size());
            self.push(Inst::CopySlot {
                dst: s,
                dst_offset: 0,
                src: slot,
                src_offset: offset,
                len: ty.size(),
            });
            Val::Mem(s, ty.clone())
        }
    }

    /// The id of a map named in `print(@m)`, `clear(@m)` … which must be assigned somewhere.
    pub fn map_arg(&mut self, e: &Expr) -> Result<MapId> {
        match &e.kind {
            ExprKind::Map(m) if m.keys.is_empty() => Ok(self.maps.id(&m.name, m.span)),
            _ => Err(Diagnostic::new(
                Code::Type,
                e.span,
                "expected a map such as `@x`",
            )),
        }
    }
}
