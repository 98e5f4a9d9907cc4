//! Types of values the language computes, their byte layouts, and decoding of
//! those bytes (as the BPF side wrote them) into [`Value`]s.

use crate::value::Value;
use std::fmt;

/// Which address space a pointer points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrSpace {
    Kernel,
    User,
}

/// A type of the language. Every storable type has a fixed size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// The type of statements and of calls that return nothing.
    Void,
    /// An integer of 8, 16, 32 or 64 bits.
    Int { bits: u8, signed: bool },
    /// A NUL-padded string in a buffer of `size` bytes.
    Str { size: u32 },
    /// A tuple; fields are laid out in order, each at its natural alignment.
    Tuple(Vec<Type>),
    /// A kernel stack, stored as the id of a stack-trace map entry.
    KStack,
    /// A pointer to `pointee` in the given address space.
    Ptr {
        pointee: Box<Type>,
        space: AddrSpace,
    },
}

impl Type {
    pub const U64: Type = Type::Int {
        bits: 64,
        signed: false,
    };
    pub const I64: Type = Type::Int {
        bits: 64,
        signed: true,
    };
    pub const U32: Type = Type::Int {
        bits: 32,
        signed: false,
    };

    pub fn int(bits: u8, signed: bool) -> Type {
        Type::Int { bits, signed }
    }

    pub fn is_int(&self) -> bool {
        matches!(self, Type::Int { .. })
    }

    /// Integers and pointers: values that live in one register.
    pub fn is_scalar(&self) -> bool {
        matches!(self, Type::Int { .. } | Type::Ptr { .. } | Type::KStack)
    }

    pub fn is_signed(&self) -> bool {
        matches!(self, Type::Int { signed: true, .. })
    }

    /// Size in bytes.
    pub fn size(&self) -> u32 {
        match self {
            Type::Void => 0,
            Type::Int { bits, .. } => *bits as u32 / 8,
            Type::Str { size } => *size,
            Type::KStack | Type::Ptr { .. } => 8,
            Type::Tuple(fields) => {
                let (_, end) = tuple_offsets(fields);
                round_up(end, self.align())
            }
        }
    }

    /// Alignment in bytes.
    pub fn align(&self) -> u32 {
        match self {
            Type::Void | Type::Str { .. } => 1,
            Type::Int { bits, .. } => *bits as u32 / 8,
            Type::KStack | Type::Ptr { .. } => 8,
            Type::Tuple(fields) => fields.iter().map(Type::align).max().unwrap_or(1),
        }
    }

    /// Byte offsets of a tuple's fields.
    pub fn field_offsets(fields: &[Type]) -> Vec<u32> {
        tuple_offsets(fields).0
    }

    /// Decodes `bytes` (at least `self.size()` long) into a value.
    pub fn decode(&self, bytes: &[u8], cx: &dyn DecodeContext) -> Value {
        match self {
            Type::Void => Value::UInt(0),
            Type::Int { bits, signed } => {
                let raw = read_uint(bytes, *bits as usize / 8);
                if *signed {
                    let shift = 64 - *bits as u32;
                    Value::Int(((raw << shift) as i64) >> shift)
                } else {
                    Value::UInt(raw)
                }
            }
            Type::Ptr { .. } => Value::UInt(read_uint(bytes, 8)),
            Type::Str { size } => Value::Str(decode_str(&bytes[..*size as usize])),
            Type::KStack => Value::Stack(cx.kernel_stack(read_uint(bytes, 8) as i64)),
            Type::Tuple(fields) => {
                let offsets = Type::field_offsets(fields);
                Value::Tuple(
                    fields
                        .iter()
                        .zip(offsets)
                        .map(|(t, off)| t.decode(&bytes[off as usize..], cx))
                        .collect(),
                )
            }
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Void => write!(f, "void"),
            Type::Int { bits, signed } => {
                write!(f, "{}int{}", if *signed { "" } else { "u" }, bits)
            }
            Type::Str { size } => write!(f, "string[{size}]"),
            Type::KStack => write!(f, "kstack"),
            Type::Ptr { pointee, .. } => write!(f, "{pointee} *"),
            Type::Tuple(fields) => {
                write!(f, "(")?;
                for (i, t) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{t}")?;
                }
                write!(f, ")")
            }
        }
    }
}

/// What decoding needs from the running system.
pub trait DecodeContext {
    /// Symbolized frames of a kernel stack id (`symbol+offset`), innermost first.
    fn kernel_stack(&self, id: i64) -> Vec<String>;
}

/// A decode context for values that contain no stacks.
pub struct NoStacks;

impl DecodeContext for NoStacks {
    fn kernel_stack(&self, _id: i64) -> Vec<String> {
        Vec::new()
    }
}

pub(crate) fn round_up(n: u32, align: u32) -> u32 {
    n.div_ceil(align.max(1)) * align.max(1)
}

fn tuple_offsets(fields: &[Type]) -> (Vec<u32>, u32) {
    let mut offsets = Vec::with_capacity(fields.len());
    let mut end = 0;
    for t in fields {
        let off = round_up(end, t.align());
        offsets.push(off);
        end = off + t.size();
    }
    (offsets, end)
}

/// Little-endian unsigned integer of `len` bytes.
pub fn read_uint(bytes: &[u8], len: usize) -> u64 {
    let mut buf = [0u8; 8];
    buf[..len].copy_from_slice(&bytes[..len]);
    u64::from_le_bytes(buf)
}

/// Text up to the first NUL, lossily decoded.
pub fn decode_str(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuple_layout_aligns_fields() {
        let t = Type::Tuple(vec![Type::Str { size: 3 }, Type::U64, Type::int(8, true)]);
        assert_eq!(
            Type::field_offsets(match &t {
                Type::Tuple(f) => f,
                _ => unreachable!(),
            }),
            vec![0, 8, 16]
        );
        assert_eq!(t.size(), 24);
    }

    #[test]
    fn signed_ints_sign_extend() {
        assert_eq!(
            Type::int(8, true).decode(&[0xff], &NoStacks),
            Value::Int(-1)
        );
        assert_eq!(
            Type::int(16, false).decode(&[0xff, 0xff], &NoStacks),
            Value::UInt(65535)
        );
    }
}
