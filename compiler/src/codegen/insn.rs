//! eBPF instruction encoding and a compact disassembler for `-d bpf`.

use std::fmt;

pub const R0: u8 = 0;
pub const R1: u8 = 1;
pub const R2: u8 = 2;
pub const R3: u8 = 3;
pub const R6: u8 = 6;
pub const R9: u8 = 9;
pub const FP: u8 = 10;

const LD: u8 = 0x00;
const LDX: u8 = 0x01;
const ST: u8 = 0x02;
const STX: u8 = 0x03;
const JMP: u8 = 0x05;
const ALU64: u8 = 0x07;
const MEM: u8 = 0x60;
const IMM_MODE: u8 = 0x00;
const K: u8 = 0x00;
const X: u8 = 0x08;

/// ALU operation codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alu {
    Add = 0x00,
    Sub = 0x10,
    Mul = 0x20,
    Div = 0x30,
    Or = 0x40,
    And = 0x50,
    Lsh = 0x60,
    Rsh = 0x70,
    Neg = 0x80,
    Mod = 0x90,
    Xor = 0xa0,
    Mov = 0xb0,
    Arsh = 0xc0,
}

/// Jump condition codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jmp {
    Ja = 0x00,
    Jeq = 0x10,
    Jgt = 0x20,
    Jge = 0x30,
    Jne = 0x50,
    Jsgt = 0x60,
    Jsge = 0x70,
    Jlt = 0xa0,
    Jle = 0xb0,
    Jslt = 0xc0,
    Jsle = 0xd0,
}

/// The second operand of an ALU or jump instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Src {
    Reg(u8),
    Imm(i32),
}

/// One 8-byte eBPF instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    pub dst: u8,
    pub src: u8,
    pub off: i16,
    pub imm: i32,
}

/// Size code for loads and stores of 1, 2, 4 or 8 bytes.
fn size_code(bytes: u8) -> u8 {
    match bytes {
        1 => 0x10,
        2 => 0x08,
        4 => 0x00,
        _ => 0x18,
    }
}

fn size_bytes(code: u8) -> u8 {
    match code & 0x18 {
        0x10 => 1,
        0x08 => 2,
        0x00 => 4,
        _ => 8,
    }
}

impl Insn {
    fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        Insn {
            code,
            dst,
            src,
            off,
            imm,
        }
    }

    pub fn alu(op: Alu, dst: u8, src: Src) -> Insn {
        match src {
            Src::Reg(r) => Insn::new(ALU64 | op as u8 | X, dst, r, 0, 0),
            Src::Imm(v) => Insn::new(ALU64 | op as u8 | K, dst, 0, 0, v),
        }
    }

    pub fn mov(dst: u8, src: Src) -> Insn {
        Insn::alu(Alu::Mov, dst, src)
    }

    pub fn neg(dst: u8) -> Insn {
        Insn::new(ALU64 | Alu::Neg as u8, dst, 0, 0, 0)
    }

    /// The two halves of `dst = imm64`.
    pub fn ld_imm64(dst: u8, imm: i64) -> [Insn; 2] {
        [
            Insn::new(LD | IMM_MODE | 0x18, dst, 0, 0, imm as i32),
            Insn::new(0, 0, 0, 0, (imm >> 32) as i32),
        ]
    }

    /// `dst = *(size *)(src + off)`
    pub fn load(size: u8, dst: u8, src: u8, off: i16) -> Insn {
        Insn::new(LDX | MEM | size_code(size), dst, src, off, 0)
    }

    /// `*(size *)(dst + off) = src`
    pub fn store(size: u8, dst: u8, off: i16, src: u8) -> Insn {
        Insn::new(STX | MEM | size_code(size), dst, src, off, 0)
    }

    /// `*(size *)(dst + off) = imm` (a doubleword store sign-extends `imm`).
    pub fn store_imm(size: u8, dst: u8, off: i16, imm: i32) -> Insn {
        Insn::new(ST | MEM | size_code(size), dst, 0, off, imm)
    }

    /// `if dst op src goto +off` (`Jmp::Ja` ignores the comparison).
    pub fn jump(op: Jmp, dst: u8, src: Src, off: i16) -> Insn {
        match src {
            Src::Reg(r) => Insn::new(JMP | op as u8 | X, dst, r, off, 0),
            Src::Imm(v) => Insn::new(JMP | op as u8 | K, dst, 0, off, v),
        }
    }

    pub fn call(helper: i32) -> Insn {
        Insn::new(JMP | 0x80, 0, 0, 0, helper)
    }

    pub fn exit() -> Insn {
        Insn::new(JMP | 0x90, 0, 0, 0, 0)
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.code);
        out.push((self.src << 4) | (self.dst & 0x0f));
        out.extend_from_slice(&self.off.to_le_bytes());
        out.extend_from_slice(&self.imm.to_le_bytes());
    }
}

impl fmt::Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = self.code & 0x07;
        let (d, s) = (self.dst, self.src);
        let operand = |code: u8| {
            if code & X != 0 {
                format!("r{s}")
            } else {
                format!("{}", self.imm)
            }
        };
        match class {
            ALU64 => {
                let op = self.code & 0xf0;
                let sym = match op {
                    0x00 => "+=",
                    0x10 => "-=",
                    0x20 => "*=",
                    0x30 => "/=",
                    0x40 => "|=",
                    0x50 => "&=",
                    0x60 => "<<=",
                    0x70 => ">>=",
                    0x80 => return write!(f, "r{d} = -r{d}"),
                    0x90 => "%=",
                    0xa0 => "^=",
                    0xb0 => "=",
                    _ => "s>>=",
                };
                write!(f, "r{d} {sym} {}", operand(self.code))
            }
            LDX => write!(
                f,
                "r{d} = *(u{} *)(r{s} {:+})",
                size_bytes(self.code) * 8,
                self.off
            ),
            STX => write!(
                f,
                "*(u{} *)(r{d} {:+}) = r{s}",
                size_bytes(self.code) * 8,
                self.off
            ),
            ST => write!(
                f,
                "*(u{} *)(r{d} {:+}) = {}",
                size_bytes(self.code) * 8,
                self.off,
                self.imm
            ),
            LD if self.code == 0x18 => {
                if s == 1 {
                    write!(f, "r{d} = map[fd {}]", self.imm)
                } else {
                    write!(f, "r{d} = imm64 lo {}", self.imm)
                }
            }
            JMP => {
                let op = self.code & 0xf0;
                match op {
                    0x00 => write!(f, "goto {:+}", self.off),
                    0x80 => write!(f, "call {}", self.imm),
                    0x90 => write!(f, "exit"),
                    _ => {
                        let sym = match op {
                            0x10 => "==",
                            0x20 => ">",
                            0x30 => ">=",
                            0x50 => "!=",
                            0x60 => "s>",
                            0x70 => "s>=",
                            0xa0 => "<",
                            0xb0 => "<=",
                            0xc0 => "s<",
                            _ => "s<=",
                        };
                        write!(
                            f,
                            "if r{d} {sym} {} goto {:+}",
                            operand(self.code),
                            self.off
                        )
                    }
                }
            }
            _ => write!(f, "(imm64 hi {})", self.imm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_registers_and_immediates() {
        let mut out = Vec::new();
        Insn::mov(R1, Src::Imm(-1)).encode(&mut out);
        Insn::load(8, R0, FP, -8).encode(&mut out);
        assert_eq!(
            out,
            [0xb7, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x79, 0xa0, 0xf8, 0xff, 0, 0, 0, 0]
        );
    }
}
