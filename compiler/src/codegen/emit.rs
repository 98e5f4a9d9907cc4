//! IR → eBPF instructions: stack layout, operand fetching through scratch
//! registers, label resolution, and expansion of the fused map operations.

use super::insn::{Alu, Insn, Jmp, Src, FP, R0, R1, R2, R3, R6, R9};
use super::liveness::{analyse, reachable, Liveness};
use super::regalloc::{allocate, layout_slots, Allocation, Loc, SlotLayout, ALLOCATABLE};
use crate::helpers::Helper;
use crate::ir::{
    AggOp, AluOp, Arg, CmpOp, CtxSource, Function, Inst, Label, MapId, Operand, Slot, Terminator,
    VReg,
};

/// The BPF stack limit.
pub const STACK_LIMIT: u32 = 512;

/// Instructions of one program and the map each `ld_imm64` must point to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub insns: Vec<Insn>,
    /// (index of the first half of an `ld_imm64`, map)
    pub map_relocs: Vec<(usize, MapId)>,
    /// Bytes of stack the program uses.
    pub stack: u32,
    /// (index of a `call` with src_reg BPF_PSEUDO_CALL (1), or of the first half of an
    /// `ld_imm64` with src_reg BPF_PSEUDO_FUNC (4), index into the subprograms slice)
    pub func_relocs: Vec<(usize, usize)>,
}

/// Maps every program refers to implicitly.
#[derive(Clone, Copy, Debug)]
pub struct RuntimeMaps {
    pub output: MapId,
    pub lost: MapId,
    /// One per-CPU value holding the slots of programs whose slots do not
    /// fit the stack.
    pub scratch: Option<MapId>,
}

/// The biggest value a per-CPU map may have (the kernel's PCPU_MIN_UNIT_SIZE).
pub const SCRATCH_LIMIT: u32 = 32 << 10;

const BPF_NOEXIST: i32 = 1;
/// `src_reg` of an `ld_imm64` loading a subprogram's address.
const BPF_PSEUDO_FUNC: u8 = 4;

struct Emitter<'a> {
    out: Program,
    alloc: Allocation,
    layout: SlotLayout,
    /// Slots are addressed from this register (r10, or r9 for scratch)…
    slot_reg: u8,
    /// …plus this offset to the region's start.
    slot_region: i32,
    spill_base: i32,
    scratch: i32,
    labels: Vec<Option<usize>>,
    fixups: Vec<(usize, Label)>,
    maps: RuntimeMaps,
    func: &'a Function,
}

/// Bytes of stack a function needs with every slot on the stack.
fn stack_frame(layout: &SlotLayout, alloc: &Allocation) -> u32 {
    layout.total + alloc.spill_slots * 8 + 8
}

/// Bytes of scratch map value a function needs, when its slots do not fit the stack.
pub fn scratch_bytes(func: &Function) -> Option<u32> {
    let live = analyse(func);
    let layout = layout_slots(func, &live);
    (stack_frame(&layout, &allocate(&live, &ALLOCATABLE)) > STACK_LIMIT).then_some(layout.total)
}

/// Compiles one IR function. Slots that do not fit the 512-byte stack live in
/// the scratch map (r9 then points at it, so only r7 and r8 hold registers).
pub fn emit(func: &Function, maps: RuntimeMaps) -> Result<Program, String> {
    let live = analyse(func);
    let layout = layout_slots(func, &live);
    let stack_alloc = allocate(&live, &ALLOCATABLE);
    let in_stack = stack_frame(&layout, &stack_alloc) <= STACK_LIMIT;
    let (alloc, slot_reg, stack_slots) = if in_stack {
        (stack_alloc, FP, layout.total)
    } else {
        if maps.scratch.is_none() || layout.total > SCRATCH_LIMIT {
            return Err(format!(
                "this probe needs {} bytes for its values, more than the {SCRATCH_LIMIT} bytes \
                 tracelet can give it; use shorter strings (BPFTRACE_MAX_STRLEN)",
                layout.total
            ));
        }
        (allocate(&live, &ALLOCATABLE[..2]), R9, 0)
    };
    let spill_base = -((stack_slots + alloc.spill_slots * 8) as i32);
    let frame = stack_slots + alloc.spill_slots * 8 + 8;
    if frame > STACK_LIMIT {
        return Err(format!(
            "this probe needs {frame} bytes of BPF stack, more than the kernel's limit of \
             {STACK_LIMIT}; split its expressions into simpler statements"
        ));
    }
    let mut e = Emitter {
        out: Program {
            stack: frame,
            ..Default::default()
        },
        alloc,
        slot_region: if in_stack { -(layout.total as i32) } else { 0 },
        layout,
        slot_reg,
        spill_base,
        scratch: -(frame as i32),
        labels: vec![None; func.blocks.len()],
        fixups: Vec::new(),
        maps,
        func,
    };
    let end = e.new_label();
    e.prologue(end, &live);
    let reached = reachable(func);
    let order: Vec<usize> = (0..func.blocks.len()).filter(|&b| reached[b]).collect();
    for (i, &b) in order.iter().enumerate() {
        let next = order.get(i + 1).map(|&n| Label(n as u32));
        e.place(Label(b as u32));
        for inst in &func.blocks[b].insts {
            e.inst(inst);
        }
        e.terminator(&func.blocks[b].term, next, end);
    }
    e.place(end);
    e.exit();
    e.resolve();
    Ok(e.out)
}

/// Compiles a function and, depth first, the callbacks it refers to: the
/// program, then every subprogram in one list its `func_relocs` (and
/// theirs) index. Callbacks keep all their slots on the stack, and the
/// deepest chain of frames must fit the kernel's combined stack limit.
pub fn emit_with_callbacks(
    func: &Function,
    maps: RuntimeMaps,
) -> Result<(Program, Vec<(Program, u8)>), String> {
    let mut subprograms = Vec::new();
    let (program, depth) = emit_tree(func, maps, &mut subprograms)?;
    if depth > STACK_LIMIT {
        return Err(format!(
            "this probe and its loop bodies need {depth} bytes of BPF stack together, more \
             than the kernel's limit of {STACK_LIMIT}; use shorter strings or fewer values"
        ));
    }
    Ok((program, subprograms))
}

/// Emits `func` and its callbacks into `subprograms`; returns the program
/// and the stack its deepest call chain uses (frames rounded as the kernel does).
fn emit_tree(
    func: &Function,
    maps: RuntimeMaps,
    subprograms: &mut Vec<(Program, u8)>,
) -> Result<(Program, u32), String> {
    let mut program = emit(func, maps)?;
    let base = subprograms.len();
    let placeholders = func
        .callbacks
        .iter()
        .map(|c| (Program::default(), c.params.len() as u8));
    subprograms.extend(placeholders);
    let mut deepest = 0;
    for (i, callback) in func.callbacks.iter().enumerate() {
        let on_stack = RuntimeMaps {
            scratch: None,
            ..maps
        };
        let (sub, depth) = emit_tree(callback, on_stack, subprograms)?;
        subprograms[base + i].0 = sub;
        deepest = deepest.max(depth);
    }
    for (_, target) in &mut program.func_relocs {
        *target += base;
    }
    let depth = program.stack.next_multiple_of(32) + deepest;
    Ok((program, depth))
}

impl Emitter<'_> {
    fn push(&mut self, insn: Insn) {
        self.out.insns.push(insn);
    }

    fn imm64(&mut self, reg: u8, v: i64) {
        if let Ok(v32) = i32::try_from(v) {
            self.push(Insn::mov(reg, Src::Imm(v32)));
        } else {
            let [a, b] = Insn::ld_imm64(reg, v);
            self.push(a);
            self.push(b);
        }
    }

    fn map_addr(&mut self, reg: u8, map: MapId) {
        self.out.map_relocs.push((self.out.insns.len(), map));
        let [a, b] = Insn::ld_imm64(reg, 0);
        self.push(a);
        self.push(b);
    }

    fn spill_off(&self, s: u32) -> i16 {
        (self.spill_base + s as i32 * 8) as i16
    }

    /// Base register and offset of a byte inside a slot.
    fn slot_ref(&self, slot: Slot, offset: u32) -> (u8, i16) {
        let start = self.layout.start[slot.0 as usize] as i32;
        (
            self.slot_reg,
            (self.slot_region + start + offset as i32) as i16,
        )
    }

    /// Zero the registers some path reads before writing (live on entry),
    /// so no path reads undefined values, and point r9 at the scratch value
    /// when slots live there.
    fn prologue(&mut self, end: Label, live: &Liveness) {
        match self.func.ctx {
            CtxSource::Entry => self.push(Insn::mov(R6, Src::Reg(R1))),
            CtxSource::Param { param, offset } => {
                self.push(Insn::load(8, R6, param + 1, offset));
            }
        }
        for (i, p) in self.func.params.iter().enumerate() {
            // A parameter nothing reads has no location to write.
            if live.regs[p.0 as usize].is_some() {
                self.write(*p, i as u8 + 1);
            }
        }
        let mut locs: Vec<Loc> = live
            .live_in_entry
            .iter()
            .filter(|v| !self.func.params.contains(v))
            .map(|v| self.alloc.locs[v.0 as usize])
            .collect();
        locs.sort_by_key(|l| match l {
            Loc::Reg(r) => (0, *r as u32),
            Loc::Spill(s) => (1, *s),
        });
        locs.dedup();
        for loc in locs {
            match loc {
                Loc::Reg(r) => self.push(Insn::mov(r, Src::Imm(0))),
                Loc::Spill(s) => {
                    let off = self.spill_off(s);
                    self.push(Insn::store_imm(8, FP, off, 0));
                }
            }
        }
        if let (R9, Some(map)) = (self.slot_reg, self.maps.scratch) {
            self.zero_key_lookup(map);
            self.jump_to(Insn::jump(Jmp::Jeq, R0, Src::Imm(0), 0), end);
            self.push(Insn::mov(R9, Src::Reg(R0)));
        }
    }

    /// `r0 = map_lookup_elem(map, &(u32)0)`, the key in the frame's last word.
    fn zero_key_lookup(&mut self, map: MapId) {
        self.push(Insn::store_imm(8, FP, self.scratch as i16, 0));
        self.map_addr(R1, map);
        self.push(Insn::mov(R2, Src::Reg(FP)));
        self.push(Insn::alu(Alu::Add, R2, Src::Imm(self.scratch)));
        self.push(Insn::call(Helper::MapLookupElem.id()));
    }

    fn exit(&mut self) {
        match self.func.ret {
            Some(r) => self.read_into(r, R0),
            None => self.push(Insn::mov(R0, Src::Imm(0))),
        }
        self.push(Insn::exit());
    }

    /// The physical register holding `v`, loading it into `scratch` if spilled.
    fn read(&mut self, v: VReg, scratch: u8) -> u8 {
        match self.alloc.locs[v.0 as usize] {
            Loc::Reg(r) => r,
            Loc::Spill(s) => {
                let off = self.spill_off(s);
                self.push(Insn::load(8, scratch, FP, off));
                scratch
            }
        }
    }

    /// Loads `v` into exactly `reg`.
    fn read_into(&mut self, v: VReg, reg: u8) {
        let r = self.read(v, reg);
        if r != reg {
            self.push(Insn::mov(reg, Src::Reg(r)));
        }
    }

    fn write(&mut self, v: VReg, from: u8) {
        match self.alloc.locs[v.0 as usize] {
            Loc::Reg(r) => {
                if r != from {
                    self.push(Insn::mov(r, Src::Reg(from)))
                }
            }
            Loc::Spill(s) => {
                let off = self.spill_off(s);
                self.push(Insn::store(8, FP, off, from));
            }
        }
    }

    /// An operand as an instruction source, using `scratch` when needed.
    fn src(&mut self, op: Operand, scratch: u8) -> Src {
        match op {
            Operand::Reg(v) => Src::Reg(self.read(v, scratch)),
            Operand::Imm(v) => match i32::try_from(v) {
                Ok(v) => Src::Imm(v),
                Err(_) => {
                    self.imm64(scratch, v);
                    Src::Reg(scratch)
                }
            },
        }
    }

    fn operand_into(&mut self, op: Operand, reg: u8) {
        match op {
            Operand::Reg(v) => self.read_into(v, reg),
            Operand::Imm(v) => self.imm64(reg, v),
        }
    }

    fn jump_to(&mut self, insn: Insn, target: Label) {
        self.fixups.push((self.out.insns.len(), target));
        self.push(insn);
    }

    fn resolve(&mut self) {
        for (at, label) in std::mem::take(&mut self.fixups) {
            let target = self.labels[label.0 as usize].expect("every label is placed");
            self.out.insns[at].off = (target as i64 - at as i64 - 1) as i16;
        }
    }

    fn new_label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() as u32 - 1)
    }

    fn place(&mut self, l: Label) {
        self.labels[l.0 as usize] = Some(self.out.insns.len());
    }

    fn addr(&mut self, reg: u8, slot: Slot, offset: u32) {
        let (base, off) = self.slot_ref(slot, offset);
        self.push(Insn::mov(reg, Src::Reg(base)));
        self.push(Insn::alu(Alu::Add, reg, Src::Imm(off as i32)));
    }

    fn inst(&mut self, inst: &Inst) {
        match inst {
            Inst::Mov { dst, src } => {
                self.operand_into(*src, R0);
                self.write(*dst, R0);
            }
            Inst::Alu { op, dst, lhs, rhs } => self.alu(*op, *dst, *lhs, *rhs),
            Inst::Cmp { op, dst, lhs, rhs } => {
                self.push(Insn::mov(R0, Src::Imm(1)));
                let l = self.read(*lhs, R1);
                let r = self.src(*rhs, R2);
                self.push(Insn::jump(jmp(*op), l, r, 1));
                self.push(Insn::mov(R0, Src::Imm(0)));
                self.write(*dst, R0);
            }
            Inst::Extend {
                dst,
                src,
                bits,
                signed,
            } => {
                self.read_into(*src, R0);
                if *bits < 64 {
                    let shift = 64 - *bits as i32;
                    self.push(Insn::alu(Alu::Lsh, R0, Src::Imm(shift)));
                    let op = if *signed { Alu::Arsh } else { Alu::Rsh };
                    self.push(Insn::alu(op, R0, Src::Imm(shift)));
                }
                self.write(*dst, R0);
            }
            Inst::LoadCtx { dst, offset, size } => {
                self.push(Insn::load(*size, R0, R6, *offset as i16));
                self.write(*dst, R0);
            }
            Inst::LoadPtr {
                dst,
                base,
                offset,
                size,
            } => {
                let b = self.read(*base, R1);
                self.push(Insn::load(*size, R0, b, *offset));
                self.write(*dst, R0);
            }
            Inst::StorePtr {
                base,
                offset,
                src,
                size,
            } => {
                let b = self.read(*base, R1);
                self.store_at(b, *offset, *src, *size);
            }
            Inst::CopyFromPtr {
                dst,
                base,
                offset,
                len,
            } => {
                let b = self.read(*base, R1);
                let (db, d) = self.slot_ref(*dst, 0);
                self.copy(b, *offset, db, d, *len);
            }
            Inst::CopyToPtr {
                base,
                offset,
                src,
                len,
            } => {
                let b = self.read(*base, R1);
                let (sb, s) = self.slot_ref(*src, 0);
                self.copy(sb, s, b, *offset, *len);
            }
            Inst::StoreCtx { slot, offset } => {
                let (base, off) = self.slot_ref(*slot, *offset);
                self.push(Insn::store(8, base, off, R6));
            }
            Inst::LoadSlot {
                dst,
                slot,
                offset,
                size,
            } => {
                let (base, off) = self.slot_ref(*slot, *offset);
                self.push(Insn::load(*size, R0, base, off));
                self.write(*dst, R0);
            }
            Inst::StoreSlot {
                slot,
                offset,
                src,
                size,
            } => self.store(*slot, *offset, *src, *size),
            Inst::ZeroSlot { slot } => {
                let words = self.func.slots[slot.0 as usize].div_ceil(8);
                self.push(Insn::mov(R0, Src::Imm(0)));
                for w in 0..words {
                    let (base, off) = self.slot_ref(*slot, w * 8);
                    self.push(Insn::store(8, base, off, R0));
                }
            }
            Inst::CopySlot {
                dst,
                dst_offset,
                src,
                src_offset,
                len,
            } => {
                let (db, d) = self.slot_ref(*dst, *dst_offset);
                let (sb, s) = self.slot_ref(*src, *src_offset);
                self.copy(sb, s, db, d, *len);
            }
            Inst::Call { dst, helper, args } => {
                self.call_args(args);
                self.push(Insn::call(helper.id()));
                if let Some(d) = dst {
                    self.write(*d, R0);
                }
            }
            Inst::MapRead {
                map,
                key,
                cpu,
                dst,
                dst_offset,
                len,
            } => self.map_read(*map, *key, *cpu, (*dst, *dst_offset), *len),
            Inst::MapUpdate {
                map,
                key,
                value,
                status,
            } => {
                self.call_args(&[
                    Arg::Map(*map),
                    Arg::SlotAddr(*key, 0),
                    Arg::SlotAddr(*value, 0),
                    Arg::Imm(0),
                ]);
                self.push(Insn::call(Helper::MapUpdateElem.id()));
                self.write(*status, R0);
            }
            Inst::MapDelete { map, key } => {
                self.call_args(&[Arg::Map(*map), Arg::SlotAddr(*key, 0)]);
                self.push(Insn::call(Helper::MapDeleteElem.id()));
            }
            Inst::MapHas { dst, map, key } => {
                self.lookup(*map, *key);
                self.push(Insn::mov(R1, Src::Imm(0)));
                self.push(Insn::jump(Jmp::Jeq, R0, Src::Imm(0), 1));
                self.push(Insn::mov(R1, Src::Imm(1)));
                self.write(*dst, R1);
            }
            Inst::MapAggregate {
                map,
                key,
                ops,
                init,
                status,
            } => {
                self.aggregate(*map, *key, ops, *init);
                self.write(*status, R0);
            }
            Inst::Output { slot, len } => self.output(*slot, *len),
        }
    }

    /// Ends a block: jumps that are not to the next block (`next`), and
    /// returns through the shared epilogue `end`.
    fn terminator(&mut self, term: &Terminator, next: Option<Label>, end: Label) {
        let goto = |e: &mut Self, target: Label| {
            if Some(target) != next {
                e.jump_to(Insn::jump(Jmp::Ja, 0, Src::Imm(0), 0), target);
            }
        };
        match term {
            Terminator::Jump(t) => goto(self, *t),
            Terminator::Branch {
                op,
                lhs,
                rhs,
                then,
                otherwise,
            } => {
                let l = self.read(*lhs, R1);
                let r = self.src(*rhs, R2);
                self.jump_to(Insn::jump(jmp(*op), l, r, 0), *then);
                goto(self, *otherwise);
            }
            Terminator::Return if next.is_none() => {}
            Terminator::Return => goto(self, end),
        }
    }

    fn alu(&mut self, op: AluOp, dst: VReg, lhs: VReg, rhs: Operand) {
        self.read_into(lhs, R0);
        match op {
            AluOp::SDiv | AluOp::SMod => {
                self.operand_into(rhs, R1);
                self.signed_div(op == AluOp::SMod);
            }
            _ => {
                let src = self.src(rhs, R1);
                let code = match op {
                    AluOp::Add => Alu::Add,
                    AluOp::Sub => Alu::Sub,
                    AluOp::Mul => Alu::Mul,
                    AluOp::UDiv => Alu::Div,
                    AluOp::UMod => Alu::Mod,
                    AluOp::And => Alu::And,
                    AluOp::Or => Alu::Or,
                    AluOp::Xor => Alu::Xor,
                    AluOp::Shl => Alu::Lsh,
                    AluOp::LShr => Alu::Rsh,
                    AluOp::AShr => Alu::Arsh,
                    AluOp::SDiv | AluOp::SMod => unreachable!(),
                };
                self.push(Insn::alu(code, R0, src));
            }
        }
        self.write(dst, R0);
    }

    /// r0 = r0 s/ r1 (or s% r1) with unsigned instructions only, for pre-v4 ISAs.
    fn signed_div(&mut self, modulo: bool) {
        self.push(Insn::mov(R2, Src::Imm(0)));
        self.push(Insn::jump(Jmp::Jsge, R0, Src::Imm(0), 2));
        self.push(Insn::neg(R0));
        self.push(Insn::alu(Alu::Xor, R2, Src::Imm(1)));
        self.push(Insn::jump(
            Jmp::Jsge,
            R1,
            Src::Imm(0),
            if modulo { 1 } else { 2 },
        ));
        self.push(Insn::neg(R1));
        if !modulo {
            self.push(Insn::alu(Alu::Xor, R2, Src::Imm(1)));
        }
        self.push(Insn::alu(
            if modulo { Alu::Mod } else { Alu::Div },
            R0,
            Src::Reg(R1),
        ));
        self.push(Insn::jump(Jmp::Jeq, R2, Src::Imm(0), 1));
        self.push(Insn::neg(R0));
    }

    fn store(&mut self, slot: Slot, offset: u32, src: Operand, size: u8) {
        let (base, off) = self.slot_ref(slot, offset);
        self.store_at(base, off, src, size);
    }

    /// `*(size *)(base + off) = src`; `src` goes through r0 unless immediate.
    fn store_at(&mut self, base: u8, off: i16, src: Operand, size: u8) {
        match src {
            Operand::Imm(v) if i32::try_from(v).is_ok() || size < 8 => {
                let imm = match size {
                    1 => v as u8 as i32,
                    2 => v as u16 as i32,
                    4 => v as u32 as i32,
                    _ => v as i32,
                };
                self.push(Insn::store_imm(size, base, off, imm));
            }
            _ => {
                self.operand_into(src, R0);
                self.push(Insn::store(size, base, off, R0));
            }
        }
    }

    /// Copies `len` bytes in the widest chunks both addresses are aligned for.
    fn copy(&mut self, src_reg: u8, src_off: i16, dst_reg: u8, dst_off: i16, len: u32) {
        let mut i = 0u32;
        while i < len {
            let size = [8u32, 4, 2, 1]
                .into_iter()
                .find(|&s| {
                    i + s <= len
                        && (src_off as i32 + i as i32).rem_euclid(s as i32) == 0
                        && (dst_off as i32 + i as i32).rem_euclid(s as i32) == 0
                })
                .unwrap_or(1);
            self.push(Insn::load(size as u8, R3, src_reg, src_off + i as i16));
            self.push(Insn::store(size as u8, dst_reg, dst_off + i as i16, R3));
            i += size;
        }
    }

    fn call_args(&mut self, args: &[Arg]) {
        for (i, arg) in args.iter().enumerate() {
            let reg = i as u8 + 1;
            match *arg {
                Arg::Reg(v) => self.read_into(v, reg),
                Arg::Imm(v) => self.imm64(reg, v),
                Arg::SlotAddr(slot, off) => self.addr(reg, slot, off),
                Arg::Ctx => self.push(Insn::mov(reg, Src::Reg(R6))),
                Arg::CtxPlus(v) => {
                    self.read_into(v, reg);
                    self.push(Insn::alu(Alu::Add, reg, Src::Reg(R6)));
                }
                Arg::Map(m) => self.map_addr(reg, m),
                Arg::Func(f) => {
                    self.out.func_relocs.push((self.out.insns.len(), f.0));
                    let [mut a, b] = Insn::ld_imm64(reg, 0);
                    a.src = BPF_PSEUDO_FUNC;
                    self.push(a);
                    self.push(b);
                }
            }
        }
    }

    fn lookup(&mut self, map: MapId, key: Slot) {
        self.call_args(&[Arg::Map(map), Arg::SlotAddr(key, 0)]);
        self.push(Insn::call(Helper::MapLookupElem.id()));
    }

    fn map_read(&mut self, map: MapId, key: Slot, cpu: Option<u32>, dst: (Slot, u32), len: u32) {
        let (dst, dst_offset) = dst;
        let (absent, done) = (self.new_label(), self.new_label());
        match cpu {
            None => self.lookup(map, key),
            Some(cpu) => {
                self.call_args(&[Arg::Map(map), Arg::SlotAddr(key, 0), Arg::Imm(cpu as i64)]);
                self.push(Insn::call(Helper::MapLookupPercpuElem.id()));
            }
        }
        self.jump_to(Insn::jump(Jmp::Jeq, R0, Src::Imm(0), 0), absent);
        let (base, d) = self.slot_ref(dst, dst_offset);
        self.copy(R0, 0, base, d, len);
        self.jump_to(Insn::jump(Jmp::Ja, 0, Src::Imm(0), 0), done);
        self.place(absent);
        for i in 0..len {
            self.push(Insn::store_imm(1, base, d + i as i16, 0));
        }
        self.place(done);
    }

    /// Leaves 0 in R0, or the insert's status.
    fn aggregate(&mut self, map: MapId, key: Slot, ops: &[AggOp], init: Slot) {
        let (absent, done) = (self.new_label(), self.new_label());
        self.lookup(map, key);
        self.jump_to(Insn::jump(Jmp::Jeq, R0, Src::Imm(0), 0), absent);
        for op in ops {
            match *op {
                AggOp::Add { offset, value } => {
                    let v = self.src(value, R1);
                    self.push(Insn::load(8, R2, R0, offset as i16));
                    self.push(Insn::alu(Alu::Add, R2, v));
                    self.push(Insn::store(8, R0, offset as i16, R2));
                }
                AggOp::Min {
                    offset,
                    flag,
                    value,
                }
                | AggOp::Max {
                    offset,
                    flag,
                    value,
                } => {
                    let keep = if matches!(op, AggOp::Min { .. }) {
                        Jmp::Jsge
                    } else {
                        Jmp::Jsle
                    };
                    let v = self.read(value, R1);
                    self.push(Insn::load(8, R2, R0, flag as i16));
                    self.push(Insn::jump(Jmp::Jeq, R2, Src::Imm(0), 2));
                    self.push(Insn::load(8, R2, R0, offset as i16));
                    self.push(Insn::jump(keep, v, Src::Reg(R2), 2));
                    self.push(Insn::store(8, R0, offset as i16, v));
                    self.push(Insn::store_imm(8, R0, flag as i16, 1));
                }
            }
        }
        self.push(Insn::mov(R0, Src::Imm(0)));
        self.jump_to(Insn::jump(Jmp::Ja, 0, Src::Imm(0), 0), done);
        self.place(absent);
        self.call_args(&[
            Arg::Map(map),
            Arg::SlotAddr(key, 0),
            Arg::SlotAddr(init, 0),
            Arg::Imm(BPF_NOEXIST as i64),
        ]);
        self.push(Insn::call(Helper::MapUpdateElem.id()));
        self.place(done);
    }

    fn output(&mut self, slot: Slot, len: u32) {
        let done = self.new_label();
        let maps = self.maps;
        self.call_args(&[
            Arg::Map(maps.output),
            Arg::SlotAddr(slot, 0),
            Arg::Imm(len as i64),
            Arg::Imm(0),
        ]);
        self.push(Insn::call(Helper::RingbufOutput.id()));
        self.jump_to(Insn::jump(Jmp::Jeq, R0, Src::Imm(0), 0), done);
        self.zero_key_lookup(maps.lost);
        self.jump_to(Insn::jump(Jmp::Jeq, R0, Src::Imm(0), 0), done);
        self.push(Insn::load(8, R1, R0, 0));
        self.push(Insn::alu(Alu::Add, R1, Src::Imm(1)));
        self.push(Insn::store(8, R0, 0, R1));
        self.place(done);
    }
}

fn jmp(op: CmpOp) -> Jmp {
    match op {
        CmpOp::Eq => Jmp::Jeq,
        CmpOp::Ne => Jmp::Jne,
        CmpOp::ULt => Jmp::Jlt,
        CmpOp::ULe => Jmp::Jle,
        CmpOp::UGt => Jmp::Jgt,
        CmpOp::UGe => Jmp::Jge,
        CmpOp::SLt => Jmp::Jslt,
        CmpOp::SLe => Jmp::Jsle,
        CmpOp::SGt => Jmp::Jsgt,
        CmpOp::SGe => Jmp::Jsge,
    }
}
