//! Checking and lowering of one probe's AST into typed IR. Builtins and
//! probe contexts are reached through their registries; this module holds the
//! language core: the lowering context and records here, statements, maps and
//! expressions in their own files.

mod cdata;
mod expr;
mod loops;
mod map;
mod map_loop;
mod positional;
pub(crate) use positional::substitute_in_attach_point;
mod stmt;
mod vars;

use super::maps::{storage_type, MapTable};
use super::Options;
use crate::artifact::{Action, EventSpec, Field};
use crate::ctypes::CTypes;
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::ir::{Arg, Builder, CmpOp, Function, Label, MapId, Operand, ReadKind, Slot, VReg};
use crate::kernel_info::KernelInfo;
use crate::probes::ProbeInstance;
use crate::syntax::ast::{Block, Expr, ExprKind, Ident, UnaryOp};
use crate::types::{AddrSpace, Type};
use std::collections::HashMap;

/// A lowered expression: a scalar in a register, or bytes in a stack slot
/// (not to be confused with [`crate::value::Value`], a decoded value in user space).
#[derive(Clone, Debug, PartialEq)]
pub enum Lowered {
    Reg(VReg, Type),
    Mem(Slot, Type),
}

impl Lowered {
    pub fn ty(&self) -> &Type {
        match self {
            Lowered::Reg(_, t) | Lowered::Mem(_, t) => t,
        }
    }

    pub fn void() -> Lowered {
        Lowered::Reg(VReg(u32::MAX), Type::Void)
    }
}

/// Where a scratch variable lives.
#[derive(Clone, Debug)]
struct Var {
    val: Lowered,
    /// Where it was declared or first assigned: the key of its type in
    /// [`MapTable::var_types`].
    def: Span,
    /// Declared by `let` without a type and not yet assigned: its storage is
    /// a placeholder until a pass knows the type from its assignments.
    untyped: bool,
}

impl Var {
    /// A variable whose type is known, defined at `def`.
    fn new(val: Lowered, def: Span) -> Var {
        Var {
            val,
            def,
            untyped: false,
        }
    }
}

/// Lowers one probe instance; shared state (maps, events) lives across probes.
pub struct Lowerer<'a> {
    /// The function being built.
    b: Builder,
    maps: &'a mut MapTable,
    events: &'a mut Vec<EventSpec>,
    probe: &'a ProbeInstance,
    options: &'a Options,
    /// Ids of the runtime's own maps, after the script maps.
    runtime_maps: RuntimeMapIds,
    /// The kernel the script is compiled for (`kaddr()` resolves symbols).
    kernel: &'a dyn KernelInfo,
    /// The C types the script declares.
    ctypes: &'a CTypes,
    vars: HashMap<String, Var>,
    /// Innermost last: the variables each enclosing block introduced.
    scopes: Vec<Vec<String>>,
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

/// Builtins emit instructions through the [`Builder`]'s typed methods.
impl std::ops::Deref for Lowerer<'_> {
    type Target = Builder;
    fn deref(&self) -> &Builder {
        &self.b
    }
}

impl std::ops::DerefMut for Lowerer<'_> {
    fn deref_mut(&mut self) -> &mut Builder {
        &mut self.b
    }
}

impl<'a> Lowerer<'a> {
    pub fn new(
        maps: &'a mut MapTable,
        events: &'a mut Vec<EventSpec>,
        probe: &'a ProbeInstance,
        options: &'a Options,
        runtime_maps: RuntimeMapIds,
        kernel: &'a dyn KernelInfo,
        ctypes: &'a CTypes,
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
            ctypes,
            vars: HashMap::new(),
            scopes: Vec::new(),
            exit_label,
            loops: Vec::new(),
        }
    }

    /// Lowers a probe body behind its optional predicate.
    pub fn lower_probe(mut self, predicate: Option<&Expr>, body: &Block) -> Result<Function> {
        if let Some(p) = predicate {
            let c = self.condition(p)?;
            let exit = self.exit_label;
            self.branch(CmpOp::Eq, c, 0, exit);
        }
        self.block(body)?;
        let exit = self.exit_label;
        self.place(exit);
        Ok(self.b.finish())
    }

    /// The probe instance being lowered.
    pub fn probe(&self) -> &'a ProbeInstance {
        self.probe
    }

    pub fn options(&self) -> &'a Options {
        self.options
    }

    /// The kernel the script is compiled for.
    pub fn kernel(&self) -> &'a dyn KernelInfo {
        self.kernel
    }

    /// The map holding `start` (the time the script started, for `elapsed`).
    pub fn start_map(&self) -> MapId {
        self.runtime_maps.start
    }

    /// The stack-trace map, which the artifact then includes.
    pub fn stack_map(&mut self) -> MapId {
        self.maps.uses_stacks = true;
        self.runtime_maps.stacks
    }

    /// What is known about script map `name` so far.
    pub fn map_info(&self, name: &str) -> Option<&super::maps::MapInfo> {
        self.maps.get(name)
    }

    /// The id of script map `name`, used at `span`.
    pub fn map_id(&mut self, name: &str, span: Span) -> MapId {
        self.maps.id(name, span)
    }

    /// Copies `len` bytes of the probe's context at `ctx_offset` (a tracepoint
    /// record field) into `slot` at `at`.
    pub fn copy_from_ctx(&mut self, slot: Slot, at: u32, ctx_offset: u32, len: u32) {
        let off = self.constant(ctx_offset as i64, Type::U64);
        let src = Arg::CtxPlus(off);
        self.probe_read(ReadKind::Bytes, AddrSpace::Kernel, slot, at, len, src);
    }

    /// Leaves the probe (after `exit()` or `return`).
    pub fn leave(&mut self) {
        let exit = self.exit_label;
        self.jump(exit);
    }

    /// The value of an integer literal (possibly negated).
    pub fn const_int(&self, e: &Expr) -> Result<i64> {
        match &e.kind {
            ExprKind::Int(v) => Ok(*v as i64),
            ExprKind::Var(name) if positional::is_positional(name) => {
                self.positional_int(name, e.span)
            }
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
            Lowered::Reg(r, t) if t.is_scalar() => Ok((r, t)),
            v => Err(Diagnostic::new(
                Code::Type,
                e.span,
                format!("expected an integer, found {}", v.ty()),
            )),
        }
    }

    /// Writes a record `{u64 event id; fields…}` to the output ring buffer.
    pub fn event(&mut self, action: Action, vals: &[Lowered]) -> Result<()> {
        let mut types = vec![Type::U64];
        types.extend(vals.iter().map(|v| storage_type(v.ty())));
        let record = Type::Tuple(types.clone());
        let offsets = Type::field_offsets(&types);
        let slot = self.zeroed_slot(record.size());
        let id = self.events.len() as i64;
        self.store_slot(slot, 0, Operand::Imm(id), 8);
        let mut fields = Vec::new();
        for (i, v) in vals.iter().enumerate() {
            self.store(slot, offsets[i + 1], v, &types[i + 1]);
            fields.push(Field {
                offset: offsets[i + 1],
                ty: types[i + 1].clone(),
            });
        }
        self.events.push(EventSpec { action, fields });
        self.output(slot, record.size());
        Ok(())
    }

    /// Stores a value into memory laid out as `ty` (its storage type).
    pub fn store(&mut self, slot: Slot, offset: u32, v: &Lowered, ty: &Type) {
        match v {
            Lowered::Reg(r, _) => self.store_slot(slot, offset, Operand::Reg(*r), ty.size() as u8),
            Lowered::Mem(src, src_ty) => match (src_ty, ty) {
                (Type::Tuple(from), Type::Tuple(to)) => {
                    let (fo, to_off) = (Type::field_offsets(from), Type::field_offsets(to));
                    for i in 0..from.len() {
                        let field = self.field_val(*src, fo[i], &from[i]);
                        self.store(slot, offset + to_off[i], &field, &to[i]);
                    }
                }
                _ => {
                    let len = src_ty.size().min(ty.size());
                    self.copy_slot(slot, offset, *src, 0, len);
                }
            },
        }
    }

    /// `t.N`: element `N` of the tuple `v`.
    fn tuple_element(&mut self, v: Lowered, field: &Ident) -> Result<Lowered> {
        let Lowered::Mem(slot, Type::Tuple(types)) = &v else {
            return Err(Diagnostic::new(
                Code::Type,
                field.span,
                format!("{} has no fields: `.{}` needs a tuple or a builtin with fields, such as `args`", v.ty(), field.name),
            ));
        };
        let index = field
            .name
            .parse::<usize>()
            .ok()
            .filter(|i| *i < types.len());
        let Some(i) = index else {
            return Err(Diagnostic::new(
                Code::Type,
                field.span,
                format!("{} has no element `{}`", v.ty(), field.name),
            )
            .with_help(format!("its elements are .0 to .{}", types.len() - 1)));
        };
        let offset = Type::field_offsets(types)[i];
        Ok(self.field_val(*slot, offset, &types[i]))
    }

    /// A field of a tuple held in a slot, as a value.
    fn field_val(&mut self, slot: Slot, offset: u32, ty: &Type) -> Lowered {
        if ty.is_scalar() {
            let r = self.reg(ty.clone());
            self.load_slot_to(r, slot, offset, ty.size() as u8);
            Lowered::Reg(r, ty.clone())
        } else {
            let s = self.slot(ty.size());
            self.copy_slot(s, 0, slot, offset, ty.size());
            Lowered::Mem(s, ty.clone())
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
