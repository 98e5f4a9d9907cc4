//! Liveness over the CFG. Instructions and terminators get one number each in
//! layout order; a virtual register's live interval is the smallest range of
//! numbers covering every point where dataflow finds it live, so values that
//! cross a back edge stay live around the whole loop. Slots are memory that
//! partial writes do not kill: their interval is `[first mention, last
//! mention]`, widened to every loop it touches.

use super::regalloc::{def, for_each_reg, for_each_slot, for_each_use};
use crate::ir::{Function, Operand, Terminator, VReg};

/// Which blocks some path from the entry reaches.
pub fn reachable(func: &Function) -> Vec<bool> {
    let mut seen = vec![false; func.blocks.len()];
    let mut work = vec![0usize];
    while let Some(b) = work.pop() {
        if b >= func.blocks.len() || seen[b] {
            continue;
        }
        seen[b] = true;
        work.extend(func.blocks[b].term.successors().map(|l| l.0 as usize));
    }
    seen
}

/// Calls `f` for every register a terminator reads.
pub fn term_regs(term: &Terminator, ret: Option<VReg>, mut f: impl FnMut(VReg)) {
    match term {
        Terminator::Branch { lhs, rhs, .. } => {
            f(*lhs);
            if let Operand::Reg(r) = rhs {
                f(*r)
            }
        }
        Terminator::Return => ret.into_iter().for_each(f),
        Terminator::Jump(_) => {}
    }
}

/// An inclusive range of instruction numbers.
pub type Interval = (usize, usize);

/// The numbering and live ranges of one function (reachable blocks only).
#[derive(Debug)]
pub struct Liveness {
    /// Number of each block's first instruction; its terminator is at `end[b]`.
    pub start: Vec<usize>,
    pub end: Vec<usize>,
    /// Per virtual register, where it is live (`None`: never mentioned).
    pub regs: Vec<Option<Interval>>,
    /// Registers live on entry: read on some path before any write.
    pub live_in_entry: Vec<VReg>,
    /// Per slot, where its bytes must be kept.
    pub slots: Vec<Option<Interval>>,
}

fn widen(iv: &mut Option<Interval>, at: usize) {
    *iv = Some(match *iv {
        None => (at, at),
        Some((a, b)) => (a.min(at), b.max(at)),
    });
}

struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Self {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, bits)| {
            (0..64)
                .filter(move |b| bits & (1 << b) != 0)
                .map(move |b| w * 64 + b)
        })
    }
}

/// Computes liveness of every register and slot of `func`.
pub fn analyse(func: &Function) -> Liveness {
    let live = reachable(func);
    let nblocks = func.blocks.len();
    let (mut start, mut end) = (vec![0; nblocks], vec![0; nblocks]);
    let mut at = 0;
    for (b, block) in func.blocks.iter().enumerate() {
        start[b] = at;
        if live[b] {
            at += block.insts.len();
        }
        end[b] = at;
        at += live[b] as usize;
    }

    // use/def per block, then live-in/live-out to a fixpoint.
    let n = func.regs.len();
    let mut uses: Vec<Bits> = Vec::new();
    let mut defs: Vec<Bits> = Vec::new();
    for block in &func.blocks {
        let (mut u, mut d) = (Bits::new(n), Bits::new(n));
        for inst in &block.insts {
            for_each_use(inst, |r| {
                if !d.get(r.0 as usize) {
                    u.set(r.0 as usize)
                }
            });
            if let Some(w) = def(inst) {
                d.set(w.0 as usize);
            }
        }
        term_regs(&block.term, func.ret, |r| {
            if !d.get(r.0 as usize) {
                u.set(r.0 as usize)
            }
        });
        uses.push(u);
        defs.push(d);
    }
    let mut live_in: Vec<Bits> = (0..nblocks).map(|_| Bits::new(n)).collect();
    let mut live_out: Vec<Bits> = (0..nblocks).map(|_| Bits::new(n)).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for b in (0..nblocks).rev().filter(|&b| live[b]) {
            let mut out = Bits::new(n);
            for s in func.blocks[b].term.successors() {
                for (w, x) in out.0.iter_mut().zip(&live_in[s.0 as usize].0) {
                    *w |= x;
                }
            }
            let mut inn = Bits(out.0.clone());
            for (i, w) in inn.0.iter_mut().enumerate() {
                *w = (*w & !defs[b].0[i]) | uses[b].0[i];
            }
            if inn.0 != live_in[b].0 {
                live_in[b] = inn;
                changed = true;
            }
            live_out[b] = out;
        }
    }

    let mut regs: Vec<Option<Interval>> = vec![None; n];
    let mut slots: Vec<Option<Interval>> = vec![None; func.slots.len()];
    for (b, block) in func.blocks.iter().enumerate().filter(|(b, _)| live[*b]) {
        for r in live_in[b].ones() {
            widen(&mut regs[r], start[b]);
        }
        for r in live_out[b].ones() {
            widen(&mut regs[r], end[b]);
        }
        for (i, inst) in block.insts.iter().enumerate() {
            for_each_reg(inst, |r| widen(&mut regs[r.0 as usize], start[b] + i));
            for_each_slot(inst, |s| widen(&mut slots[s.0 as usize], start[b] + i));
        }
        term_regs(&block.term, func.ret, |r| {
            widen(&mut regs[r.0 as usize], end[b])
        });
    }
    // A slot used inside a loop keeps its bytes around the whole loop.
    let loops: Vec<Interval> = (0..nblocks)
        .filter(|&b| live[b])
        .flat_map(|b| {
            let (start, end) = (&start, end[b]);
            func.blocks[b]
                .term
                .successors()
                .filter(move |h| h.0 as usize <= b)
                .map(move |h| (start[h.0 as usize], end))
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for iv in slots.iter_mut().flatten() {
            for &(lo, hi) in &loops {
                if iv.0 <= hi && lo <= iv.1 && (iv.0 > lo || iv.1 < hi) {
                    *iv = (iv.0.min(lo), iv.1.max(hi));
                    changed = true;
                }
            }
        }
    }
    let mut entry = Bits::new(n);
    if nblocks > 0 {
        entry = Bits(live_in[0].0.clone());
    }
    Liveness {
        start,
        end,
        regs,
        live_in_entry: entry.ones().map(|r| VReg(r as u32)).collect(),
        slots,
    }
}
