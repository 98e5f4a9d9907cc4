//! The in-memory relocatable ELF aya loads: a `license` section, a legacy
//! `maps` section with one 28-byte `bpf_map_def` per map, and one executable
//! section per program whose map loads carry `R_BPF_64_64` relocations.
//! Subprograms (callbacks) go in `.text` as local functions; loads of their
//! address carry `R_BPF_64_64` relocations against their symbols, and the
//! object then has the `.BTF`/`.BTF.ext` func_info the kernel requires.

use super::btf::{self, FuncRecord, Linkage};
use super::emit::Program;
use crate::artifact::MapSpec;
use object::write::{Object, Relocation, SectionId, Symbol, SymbolId, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, RelocationFlags, SectionKind, SymbolFlags, SymbolKind,
    SymbolScope,
};

/// One program to place in the object.
pub struct ElfProgram<'a> {
    /// Section name; its prefix (`tracepoint/`, `raw_tp/` …) selects the program type.
    pub section: String,
    pub symbol: &'a str,
    pub program: &'a Program,
}

/// A BPF subprogram (a callback), placed in `.text`.
pub struct ElfSubprogram<'a> {
    /// Symbol name, unique in the object.
    pub symbol: &'a str,
    pub program: &'a Program,
    /// Number of u64 arguments (r1..r5) it takes, for its BTF prototype.
    pub args: u8,
}

const MAP_DEF_SIZE: u64 = 28;

pub fn write_elf(
    license: &str,
    maps: &[MapSpec],
    programs: &[ElfProgram],
    subprograms: &[ElfSubprogram],
) -> Result<Vec<u8>, String> {
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::Bpf, Endianness::Little);
    let license_section = obj.add_section(Vec::new(), b"license".to_vec(), SectionKind::Data);
    let text: Vec<u8> = license.bytes().chain([0]).collect();
    obj.append_section_data(license_section, &text, 1);

    let map_symbols = add_maps(&mut obj, maps);
    let mut funcs = Vec::new();

    let mut placed = Vec::new();
    for p in programs {
        let section = obj.add_section(Vec::new(), p.section.as_bytes().to_vec(), SectionKind::Text);
        let offset = add_function(&mut obj, section, p.symbol, p.program, SymbolScope::Linkage);
        placed.push((section, offset, p.program));
        funcs.push(FuncRecord {
            name: p.symbol,
            section: &p.section,
            offset: 0,
            args: 1,
            linkage: Linkage::Global,
        });
    }
    let mut sub_symbols = Vec::new();
    if !subprograms.is_empty() {
        let text = obj.add_section(Vec::new(), b".text".to_vec(), SectionKind::Text);
        for s in subprograms {
            let offset = add_function(
                &mut obj,
                text,
                s.symbol,
                s.program,
                SymbolScope::Compilation,
            );
            sub_symbols.push(obj.symbol_id(s.symbol.as_bytes()).expect("just added"));
            placed.push((text, offset, s.program));
            funcs.push(FuncRecord {
                name: s.symbol,
                section: ".text",
                offset: offset as u32,
                args: s.args,
                linkage: Linkage::Static,
            });
        }
    }
    for (section, offset, program) in placed {
        let map_relocs = program
            .map_relocs
            .iter()
            .map(|(at, m)| (*at, map_symbols[m.0]));
        let func_relocs = program
            .func_relocs
            .iter()
            .map(|(at, f)| (*at, sub_symbols[*f]));
        for (at, symbol) in map_relocs.chain(func_relocs) {
            let reloc = Relocation {
                offset: offset + at as u64 * 8,
                symbol,
                addend: 0,
                flags: RelocationFlags::Elf {
                    r_type: object::elf::R_BPF_64_64,
                },
            };
            obj.add_relocation(section, reloc)
                .map_err(|e| e.to_string())?;
        }
    }
    if !subprograms.is_empty() {
        let (btf, ext) = btf::encode(&funcs);
        let section = obj.add_section(Vec::new(), b".BTF".to_vec(), SectionKind::Metadata);
        obj.append_section_data(section, &btf, 4);
        let section = obj.add_section(Vec::new(), b".BTF.ext".to_vec(), SectionKind::Metadata);
        obj.append_section_data(section, &ext, 4);
    }
    obj.write().map_err(|e| e.to_string())
}

/// Appends a function's code to `section` under a symbol; returns its offset.
fn add_function(
    obj: &mut Object,
    section: SectionId,
    symbol: &str,
    program: &Program,
    scope: SymbolScope,
) -> u64 {
    let mut code = Vec::with_capacity(program.insns.len() * 8);
    for insn in &program.insns {
        insn.encode(&mut code);
    }
    let offset = obj.append_section_data(section, &code, 8);
    obj.add_symbol(Symbol {
        name: symbol.as_bytes().to_vec(),
        value: offset,
        size: code.len() as u64,
        kind: SymbolKind::Text,
        scope,
        weak: false,
        section: SymbolSection::Section(section),
        flags: SymbolFlags::None,
    });
    offset
}

/// The legacy `maps` section: one `bpf_map_def` and one symbol per map. aya
/// rejects a `maps` section without symbols, so no maps means no section.
fn add_maps(obj: &mut Object, maps: &[MapSpec]) -> Vec<SymbolId> {
    if maps.is_empty() {
        return Vec::new();
    }
    let section = obj.add_section(Vec::new(), b"maps".to_vec(), SectionKind::Data);
    maps.iter()
        .map(|map| {
            let def: Vec<u8> = [
                map.kind.bpf_type(),
                map.key_size,
                map.value_size,
                map.max_entries,
                0,
                0,
                0,
            ]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
            let offset = obj.append_section_data(section, &def, 4);
            obj.add_symbol(Symbol {
                name: map.symbol.as_bytes().to_vec(),
                value: offset,
                size: MAP_DEF_SIZE,
                kind: SymbolKind::Data,
                scope: SymbolScope::Linkage,
                weak: false,
                section: SymbolSection::Section(section),
                flags: SymbolFlags::None,
            })
        })
        .collect()
}
