//! Reachability over the IR: the verifier rejects instructions no path can
//! reach (e.g. the jump past an `else` after `exit()` or `return`).

use crate::ir::{Function, Inst};
use std::collections::HashMap;

/// Which instructions some path from the entry reaches.
pub fn reachable(func: &Function) -> Vec<bool> {
    let labels: HashMap<u32, usize> = func
        .insts
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| match inst {
            Inst::Label(l) => Some((l.0, i)),
            _ => None,
        })
        .collect();
    let mut seen = vec![false; func.insts.len()];
    let mut work = vec![0usize];
    while let Some(i) = work.pop() {
        if i >= func.insts.len() || seen[i] {
            continue;
        }
        seen[i] = true;
        match &func.insts[i] {
            Inst::Jump(l) => work.push(labels[&l.0]),
            Inst::Branch { target, .. } => {
                work.push(labels[&target.0]);
                work.push(i + 1);
            }
            Inst::Exit => {}
            _ => work.push(i + 1),
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Label, Operand, VReg};

    #[test]
    fn code_after_a_jump_is_unreachable_until_a_target_label() {
        let func = Function {
            insts: vec![
                Inst::Jump(Label(0)),
                Inst::Mov {
                    dst: VReg(0),
                    src: Operand::Imm(1),
                },
                Inst::Label(Label(1)),
                Inst::Label(Label(0)),
            ],
            labels: 2,
            ..Default::default()
        };
        assert_eq!(reachable(&func), [true, false, false, true]);
    }
}
