//! C data: `*p`, `p->f`, `s.f`, `a[i]`, pointer casts and arithmetic,
//! `sizeof`, `offsetof`, enum constants. Memory behind a pointer is a
//! [`Place`] until its value is needed, so `p->a.b[2]` reads only the element.

use super::{Lowered, Lowerer};
use crate::builtins;
use crate::ctypes::{Bitfield, CTypes, RecordKind};
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result, Span};
use crate::ir::{AluOp, Arg, CmpOp, Operand, ReadKind, Slot, VReg};
use crate::probes::ProbeContext;
use crate::syntax::ast::{Expr, ExprKind, Ident, SizeOfArg, UnaryOp};
use crate::types::{AddrSpace, Type};
use std::sync::Arc;

/// Memory holding a C value: its address, type and address space.
#[derive(Clone, Debug)]
struct Place {
    addr: VReg,
    ty: Type,
    space: AddrSpace,
    bitfield: Option<Bitfield>,
}

/// An operand of an access: memory not read yet, or a value.
enum Access {
    Place(Place),
    Value(Lowered),
}

impl Lowerer<'_> {
    /// The C types the program declares.
    pub fn ctypes(&self) -> &CTypes {
        self.ctypes
    }

    /// `*e`, `e.f`, `e->f` on C data, and `e[i]`.
    pub(super) fn c_access(&mut self, e: &Expr) -> Result<Lowered> {
        let access = self.access(e)?;
        self.value(access, e.span)
    }

    fn access(&mut self, e: &Expr) -> Result<Access> {
        match &e.kind {
            ExprKind::Unary {
                op: UnaryOp::Deref,
                expr,
            } => {
                let v = self.access(expr)?;
                let v = self.value(v, expr.span)?;
                self.deref(v, expr.span).map(Access::Place)
            }
            ExprKind::Field { expr, field, .. } if !is_builtin(expr) => {
                let base = self.access(expr)?;
                self.member(base, field)
            }
            ExprKind::Index { expr, index } => {
                let base = self.access(expr)?;
                self.indexed(base, index, e.span)
            }
            _ => self.expr(e).map(Access::Value),
        }
    }

    /// The value of an access: memory is read.
    fn value(&mut self, a: Access, span: Span) -> Result<Lowered> {
        match a {
            Access::Value(v) => Ok(v),
            Access::Place(p) => self.read(&p, span),
        }
    }

    /// `*v`: the memory a pointer points to.
    fn deref(&mut self, v: Lowered, span: Span) -> Result<Place> {
        match v {
            Lowered::Reg(r, Type::Ptr { pointee, space }) => {
                let ty = self.completed(&pointee, span)?;
                if ty == Type::Void {
                    return Err(
                        Diagnostic::new(Code::Type, span, "cannot dereference a `void *`")
                            .with_help("cast it to a pointer of the type it points to first"),
                    );
                }
                Ok(Place {
                    addr: r,
                    ty,
                    space,
                    bitfield: None,
                })
            }
            v => Err(Diagnostic::new(
                Code::Type,
                span,
                format!("cannot dereference {}: it is not a pointer", v.ty()),
            )),
        }
    }

    /// A record type with its members (a declared-only record is looked up).
    fn completed(&self, ty: &Type, span: Span) -> Result<Type> {
        match ty {
            Type::Record(r) => self.ctypes.complete(r).map(Type::Record).ok_or_else(|| {
                Diagnostic::new(Code::Name, span, format!("{} is not defined", r.title()))
            }),
            t => Ok(t.clone()),
        }
    }

    /// `base.f` or `base->f`: pointers to records are dereferenced first.
    fn member(&mut self, base: Access, field: &Ident) -> Result<Access> {
        let base = match base {
            Access::Place(p) if matches!(p.ty, Type::Ptr { .. }) => {
                Access::Value(self.read(&p, field.span)?)
            }
            b => b,
        };
        match base {
            Access::Value(v @ Lowered::Reg(_, Type::Ptr { .. })) => {
                let p = self.deref(v, field.span)?;
                self.member(Access::Place(p), field)
            }
            Access::Place(p) => {
                let Type::Record(r) = &p.ty else {
                    return Err(no_fields(&p.ty, field));
                };
                let (offset, ty, bitfield) = find_member(r, field)?;
                let addr = self.alu(AluOp::Add, p.addr, Operand::Imm(offset as i64), Type::U64);
                Ok(Access::Place(Place {
                    addr,
                    ty,
                    space: p.space,
                    bitfield,
                }))
            }
            Access::Value(Lowered::Mem(slot, Type::Record(r))) => {
                let (offset, ty, bitfield) = find_member(&r, field)?;
                Ok(Access::Value(match bitfield {
                    Some(b) => {
                        let r = self.reg(Type::U64);
                        self.load_slot_to(r, slot, offset, load_size(b.bytes()));
                        self.extract_bits(r, b, &ty)
                    }
                    None => self.field_val(slot, offset, &ty),
                }))
            }
            Access::Value(v) => self.tuple_element(v, field).map(Access::Value),
        }
    }

    /// `base[i]`: an element of an array or of the memory behind a pointer.
    fn indexed(&mut self, base: Access, index: &Expr, span: Span) -> Result<Access> {
        let base = match base {
            Access::Place(p) if matches!(p.ty, Type::Ptr { .. }) => {
                Access::Value(self.read(&p, span)?)
            }
            b => b,
        };
        match base {
            Access::Value(Lowered::Reg(r, Type::Ptr { pointee, space })) => {
                let elem = self.completed(&pointee, span)?;
                let addr = self.scaled_offset(r, index, elem.size())?;
                Ok(Access::Place(Place {
                    addr,
                    ty: elem,
                    space,
                    bitfield: None,
                }))
            }
            Access::Place(p) => {
                let (elem, len) = array_parts(&p.ty, span)?;
                // A trailing `x[0]` is a flexible array: any index is allowed.
                if len > 0 {
                    self.check_bounds(index, len)?;
                }
                let addr = self.scaled_offset(p.addr, index, elem.size())?;
                Ok(Access::Place(Place {
                    addr,
                    ty: elem,
                    space: p.space,
                    bitfield: None,
                }))
            }
            Access::Value(Lowered::Mem(slot, ty)) => {
                let (elem, len) = array_parts(&ty, span)?;
                let size = elem.size();
                if let Some(i) = self.check_bounds(index, len)? {
                    return Ok(Access::Value(self.field_val(slot, i * size, &elem)));
                }
                // A variable index into a copy on the stack: select the element.
                let (i, _) = self.scalar(index)?;
                let dst = self.storage(&elem);
                let end = self.new_label();
                for k in 0..len {
                    let skip = self.new_label();
                    self.branch(CmpOp::Ne, i, Operand::Imm(k as i64), skip);
                    let v = self.field_val(slot, k * size, &elem);
                    self.copy_into(&v, &dst);
                    self.jump(end);
                    self.place(skip);
                }
                self.place(end);
                Ok(Access::Value(dst))
            }
            Access::Value(v) => Err(Diagnostic::new(
                Code::Type,
                span,
                format!(
                    "cannot index {}: it is neither an array nor a pointer",
                    v.ty()
                ),
            )),
        }
    }

    /// The constant index, checked against `len`; `None` when not constant.
    fn check_bounds(&self, index: &Expr, len: u32) -> Result<Option<u32>> {
        let Ok(i) = self.const_int(index) else {
            return Ok(None);
        };
        if i < 0 || i as u64 >= len as u64 {
            return Err(Diagnostic::new(
                Code::Type,
                index.span,
                format!("the index {i} is out of bounds for array of size {len}"),
            ));
        }
        Ok(Some(i as u32))
    }

    /// `base + index * size`.
    fn scaled_offset(&mut self, base: VReg, index: &Expr, size: u32) -> Result<VReg> {
        if let Ok(i) = self.const_int(index) {
            let off = i.wrapping_mul(size as i64);
            return Ok(self.alu(AluOp::Add, base, Operand::Imm(off), Type::U64));
        }
        let (i, _) = self.scalar(index)?;
        let off = self.alu(AluOp::Mul, i, Operand::Imm(size as i64), Type::U64);
        Ok(self.alu(AluOp::Add, base, Operand::Reg(off), Type::U64))
    }

    /// Reads a place with `bpf_probe_read_kernel`/`_user`: scalars into a
    /// register, records and arrays into a stack copy.
    fn read(&mut self, p: &Place, span: Span) -> Result<Lowered> {
        let size = match p.bitfield {
            Some(b) => b.bytes(),
            None => p.ty.size(),
        };
        if size > 512 - 64 {
            return Err(Diagnostic::new(
                Code::Codegen,
                span,
                format!(
                    "{} is too large ({size} bytes) to read onto the BPF stack",
                    p.ty
                ),
            ));
        }
        let slot = self.zeroed_slot(size.max(1).next_multiple_of(8));
        self.probe_read(ReadKind::Bytes, p.space, slot, 0, size, Arg::Reg(p.addr));
        if let Some(b) = p.bitfield {
            let r = self.reg(Type::U64);
            self.load_slot_to(r, slot, 0, load_size(size));
            return Ok(self.extract_bits(r, b, &p.ty));
        }
        Ok(match &p.ty {
            Type::Ptr { pointee, .. } => {
                let ty = Type::Ptr {
                    pointee: pointee.clone(),
                    space: p.space,
                };
                Lowered::Reg(self.load_slot(slot, 0, ty.clone()), ty)
            }
            Type::Int { bits, signed } => {
                let r = self.reg(p.ty.clone());
                self.load_slot_to(r, slot, 0, *bits / 8);
                if *signed {
                    self.extend(r, r, *bits, true);
                }
                Lowered::Reg(r, p.ty.clone())
            }
            Type::Bool => {
                let r = self.reg(Type::Bool);
                self.load_slot_to(r, slot, 0, 1);
                Lowered::Reg(r, Type::Bool)
            }
            ty => Lowered::Mem(slot, ty.clone()),
        })
    }

    /// The bits of a bitfield from the raw word `r`.
    fn extract_bits(&mut self, r: VReg, b: Bitfield, ty: &Type) -> Lowered {
        let ty = match ty {
            Type::Int { signed, .. } => Type::Int {
                bits: 64,
                signed: *signed,
            },
            _ => Type::U64,
        };
        self.alu_to(r, AluOp::LShr, r, Operand::Imm(b.shift as i64));
        if b.bits < 64 {
            self.alu_to(
                r,
                AluOp::And,
                r,
                Operand::Imm(((1u64 << b.bits) - 1) as i64),
            );
        }
        Lowered::Reg(r, ty)
    }

    /// `a == b` (or `!=` with `negate`) of two `len`-byte values on the stack.
    pub(super) fn bytes_equal(&mut self, a: Slot, b: Slot, len: u32, negate: bool) -> Lowered {
        let d = self.reg(Type::Bool);
        let (differ, end) = (self.new_label(), self.new_label());
        let (x, y) = (self.reg(Type::U64), self.reg(Type::U64));
        let mut at = 0;
        while at < len {
            // The widest load (8, 4, 2 or 1 bytes) that fits what is left.
            let width = [8u8, 4, 2, 1]
                .into_iter()
                .find(|w| *w as u32 <= len - at)
                .expect("1 always fits");
            self.load_slot_to(x, a, at, width);
            self.load_slot_to(y, b, at, width);
            self.branch(CmpOp::Ne, x, Operand::Reg(y), differ);
            at += width as u32;
        }
        self.mov(d, Operand::Imm(!negate as i64));
        self.jump(end);
        self.place(differ);
        self.mov(d, Operand::Imm(negate as i64));
        self.place(end);
        Lowered::Reg(d, Type::Bool)
    }

    /// `(T *)e`, `(T[N])e`, `(uint32_t)e` and other casts to C types.
    pub(super) fn c_cast(&mut self, ty: &Ident, e: &Expr) -> Result<Lowered> {
        let target = self.ctypes.resolve(&ty.name, ty.span)?;
        let v = self.expr(e)?;
        match (&target, v) {
            (Type::Ptr { pointee, .. }, Lowered::Reg(r, from)) if from.is_scalar() => {
                let space = match from {
                    Type::Ptr { space, .. } => space,
                    _ => self.default_space(),
                };
                let t = Type::Ptr {
                    pointee: pointee.clone(),
                    space,
                };
                Ok(Lowered::Reg(r, t))
            }
            (Type::Int { bits, signed }, Lowered::Reg(r, from)) if from.is_scalar() => {
                let d = self.reg(target.clone());
                self.extend(d, r, *bits, *signed);
                Ok(Lowered::Reg(d, target))
            }
            (Type::Int { bits, signed }, Lowered::Mem(slot, from))
                if from.size() == target.size() =>
            {
                let d = self.reg(target.clone());
                self.load_slot_to(d, slot, 0, *bits / 8);
                if *signed {
                    self.extend(d, d, *bits, true);
                }
                Ok(Lowered::Reg(d, target))
            }
            (Type::Array { elem, len }, v) if elem.is_int() => {
                let bytes = v.ty().size();
                let len = if *len == 0 { bytes / elem.size() } else { *len };
                let t = Type::Array {
                    elem: elem.clone(),
                    len,
                };
                if t.size() != bytes {
                    return Err(bad_cast(v.ty(), &t, ty.span));
                }
                let slot = self.zeroed_slot(bytes.next_multiple_of(8));
                match &v {
                    Lowered::Reg(r, _) => self.store_slot(slot, 0, Operand::Reg(*r), bytes as u8),
                    Lowered::Mem(src, _) => self.copy_slot(slot, 0, *src, 0, bytes),
                }
                Ok(Lowered::Mem(slot, t))
            }
            (_, v) => Err(bad_cast(v.ty(), &target, ty.span)),
        }
    }

    /// Where pointers made from integers point: user memory in uprobes.
    pub(super) fn default_space(&self) -> AddrSpace {
        match &self.probe().context {
            ProbeContext::Regs { space, .. } | ProbeContext::Tracepoint { space, .. } => *space,
            ProbeContext::None | ProbeContext::RawTracepoint => AddrSpace::Kernel,
        }
    }

    /// `sizeof(type)` or `sizeof(e)`.
    pub(super) fn size_of(&mut self, arg: &SizeOfArg) -> Result<Lowered> {
        let ty = match arg {
            SizeOfArg::Type(t) => self.ctypes.resolve(&t.name, t.span)?,
            SizeOfArg::Expr(e) => match &e.kind {
                ExprKind::Ident(name) if builtins::find(name).is_none() => {
                    self.ctypes.resolve(name, e.span)?
                }
                _ => self.expression_type(e)?,
            },
        };
        let size = ty.size() as i64;
        Ok(Lowered::Reg(self.constant(size, Type::U64), Type::U64))
    }

    /// `offsetof(struct Foo, a.b)`.
    pub(super) fn offset_of(&mut self, ty: &Ident, path: &[Ident]) -> Result<Lowered> {
        let mut cur = self.ctypes.resolve(&ty.name, ty.span)?;
        let mut offset = 0;
        for field in path {
            let cur_ty = self.completed(&cur, ty.span)?;
            let Type::Record(r) = &cur_ty else {
                return Err(no_fields(&cur_ty, field));
            };
            let (off, member_ty, _) = find_member(r, field)?;
            offset += off;
            cur = member_ty;
        }
        Ok(Lowered::Reg(
            self.constant(offset as i64, Type::U64),
            Type::U64,
        ))
    }

    /// An enumerator used by name, if `name` is one.
    pub(super) fn enum_constant(&mut self, name: &str) -> Option<Lowered> {
        let v = self.ctypes.constant(name)?;
        Some(Lowered::Reg(self.constant(v, Type::I64), Type::I64))
    }

    /// `p + n` and `p - n` advance by `n` elements of the pointee.
    pub(super) fn pointer_step(&mut self, n: VReg, ptr: &Type) -> VReg {
        match ptr {
            Type::Ptr { pointee, .. } => {
                let size = self
                    .completed(pointee, Span::default())
                    .map(|t| t.size())
                    .unwrap_or(1)
                    .max(1);
                self.alu(AluOp::Mul, n, Operand::Imm(size as i64), Type::U64)
            }
            _ => n,
        }
    }

    /// How far `++`/`--` moves a value of type `ty`.
    pub(super) fn step_of(&self, ty: &Type) -> i64 {
        match ty {
            Type::Ptr { pointee, .. } => self
                .completed(pointee, Span::default())
                .map(|t| t.size().max(1) as i64)
                .unwrap_or(1),
            _ => 1,
        }
    }
}

/// `args.f` and other builtins with fields are not C data.
fn is_builtin(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Ident(name) if builtins::find(name).is_some())
}

/// Offset, type and bits of member `field` of `r`.
fn find_member(
    r: &Arc<crate::ctypes::Record>,
    field: &Ident,
) -> Result<(u32, Type, Option<Bitfield>)> {
    match r.member(&field.name) {
        Some(m) => Ok((m.offset, m.member.ty.clone(), m.member.bitfield)),
        None => {
            let d = Diagnostic::new(
                Code::Name,
                field.span,
                format!("{} has no field named `{}`", r.title(), field.name),
            );
            let names = r.member_names();
            Err(match did_you_mean(&field.name, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None if names.is_empty() => d,
                None => d.with_help(format!("its fields are: {}", names.join(", "))),
            })
        }
    }
}

fn no_fields(ty: &Type, field: &Ident) -> Diagnostic {
    Diagnostic::new(
        Code::Type,
        field.span,
        format!(
            "{ty} has no fields: `.{}` needs a struct, a union or a pointer to one",
            field.name
        ),
    )
}

/// The element type and length of an array (a string is an array of `int8`).
fn array_parts(ty: &Type, span: Span) -> Result<(Type, u32)> {
    match ty {
        Type::Array { elem, len } => Ok(((**elem).clone(), *len)),
        Type::Str { size } => Ok((Type::int(8, true), *size)),
        t => Err(Diagnostic::new(
            Code::Type,
            span,
            format!("cannot index {t}: it is neither an array nor a pointer"),
        )),
    }
}

fn bad_cast(from: &Type, to: &Type, span: Span) -> Diagnostic {
    let d = Diagnostic::new(Code::Type, span, format!("cannot cast {from} to {to}"));
    match to {
        Type::Record(r) if r.kind == RecordKind::Struct || r.kind == RecordKind::Union => d
            .with_help(format!(
                "cast to a pointer, `({} *)`, and dereference it",
                r.title()
            )),
        _ => d,
    }
}

/// The load width (1, 2, 4 or 8 bytes) covering `bytes`.
fn load_size(bytes: u32) -> u8 {
    match bytes {
        0 | 1 => 1,
        2 => 2,
        3 | 4 => 4,
        _ => 8,
    }
}
