//! Building a [`Function`]: blocks and control flow, and one typed method
//! per instruction, so lowering code never spells out raw [`Inst`] values.

use super::*;
use crate::types::AddrSpace;

/// What a probe read copies: bytes, or a NUL-terminated string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadKind {
    Bytes,
    Str,
}

impl ReadKind {
    /// The `probe_read_*` helper reading this kind from `space`.
    pub fn helper(self, space: AddrSpace) -> Helper {
        match (self, space) {
            (ReadKind::Bytes, AddrSpace::Kernel) => Helper::ProbeReadKernel,
            (ReadKind::Bytes, AddrSpace::User) => Helper::ProbeReadUser,
            (ReadKind::Str, AddrSpace::Kernel) => Helper::ProbeReadKernelStr,
            (ReadKind::Str, AddrSpace::User) => Helper::ProbeReadUserStr,
        }
    }
}

/// A block being filled.
#[derive(Debug)]
pub struct OpenBlock {
    label: Label,
    insts: Vec<Inst>,
}

/// Builds a [`Function`] block by block. Labels are handed out before their
/// blocks are placed; blocks are laid out in the order they are placed.
#[derive(Debug, Default)]
pub struct Builder {
    regs: Vec<Type>,
    slots: Vec<u32>,
    labels: u32,
    /// Finished blocks by label.
    done: Vec<(Label, Block)>,
    /// Labels in the order their blocks were started.
    order: Vec<Label>,
    current: Option<OpenBlock>,
    params: Vec<VReg>,
    ctx: CtxSource,
    returns: Option<VReg>,
    callbacks: Vec<Function>,
}

impl Builder {
    /// A builder positioned in the entry block.
    pub fn new() -> Self {
        let mut b = Builder::default();
        let entry = b.new_label();
        b.start(entry);
        b
    }

    /// A builder for a subprogram taking `params` (r1, r2 …), getting the
    /// context through `ctx`, and returning the register `returns`.
    pub fn subprogram(params: &[Type], ctx: CtxSource, returns: Type) -> (Self, Vec<VReg>, VReg) {
        let mut b = Builder::new();
        let regs: Vec<VReg> = params.iter().map(|t| b.reg(t.clone())).collect();
        let ret = b.constant(0, returns);
        b.params = regs.clone();
        b.ctx = ctx;
        b.returns = Some(ret);
        (b, regs, ret)
    }

    /// Adds a finished subprogram this function refers to with [`Arg::Func`].
    pub fn add_callback(&mut self, f: Function) -> FuncId {
        self.callbacks.push(f);
        FuncId(self.callbacks.len() - 1)
    }

    pub fn reg(&mut self, ty: Type) -> VReg {
        self.regs.push(ty);
        VReg(self.regs.len() as u32 - 1)
    }

    pub fn slot(&mut self, size: u32) -> Slot {
        self.slots.push(size.max(1));
        Slot(self.slots.len() as u32 - 1)
    }

    pub fn new_label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    fn start(&mut self, label: Label) {
        debug_assert!(self.current.is_none());
        self.order.push(label);
        self.current = Some(OpenBlock {
            label,
            insts: Vec::new(),
        });
    }

    /// Appends to the current block; code after a jump starts an unreachable one.
    fn push(&mut self, inst: Inst) {
        if self.current.is_none() {
            let l = self.new_label();
            self.start(l);
        }
        self.current
            .as_mut()
            .expect("just started")
            .insts
            .push(inst);
    }

    /// Ends the current block (if open) with `term`.
    fn terminate(&mut self, term: Terminator) {
        if let Some(OpenBlock { label, insts }) = self.current.take() {
            self.done.push((label, Block { insts, term }));
        }
    }

    /// Starts the block `label`; the open block falls through into it.
    pub fn place(&mut self, label: Label) {
        if self.current.is_some() {
            self.terminate(Terminator::Jump(label));
        }
        self.start(label);
    }

    pub fn jump(&mut self, target: Label) {
        self.terminate(Terminator::Jump(target));
    }

    /// `if lhs op rhs goto target`, else continue in a new block.
    pub fn branch(&mut self, op: CmpOp, lhs: VReg, rhs: impl Into<Operand>, target: Label) {
        let rhs = rhs.into();
        let next = self.new_label();
        self.terminate(Terminator::Branch {
            op,
            lhs,
            rhs,
            then: target,
            otherwise: next,
        });
        self.start(next);
    }

    pub fn ret(&mut self) {
        self.terminate(Terminator::Return);
    }

    /// Takes the open block aside (to append to it later with [`Builder::resume`]).
    pub fn suspend(&mut self) -> Option<OpenBlock> {
        self.current.take()
    }

    /// Makes a suspended block current again; the current one must be closed.
    pub fn resume(&mut self, block: Option<OpenBlock>) {
        debug_assert!(self.current.is_none());
        self.current = block;
    }

    /// The finished function: blocks renumbered in layout order. The open
    /// block returns.
    pub fn finish(mut self) -> Function {
        self.ret();
        let mut index = vec![u32::MAX; self.labels as usize];
        for (i, l) in self.order.iter().enumerate() {
            index[l.0 as usize] = i as u32;
        }
        let rename = |l: Label| Label(index[l.0 as usize]);
        let mut blocks: Vec<Option<Block>> = vec![None; self.order.len()];
        for (label, mut block) in self.done {
            block.term.relabel(rename);
            blocks[index[label.0 as usize] as usize] = Some(block);
        }
        let blocks: Vec<Block> = blocks
            .into_iter()
            .map(|b| b.expect("every started block is closed"))
            .collect();
        debug_assert!(blocks
            .iter()
            .flat_map(|b| b.term.successors())
            .all(|l| (l.0 as usize) < blocks.len()));
        Function {
            blocks,
            regs: self.regs,
            slots: self.slots,
            params: self.params,
            ctx: self.ctx,
            ret: self.returns,
            callbacks: self.callbacks,
        }
    }
}

/// One method per instruction. Methods returning a [`VReg`] allocate it;
/// `…_to` variants write a register the caller already has.
impl Builder {
    /// A new register holding `v`.
    pub fn constant(&mut self, v: i64, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.mov(dst, Operand::Imm(v));
        dst
    }

    /// `dst = src`
    pub fn mov(&mut self, dst: VReg, src: impl Into<Operand>) {
        let src = src.into();
        self.push(Inst::Mov { dst, src });
    }

    /// A new register holding `lhs op rhs`.
    pub fn alu(&mut self, op: AluOp, lhs: VReg, rhs: impl Into<Operand>, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.alu_to(dst, op, lhs, rhs);
        dst
    }

    /// `dst = lhs op rhs`
    pub fn alu_to(&mut self, dst: VReg, op: AluOp, lhs: VReg, rhs: impl Into<Operand>) {
        let rhs = rhs.into();
        self.push(Inst::Alu { op, dst, lhs, rhs });
    }

    /// A new register holding `(lhs op rhs) ? 1 : 0`.
    pub fn cmp(&mut self, op: CmpOp, lhs: VReg, rhs: impl Into<Operand>, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.cmp_to(dst, op, lhs, rhs);
        dst
    }

    /// `dst = (lhs op rhs) ? 1 : 0`
    pub fn cmp_to(&mut self, dst: VReg, op: CmpOp, lhs: VReg, rhs: impl Into<Operand>) {
        let rhs = rhs.into();
        self.push(Inst::Cmp { op, dst, lhs, rhs });
    }

    /// `dst` = the low `bits` of `src`, sign- or zero-extended.
    pub fn extend(&mut self, dst: VReg, src: VReg, bits: u8, signed: bool) {
        self.push(Inst::Extend {
            dst,
            src,
            bits,
            signed,
        });
    }

    /// A new register holding `size` bytes of the context at `offset`.
    pub fn load_ctx(&mut self, offset: u32, size: u8, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.push(Inst::LoadCtx { dst, offset, size });
        dst
    }

    /// A new register holding `size` bytes at `base + offset`.
    pub fn load_ptr(&mut self, base: VReg, offset: i16, size: u8, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.push(Inst::LoadPtr {
            dst,
            base,
            offset,
            size,
        });
        dst
    }

    /// Stores the low `size` bytes of `src` at `base + offset`.
    pub fn store_ptr(&mut self, base: VReg, offset: i16, src: impl Into<Operand>, size: u8) {
        let src = src.into();
        self.push(Inst::StorePtr {
            base,
            offset,
            src,
            size,
        });
    }

    /// Copies `len` bytes at `base + offset` into `dst`.
    pub fn copy_from_ptr(&mut self, dst: Slot, base: VReg, offset: i16, len: u32) {
        self.push(Inst::CopyFromPtr {
            dst,
            base,
            offset,
            len,
        });
    }

    /// Copies `len` bytes of `src` to `base + offset`.
    pub fn copy_to_ptr(&mut self, base: VReg, offset: i16, src: Slot, len: u32) {
        self.push(Inst::CopyToPtr {
            base,
            offset,
            src,
            len,
        });
    }

    /// Stores the context pointer into `slot` at `offset`.
    pub fn store_ctx(&mut self, slot: Slot, offset: u32) {
        self.push(Inst::StoreCtx { slot, offset });
    }

    /// A new register holding the 8 bytes of `slot` at `offset`.
    pub fn load_slot(&mut self, slot: Slot, offset: u32, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.load_slot_to(dst, slot, offset, 8);
        dst
    }

    /// `dst` = `size` bytes of `slot` at `offset`, zero-extended.
    pub fn load_slot_to(&mut self, dst: VReg, slot: Slot, offset: u32, size: u8) {
        self.push(Inst::LoadSlot {
            dst,
            slot,
            offset,
            size,
        });
    }

    /// Stores the low `size` bytes of `src` into `slot` at `offset`.
    pub fn store_slot(&mut self, slot: Slot, offset: u32, src: impl Into<Operand>, size: u8) {
        let src = src.into();
        self.push(Inst::StoreSlot {
            slot,
            offset,
            src,
            size,
        });
    }

    /// Fills `slot` with zeros.
    pub fn zero_slot(&mut self, slot: Slot) {
        self.push(Inst::ZeroSlot { slot });
    }

    /// A new zero-filled slot.
    pub fn zeroed_slot(&mut self, size: u32) -> Slot {
        let slot = self.slot(size);
        self.zero_slot(slot);
        slot
    }

    /// Copies `len` bytes between slots.
    pub fn copy_slot(&mut self, dst: Slot, dst_offset: u32, src: Slot, src_offset: u32, len: u32) {
        self.push(Inst::CopySlot {
            dst,
            dst_offset,
            src,
            src_offset,
            len,
        });
    }

    /// Calls `helper`; its result in a new register.
    pub fn call_helper(&mut self, helper: Helper, args: Vec<Arg>, ty: Type) -> VReg {
        let dst = self.reg(ty);
        self.push(Inst::Call {
            dst: Some(dst),
            helper,
            args,
        });
        dst
    }

    /// Calls `helper` for its effect only.
    pub fn call_void(&mut self, helper: Helper, args: Vec<Arg>) {
        self.push(Inst::Call {
            dst: None,
            helper,
            args,
        });
    }

    /// Reads up to `len` bytes (or a string) at address `src` in `space`
    /// into `dst` at `at`.
    pub fn probe_read(
        &mut self,
        kind: ReadKind,
        space: AddrSpace,
        dst: Slot,
        at: u32,
        len: u32,
        src: Arg,
    ) {
        let args = vec![Arg::SlotAddr(dst, at), Arg::Imm(len as i64), src];
        self.call_void(kind.helper(space), args);
    }

    /// Copies `len` bytes of the value of `map[key]` into `dst` at
    /// `dst_offset` (zeros when absent); with `cpu`, that CPU's value.
    pub fn map_read(
        &mut self,
        map: MapId,
        key: Slot,
        cpu: Option<u32>,
        dst: Slot,
        dst_offset: u32,
        len: u32,
    ) {
        self.push(Inst::MapRead {
            map,
            key,
            cpu,
            dst,
            dst_offset,
            len,
        });
    }

    /// `map[key] = value`; the result is the helper's status (negative on failure).
    pub fn map_update(&mut self, map: MapId, key: Slot, value: Slot) -> VReg {
        let status = self.reg(Type::I64);
        self.push(Inst::MapUpdate {
            map,
            key,
            value,
            status,
        });
        status
    }

    /// `delete(map[key])`
    pub fn map_delete(&mut self, map: MapId, key: Slot) {
        self.push(Inst::MapDelete { map, key });
    }

    /// Whether `map` holds `key`: 1 or 0.
    pub fn map_has(&mut self, map: MapId, key: Slot) -> VReg {
        let dst = self.reg(Type::Bool);
        self.push(Inst::MapHas { dst, map, key });
        dst
    }

    /// Applies `ops` to `map[key]` in place, or inserts `init`; the result
    /// is 0 or the insert's negative status.
    pub fn map_aggregate(&mut self, map: MapId, key: Slot, ops: Vec<AggOp>, init: Slot) -> VReg {
        let status = self.reg(Type::I64);
        self.push(Inst::MapAggregate {
            map,
            key,
            ops,
            init,
            status,
        });
        status
    }

    /// Sends `len` bytes of `slot` to the output ring buffer.
    pub fn output(&mut self, slot: Slot, len: u32) {
        self.push(Inst::Output { slot, len });
    }
}

impl From<VReg> for Operand {
    fn from(r: VReg) -> Self {
        Operand::Reg(r)
    }
}

impl From<i64> for Operand {
    fn from(v: i64) -> Self {
        Operand::Imm(v)
    }
}
