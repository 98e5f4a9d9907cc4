//! `-d ast|ir|bpf`: one compilation stage as text.

use crate::cli::Stage;
use tracelet_compiler::codegen::Program as BpfProgram;
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
        Stage::Bpf => {
            let programs = compiled.functions.iter().map(|(i, _)| &i.name);
            let subprograms = compiled.subprograms.iter().map(|(symbol, _)| symbol);
            programs
                .zip(&compiled.programs)
                .chain(subprograms.zip(compiled.subprograms.iter().map(|(_, p)| p)))
                .map(|(name, prog)| listing(compiled, name, prog))
                .collect()
        }
    }
}

/// One program's instructions, with the maps and subprograms they load.
fn listing(compiled: &Compiled, name: &str, prog: &BpfProgram) -> String {
    let mut text = format!("{name}: ({} bytes of stack)\n", prog.stack);
    for (i, insn) in prog.insns.iter().enumerate() {
        let map = prog.map_relocs.iter().find(|(at, _)| *at == i);
        let func = prog.func_relocs.iter().find(|(at, _)| *at == i);
        text += &match (map, func) {
            (Some((_, map)), _) => {
                let symbol = &compiled.artifact.maps[map.0].symbol;
                format!("{i:5}: r{} = map[{symbol}]\n", insn.dst)
            }
            (_, Some((_, f))) => {
                let symbol = &compiled.subprograms[*f].0;
                format!("{i:5}: r{} = fn[{symbol}]\n", insn.dst)
            }
            _ => format!("{i:5}: {insn}\n"),
        };
    }
    text + "\n"
}
