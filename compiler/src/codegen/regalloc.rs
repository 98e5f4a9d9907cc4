//! Register allocation by linear scan over the live intervals that
//! [`liveness`](super::liveness) computes on the CFG. Intervals get r7–r9
//! (preserved across helper calls) while one is free, else an 8-byte stack
//! slot; both are reused once an interval ends. r6 holds the context, r0–r5 are
//! scratch for single instructions.

use super::liveness::{Interval, Liveness};
use crate::ir::{AggOp, Arg, Function, Inst, Operand, Slot, VReg};

/// Where a virtual register lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    Reg(u8),
    /// Index of an 8-byte spill slot.
    Spill(u32),
}

/// The result of allocation.
#[derive(Debug)]
pub struct Allocation {
    pub locs: Vec<Loc>,
    pub spill_slots: u32,
}

/// Registers preserved across helper calls that hold virtual registers.
pub const ALLOCATABLE: [u8; 3] = [7, 8, 9];

/// Items with an interval, in order of interval start.
fn by_start(intervals: &[Option<Interval>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..intervals.len())
        .filter(|&x| intervals[x].is_some())
        .collect();
    order.sort_by_key(|&x| intervals[x].map(|iv| iv.0));
    order
}

/// Allocates virtual registers to `registers` and spill slots.
pub fn allocate(live: &Liveness, registers: &[u8]) -> Allocation {
    let iv = |r: usize| live.regs[r].expect("ordered items have intervals");
    let mut locs = vec![Loc::Spill(0); live.regs.len()];
    let mut active: Vec<(usize, Loc)> = Vec::new(); // (end, loc)
    let mut free_regs: Vec<u8> = registers.iter().rev().copied().collect();
    let mut free_spills: Vec<u32> = Vec::new();
    let mut spill_slots = 0;
    for r in by_start(&live.regs) {
        let (first, last) = iv(r);
        active.retain(|&(end, loc)| {
            if end < first {
                match loc {
                    Loc::Reg(p) => free_regs.push(p),
                    Loc::Spill(s) => free_spills.push(s),
                }
                false
            } else {
                true
            }
        });
        let loc = match free_regs.pop() {
            Some(p) => Loc::Reg(p),
            None => Loc::Spill(free_spills.pop().unwrap_or_else(|| {
                spill_slots += 1;
                spill_slots - 1
            })),
        };
        locs[r] = loc;
        active.push((last, loc));
    }
    Allocation { locs, spill_slots }
}

fn operand(op: &Operand, f: &mut impl FnMut(VReg)) {
    if let Operand::Reg(r) = op {
        f(*r)
    }
}

/// The virtual register an instruction writes, if any.
pub fn def(inst: &Inst) -> Option<VReg> {
    use Inst::*;
    match inst {
        Mov { dst, .. }
        | Alu { dst, .. }
        | Cmp { dst, .. }
        | Extend { dst, .. }
        | LoadCtx { dst, .. }
        | LoadPtr { dst, .. }
        | LoadSlot { dst, .. }
        | MapHas { dst, .. } => Some(*dst),
        Call { dst, .. } => *dst,
        MapUpdate { status, .. } | MapAggregate { status, .. } => Some(*status),
        _ => None,
    }
}

/// Calls `f` for every virtual register an instruction reads.
pub fn for_each_use(inst: &Inst, mut f: impl FnMut(VReg)) {
    use Inst::*;
    match inst {
        Mov { src, .. } => operand(src, &mut f),
        Alu { lhs, rhs, .. } | Cmp { lhs, rhs, .. } => {
            f(*lhs);
            operand(rhs, &mut f);
        }
        Extend { src, .. } => f(*src),
        LoadPtr { base, .. } | CopyFromPtr { base, .. } | CopyToPtr { base, .. } => f(*base),
        StorePtr { base, src, .. } => {
            f(*base);
            operand(src, &mut f);
        }
        StoreSlot { src, .. } => operand(src, &mut f),
        Call { args, .. } => {
            for a in args {
                if let Arg::Reg(r) | Arg::CtxPlus(r) = a {
                    f(*r)
                }
            }
        }
        MapAggregate { ops, .. } => {
            for op in ops {
                match op {
                    AggOp::Add { value, .. } => operand(value, &mut f),
                    AggOp::Min { value, .. } | AggOp::Max { value, .. } => f(*value),
                }
            }
        }
        LoadCtx { .. }
        | LoadSlot { .. }
        | StoreCtx { .. }
        | ZeroSlot { .. }
        | CopySlot { .. }
        | MapRead { .. }
        | MapUpdate { .. }
        | MapDelete { .. }
        | MapHas { .. }
        | Output { .. } => {}
    }
}

/// Calls `f` for every virtual register an instruction mentions.
pub fn for_each_reg(inst: &Inst, mut f: impl FnMut(VReg)) {
    for_each_use(inst, &mut f);
    if let Some(d) = def(inst) {
        f(d)
    }
}

/// Calls `f` for every slot an instruction mentions.
pub fn for_each_slot(inst: &Inst, mut f: impl FnMut(Slot)) {
    use Inst::*;
    match inst {
        ZeroSlot { slot }
        | StoreSlot { slot, .. }
        | StoreCtx { slot, .. }
        | CopyFromPtr { dst: slot, .. }
        | CopyToPtr { src: slot, .. }
        | LoadSlot { slot, .. }
        | Output { slot, .. } => f(*slot),
        CopySlot { dst, src, .. } => {
            f(*dst);
            f(*src);
        }
        Call { args, .. } => {
            for a in args {
                if let Arg::SlotAddr(s, _) = a {
                    f(*s)
                }
            }
        }
        MapRead { key, dst, .. } => {
            f(*key);
            f(*dst);
        }
        MapUpdate { key, value, .. } => {
            f(*key);
            f(*value);
        }
        MapDelete { key, .. } | MapHas { key, .. } => f(*key),
        MapAggregate { key, init, .. } => {
            f(*key);
            f(*init);
        }
        Mov { .. }
        | Alu { .. }
        | Cmp { .. }
        | Extend { .. }
        | LoadCtx { .. }
        | LoadPtr { .. }
        | StorePtr { .. } => {}
    }
}

/// Where slots live: byte ranges of one region (the stack, or a scratch map
/// value) shared by slots whose live intervals do not overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotLayout {
    /// Start of each slot within the region.
    pub start: Vec<u32>,
    /// Bytes the region needs.
    pub total: u32,
}

/// Lays out slots, first fit in order of first use.
pub fn layout_slots(func: &Function, live: &Liveness) -> SlotLayout {
    let n = func.slots.len();
    let iv = |s: usize| live.slots[s].expect("ordered items have intervals");
    let size = |s: usize| func.slots[s].div_ceil(8) * 8;
    let mut placed: Vec<usize> = Vec::new();
    let mut start = vec![0u32; n];
    let mut total = 0;
    for s in by_start(&live.slots) {
        let mut busy: Vec<(u32, u32)> = placed
            .iter()
            .filter(|p| iv(**p).1 >= iv(s).0)
            .map(|p| (start[*p], start[*p] + size(*p)))
            .collect();
        busy.sort_unstable();
        let mut at = 0;
        for (lo, hi) in busy {
            if at + size(s) <= lo {
                break;
            }
            at = at.max(hi);
        }
        placed.push(s);
        start[s] = at;
        total = total.max(at + size(s));
    }
    SlotLayout { start, total }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::liveness::analyse;
    use crate::ir::{Builder, CmpOp, Slot};
    use crate::types::Type;

    fn mov(b: &mut Builder, dst: VReg, v: i64) {
        b.mov(dst, Operand::Imm(v));
    }

    fn store(b: &mut Builder, slot: Slot, r: VReg) {
        b.store_slot(slot, 0, Operand::Reg(r), 8);
    }

    #[test]
    fn registers_are_reused_after_their_interval() {
        let mut b = Builder::new();
        let s = b.slot(8);
        for _ in 0..5 {
            let r = b.reg(Type::U64);
            mov(&mut b, r, 1);
            store(&mut b, s, r);
        }
        let a = allocate(&analyse(&b.finish()), &ALLOCATABLE);
        assert_eq!(a.spill_slots, 0);
        assert!(a.locs.iter().all(|l| matches!(l, Loc::Reg(_))));
    }

    #[test]
    fn overlapping_registers_spill() {
        let mut b = Builder::new();
        let s = b.slot(8);
        let regs: Vec<VReg> = (0..5).map(|_| b.reg(Type::U64)).collect();
        for r in &regs {
            mov(&mut b, *r, 1);
        }
        for r in &regs {
            store(&mut b, s, *r);
        }
        let a = allocate(&analyse(&b.finish()), &ALLOCATABLE);
        assert_eq!(a.spill_slots, 2);
    }

    /// `x = 1; i = 0; loop { store x; t1 = 2; t2 = 3; store t1; store t2; i += 1; if i < 3 loop }`:
    /// `x` is last mentioned early in the body but read again on the next
    /// iteration, so no body temporary may take its register.
    #[test]
    fn a_value_used_in_a_loop_lives_around_the_back_edge() {
        let mut b = Builder::new();
        let s = b.slot(8);
        let (x, i) = (b.reg(Type::U64), b.reg(Type::U64));
        mov(&mut b, x, 1);
        mov(&mut b, i, 0);
        let head = b.new_label();
        b.place(head);
        store(&mut b, s, x);
        let (t1, t2) = (b.reg(Type::U64), b.reg(Type::U64));
        mov(&mut b, t1, 2);
        mov(&mut b, t2, 3);
        store(&mut b, s, t1);
        store(&mut b, s, t2);
        b.alu_to(i, crate::ir::AluOp::Add, i, Operand::Imm(1));
        b.branch(CmpOp::ULt, i, Operand::Imm(3), head);
        let func = b.finish();
        let live = analyse(&func);
        let a = allocate(&live, &ALLOCATABLE);
        for t in [t1, t2] {
            assert_ne!(
                a.locs[x.0 as usize], a.locs[t.0 as usize],
                "x is clobbered by {t:?}"
            );
            assert_ne!(
                a.locs[i.0 as usize], a.locs[t.0 as usize],
                "i is clobbered by {t:?}"
            );
        }
        assert!(
            live.live_in_entry.is_empty(),
            "everything is written before it is read"
        );
    }

    #[test]
    fn a_register_read_before_any_write_is_live_on_entry() {
        let mut b = Builder::new();
        let s = b.slot(8);
        let (c, x) = (b.reg(Type::U64), b.reg(Type::U64));
        mov(&mut b, c, 0);
        let skip = b.new_label();
        b.branch(CmpOp::Eq, c, Operand::Imm(0), skip);
        mov(&mut b, x, 7);
        b.place(skip);
        store(&mut b, s, x);
        assert_eq!(analyse(&b.finish()).live_in_entry, [x]);
    }

    #[test]
    fn slots_with_disjoint_lives_share_bytes() {
        let mut b = Builder::new();
        let (s0, s1, s2) = (b.slot(16), b.slot(8), b.slot(8));
        b.zero_slot(s0);
        b.zero_slot(s1);
        b.copy_slot(s1, 0, s0, 0, 8);
        b.zero_slot(s2);
        b.output(s1, 8);
        let func = b.finish();
        let layout = layout_slots(&func, &analyse(&func));
        assert_eq!(layout.total, 24);
        assert_eq!(layout.start, [0, 16, 0], "slot 2 reuses slot 0's bytes");
    }

    #[test]
    fn a_slot_used_in_a_loop_keeps_its_bytes_around_it() {
        let mut b = Builder::new();
        let (outer, inner) = (b.slot(8), b.slot(8));
        let c = b.reg(Type::U64);
        b.zero_slot(outer);
        let head = b.new_label();
        b.place(head);
        b.output(outer, 8);
        b.zero_slot(inner);
        b.output(inner, 8);
        mov(&mut b, c, 0);
        b.branch(CmpOp::Eq, c, Operand::Imm(0), head);
        let func = b.finish();
        let layout = layout_slots(&func, &analyse(&func));
        assert_ne!(
            layout.start[0], layout.start[1],
            "the loop's slot must not overwrite `outer`"
        );
    }
}
