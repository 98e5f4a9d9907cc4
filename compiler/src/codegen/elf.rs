//! The in-memory relocatable ELF aya loads: a `license` section, a legacy
//! `maps` section with one 28-byte `bpf_map_def` per map, and one executable
//! section per program whose map loads carry `R_BPF_64_64` relocations.

use super::emit::Program;
use crate::artifact::MapSpec;
use object::write::{Object, Relocation, Symbol, SymbolId, SymbolSection};
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
    maps: &[MapSpec],
    programs: &[ElfProgram],
    subprograms: &[ElfSubprogram],
) -> Result<Vec<u8>, String> {
    if !subprograms.is_empty() {
        return Err("subprograms are not emitted yet".into());
    }
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::Bpf, Endianness::Little);
    let license = obj.add_section(Vec::new(), b"license".to_vec(), SectionKind::Data);
    obj.append_section_data(license, b"GPL\0", 1);

    let map_symbols = add_maps(&mut obj, maps);

    for p in programs {
        let section = obj.add_section(Vec::new(), p.section.as_bytes().to_vec(), SectionKind::Text);
        let mut code = Vec::with_capacity(p.program.insns.len() * 8);
        for insn in &p.program.insns {
            insn.encode(&mut code);
        }
        let offset = obj.append_section_data(section, &code, 8);
        obj.add_symbol(Symbol {
            name: p.symbol.as_bytes().to_vec(),
            value: offset,
            size: code.len() as u64,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: SymbolSection::Section(section),
            flags: SymbolFlags::None,
        });
        for (at, map) in &p.program.map_relocs {
            obj.add_relocation(
                section,
                Relocation {
                    offset: offset + *at as u64 * 8,
                    symbol: map_symbols[map.0],
                    addend: 0,
                    flags: RelocationFlags::Elf {
                        r_type: object::elf::R_BPF_64_64,
                    },
                },
            )
            .map_err(|e| e.to_string())?;
        }
    }
    obj.write().map_err(|e| e.to_string())
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
