//! Register allocation by linear scan over live intervals. Control flow in the
//! IR only jumps forward, so `[first mention, last mention]` of a virtual
//! register covers every point where it is live. Intervals get r7–r9
//! (preserved across helper calls) while one is free, else an 8-byte stack
//! slot; both are reused once an interval ends. r6 holds the context, r0–r5 are
//! scratch for single instructions.

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

/// `(first, last)` instruction index mentioning each of `n` items, in order of
/// first mention; items never mentioned are left out.
fn intervals(
    n: usize,
    insts: &[Inst],
    mentions: impl Fn(&Inst, &mut dyn FnMut(usize)),
) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let mut first = vec![usize::MAX; n];
    let mut last = vec![0usize; n];
    for (i, inst) in insts.iter().enumerate() {
        mentions(inst, &mut |x| {
            first[x] = first[x].min(i);
            last[x] = last[x].max(i);
        });
    }
    let mut order: Vec<usize> = (0..n).filter(|&x| first[x] != usize::MAX).collect();
    order.sort_by_key(|&x| first[x]);
    (order, first, last)
}

/// Allocates virtual registers to `registers` and spill slots.
pub fn allocate(func: &Function, registers: &[u8]) -> Allocation {
    let n = func.regs.len();
    let (order, first, last) = intervals(n, &func.insts, |inst, f| {
        for_each_reg(inst, |r| f(r.0 as usize))
    });

    let mut locs = vec![Loc::Spill(0); n];
    let mut active: Vec<(usize, Loc)> = Vec::new(); // (end, loc)
    let mut free_regs: Vec<u8> = registers.iter().rev().copied().collect();
    let mut free_spills: Vec<u32> = Vec::new();
    let mut spill_slots = 0;
    for r in order {
        active.retain(|&(end, loc)| {
            if end < first[r] {
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
        active.push((last[r], loc));
    }
    Allocation { locs, spill_slots }
}

fn operand(op: &Operand, f: &mut impl FnMut(VReg)) {
    if let Operand::Reg(r) = op {
        f(*r)
    }
}

/// Calls `f` for every virtual register an instruction mentions.
pub fn for_each_reg(inst: &Inst, mut f: impl FnMut(VReg)) {
    use Inst::*;
    match inst {
        Mov { dst, src } => {
            f(*dst);
            operand(src, &mut f);
        }
        Alu { dst, lhs, rhs, .. } | Cmp { dst, lhs, rhs, .. } => {
            f(*dst);
            f(*lhs);
            operand(rhs, &mut f);
        }
        Extend { dst, src, .. } => {
            f(*dst);
            f(*src);
        }
        Branch { lhs, rhs, .. } => {
            f(*lhs);
            operand(rhs, &mut f);
        }
        LoadCtx { dst, .. } | LoadSlot { dst, .. } => f(*dst),
        StoreSlot { src, .. } => operand(src, &mut f),
        Call { dst, args, .. } => {
            for a in args {
                if let Arg::Reg(r) | Arg::CtxPlus(r) = a {
                    f(*r)
                }
            }
            if let Some(d) = dst {
                f(*d)
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
        Label(_)
        | Jump(_)
        | Exit
        | ZeroSlot { .. }
        | CopySlot { .. }
        | MapRead { .. }
        | MapUpdate { .. }
        | MapDelete { .. }
        | Output { .. } => {}
    }
}

/// Calls `f` for every slot an instruction mentions.
pub fn for_each_slot(inst: &Inst, mut f: impl FnMut(Slot)) {
    use Inst::*;
    match inst {
        ZeroSlot { slot }
        | StoreSlot { slot, .. }
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
        MapDelete { key, .. } => f(*key),
        MapAggregate { key, init, .. } => {
            f(*key);
            f(*init);
        }
        Mov { .. }
        | Alu { .. }
        | Cmp { .. }
        | Extend { .. }
        | Label(_)
        | Jump(_)
        | Branch { .. }
        | Exit
        | LoadCtx { .. } => {}
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
pub fn layout_slots(func: &Function) -> SlotLayout {
    let n = func.slots.len();
    let (order, first, last) = intervals(n, &func.insts, |inst, f| {
        for_each_slot(inst, |s| f(s.0 as usize))
    });
    let size = |s: usize| func.slots[s].div_ceil(8) * 8;
    let mut placed: Vec<usize> = Vec::new();
    let mut start = vec![0u32; n];
    let mut total = 0;
    for s in order {
        let mut busy: Vec<(u32, u32)> = placed
            .iter()
            .filter(|p| last[**p] >= first[s])
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
    use crate::types::Type;

    #[test]
    fn registers_are_reused_after_their_interval() {
        let mut func = Function {
            regs: vec![Type::U64; 5],
            ..Default::default()
        };
        for i in 0..5 {
            func.insts.push(Inst::Mov {
                dst: VReg(i),
                src: Operand::Imm(1),
            });
            func.insts.push(Inst::StoreSlot {
                slot: crate::ir::Slot(0),
                offset: 0,
                src: Operand::Reg(VReg(i)),
                size: 8,
            });
        }
        let a = allocate(&func, &ALLOCATABLE);
        assert_eq!(a.spill_slots, 0);
        assert!(a.locs.iter().all(|l| matches!(l, Loc::Reg(_))));
    }

    #[test]
    fn overlapping_registers_spill() {
        let mut func = Function {
            regs: vec![Type::U64; 5],
            ..Default::default()
        };
        for i in 0..5 {
            func.insts.push(Inst::Mov {
                dst: VReg(i),
                src: Operand::Imm(1),
            });
        }
        for i in 0..5 {
            func.insts.push(Inst::Branch {
                op: crate::ir::CmpOp::Eq,
                lhs: VReg(i),
                rhs: Operand::Imm(0),
                target: crate::ir::Label(0),
            });
        }
        let a = allocate(&func, &ALLOCATABLE);
        assert_eq!(a.spill_slots, 2);
    }

    #[test]
    fn slots_with_disjoint_lives_share_bytes() {
        use crate::ir::Slot;
        let mut func = Function {
            slots: vec![16, 8, 8],
            ..Default::default()
        };
        func.insts = vec![
            Inst::ZeroSlot { slot: Slot(0) },
            Inst::ZeroSlot { slot: Slot(1) },
            Inst::CopySlot {
                dst: Slot(1),
                dst_offset: 0,
                src: Slot(0),
                src_offset: 0,
                len: 8,
            },
            Inst::ZeroSlot { slot: Slot(2) },
            Inst::Output {
                slot: Slot(1),
                len: 8,
            },
        ];
        let layout = layout_slots(&func);
        assert_eq!(layout.total, 24);
        assert_eq!(layout.start, [0, 16, 0], "slot 2 reuses slot 0's bytes");
    }
}
