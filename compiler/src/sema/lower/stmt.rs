//! Statements: blocks, control flow, variable and map assignment.

use super::{Lowered, Lowerer};
use crate::artifact::{Action, MapValue, SourceLocation};
use crate::builtins::{self, Aggregate, Call, Form};
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result, Span};
use crate::ir::{CmpOp, MapId, Operand, Slot, VReg};
use crate::sema::maps::storage_type;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Ident, MapRef, Stmt, StmtKind};
use crate::types::Type;

impl Lowerer<'_> {
    pub(super) fn stmt(&mut self, s: &Stmt) -> Result<()> {
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
                let (else_l, end) = (self.new_label(), self.new_label());
                self.branch(CmpOp::Eq, c, Operand::Imm(0), else_l);
                self.block(then)?;
                self.jump(end);
                self.place(else_l);
                if let Some(b) = otherwise {
                    self.block(b)?;
                }
                self.place(end);
                Ok(())
            }
            StmtKind::Unroll { count, body } => {
                let n = self.const_int(count)?;
                let limit = match n {
                    ..=0 => Some("unroll minimum value is 1"),
                    101.. => Some("unroll maximum value is 100"),
                    _ => None,
                };
                if let Some(message) = limit {
                    return Err(Diagnostic::new(Code::Type, count.span, message)
                        .with_help("unroll repeats its block 1 to 100 times"));
                }
                (0..n).try_for_each(|_| self.block(body))
            }
            StmtKind::While { cond, body } => self.while_loop(cond, body),
            StmtKind::ForRange {
                var,
                start,
                end,
                body,
            } => self.for_range(var, start, end, body),
            StmtKind::ForMap { var, map, body } => self.for_map(var, map, body),
            StmtKind::Break => self.loop_jump(true, s.span),
            StmtKind::Continue => self.loop_jump(false, s.span),
            StmtKind::Return => {
                self.leave();
                Ok(())
            }
            StmtKind::Let { var, ty, value } => {
                self.declare(var, ty.as_ref(), value.as_ref(), s.span)
            }
            StmtKind::Discard(e) => self.expr(e).map(drop),
        }
    }

    pub(super) fn assign_var(
        &mut self,
        var: &Ident,
        op: Option<BinaryOp>,
        value: &Expr,
        span: Span,
    ) -> Result<()> {
        super::positional::check_assignable(var)?;
        let new = match op {
            None => self.assigned_value(value)?,
            Some(op) => {
                let (cur, cur_ty) = self.var_scalar(var)?;
                let (rhs, rhs_ty) = self.scalar(value)?;
                self.arith(op, (cur, cur_ty), (rhs, rhs_ty), value)?
            }
        };
        if self.vars.contains_key(&var.name) {
            self.assign_existing(var, &new, span)
        } else {
            self.define(&var.name, &new, span)
        }
    }

    /// Copies `from` into the variable storage `to`.
    pub(super) fn copy_into(&mut self, from: &Lowered, to: &Lowered) {
        match (from, to) {
            (Lowered::Reg(src, _), Lowered::Reg(dst, _)) => self.mov(*dst, Operand::Reg(*src)),
            (_, Lowered::Mem(slot, ty)) => {
                self.zero_slot(*slot);
                self.store(*slot, 0, from, ty)
            }
            _ => unreachable!("checked compatible"),
        }
    }

    pub(super) fn var_scalar(&mut self, var: &Ident) -> Result<(VReg, Type)> {
        match self.var(var)? {
            Lowered::Reg(r, t) => Ok((r, t)),
            v => Err(Diagnostic::new(
                Code::Type,
                var.span,
                format!("{} is a {}, not an integer", var.name, v.ty()),
            )),
        }
    }

    pub(super) fn var(&self, var: &Ident) -> Result<Lowered> {
        self.vars
            .get(&var.name)
            .map(|v| v.val.clone())
            .ok_or_else(|| {
                let d = Diagnostic::new(
                    Code::Name,
                    var.span,
                    format!("undefined variable {}", var.name),
                )
                .with_label("not assigned or declared before, in this block or an enclosing one");
                match did_you_mean(&var.name, self.vars.keys().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean {s}?")),
                    None => d,
                }
            })
    }

    pub(super) fn assign_map(
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
                        Code::Type,
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
                let cur = self.map_value(id, map, key)?;
                let cur = self.as_scalar(cur, map.span)?;
                let rhs = self.scalar(value)?;
                self.arith(op, cur, rhs, value)?
            }
        };
        if new.ty() == &Type::Void || matches!(new.ty(), Type::Void) {
            return Err(Diagnostic::new(
                Code::Type,
                value.span,
                "this expression has no value to assign",
            ));
        }
        self.maps.use_value(
            &map.name,
            MapValue::Plain(storage_type(new.ty())),
            value.span,
        )?;
        self.map_write(id, map, key, &new)
    }

    pub(super) fn map_write(
        &mut self,
        id: MapId,
        map: &MapRef,
        key: Slot,
        v: &Lowered,
    ) -> Result<()> {
        let Some(MapValue::Plain(ty)) = self.maps.get(&map.name).and_then(|m| m.value.clone())
        else {
            unreachable!("value recorded before writing")
        };
        let value = self.zeroed_slot(ty.size());
        self.store(value, 0, v, &ty);
        let status = self.map_update(id, key, value);
        self.warn_if_map_full(status, map.span)
    }

    /// A map update that failed because the map is full (-E2BIG) sends a
    /// warning naming the update's place in the script, as bpftrace does.
    fn warn_if_map_full(&mut self, status: VReg, span: Span) -> Result<()> {
        const E2BIG: i64 = 7;
        let ok = self.new_label();
        self.branch(CmpOp::Ne, status, Operand::Imm(-E2BIG), ok);
        let location = SourceLocation {
            span,
            ..SourceLocation::default()
        };
        self.event(
            Action::MapFull { location },
            &[Lowered::Reg(status, Type::I64)],
        )?;
        self.place(ok);
        Ok(())
    }

    pub(super) fn aggregate(&mut self, map: &MapRef, agg: Aggregate, span: Span) -> Result<()> {
        let id = self.maps.id(&map.name, map.span);
        self.maps.use_value(&map.name, agg.value.clone(), span)?;
        let key = self.key_with_bucket(map, agg.bucket)?;
        let init = self.zeroed_slot(agg.value.size());
        for (offset, v) in &agg.init {
            self.store_slot(init, *offset, *v, 8);
        }
        let status = self.map_aggregate(id, key, agg.ops, init);
        self.warn_if_map_full(status, map.span)
    }
}
