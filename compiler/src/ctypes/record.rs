//! Structs and unions: members at byte and bit offsets, laid out by C's rules
//! (System V: each member at its natural alignment, bitfields packed into
//! units of their declared type) or packed.

use crate::types::Type;

/// `struct` or `union`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Struct,
    Union,
}

impl RecordKind {
    pub fn keyword(self) -> &'static str {
        match self {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
        }
    }
}

/// A struct or union with its layout.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    pub kind: RecordKind,
    /// The tag (`Foo` of `struct Foo`); empty for an anonymous record.
    pub name: String,
    pub members: Vec<Member>,
    pub size: u32,
    pub align: u32,
    /// False for a record only declared so far (`struct Foo *` before its
    /// definition): its members are found by name when it is used.
    pub complete: bool,
}

/// A member of a record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Member {
    /// Empty for an anonymous struct or union member, whose own members are
    /// reachable by name from the enclosing record.
    pub name: String,
    pub ty: Type,
    /// Byte offset from the start of the record.
    pub offset: u32,
    pub bitfield: Option<Bitfield>,
}

/// Where a bitfield's bits are, counted from `Member::offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bitfield {
    /// The first bit, 0–7, from the least significant bit of the byte at the offset.
    pub shift: u8,
    pub bits: u8,
}

impl Bitfield {
    /// How many bytes hold the field's bits.
    pub fn bytes(self) -> u32 {
        (self.shift as u32 + self.bits as u32).div_ceil(8)
    }

    /// The field's value in the raw little-endian `word` read at its offset.
    pub fn extract(self, word: u64) -> u64 {
        let v = word >> self.shift;
        if self.bits >= 64 {
            v
        } else {
            v & ((1u64 << self.bits) - 1)
        }
    }
}

/// A path to a member: the members crossed, each with its absolute offset.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberRef<'a> {
    pub member: &'a Member,
    /// Byte offset from the start of the outermost record.
    pub offset: u32,
}

impl Record {
    /// An incomplete record known by its tag only.
    pub fn declared(kind: RecordKind, name: &str) -> Record {
        Record {
            kind,
            name: name.to_string(),
            members: Vec::new(),
            size: 0,
            align: 1,
            complete: false,
        }
    }

    /// `struct Foo`, or `struct (anonymous)`.
    pub fn title(&self) -> String {
        if self.name.is_empty() {
            format!("{} (anonymous)", self.kind.keyword())
        } else {
            format!("{} {}", self.kind.keyword(), self.name)
        }
    }

    /// The member called `name`, looking into anonymous members too.
    pub fn member(&self, name: &str) -> Option<MemberRef<'_>> {
        for m in &self.members {
            if m.name == name {
                return Some(MemberRef {
                    member: m,
                    offset: m.offset,
                });
            }
            if let (true, Type::Record(inner)) = (m.name.is_empty(), &m.ty) {
                if let Some(found) = inner.member(name) {
                    return Some(MemberRef {
                        offset: m.offset + found.offset,
                        ..found
                    });
                }
            }
        }
        None
    }

    /// Every member name reachable with `.`, for "did you mean".
    pub fn member_names(&self) -> Vec<&str> {
        let mut names = Vec::new();
        for m in &self.members {
            match (&m.ty, m.name.is_empty()) {
                (Type::Record(inner), true) => names.extend(inner.member_names()),
                _ => names.push(m.name.as_str()),
            }
        }
        names
    }
}

/// One member as declared, before layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    /// The width of a bitfield (`int x : 3`).
    pub bits: Option<u8>,
}

/// Lays out `fields` as a `kind`; `packed` drops alignment padding,
/// `aligned` raises the record's alignment.
pub fn layout(
    kind: RecordKind,
    name: &str,
    fields: Vec<Field>,
    packed: bool,
    aligned: Option<u32>,
) -> Record {
    let mut members = Vec::with_capacity(fields.len());
    let mut bit = 0u64; // the next free bit
    let mut end = 0u64; // union: the largest member, in bits
    let mut align = 1u32;
    for f in fields {
        let unit = f.ty.size().max(1) as u64 * 8;
        let natural = if packed { 1 } else { f.ty.align().max(1) };
        let start = if kind == RecordKind::Union { 0 } else { bit };
        let pos = match f.bits {
            Some(0) => {
                bit = round_up(start, natural as u64 * 8);
                continue;
            }
            Some(w) if !packed && (start % unit) + w as u64 > unit => round_up(start, unit),
            Some(_) => start,
            None => round_up(start, natural as u64 * 8),
        };
        align = align.max(natural);
        let width = f.bits.map(|w| w as u64).unwrap_or(f.ty.size() as u64 * 8);
        members.push(Member {
            name: f.name,
            ty: f.ty,
            offset: (pos / 8) as u32,
            bitfield: f.bits.map(|bits| Bitfield {
                shift: (pos % 8) as u8,
                bits,
            }),
        });
        bit = pos + width;
        end = end.max(bit);
    }
    let align = match aligned {
        Some(a) => align.max(a),
        None => align,
    };
    let bytes = end.div_ceil(8) as u32;
    Record {
        kind,
        name: name.to_string(),
        members,
        size: crate::types::round_up(bytes, align),
        align,
        complete: true,
    }
}

fn round_up(n: u64, to: u64) -> u64 {
    n.div_ceil(to.max(1)) * to.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: Type, bits: Option<u8>) -> Field {
        Field {
            name: name.into(),
            ty,
            bits,
        }
    }

    #[test]
    fn struct_members_are_aligned_and_packed_ones_are_not() {
        let fields = || {
            vec![
                field("x", Type::int(32, true), None),
                field("y", Type::int(8, true), None),
                field("z", Type::int(32, true), None),
            ]
        };
        let r = layout(RecordKind::Struct, "foo", fields(), false, None);
        assert_eq!((r.size, r.members[2].offset), (12, 8));
        let p = layout(RecordKind::Struct, "bar", fields(), true, None);
        assert_eq!((p.size, p.align, p.members[2].offset), (9, 1, 5));
        let u = layout(RecordKind::Union, "u", fields(), false, None);
        assert_eq!((u.size, u.members[2].offset), (4, 0));
    }

    #[test]
    fn bitfields_share_their_unit() {
        let u64t = Type::U64;
        let r = layout(
            RecordKind::Struct,
            "foo",
            vec![
                field("a", u64t.clone(), Some(1)),
                field("b", u64t.clone(), Some(1)),
                field("c", u64t, Some(2)),
            ],
            false,
            None,
        );
        assert_eq!(r.size, 8);
        let c = r.members[2].bitfield.unwrap();
        assert_eq!((r.members[2].offset, c.shift, c.bits), (0, 2, 2));
        assert_eq!(c.extract(0x1e), 3);
    }
}
