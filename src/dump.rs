//! `-d ast|ir|bpf`: one compilation stage as text.

use crate::cli::Stage;
use tracelet_compiler::syntax::ast::Program;
use tracelet_compiler::Compiled;

/// The parsed program (needs no kernel, so it is printed before compiling).
pub fn ast(program: &Program) -> String {
    format!("{program:#?}\n")
}

/// The text of one stage of a compiled program.
pub fn stage(compiled: &Compiled, stage: Stage) -> String {
    match stage {
        Stage::Ast => ast(&compiled.ast),
        Stage::Ir => compiled
            .functions
            .iter()
            .map(|(inst, func)| format!("{}:\n{func}\n", inst.name))
            .collect(),
        Stage::Bpf => compiled
            .functions
            .iter()
            .zip(&compiled.programs)
            .map(|((inst, _), prog)| {
                let mut text = format!("{}: ({} bytes of stack)\n", inst.name, prog.stack);
                for (i, insn) in prog.insns.iter().enumerate() {
                    match prog.map_relocs.iter().find(|(at, _)| *at == i) {
                        Some((_, map)) => {
                            let symbol = &compiled.artifact.maps[map.0].symbol;
                            text += &format!("{i:5}: r{} = map[{symbol}]\n", insn.dst)
                        }
                        None => text += &format!("{i:5}: {insn}\n"),
                    }
                }
                text + "\n"
            })
            .collect(),
    }
}
