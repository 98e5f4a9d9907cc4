//! Types of values the language computes, their byte layouts, and decoding of
//! those bytes (as the BPF side wrote them) into [`Value`]s.

use crate::ctypes::Record;
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

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
    /// `true` or `false`, as comparisons and `!` give: one byte, 0 or 1.
    Bool,
    /// A NUL-padded string in a buffer of `size` bytes.
    Str { size: u32 },
    /// A tuple; fields are laid out in order, each at its natural alignment.
    Tuple(Vec<Type>),
    /// A kernel stack, stored as the id of a stack-trace map entry.
    KStack,
    /// A kernel address that prints as the name of the symbol holding it
    /// (`ksym()`); stored as the 8-byte address.
    KSym,
    /// A user stack (`ustack`): the id of a stack-trace map entry (8 bytes,
    /// negative when the kernel could not take the stack), then the pid whose
    /// address space the frames belong to (8 bytes). Prints `limit` frames at
    /// most, formatted as `mode` says.
    UStack { mode: StackMode, limit: u32 },
    /// A user address that prints as the name of the symbol holding it in the
    /// process that took it (`usym()`): the address, then the pid (8 bytes each).
    USym,
    /// An IP address that prints as text (`ntop()`): the address family (2 for
    /// IPv4, 10 for IPv6) as 8 bytes, then 16 bytes of address in network
    /// order (an IPv4 address uses the first 4).
    Inet,
    /// A pointer to `pointee` in the given address space.
    Ptr {
        pointee: Box<Type>,
        space: AddrSpace,
    },
    /// A C struct or union, laid out by [`crate::ctypes`].
    Record(Arc<Record>),
    /// `len` elements of `elem`, back to back (a C array; `char` arrays are [`Type::Str`]).
    Array { elem: Box<Type>, len: u32 },
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
        matches!(
            self,
            Type::Int { .. } | Type::Bool | Type::Ptr { .. } | Type::KStack | Type::KSym
        )
    }

    pub fn is_signed(&self) -> bool {
        matches!(self, Type::Int { signed: true, .. })
    }

    /// Size in bytes.
    pub fn size(&self) -> u32 {
        match self {
            Type::Void => 0,
            Type::Bool => 1,
            Type::Int { bits, .. } => *bits as u32 / 8,
            Type::Str { size } => *size,
            Type::KStack | Type::KSym | Type::Ptr { .. } => 8,
            Type::UStack { .. } | Type::USym => 16,
            Type::Inet => INET_SIZE,
            Type::Tuple(fields) => {
                let (_, end) = tuple_offsets(fields);
                round_up(end, self.align())
            }
            Type::Record(r) => r.size,
            Type::Array { elem, len } => elem.size() * len,
        }
    }

    /// Alignment in bytes.
    pub fn align(&self) -> u32 {
        match self {
            Type::Void | Type::Str { .. } | Type::Bool => 1,
            Type::Int { bits, .. } => *bits as u32 / 8,
            Type::KStack
            | Type::KSym
            | Type::UStack { .. }
            | Type::USym
            | Type::Inet
            | Type::Ptr { .. } => 8,
            Type::Tuple(fields) => fields.iter().map(Type::align).max().unwrap_or(1),
            Type::Record(r) => r.align,
            Type::Array { elem, .. } => elem.align(),
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
            Type::Bool => Value::Bool(bytes[0] != 0),
            Type::Ptr { .. } => Value::Pointer(read_uint(bytes, 8)),
            Type::Str { size } => Value::Str(decode_str(&bytes[..*size as usize])),
            Type::KStack => Value::Stack(cx.kernel_stack(read_uint(bytes, 8) as i64)),
            Type::KSym => Value::Str(cx.kernel_symbol(read_uint(bytes, 8))),
            Type::UStack { mode, limit } => {
                let id = read_uint(bytes, 8) as i64;
                let pid = read_uint(&bytes[8..], 8) as u32;
                let frames = if id < 0 {
                    Vec::new()
                } else {
                    cx.user_stack(id, pid)
                };
                Value::Stack(
                    frames
                        .iter()
                        .take(*limit as usize)
                        .map(|f| f.render(*mode))
                        .collect(),
                )
            }
            Type::USym => {
                Value::Str(cx.user_symbol(read_uint(bytes, 8), read_uint(&bytes[8..], 8) as u32))
            }
            Type::Inet => Value::Str(format_inet(read_uint(bytes, 8), &bytes[8..24])),
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
            Type::Record(r) => Value::Record(
                r.members
                    .iter()
                    .map(|m| {
                        let at = &bytes[m.offset as usize..];
                        let v = match m.bitfield {
                            Some(b) => {
                                bitfield_value(&m.ty, b.extract(read_uint(at, b.bytes() as usize)))
                            }
                            None => m.ty.decode(at, cx),
                        };
                        (m.name.clone(), v)
                    })
                    .collect(),
            ),
            Type::Array { elem, len } => {
                let size = elem.size() as usize;
                Value::Array(
                    (0..*len as usize)
                        .map(|i| elem.decode(&bytes[i * size..], cx))
                        .collect(),
                )
            }
        }
    }
}

/// A bitfield's extracted bits as a value of its declared type.
fn bitfield_value(ty: &Type, raw: u64) -> Value {
    match ty {
        Type::Int { signed: true, .. } => Value::Int(raw as i64),
        _ => Value::UInt(raw),
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Void => write!(f, "void"),
            Type::Bool => write!(f, "bool"),
            Type::Int { bits, signed } => {
                write!(f, "{}int{}", if *signed { "" } else { "u" }, bits)
            }
            Type::Str { size } => write!(f, "string[{size}]"),
            Type::KStack => write!(f, "kstack"),
            Type::KSym => write!(f, "ksym"),
            Type::UStack { mode, limit } => {
                if *mode == StackMode::Bpftrace && *limit == DEFAULT_STACK_LIMIT {
                    write!(f, "ustack")
                } else {
                    write!(f, "ustack({}, {limit})", mode.name())
                }
            }
            Type::USym => write!(f, "usym"),
            Type::Inet => write!(f, "inet"),
            Type::Ptr { pointee, .. } => write!(f, "{pointee} *"),
            Type::Record(r) => write!(f, "{}", r.title()),
            Type::Array { elem, len } => write!(f, "{elem}[{len}]"),
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

    /// The name of the kernel symbol holding `addr`, without an offset
    /// (`vfs_read`), or the address as bpftrace prints an unknown one.
    fn kernel_symbol(&self, addr: u64) -> String {
        unknown_symbol(addr)
    }

    /// The frames of a user stack id taken in process `pid`, innermost
    /// first, symbolized against the process's mappings as far as possible.
    fn user_stack(&self, _id: i64, _pid: u32) -> Vec<UserFrame> {
        Vec::new()
    }

    /// The name of the symbol holding the user address `addr` in process
    /// `pid`, without an offset, or the address as bpftrace prints an
    /// unknown one.
    fn user_symbol(&self, addr: u64, _pid: u32) -> String {
        unknown_symbol(addr)
    }
}

/// The default (and largest) number of frames a stack prints.
pub const DEFAULT_STACK_LIMIT: u32 = 127;

/// How `ustack` frames print (bpftrace's `stack_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StackMode {
    /// `symbol+offset`, or `0x…` when unknown.
    Bpftrace,
    /// `address symbol+offset (module)`, addresses in hex without `0x`.
    Perf,
    /// The address alone, in hex without `0x`.
    Raw,
}

impl StackMode {
    pub fn from_name(name: &str) -> Option<StackMode> {
        match name {
            "bpftrace" => Some(StackMode::Bpftrace),
            "perf" => Some(StackMode::Perf),
            "raw" => Some(StackMode::Raw),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StackMode::Bpftrace => "bpftrace",
            StackMode::Perf => "perf",
            StackMode::Raw => "raw",
        }
    }
}

/// One frame of a user stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFrame {
    pub addr: u64,
    /// The symbol holding the address and the offset into it.
    pub symbol: Option<(String, u64)>,
    /// The file mapped at the address.
    pub module: Option<String>,
}

impl UserFrame {
    /// A frame nothing is known about.
    pub fn unknown(addr: u64) -> UserFrame {
        UserFrame {
            addr,
            symbol: None,
            module: None,
        }
    }

    /// The frame as bpftrace v0.21 prints it in `mode`.
    pub fn render(&self, mode: StackMode) -> String {
        let sym = match &self.symbol {
            Some((name, off)) => format!("{name}+{off}"),
            None => unknown_symbol(self.addr),
        };
        match mode {
            StackMode::Bpftrace => sym,
            StackMode::Perf => {
                let module = match (&self.symbol, &self.module) {
                    (Some(_), Some(m)) => m.as_str(),
                    _ => "[unknown]",
                };
                format!("{:x} {sym} ({module})", self.addr)
            }
            StackMode::Raw => format!("{:x}", self.addr),
        }
    }
}

/// An address no symbol holds, as bpftrace prints it (C++'s `void *`
/// formatting: `0x…`, but `0` for null).
pub fn unknown_symbol(addr: u64) -> String {
    if addr == 0 {
        "0".into()
    } else {
        format!("{addr:#x}")
    }
}

/// Size of a [`Type::Inet`]: family, then 16 bytes of address.
pub const INET_SIZE: u32 = 24;

/// Address family numbers (`AF_INET`, `AF_INET6`).
pub const AF_INET: u64 = 2;
pub const AF_INET6: u64 = 10;

/// An address as `inet_ntop(3)` writes it; an unknown family gives an empty
/// string.
pub fn format_inet(family: u64, addr: &[u8]) -> String {
    match family {
        AF_INET => std::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).to_string(),
        AF_INET6 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&addr[..16]);
            // glibc writes `::a.b.c.d` for IPv4-compatible addresses, where
            // Rust writes hex words; both write `::ffff:a.b.c.d`.
            if a[..12].iter().all(|&b| b == 0) && (a[12] != 0 || a[13] != 0) {
                return format!("::{}.{}.{}.{}", a[12], a[13], a[14], a[15]);
            }
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => String::new(),
    }
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
    fn inet_formats_like_inet_ntop() {
        let v4 = [127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(format_inet(AF_INET, &v4), "127.0.0.1");
        let mut v6 = [0u8; 16];
        assert_eq!(format_inet(AF_INET6, &v6), "::");
        v6[15] = 1;
        assert_eq!(format_inet(AF_INET6, &v6), "::1");
        v6[0] = 1;
        v6[15] = 0;
        assert_eq!(format_inet(AF_INET6, &v6), "100::");
        let compat = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4];
        assert_eq!(format_inet(AF_INET6, &compat), "::1.2.3.4");
        let mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4];
        assert_eq!(format_inet(AF_INET6, &mapped), "::ffff:1.2.3.4");
        let doc = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1];
        assert_eq!(format_inet(AF_INET6, &doc), "2001:db8::1:0:0:1");
        assert_eq!(format_inet(3, &v4), "");
        let mut inet = vec![0u8; 24];
        inet[0] = 2;
        inet[8..12].copy_from_slice(&[10, 0, 0, 7]);
        assert_eq!(
            Type::Inet.decode(&inet, &NoStacks),
            Value::Str("10.0.0.7".into())
        );
    }

    #[test]
    fn ksym_decodes_through_the_context() {
        let addr = 0xffff_ffff_8100_0000u64.to_le_bytes();
        assert_eq!(
            Type::KSym.decode(&addr, &NoStacks),
            Value::Str("0xffffffff81000000".into())
        );
        assert_eq!(
            Type::KSym.decode(&[0; 8], &NoStacks),
            Value::Str("0".into())
        );
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
