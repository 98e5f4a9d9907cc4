//! Checking and lowering of one probe's AST into typed IR. Builtins and
//! probe contexts are reached through their registries; this file holds the
//! language core: statements, operators, variables, maps and records.

use super::maps::{storage_type, MapTable};
use super::Options;
use crate::artifact::{key_fields, Action, EventSpec, Field, MapValue};
use crate::builtins::{self, Aggregate, Call, Form};
use crate::diagnostic::{did_you_mean, Diagnostic, Result, Span};
use crate::ir::{AluOp, Arg, CmpOp, Function, Helper, Inst, Label, MapId, Operand, Slot, VReg};
use crate::probes::ProbeInstance;
use crate::syntax::ast::{BinaryOp, Block, Expr, ExprKind, Ident, MapRef, Stmt, StmtKind, UnaryOp};
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
    pub func: Function,
    pub maps: &'a mut MapTable,
    pub events: &'a mut Vec<EventSpec>,
    pub probe: &'a ProbeInstance,
    pub options: &'a Options,
    /// Ids of the runtime's own maps, after the script maps.
    pub runtime_maps: RuntimeMapIds,
    /// Possible CPUs of the machine: per-CPU values read in the kernel.
    pub cpus: u32,
    vars: HashMap<String, Var>,
    exit_label: Label,
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
        cpus: u32,
    ) -> Self {
        let mut func = Function::default();
        let exit_label = Label(0);
        func.labels = 1;
        Lowerer {
            func,
            maps,
            events,
            probe,
            options,
            runtime_maps,
            cpus,
            vars: HashMap::new(),
            exit_label,
        }
    }

    /// Lowers a probe body behind its optional predicate.
    pub fn lower_probe(mut self, predicate: Option<&Expr>, body: &Block) -> Result<Function> {
        if let Some(p) = predicate {
            let c = self.condition(p)?;
            self.push(Inst::Branch {
                op: CmpOp::Eq,
                lhs: c,
                rhs: Operand::Imm(0),
                target: self.exit_label,
            });
        }
        self.block(body)?;
        self.push(Inst::Label(self.exit_label));
        Ok(self.func)
    }

    // ----- building blocks used by builtins -----

    pub fn push(&mut self, inst: Inst) {
        self.func.insts.push(inst);
    }

    pub fn reg(&mut self, ty: Type) -> VReg {
        self.func.regs.push(ty);
        VReg(self.func.regs.len() as u32 - 1)
    }

    pub fn slot(&mut self, size: u32) -> Slot {
        self.func.slots.push(size.max(1));
        Slot(self.func.slots.len() as u32 - 1)
    }

    /// A zero-filled slot.
    pub fn zeroed_slot(&mut self, size: u32) -> Slot {
        let s = self.slot(size);
        self.push(Inst::ZeroSlot { slot: s });
        s
    }

    pub fn label(&mut self) -> Label {
        self.func.labels += 1;
        Label(self.func.labels - 1)
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

    /// Leaves the probe (after `exit()` or `return`).
    pub fn leave(&mut self) {
        self.push(Inst::Jump(self.exit_label));
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
                "type",
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
                "type",
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
                "type",
                e.span,
                "expected a map such as `@x`",
            )),
        }
    }

    // ----- statements -----

    fn block(&mut self, b: &Block) -> Result<()> {
        b.stmts.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&mut self, s: &Stmt) -> Result<()> {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e).map(drop),
            StmtKind::AssignVar { var, op, value } => self.assign_var(var, *op, value, s.span),
            StmtKind::AssignMap { map, op, value } => self.assign_map(map, *op, value, s.span),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let c = self.condition(cond)?;
                let (else_l, end) = (self.label(), self.label());
                self.push(Inst::Branch {
                    op: CmpOp::Eq,
                    lhs: c,
                    rhs: Operand::Imm(0),
                    target: else_l,
                });
                self.block(then)?;
                self.push(Inst::Jump(end));
                self.push(Inst::Label(else_l));
                if let Some(b) = otherwise {
                    self.block(b)?;
                }
                self.push(Inst::Label(end));
                Ok(())
            }
            StmtKind::Unroll { count, body } => {
                let n = self.const_int(count)?;
                if !(1..=100).contains(&n) {
                    return Err(Diagnostic::new(
                        "type",
                        count.span,
                        "unroll count must be between 1 and 100",
                    ));
                }
                (0..n).try_for_each(|_| self.block(body))
            }
            StmtKind::Return => {
                self.leave();
                Ok(())
            }
        }
    }

    fn assign_var(
        &mut self,
        var: &Ident,
        op: Option<BinaryOp>,
        value: &Expr,
        span: Span,
    ) -> Result<()> {
        let new = match op {
            None => self.expr(value)?,
            Some(op) => {
                let (cur, cur_ty) = self.var_scalar(var)?;
                let (rhs, rhs_ty) = self.scalar(value)?;
                self.arith(op, (cur, cur_ty), (rhs, rhs_ty), value)?
            }
        };
        if new.ty() == &Type::Void {
            return Err(Diagnostic::new(
                "type",
                value.span,
                "this expression has no value to assign",
            ));
        }
        match self.vars.get(&var.name).cloned() {
            None => {
                let val = match &new {
                    Val::Reg(_, t) => {
                        let r = self.reg(t.clone());
                        self.copy_into(&new, &Val::Reg(r, t.clone()));
                        Val::Reg(r, t.clone())
                    }
                    Val::Mem(_, t) => {
                        let s = self.zeroed_slot(t.size());
                        self.store(s, 0, &new, t);
                        Val::Mem(s, t.clone())
                    }
                };
                self.vars.insert(var.name.clone(), Var { val });
            }
            Some(Var { val }) => {
                let compatible = match (val.ty(), new.ty()) {
                    (a, b) if a.is_scalar() && b.is_scalar() => true,
                    (Type::Str { size: a }, Type::Str { size: b }) => b <= a,
                    (a, b) => a == b,
                };
                if !compatible {
                    return Err(Diagnostic::new(
                        "type",
                        span,
                        format!(
                            "{} has type {}, and cannot be assigned a {}",
                            var.name,
                            val.ty(),
                            new.ty()
                        ),
                    ));
                }
                self.copy_into(&new, &val);
            }
        }
        Ok(())
    }

    /// Copies `from` into the variable storage `to`.
    fn copy_into(&mut self, from: &Val, to: &Val) {
        match (from, to) {
            (Val::Reg(src, _), Val::Reg(dst, _)) => self.push(Inst::Mov {
                dst: *dst,
                src: Operand::Reg(*src),
            }),
            (_, Val::Mem(slot, ty)) => {
                self.push(Inst::ZeroSlot { slot: *slot });
                self.store(*slot, 0, from, ty)
            }
            _ => unreachable!("checked compatible"),
        }
    }

    fn var_scalar(&mut self, var: &Ident) -> Result<(VReg, Type)> {
        match self.var(var)? {
            Val::Reg(r, t) => Ok((r, t)),
            v => Err(Diagnostic::new(
                "type",
                var.span,
                format!("{} is a {}, not an integer", var.name, v.ty()),
            )),
        }
    }

    fn var(&self, var: &Ident) -> Result<Val> {
        self.vars
            .get(&var.name)
            .map(|v| v.val.clone())
            .ok_or_else(|| {
                let d =
                    Diagnostic::new("name", var.span, format!("undefined variable {}", var.name))
                        .with_label("used before any assignment in this probe");
                match did_you_mean(&var.name, self.vars.keys().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean {s}?")),
                    None => d,
                }
            })
    }

    fn assign_map(
        &mut self,
        map: &MapRef,
        op: Option<BinaryOp>,
        value: &Expr,
        span: Span,
    ) -> Result<()> {
        if let ExprKind::Call { name, args } = &value.kind {
            if let Some(b) = builtins::find(&name.name).filter(|b| b.form() == Form::Aggregation) {
                if op.is_some() {
                    return Err(Diagnostic::new(
                        "type",
                        span,
                        "an aggregation cannot be combined with `op=`",
                    ));
                }
                let call = Call {
                    name: &name.name,
                    args,
                    span: value.span,
                };
                let agg = b.aggregate(self, &call)?;
                return self.aggregate(map, agg, value.span);
            }
        }
        let id = self.maps.id(&map.name, map.span);
        let key = self.map_key(map)?;
        let new = match op {
            None => self.expr(value)?,
            Some(op) => {
                let cur = self.map_read(id, map, key)?;
                let cur = self.as_scalar(cur, map.span)?;
                let rhs = self.scalar(value)?;
                self.arith(op, cur, rhs, value)?
            }
        };
        if new.ty() == &Type::Void || matches!(new.ty(), Type::Void) {
            return Err(Diagnostic::new(
                "type",
                value.span,
                "this expression has no value to assign",
            ));
        }
        self.maps.use_value(
            &map.name,
            MapValue::Plain(storage_type(new.ty())),
            value.span,
        )?;
        self.map_write(id, &map.name, key, &new)
    }

    fn map_write(&mut self, id: MapId, name: &str, key: Slot, v: &Val) -> Result<()> {
        let Some(MapValue::Plain(ty)) = self.maps.get(name).and_then(|m| m.value.clone()) else {
            unreachable!("value recorded before writing")
        };
        let value = self.zeroed_slot(ty.size());
        self.store(value, 0, v, &ty);
        self.push(Inst::MapUpdate {
            map: id,
            key,
            value,
        });
        Ok(())
    }

    fn aggregate(&mut self, map: &MapRef, agg: Aggregate, span: Span) -> Result<()> {
        let id = self.maps.id(&map.name, map.span);
        self.maps.use_value(&map.name, agg.value.clone(), span)?;
        let key = self.key_with_bucket(map, agg.bucket)?;
        let init = self.zeroed_slot(agg.value.size());
        for (offset, v) in &agg.init {
            self.push(Inst::StoreSlot {
                slot: init,
                offset: *offset,
                src: *v,
                size: 8,
            });
        }
        self.push(Inst::MapAggregate {
            map: id,
            key,
            ops: agg.ops,
            init,
        });
        Ok(())
    }

    // ----- maps -----

    /// Builds the key of `map[keys…]` in a zeroed slot.
    pub fn map_key(&mut self, map: &MapRef) -> Result<Slot> {
        self.key_with_bucket(map, None)
    }

    /// Builds the key of `map[keys…]` (plus a histogram bucket) in a zeroed slot.
    fn key_with_bucket(&mut self, map: &MapRef, bucket: Option<VReg>) -> Result<Slot> {
        let mut vals = Vec::new();
        for k in &map.keys {
            let v = self.expr(k)?;
            if matches!(v.ty(), Type::Void) {
                return Err(Diagnostic::new(
                    "type",
                    k.span,
                    "this expression has no value to use as a key",
                ));
            }
            vals.push(v);
        }
        let key_types: Vec<Type> = vals.iter().map(|v| storage_type(v.ty())).collect();
        self.maps.use_keys(&map.name, key_types, map.span)?;
        let info = self.maps.get(&map.name).expect("registered");
        let keys = info.keys.clone().unwrap_or_default();
        let value = info.value.clone().unwrap_or(MapValue::Plain(Type::I64));
        if value.has_bucket_key() != bucket.is_some() {
            let message = if bucket.is_some() {
                format!(
                    "{} holds plain values elsewhere, but a histogram here",
                    map.name
                )
            } else {
                format!(
                    "{} is a histogram, which can only be printed, cleared or zeroed",
                    map.name
                )
            };
            return Err(Diagnostic::new("type", map.span, message));
        }
        let fields = key_fields(&keys, &value);
        let offsets = Type::field_offsets(&fields);
        let slot = self.zeroed_slot(Type::Tuple(fields.clone()).size());
        for (i, v) in vals.iter().enumerate() {
            self.store(slot, offsets[i], v, &fields[i]);
        }
        if let Some(b) = bucket {
            self.push(Inst::StoreSlot {
                slot,
                offset: *offsets.last().expect("bucket"),
                src: Operand::Reg(b),
                size: 8,
            });
        }
        Ok(slot)
    }

    /// Reads `map[key]` (zero when absent).
    fn map_read(&mut self, id: MapId, map: &MapRef, key: Slot) -> Result<Val> {
        let ty = match self.maps.get(&map.name).and_then(|m| m.value.clone()) {
            None => Type::I64,
            Some(MapValue::Plain(t)) => t,
            Some(agg) => return builtins::aggregates::read_in_kernel(self, &agg, id, key, map),
        };
        let slot = self.slot(ty.size());
        self.push(Inst::MapRead {
            map: id,
            key,
            cpu: None,
            dst: slot,
            dst_offset: 0,
            len: ty.size(),
        });
        Ok(self.load_val(slot, &ty))
    }

    /// A slot's content as a value: scalars are loaded into a register.
    fn load_val(&mut self, slot: Slot, ty: &Type) -> Val {
        if ty.is_scalar() {
            let r = self.reg(ty.clone());
            self.push(Inst::LoadSlot {
                dst: r,
                slot,
                offset: 0,
                size: 8,
            });
            Val::Reg(r, ty.clone())
        } else {
            Val::Mem(slot, ty.clone())
        }
    }

    fn as_scalar(&mut self, v: Val, span: Span) -> Result<(VReg, Type)> {
        match v {
            Val::Reg(r, t) if t.is_scalar() => Ok((r, t)),
            v => Err(Diagnostic::new(
                "type",
                span,
                format!("expected an integer, found {}", v.ty()),
            )),
        }
    }

    // ----- expressions -----

    pub fn expr(&mut self, e: &Expr) -> Result<Val> {
        match &e.kind {
            ExprKind::Int(v) => {
                let ty = if *v > i64::MAX as u64 {
                    Type::U64
                } else {
                    Type::I64
                };
                Ok(Val::Reg(self.constant(*v as i64, ty.clone()), ty))
            }
            ExprKind::Str(bytes) => Ok(self.string_literal(bytes)),
            ExprKind::Ident(name) => {
                let ident = Ident {
                    name: name.clone(),
                    span: e.span,
                };
                let b = self.builtin(&ident, Form::Variable)?;
                b.lower(
                    self,
                    &Call {
                        name,
                        args: &[],
                        span: e.span,
                    },
                )
            }
            ExprKind::Var(_) => {
                let ExprKind::Var(name) = &e.kind else {
                    unreachable!()
                };
                self.var(&Ident {
                    name: name.clone(),
                    span: e.span,
                })
            }
            ExprKind::Map(m) => {
                let id = self.maps.id(&m.name, m.span);
                let key = self.map_key(m)?;
                self.map_read(id, m, key)
            }
            ExprKind::Call { name, args } => {
                let b = self.builtin(name, Form::Function)?;
                b.lower(
                    self,
                    &Call {
                        name: &name.name,
                        args,
                        span: e.span,
                    },
                )
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e),
            ExprKind::Unary { op, expr } => {
                let (r, t) = self.scalar(expr)?;
                Ok(match op {
                    UnaryOp::Neg => {
                        let zero = self.constant(0, Type::I64);
                        Val::Reg(
                            self.alu(AluOp::Sub, zero, Operand::Reg(r), Type::I64),
                            Type::I64,
                        )
                    }
                    UnaryOp::BitNot => {
                        let ty = Type::Int {
                            bits: 64,
                            signed: t.is_signed(),
                        };
                        Val::Reg(self.alu(AluOp::Xor, r, Operand::Imm(-1), ty.clone()), ty)
                    }
                    UnaryOp::Not => {
                        let d = self.reg(Type::U64);
                        self.push(Inst::Cmp {
                            op: CmpOp::Eq,
                            dst: d,
                            lhs: r,
                            rhs: Operand::Imm(0),
                        });
                        Val::Reg(d, Type::U64)
                    }
                })
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => self.ternary(cond, then, otherwise),
            ExprKind::Cast { ty, expr } => {
                let (bits, signed) = cast_type(&ty.name).ok_or_else(|| {
                    Diagnostic::new("type", ty.span, format!("unknown type `{}`", ty.name))
                        .with_help("integer casts: (int8) (int16) (int32) (int64) (uint8) (uint16) (uint32) (uint64)")
                })?;
                let (r, _) = self.scalar(expr)?;
                let t = Type::Int { bits, signed };
                let d = self.reg(t.clone());
                self.push(Inst::Extend {
                    dst: d,
                    src: r,
                    bits,
                    signed,
                });
                Ok(Val::Reg(d, t))
            }
            ExprKind::Field { expr, field, .. } => match &expr.kind {
                ExprKind::Ident(n) if n == "args" => builtins::args::field(self, field),
                _ => Err(Diagnostic::new(
                    "type",
                    field.span,
                    "field access is only supported on `args`",
                )),
            },
            ExprKind::IncDec {
                target,
                increment,
                prefix,
            } => self.inc_dec(target, *increment, *prefix),
            ExprKind::Tuple(items) => {
                let vals = items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<Vec<_>>>()?;
                if let Some((v, i)) = vals.iter().zip(items).find(|(v, _)| v.ty() == &Type::Void) {
                    return Err(Diagnostic::new(
                        "type",
                        i.span,
                        format!("a tuple cannot hold {}", v.ty()),
                    ));
                }
                let types: Vec<Type> = vals.iter().map(|v| storage_type(v.ty())).collect();
                let ty = Type::Tuple(types.clone());
                let offsets = Type::field_offsets(&types);
                let slot = self.zeroed_slot(ty.size());
                for (i, v) in vals.iter().enumerate() {
                    self.store(slot, offsets[i], v, &types[i]);
                }
                Ok(Val::Mem(slot, ty))
            }
        }
    }

    pub fn string_literal(&mut self, bytes: &[u8]) -> Val {
        let size = bytes.len() as u32 + 1;
        let slot = self.zeroed_slot(size);
        for (i, chunk) in bytes.chunks(4).enumerate() {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let off = i as u32 * 4;
            // Stores of up to 4 bytes never sign-extend; slots are 8-aligned.
            for (j, b) in chunk.iter().enumerate() {
                if chunk.len() < 4 {
                    self.push(Inst::StoreSlot {
                        slot,
                        offset: off + j as u32,
                        src: Operand::Imm(*b as i64),
                        size: 1,
                    });
                }
            }
            if chunk.len() == 4 {
                let v = u32::from_le_bytes(word) as i64;
                self.push(Inst::StoreSlot {
                    slot,
                    offset: off,
                    src: Operand::Imm(v),
                    size: 4,
                });
            }
        }
        Val::Mem(slot, Type::Str { size })
    }

    fn builtin(&self, name: &Ident, form: Form) -> Result<&'static dyn builtins::Builtin> {
        match builtins::find(&name.name) {
            Some(b) if b.form() == form => Ok(b),
            Some(b) if b.form() == Form::Aggregation => Err(Diagnostic::new(
                "type",
                name.span,
                format!(
                    "{}() is an aggregation and can only be assigned to a map, e.g. `@x = {}(…)`",
                    name.name, name.name
                ),
            )),
            Some(_) if form == Form::Variable => Err(Diagnostic::new(
                "name",
                name.span,
                format!("{} is a function; call it as {}()", name.name, name.name),
            )),
            Some(_) => Err(Diagnostic::new(
                "name",
                name.span,
                format!("{} is a builtin variable, not a function", name.name),
            )
            .with_help(format!("write `{}` without parentheses", name.name))),
            None => {
                let kind = if form == Form::Variable {
                    "builtin"
                } else {
                    "function"
                };
                let d =
                    Diagnostic::new("name", name.span, format!("unknown {kind} `{}`", name.name));
                let candidates = builtins::BUILTINS
                    .iter()
                    .filter(|b| (b.form() == Form::Variable) == (form == Form::Variable));
                match did_you_mean(&name.name, candidates.map(|b| b.name())) {
                    Some(s) => Err(d.with_help(format!("did you mean `{s}`?"))),
                    None => Err(d),
                }
            }
        }
    }

    /// A truth value: a scalar compared with zero by its users.
    fn condition(&mut self, e: &Expr) -> Result<VReg> {
        match self.expr(e)? {
            Val::Reg(r, t) if t.is_scalar() => Ok(r),
            v => Err(Diagnostic::new(
                "type",
                e.span,
                format!("a condition must be an integer, found {}", v.ty()),
            )),
        }
    }

    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr, whole: &Expr) -> Result<Val> {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            return self.logical(op, lhs, rhs);
        }
        let l = self.expr(lhs)?;
        let r = self.expr(rhs)?;
        match (&l, &r) {
            (Val::Reg(a, at), Val::Reg(b, bt)) if at.is_scalar() && bt.is_scalar() => {
                self.arith(op, (*a, at.clone()), (*b, bt.clone()), rhs)
            }
            (Val::Mem(_, Type::Str { .. }), Val::Mem(_, Type::Str { .. }))
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne) =>
            {
                Ok(self.string_equal(&l, &r, op == BinaryOp::Ne))
            }
            _ => Err(Diagnostic::new(
                "type",
                whole.span,
                format!(
                    "operator `{}` cannot be applied to {} and {}",
                    op.symbol(),
                    l.ty(),
                    r.ty()
                ),
            )),
        }
    }

    /// Integer arithmetic and comparison with C's rules at 64 bits: the
    /// result is signed only when both sides are.
    fn arith(
        &mut self,
        op: BinaryOp,
        (a, at): (VReg, Type),
        (b, bt): (VReg, Type),
        rhs_expr: &Expr,
    ) -> Result<Val> {
        if matches!(op, BinaryOp::Div | BinaryOp::Mod) && matches!(rhs_expr.kind, ExprKind::Int(0))
        {
            return Err(Diagnostic::new("type", rhs_expr.span, "division by zero"));
        }
        let signed = at.is_signed() && bt.is_signed();
        let ty = Type::Int { bits: 64, signed };
        let rhs = Operand::Reg(b);
        let alu = Some;
        let alu_op = match op {
            BinaryOp::Add => alu(AluOp::Add),
            BinaryOp::Sub => alu(AluOp::Sub),
            BinaryOp::Mul => alu(AluOp::Mul),
            BinaryOp::Div => alu(if signed { AluOp::SDiv } else { AluOp::UDiv }),
            BinaryOp::Mod => alu(if signed { AluOp::SMod } else { AluOp::UMod }),
            BinaryOp::BitAnd => alu(AluOp::And),
            BinaryOp::BitOr => alu(AluOp::Or),
            BinaryOp::BitXor => alu(AluOp::Xor),
            BinaryOp::Shl => alu(AluOp::Shl),
            BinaryOp::Shr => alu(if at.is_signed() {
                AluOp::AShr
            } else {
                AluOp::LShr
            }),
            _ => None,
        };
        if let Some(aop) = alu_op {
            let ty = if matches!(op, BinaryOp::Shl | BinaryOp::Shr) {
                Type::Int {
                    bits: 64,
                    signed: at.is_signed(),
                }
            } else {
                ty
            };
            return Ok(Val::Reg(self.alu(aop, a, rhs, ty.clone()), ty));
        }
        let cmp = match (op, signed) {
            (BinaryOp::Eq, _) => CmpOp::Eq,
            (BinaryOp::Ne, _) => CmpOp::Ne,
            (BinaryOp::Lt, true) => CmpOp::SLt,
            (BinaryOp::Le, true) => CmpOp::SLe,
            (BinaryOp::Gt, true) => CmpOp::SGt,
            (BinaryOp::Ge, true) => CmpOp::SGe,
            (BinaryOp::Lt, false) => CmpOp::ULt,
            (BinaryOp::Le, false) => CmpOp::ULe,
            (BinaryOp::Gt, false) => CmpOp::UGt,
            (BinaryOp::Ge, false) => CmpOp::UGe,
            _ => unreachable!("logical operators handled before"),
        };
        let d = self.reg(Type::U64);
        self.push(Inst::Cmp {
            op: cmp,
            dst: d,
            lhs: a,
            rhs,
        });
        Ok(Val::Reg(d, Type::U64))
    }

    fn logical(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Result<Val> {
        let d = self.reg(Type::U64);
        let (short, end) = (self.label(), self.label());
        let short_value = if op == BinaryOp::And { 0 } else { 1 };
        let short_when = if op == BinaryOp::And {
            CmpOp::Eq
        } else {
            CmpOp::Ne
        };
        let l = self.condition(lhs)?;
        self.push(Inst::Branch {
            op: short_when,
            lhs: l,
            rhs: Operand::Imm(0),
            target: short,
        });
        let r = self.condition(rhs)?;
        self.push(Inst::Cmp {
            op: CmpOp::Ne,
            dst: d,
            lhs: r,
            rhs: Operand::Imm(0),
        });
        self.push(Inst::Jump(end));
        self.push(Inst::Label(short));
        self.push(Inst::Mov {
            dst: d,
            src: Operand::Imm(short_value),
        });
        self.push(Inst::Label(end));
        Ok(Val::Reg(d, Type::U64))
    }

    fn ternary(&mut self, cond: &Expr, then: &Expr, otherwise: &Expr) -> Result<Val> {
        let c = self.condition(cond)?;
        let (else_l, end) = (self.label(), self.label());
        self.push(Inst::Branch {
            op: CmpOp::Eq,
            lhs: c,
            rhs: Operand::Imm(0),
            target: else_l,
        });
        // Lower both arms into a shared destination decided by the first arm's type.
        let start = self.func.insts.len();
        let a = self.expr(then)?;
        let then_code: Vec<Inst> = self.func.insts.drain(start..).collect();
        let b = self.expr(otherwise)?;
        let else_code: Vec<Inst> = self.func.insts.drain(start..).collect();
        let dst = match (a.ty(), b.ty()) {
            (x, y) if x.is_scalar() && y.is_scalar() => {
                let ty = Type::Int {
                    bits: 64,
                    signed: x.is_signed() && y.is_signed(),
                };
                Val::Reg(self.reg(ty.clone()), ty)
            }
            (Type::Str { size: x }, Type::Str { size: y }) => {
                let size = (*x).max(*y);
                Val::Mem(self.slot(size), Type::Str { size })
            }
            (x, y) => {
                return Err(Diagnostic::new(
                    "type",
                    otherwise.span,
                    format!("the branches of `?:` have different types: {x} and {y}"),
                ))
            }
        };
        self.func.insts.extend(then_code);
        self.copy_into(&a, &dst);
        self.push(Inst::Jump(end));
        self.push(Inst::Label(else_l));
        self.func.insts.extend(else_code);
        self.copy_into(&b, &dst);
        self.push(Inst::Label(end));
        Ok(dst)
    }

    /// Byte-wise comparison up to the first NUL (or the shorter buffer's end).
    fn string_equal(&mut self, a: &Val, b: &Val, negate: bool) -> Val {
        let (Val::Mem(sa, Type::Str { size: la }), Val::Mem(sb, Type::Str { size: lb })) = (a, b)
        else {
            unreachable!("checked by caller")
        };
        let d = self.reg(Type::U64);
        let (differ, end) = (self.label(), self.label());
        self.push(Inst::Mov {
            dst: d,
            src: Operand::Imm(if negate { 0 } else { 1 }),
        });
        let (x, y) = (self.reg(Type::U64), self.reg(Type::U64));
        for i in 0..(*la).min(*lb) {
            self.push(Inst::LoadSlot {
                dst: x,
                slot: *sa,
                offset: i,
                size: 1,
            });
            self.push(Inst::LoadSlot {
                dst: y,
                slot: *sb,
                offset: i,
                size: 1,
            });
            self.push(Inst::Branch {
                op: CmpOp::Ne,
                lhs: x,
                rhs: Operand::Reg(y),
                target: differ,
            });
            self.push(Inst::Branch {
                op: CmpOp::Eq,
                lhs: x,
                rhs: Operand::Imm(0),
                target: end,
            });
        }
        self.push(Inst::Jump(end));
        self.push(Inst::Label(differ));
        self.push(Inst::Mov {
            dst: d,
            src: Operand::Imm(if negate { 1 } else { 0 }),
        });
        self.push(Inst::Label(end));
        Val::Reg(d, Type::U64)
    }

    fn inc_dec(&mut self, target: &Expr, increment: bool, prefix: bool) -> Result<Val> {
        let delta = if increment { 1 } else { -1 };
        match &target.kind {
            ExprKind::Var(name) => {
                let ident = Ident {
                    name: name.clone(),
                    span: target.span,
                };
                let (r, t) = self.var_scalar(&ident)?;
                let old = self.reg(t.clone());
                self.push(Inst::Mov {
                    dst: old,
                    src: Operand::Reg(r),
                });
                self.push(Inst::Alu {
                    op: AluOp::Add,
                    dst: r,
                    lhs: r,
                    rhs: Operand::Imm(delta),
                });
                Ok(Val::Reg(if prefix { r } else { old }, t))
            }
            ExprKind::Map(m) => {
                let id = self.maps.id(&m.name, m.span);
                let key = self.map_key(m)?;
                let cur = self.map_read(id, m, key)?;
                let (old, t) = self.as_scalar(cur, m.span)?;
                let new = self.alu(AluOp::Add, old, Operand::Imm(delta), t.clone());
                self.maps
                    .use_value(&m.name, MapValue::Plain(storage_type(&t)), m.span)?;
                self.map_write(id, &m.name, key, &Val::Reg(new, t.clone()))?;
                Ok(Val::Reg(if prefix { new } else { old }, t))
            }
            _ => Err(Diagnostic::new(
                "type",
                target.span,
                "++ and -- apply to variables and map elements",
            )),
        }
    }
}

fn cast_type(name: &str) -> Option<(u8, bool)> {
    let (signed, bits) = match name.strip_prefix('u') {
        Some(rest) => (false, rest.strip_prefix("int")?),
        None => (true, name.strip_prefix("int")?),
    };
    let bits: u8 = bits.parse().ok()?;
    [8, 16, 32, 64].contains(&bits).then_some((bits, signed))
}
