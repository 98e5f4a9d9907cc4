//! Typed IR → eBPF: register allocation, stack layout, encoding, ELF emission.

pub mod btf;
pub mod elf;
pub mod emit;
pub mod insn;
pub mod liveness;
pub mod regalloc;

pub use elf::{write_elf, ElfProgram, ElfSubprogram};
pub use emit::{
    emit, emit_with_callbacks, scratch_bytes, Program, RuntimeMaps, SCRATCH_LIMIT, STACK_LIMIT,
};
