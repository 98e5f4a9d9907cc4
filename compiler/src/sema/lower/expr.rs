//! Expressions: literals, builtins, operators, ternaries, casts, `++`/`--`.

use super::{Lowered, Lowerer};
use crate::artifact::MapValue;
use crate::builtins::{self, Call, Form};
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result};
use crate::ir::{AluOp, CmpOp, Operand, VReg};
use crate::sema::maps::storage_type;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Ident, UnaryOp};
use crate::types::Type;

impl Lowerer<'_> {
    pub fn expr(&mut self, e: &Expr) -> Result<Lowered> {
        match &e.kind {
            ExprKind::Int(v) => {
                let ty = if *v > i64::MAX as u64 {
                    Type::U64
                } else {
                    Type::I64
                };
                Ok(Lowered::Reg(self.constant(*v as i64, ty.clone()), ty))
            }
            ExprKind::Str(bytes) => Ok(self.string_literal(bytes)),
            ExprKind::Ident(name) => {
                let ident = Ident {
                    name: name.clone(),
                    span: e.span,
                };
                if builtins::find(name).is_none() {
                    if let Some(v) = self.enum_constant(name) {
                        return Ok(v);
                    }
                }
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
            ExprKind::Var(name) => match self.positional(name, e.span) {
                Some(param) => param,
                None => self.var(&Ident {
                    name: name.clone(),
                    span: e.span,
                }),
            },
            ExprKind::Map(m) => {
                let id = self.maps.id(&m.name, m.span);
                let key = self.map_key(m)?;
                self.map_value(id, m, key)
            }
            ExprKind::Call { name, args } => {
                // `comm()`: v0.26 variables are macros without parameters.
                let variable = builtins::find(&name.name).filter(|b| b.form() == Form::Variable);
                let form = match variable {
                    Some(_) if args.is_empty() => Form::Variable,
                    _ => Form::Function,
                };
                let b = self.builtin(name, form)?;
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
            ExprKind::Unary {
                op: UnaryOp::Deref, ..
            }
            | ExprKind::Index { .. } => self.c_access(e),
            ExprKind::SizeOf(arg) => self.size_of(arg),
            ExprKind::OffsetOf { ty, path } => self.offset_of(ty, path),
            ExprKind::Unary { op, expr } => {
                let (r, t) = self.scalar(expr)?;
                Ok(match op {
                    UnaryOp::Neg => {
                        let zero = self.constant(0, Type::I64);
                        Lowered::Reg(
                            self.alu(AluOp::Sub, zero, Operand::Reg(r), Type::I64),
                            Type::I64,
                        )
                    }
                    UnaryOp::BitNot => {
                        let ty = Type::Int {
                            bits: 64,
                            signed: t.is_signed(),
                        };
                        Lowered::Reg(self.alu(AluOp::Xor, r, Operand::Imm(-1), ty.clone()), ty)
                    }
                    UnaryOp::Not => {
                        let d = self.reg(Type::Bool);
                        self.cmp_to(d, CmpOp::Eq, r, Operand::Imm(0));
                        Lowered::Reg(d, Type::Bool)
                    }
                    UnaryOp::Deref => unreachable!("lowered as C data above"),
                })
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => self.ternary(cond, then.as_deref(), otherwise),
            ExprKind::Cast { ty, expr } if ty.name == "bool" => self.truth(expr),
            ExprKind::Cast { ty, expr } => match int_type(&ty.name) {
                Some((bits, signed)) => {
                    let (r, _) = self.scalar(expr)?;
                    let t = Type::Int { bits, signed };
                    let d = self.reg(t.clone());
                    self.extend(d, r, bits, signed);
                    Ok(Lowered::Reg(d, t))
                }
                None => self.c_cast(ty, expr),
            },
            ExprKind::Field { expr, field, .. } => match &expr.kind {
                ExprKind::Ident(name) if builtins::find(name).is_some() => {
                    let call = Call {
                        name,
                        args: &[],
                        span: expr.span,
                    };
                    builtins::find(name)
                        .expect("checked")
                        .field(self, &call, field)
                }
                _ => self.c_access(e),
            },
            ExprKind::IncDec {
                target,
                increment,
                prefix,
            } => self.inc_dec(target, *increment, *prefix),
            ExprKind::Block { stmts, value } => self.block_expr(stmts, value.as_deref()),
            ExprKind::Tuple(items) => {
                let vals = items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<Vec<_>>>()?;
                if let Some((v, i)) = vals.iter().zip(items).find(|(v, _)| v.ty() == &Type::Void) {
                    return Err(Diagnostic::new(
                        Code::Type,
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
                Ok(Lowered::Mem(slot, ty))
            }
        }
    }

    pub fn string_literal(&mut self, bytes: &[u8]) -> Lowered {
        let size = bytes.len() as u32 + 1;
        let slot = self.zeroed_slot(size);
        for (i, chunk) in bytes.chunks(4).enumerate() {
            let mut word = [0u8; 4];
            word[..chunk.len()].copy_from_slice(chunk);
            let off = i as u32 * 4;
            // Stores of up to 4 bytes never sign-extend; slots are 8-aligned.
            for (j, b) in chunk.iter().enumerate() {
                if chunk.len() < 4 {
                    self.store_slot(slot, off + j as u32, Operand::Imm(*b as i64), 1);
                }
            }
            if chunk.len() == 4 {
                let v = u32::from_le_bytes(word) as i64;
                self.store_slot(slot, off, Operand::Imm(v), 4);
            }
        }
        Lowered::Mem(slot, Type::Str { size })
    }

    pub(super) fn builtin(
        &self,
        name: &Ident,
        form: Form,
    ) -> Result<&'static dyn builtins::Builtin> {
        match builtins::find(&name.name) {
            Some(b) if b.form() == form || (form == Form::Function && b.also_callable()) => Ok(b),
            Some(b) if b.form() == Form::Aggregation => Err(Diagnostic::new(
                Code::Type,
                name.span,
                format!(
                    "{}() is an aggregation and can only be assigned to a map, e.g. `@x = {}(…)`",
                    name.name, name.name
                ),
            )),
            Some(_) if form == Form::Variable => Err(Diagnostic::new(
                Code::Name,
                name.span,
                format!("{} is a function; call it as {}()", name.name, name.name),
            )),
            Some(_) => Err(Diagnostic::new(
                Code::Name,
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
                let d = Diagnostic::new(
                    Code::Name,
                    name.span,
                    format!("unknown {kind} `{}`", name.name),
                );
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
    pub(super) fn condition(&mut self, e: &Expr) -> Result<VReg> {
        match self.expr(e)? {
            Lowered::Reg(r, t) if t.is_scalar() => Ok(r),
            v => Err(Diagnostic::new(
                Code::Type,
                e.span,
                format!("a condition must be an integer, found {}", v.ty()),
            )),
        }
    }

    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        whole: &Expr,
    ) -> Result<Lowered> {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            return self.logical(op, lhs, rhs);
        }
        let l = self.expr(lhs)?;
        let r = self.expr(rhs)?;
        match (&l, &r) {
            (Lowered::Reg(a, at), Lowered::Reg(b, bt)) if at.is_scalar() && bt.is_scalar() => {
                self.arith(op, (*a, at.clone()), (*b, bt.clone()), rhs)
            }
            (Lowered::Mem(_, Type::Str { .. }), Lowered::Mem(_, Type::Str { .. }))
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne) =>
            {
                Ok(self.string_equal(&l, &r, op == BinaryOp::Ne))
            }
            (Lowered::Mem(a, at @ Type::Array { .. }), Lowered::Mem(b, bt))
                if at == bt && matches!(op, BinaryOp::Eq | BinaryOp::Ne) =>
            {
                Ok(self.bytes_equal(*a, *b, at.size(), op == BinaryOp::Ne))
            }
            _ => Err(Diagnostic::new(
                Code::Type,
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
    pub(super) fn arith(
        &mut self,
        op: BinaryOp,
        (a, at): (VReg, Type),
        (b, bt): (VReg, Type),
        rhs_expr: &Expr,
    ) -> Result<Lowered> {
        if matches!(op, BinaryOp::Div | BinaryOp::Mod) && matches!(rhs_expr.kind, ExprKind::Int(0))
        {
            return Err(Diagnostic::new(
                Code::Type,
                rhs_expr.span,
                "division by zero",
            ));
        }
        if matches!(op, BinaryOp::Add | BinaryOp::Sub) {
            if let Type::Ptr { .. } = at {
                if !matches!(bt, Type::Ptr { .. }) {
                    let step = self.pointer_step(b, &at);
                    let aop = if op == BinaryOp::Add {
                        AluOp::Add
                    } else {
                        AluOp::Sub
                    };
                    return Ok(Lowered::Reg(
                        self.alu(aop, a, Operand::Reg(step), at.clone()),
                        at,
                    ));
                }
            } else if let (Type::Ptr { .. }, BinaryOp::Add) = (&bt, op) {
                let step = self.pointer_step(a, &bt);
                return Ok(Lowered::Reg(
                    self.alu(AluOp::Add, b, Operand::Reg(step), bt.clone()),
                    bt,
                ));
            }
        }
        let signed = at.is_signed() && bt.is_signed();
        let ty = Type::Int { bits: 64, signed };
        let rhs = Operand::Reg(b);
        let alu = Some;
        let alu_op = match op {
            BinaryOp::Add => alu(AluOp::Add),
            BinaryOp::Sub => alu(AluOp::Sub),
            BinaryOp::Mul => alu(AluOp::Mul),
            // bpftrace (v0.21 and before) divides, takes remainders and shifts
            // right as unsigned whatever the operands' types.
            BinaryOp::Div => alu(AluOp::UDiv),
            BinaryOp::Mod => alu(AluOp::UMod),
            BinaryOp::BitAnd => alu(AluOp::And),
            BinaryOp::BitOr => alu(AluOp::Or),
            BinaryOp::BitXor => alu(AluOp::Xor),
            BinaryOp::Shl => alu(AluOp::Shl),
            BinaryOp::Shr => alu(AluOp::LShr),
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
            return Ok(Lowered::Reg(self.alu(aop, a, rhs, ty.clone()), ty));
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
        let d = self.reg(Type::Bool);
        self.cmp_to(d, cmp, a, rhs);
        Ok(Lowered::Reg(d, Type::Bool))
    }

    pub(super) fn logical(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Result<Lowered> {
        let d = self.reg(Type::Bool);
        let (short, end) = (self.new_label(), self.new_label());
        let short_value = if op == BinaryOp::And { 0 } else { 1 };
        let short_when = if op == BinaryOp::And {
            CmpOp::Eq
        } else {
            CmpOp::Ne
        };
        let l = self.condition(lhs)?;
        self.branch(short_when, l, Operand::Imm(0), short);
        let r = self.condition(rhs)?;
        self.cmp_to(d, CmpOp::Ne, r, Operand::Imm(0));
        self.jump(end);
        self.place(short);
        self.mov(d, Operand::Imm(short_value));
        self.place(end);
        Ok(Lowered::Reg(d, Type::Bool))
    }

    pub(super) fn ternary(
        &mut self,
        cond: &Expr,
        then: Option<&Expr>,
        otherwise: &Expr,
    ) -> Result<Lowered> {
        let (c, elvis) = match then {
            Some(_) => (self.condition(cond)?, None),
            None => {
                let (c, ty) = self.scalar(cond)?;
                (c, Some(Lowered::Reg(c, ty)))
            }
        };
        let (else_l, end) = (self.new_label(), self.new_label());
        self.branch(CmpOp::Eq, c, Operand::Imm(0), else_l);
        // Both arms are lowered before the shared destination's type is
        // known; the `then` arm's last block waits open for its copy.
        let a = match (then, elvis) {
            (Some(then), _) => self.expr(then)?,
            (None, elvis) => elvis.expect("the condition is the value of `?:`"),
        };
        let then_end = self.b.suspend();
        self.place(else_l);
        let b = self.expr(otherwise)?;
        let dst = match (a.ty(), b.ty()) {
            (Type::Bool, Type::Bool) => Lowered::Reg(self.reg(Type::Bool), Type::Bool),
            (x, y) if x.is_scalar() && y.is_scalar() => {
                let ty = Type::Int {
                    bits: 64,
                    signed: x.is_signed() && y.is_signed(),
                };
                Lowered::Reg(self.reg(ty.clone()), ty)
            }
            (Type::Str { size: x }, Type::Str { size: y }) => {
                let size = (*x).max(*y);
                Lowered::Mem(self.slot(size), Type::Str { size })
            }
            (x, y) => {
                return Err(Diagnostic::new(
                    Code::Type,
                    otherwise.span,
                    format!("the branches of `?:` have different types: {x} and {y}"),
                ))
            }
        };
        self.copy_into(&b, &dst);
        self.jump(end);
        self.b.resume(then_end);
        self.copy_into(&a, &dst);
        self.place(end);
        Ok(dst)
    }

    /// `(bool)e`: an integer or pointer is true unless 0, a string unless empty.
    fn truth(&mut self, e: &Expr) -> Result<Lowered> {
        let d = self.reg(Type::Bool);
        match self.expr(e)? {
            Lowered::Reg(r, t) if t.is_scalar() => self.cmp_to(d, CmpOp::Ne, r, Operand::Imm(0)),
            Lowered::Mem(slot, Type::Str { .. }) => {
                let first = self.reg(Type::U64);
                self.load_slot_to(first, slot, 0, 1);
                self.cmp_to(d, CmpOp::Ne, first, Operand::Imm(0));
            }
            v => {
                return Err(Diagnostic::new(
                    Code::Type,
                    e.span,
                    format!("cannot cast {} to bool", v.ty()),
                ))
            }
        }
        Ok(Lowered::Reg(d, Type::Bool))
    }

    /// Byte-wise comparison up to the first NUL (or the shorter buffer's end).
    pub(super) fn string_equal(&mut self, a: &Lowered, b: &Lowered, negate: bool) -> Lowered {
        let (Lowered::Mem(sa, Type::Str { size: la }), Lowered::Mem(sb, Type::Str { size: lb })) =
            (a, b)
        else {
            unreachable!("checked by caller")
        };
        let d = self.reg(Type::Bool);
        let (differ, end) = (self.new_label(), self.new_label());
        self.mov(d, Operand::Imm(if negate { 0 } else { 1 }));
        let (x, y) = (self.reg(Type::U64), self.reg(Type::U64));
        for i in 0..(*la).min(*lb) {
            self.load_slot_to(x, *sa, i, 1);
            self.load_slot_to(y, *sb, i, 1);
            self.branch(CmpOp::Ne, x, Operand::Reg(y), differ);
            self.branch(CmpOp::Eq, x, Operand::Imm(0), end);
        }
        self.jump(end);
        self.place(differ);
        self.mov(d, Operand::Imm(if negate { 1 } else { 0 }));
        self.place(end);
        Lowered::Reg(d, Type::Bool)
    }

    pub(super) fn inc_dec(
        &mut self,
        target: &Expr,
        increment: bool,
        prefix: bool,
    ) -> Result<Lowered> {
        let sign = if increment { 1 } else { -1 };
        match &target.kind {
            ExprKind::Var(name) => {
                let ident = Ident {
                    name: name.clone(),
                    span: target.span,
                };
                let (r, t) = self.var_scalar(&ident)?;
                let delta = sign * self.step_of(&t);
                let old = self.reg(t.clone());
                self.mov(old, Operand::Reg(r));
                self.alu_to(r, AluOp::Add, r, Operand::Imm(delta));
                Ok(Lowered::Reg(if prefix { r } else { old }, t))
            }
            ExprKind::Map(m) => {
                let id = self.maps.id(&m.name, m.span);
                let key = self.map_key(m)?;
                let cur = self.map_value(id, m, key)?;
                let (old, t) = self.as_scalar(cur, m.span)?;
                let delta = sign * self.step_of(&t);
                let new = self.alu(AluOp::Add, old, Operand::Imm(delta), t.clone());
                self.maps
                    .use_value(&m.name, MapValue::Plain(storage_type(&t)), m.span)?;
                self.map_write(id, m, key, &Lowered::Reg(new, t.clone()))?;
                Ok(Lowered::Reg(if prefix { new } else { old }, t))
            }
            _ => Err(Diagnostic::new(
                Code::Type,
                target.span,
                "++ and -- apply to variables and map elements",
            )),
        }
    }
}

/// `int8` … `uint64` as (bits, signed).
pub(super) fn int_type(name: &str) -> Option<(u8, bool)> {
    let (signed, bits) = match name.strip_prefix('u') {
        Some(rest) => (false, rest.strip_prefix("int")?),
        None => (true, name.strip_prefix("int")?),
    };
    let bits: u8 = bits.parse().ok()?;
    [8, 16, 32, 64].contains(&bits).then_some((bits, signed))
}
