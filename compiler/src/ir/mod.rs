//! The typed IR: a control-flow graph per probe — basic blocks of
//! straight-line instructions over typed virtual registers (64-bit scalars)
//! and stack slots (byte buffers), each block ending in a terminator that
//! names its successors. Loops are back edges like any other. Printable for
//! `-d ir`; built through [`Builder`].

mod builder;

use crate::types::Type;
pub use builder::{Builder, OpenBlock, ReadKind};
use std::fmt;

/// A virtual register holding one 64-bit scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VReg(pub u32);

/// A stack buffer, laid out by codegen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slot(pub u32);

/// A basic block, and the name the builder gives it before it is placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub u32);

/// Index into the artifact's map list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MapId(pub usize);

/// A register or a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    Reg(VReg),
    Imm(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    Add,
    Sub,
    Mul,
    UDiv,
    SDiv,
    UMod,
    SMod,
    And,
    Or,
    Xor,
    Shl,
    /// Logical shift right.
    LShr,
    /// Arithmetic shift right.
    AShr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    ULt,
    ULe,
    UGt,
    UGe,
    SLt,
    SLe,
    SGt,
    SGe,
}

pub use crate::helpers::Helper;

/// An argument of a helper call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    Reg(VReg),
    Imm(i64),
    /// The address of a byte inside a slot.
    SlotAddr(Slot, u32),
    /// The program's context pointer.
    Ctx,
    /// The program's context pointer plus a register offset.
    CtxPlus(VReg),
    Map(MapId),
    /// The address of a callback subprogram.
    Func(FuncId),
}

/// How an aggregation updates one 8-byte field of a map value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggOp {
    /// `*field += operand`
    Add { offset: u32, value: Operand },
    /// Keep the smaller (signed) value; `flag` is the offset of the "set" word.
    Min { offset: u32, flag: u32, value: VReg },
    /// Keep the larger (signed) value.
    Max { offset: u32, flag: u32, value: VReg },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    Mov {
        dst: VReg,
        src: Operand,
    },
    Alu {
        op: AluOp,
        dst: VReg,
        lhs: VReg,
        rhs: Operand,
    },
    /// `dst = (lhs op rhs) ? 1 : 0`
    Cmp {
        op: CmpOp,
        dst: VReg,
        lhs: VReg,
        rhs: Operand,
    },
    /// Keep the low `bits` bits and sign- or zero-extend them back to 64.
    Extend {
        dst: VReg,
        src: VReg,
        bits: u8,
        signed: bool,
    },
    /// Zero-extended load of `size` bytes from the context.
    LoadCtx {
        dst: VReg,
        offset: u32,
        size: u8,
    },
    /// Zero-extended load of `size` bytes at `base + offset`, where `base`
    /// holds a pointer the verifier knows (a caller's stack memory).
    LoadPtr {
        dst: VReg,
        base: VReg,
        offset: i16,
        size: u8,
    },
    /// Store the low `size` bytes of `src` at `base + offset`.
    StorePtr {
        base: VReg,
        offset: i16,
        src: Operand,
        size: u8,
    },
    /// Copy `len` bytes from `base + offset` into a slot.
    CopyFromPtr {
        dst: Slot,
        base: VReg,
        offset: i16,
        len: u32,
    },
    /// Copy `len` bytes of a slot to `base + offset`.
    CopyToPtr {
        base: VReg,
        offset: i16,
        src: Slot,
        len: u32,
    },
    /// Store the context pointer into a slot, for a subprogram to use.
    StoreCtx {
        slot: Slot,
        offset: u32,
    },
    /// Zero-extended load of `size` bytes from a slot.
    LoadSlot {
        dst: VReg,
        slot: Slot,
        offset: u32,
        size: u8,
    },
    StoreSlot {
        slot: Slot,
        offset: u32,
        src: Operand,
        size: u8,
    },
    /// Fill a whole slot with zeros.
    ZeroSlot {
        slot: Slot,
    },
    CopySlot {
        dst: Slot,
        dst_offset: u32,
        src: Slot,
        src_offset: u32,
        len: u32,
    },
    Call {
        dst: Option<VReg>,
        helper: Helper,
        args: Vec<Arg>,
    },
    /// Copy a map value into `dst`, or zeros when the key is absent. With
    /// `cpu`, the value one CPU holds in a per-CPU map.
    MapRead {
        map: MapId,
        key: Slot,
        cpu: Option<u32>,
        dst: Slot,
        dst_offset: u32,
        len: u32,
    },
    /// `map[key] = value`; `status` gets the helper's result (negative
    /// errno, e.g. -E2BIG when the map is full).
    MapUpdate {
        map: MapId,
        key: Slot,
        value: Slot,
        status: VReg,
    },
    MapDelete {
        map: MapId,
        key: Slot,
    },
    /// `dst` = 1 when `map` holds `key`, else 0.
    MapHas {
        dst: VReg,
        map: MapId,
        key: Slot,
    },
    /// Update a map value in place, or insert `init` when the key is absent;
    /// `status` is 0, or the insert's negative errno.
    MapAggregate {
        map: MapId,
        key: Slot,
        ops: Vec<AggOp>,
        init: Slot,
        status: VReg,
    },
    /// Send a record to the output ring buffer, counting it as lost if full.
    Output {
        slot: Slot,
        len: u32,
    },
}

/// How a basic block ends.
#[derive(Clone, Debug, PartialEq)]
pub enum Terminator {
    Jump(Label),
    /// `if lhs op rhs goto then else goto otherwise`
    Branch {
        op: CmpOp,
        lhs: VReg,
        rhs: Operand,
        then: Label,
        otherwise: Label,
    },
    /// Leave the program.
    Return,
}

impl Terminator {
    /// The blocks control may pass to.
    pub fn successors(&self) -> impl Iterator<Item = Label> {
        let (a, b) = match self {
            Terminator::Jump(l) => (Some(*l), None),
            Terminator::Branch {
                then, otherwise, ..
            } => (Some(*then), Some(*otherwise)),
            Terminator::Return => (None, None),
        };
        a.into_iter().chain(b)
    }

    /// Renames every target with `f`.
    fn relabel(&mut self, f: impl Fn(Label) -> Label) {
        match self {
            Terminator::Jump(t) => *t = f(*t),
            Terminator::Branch {
                then, otherwise, ..
            } => {
                *then = f(*then);
                *otherwise = f(*otherwise);
            }
            Terminator::Return => {}
        }
    }
}

/// Straight-line instructions and the terminator that ends them.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub insts: Vec<Inst>,
    pub term: Terminator,
}

/// One probe's program: blocks in layout order, `blocks[0]` the entry;
/// `Label(i)` names `blocks[i]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Function {
    pub blocks: Vec<Block>,
    /// Type of each virtual register.
    pub regs: Vec<Type>,
    /// Size in bytes of each slot.
    pub slots: Vec<u32>,
    /// Registers holding the arguments r1, r2 … on entry (none for a program).
    pub params: Vec<VReg>,
    /// Where the probe's context pointer comes from.
    pub ctx: CtxSource,
    /// The register returned in r0 (0 when none).
    pub ret: Option<VReg>,
    /// Functions this one passes to helpers ([`Arg::Func`] indexes them):
    /// BPF subprograms, such as `bpf_loop` callbacks.
    pub callbacks: Vec<Function>,
}

/// How a function gets the probe's context pointer. Calling convention:
/// arguments in r1–r5, result in r0, r6–r9 preserved by the callee.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CtxSource {
    /// A program: the kernel passes it in r1.
    #[default]
    Entry,
    /// A subprogram: the caller stored it at `offset` in the memory
    /// argument `param` points to.
    Param { param: u8, offset: i16 },
}

/// Index into the enclosing function's [`Function::callbacks`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FuncId(pub usize);

impl Function {
    /// Every instruction, in layout order.
    pub fn insts(&self) -> impl Iterator<Item = &Inst> {
        self.blocks.iter().flat_map(|b| &b.insts)
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Reg(r) => write!(f, "%{}", r.0),
            Operand::Imm(v) => write!(f, "{v}"),
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Reg(r) => write!(f, "%{}", r.0),
            Arg::Imm(v) => write!(f, "{v}"),
            Arg::SlotAddr(s, o) => write!(f, "&s{}+{o}", s.0),
            Arg::Ctx => write!(f, "ctx"),
            Arg::CtxPlus(r) => write!(f, "ctx+%{}", r.0),
            Arg::Map(m) => write!(f, "map{}", m.0),
            Arg::Func(c) => write!(f, "fn{}", c.0),
        }
    }
}

impl fmt::Display for AggOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AggOp::Add { offset, value } => write!(f, "[{offset}] += {value}"),
            AggOp::Min {
                offset,
                flag,
                value,
            } => write!(f, "[{offset}] min= %{} (set [{flag}])", value.0),
            AggOp::Max {
                offset,
                flag,
                value,
            } => write!(f, "[{offset}] max= %{} (set [{flag}])", value.0),
        }
    }
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Inst::*;
        match self {
            Mov { dst, src } => write!(f, "  %{} = {src}", dst.0),
            Alu { op, dst, lhs, rhs } => write!(f, "  %{} = {op:?} %{}, {rhs}", dst.0, lhs.0),
            Cmp { op, dst, lhs, rhs } => write!(f, "  %{} = cmp {op:?} %{}, {rhs}", dst.0, lhs.0),
            Extend {
                dst,
                src,
                bits,
                signed,
            } => {
                write!(
                    f,
                    "  %{} = {}ext{bits} %{}",
                    dst.0,
                    if *signed { "s" } else { "z" },
                    src.0
                )
            }
            LoadCtx { dst, offset, size } => {
                write!(f, "  %{} = load{} ctx+{offset}", dst.0, size * 8)
            }
            LoadPtr {
                dst,
                base,
                offset,
                size,
            } => write!(f, "  %{} = load{} %{}+{offset}", dst.0, size * 8, base.0),
            StoreCtx { slot, offset } => write!(f, "  store64 s{}+{offset}, ctx", slot.0),
            StorePtr {
                base,
                offset,
                src,
                size,
            } => write!(f, "  store{} %{}+{offset}, {src}", size * 8, base.0),
            CopyFromPtr {
                dst,
                base,
                offset,
                len,
            } => write!(f, "  copy s{} <- %{}+{offset}, {len}", dst.0, base.0),
            CopyToPtr {
                base,
                offset,
                src,
                len,
            } => write!(f, "  copy %{}+{offset} <- s{}, {len}", base.0, src.0),
            LoadSlot {
                dst,
                slot,
                offset,
                size,
            } => {
                write!(f, "  %{} = load{} s{}+{offset}", dst.0, size * 8, slot.0)
            }
            StoreSlot {
                slot,
                offset,
                src,
                size,
            } => write!(f, "  store{} s{}+{offset}, {src}", size * 8, slot.0),
            ZeroSlot { slot } => write!(f, "  zero s{}", slot.0),
            CopySlot {
                dst,
                dst_offset,
                src,
                src_offset,
                len,
            } => {
                write!(
                    f,
                    "  copy s{}+{dst_offset} <- s{}+{src_offset}, {len}",
                    dst.0, src.0
                )
            }
            Call { dst, helper, args } => {
                write!(f, "  ")?;
                if let Some(d) = dst {
                    write!(f, "%{} = ", d.0)?;
                }
                write!(f, "call {}(", helper.name())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a}")?;
                }
                write!(f, ")")
            }
            MapRead {
                map,
                key,
                cpu,
                dst,
                dst_offset,
                len,
            } => {
                let on_cpu = cpu.map_or(String::new(), |c| format!(" on cpu {c}"));
                write!(
                    f,
                    "  s{}+{dst_offset} = map{}[s{}]{on_cpu} ({len} bytes, 0 if absent)",
                    dst.0, map.0, key.0
                )
            }
            MapUpdate {
                map,
                key,
                value,
                status,
            } => write!(
                f,
                "  %{} = map{}[s{}] = s{}",
                status.0, map.0, key.0, value.0
            ),
            MapDelete { map, key } => write!(f, "  delete map{}[s{}]", map.0, key.0),
            MapHas { dst, map, key } => write!(f, "  %{} = has map{}[s{}]", dst.0, map.0, key.0),
            MapAggregate {
                map,
                key,
                ops,
                init,
                status,
            } => {
                write!(f, "  %{} = map{}[s{}]:", status.0, map.0, key.0)?;
                for op in ops {
                    write!(f, " {op};")?;
                }
                write!(f, " else insert s{}", init.0)
            }
            Output { slot, len } => write!(f, "  output s{}, {len}", slot.0),
        }
    }
}

impl fmt::Display for Terminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Terminator::Jump(l) => write!(f, "  goto L{}", l.0),
            Terminator::Branch {
                op,
                lhs,
                rhs,
                then,
                otherwise,
            } => write!(
                f,
                "  if {op:?} %{}, {rhs} goto L{} else L{}",
                lhs.0, then.0, otherwise.0
            ),
            Terminator::Return => write!(f, "  return"),
        }
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.params.is_empty() {
            let params: Vec<String> = self.params.iter().map(|p| format!("%{}", p.0)).collect();
            writeln!(f, "  params {}", params.join(", "))?;
        }
        if let CtxSource::Param { param, offset } = self.ctx {
            writeln!(
                f,
                "  ctx = *(%{} + {offset})",
                self.params[param as usize].0
            )?;
        }
        if let Some(r) = self.ret {
            writeln!(f, "  returns %{}", r.0)?;
        }
        for (i, t) in self.regs.iter().enumerate() {
            writeln!(f, "  reg %{i}: {t}")?;
        }
        for (i, size) in self.slots.iter().enumerate() {
            writeln!(f, "  slot s{i}: {size} bytes")?;
        }
        for (i, block) in self.blocks.iter().enumerate() {
            writeln!(f, "L{i}:")?;
            for inst in &block.insts {
                writeln!(f, "{inst}")?;
            }
            writeln!(f, "{}", block.term)?;
        }
        for (i, c) in self.callbacks.iter().enumerate() {
            writeln!(f, "fn{i}:\n{c}")?;
        }
        Ok(())
    }
}
