//! The minimal BTF the kernel asks for once a program has subprograms: a
//! `FUNC` per function (programs global, callbacks static — the verifier
//! takes only static callbacks) over one `long` type, and the `.BTF.ext`
//! func_info telling where each function starts. No line info, no CO-RE.

const MAGIC: u16 = 0xeb9f;
const KIND_INT: u32 = 1;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
/// `BTF_INT_SIGNED` in the INT encoding word.
const INT_SIGNED: u32 = 1 << 24;
/// The type id of `long`, the first type.
const LONG: u32 = 1;

/// A function's linkage, `btf_func_linkage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    Static = 0,
    Global = 1,
}

/// One function: its symbol, the ELF section it is in and its byte offset there.
pub struct FuncRecord<'a> {
    pub name: &'a str,
    pub section: &'a str,
    pub offset: u32,
    /// Number of `long` arguments.
    pub args: u8,
    pub linkage: Linkage,
}

/// The `.BTF` and `.BTF.ext` section contents for `funcs`.
pub fn encode(funcs: &[FuncRecord]) -> (Vec<u8>, Vec<u8>) {
    let mut strings = Strings(vec![0]);
    let mut types = Vec::new();
    let long = strings.add("long");
    push_type(&mut types, long, KIND_INT, 0, 8);
    put(&mut types, INT_SIGNED | 64);
    let mut type_ids = Vec::new();
    let mut next_id = LONG + 1;
    for f in funcs {
        push_type(&mut types, 0, KIND_FUNC_PROTO, f.args as u32, LONG);
        for i in 0..f.args {
            // Named: kernels before 6.x reject a FUNC whose arguments are unnamed.
            put(&mut types, strings.add(&format!("a{i}")));
            put(&mut types, LONG);
        }
        let name = strings.add(f.name);
        push_type(&mut types, name, KIND_FUNC, f.linkage as u32, next_id);
        type_ids.push(next_id + 1);
        next_id += 2;
    }

    // func_info: record size, then per section its name, count and records.
    let mut info = Vec::new();
    put(&mut info, 8);
    let mut sections: Vec<&str> = Vec::new();
    for f in funcs {
        if !sections.contains(&f.section) {
            sections.push(f.section);
        }
    }
    for section in sections {
        let records: Vec<(u32, u32)> = funcs
            .iter()
            .zip(&type_ids)
            .filter(|(f, _)| f.section == section)
            .map(|(f, id)| (f.offset, *id))
            .collect();
        put(&mut info, strings.add(section));
        put(&mut info, records.len() as u32);
        for (offset, id) in records {
            put(&mut info, offset);
            put(&mut info, id);
        }
    }

    let mut btf = Vec::new();
    btf.extend(MAGIC.to_le_bytes());
    btf.extend([1, 0]); // version, flags
    for word in [
        24,
        0,
        types.len() as u32,
        types.len() as u32,
        strings.0.len() as u32,
    ] {
        put(&mut btf, word); // hdr_len, type_off, type_len, str_off, str_len
    }
    btf.extend(types);
    btf.extend(strings.0);

    let mut ext = Vec::new();
    ext.extend(MAGIC.to_le_bytes());
    ext.extend([1, 0]);
    for word in [24, 0, info.len() as u32, info.len() as u32, 0] {
        put(&mut ext, word); // hdr_len, func_info off/len, line_info off/len
    }
    ext.extend(info);
    (btf, ext)
}

fn put(out: &mut Vec<u8>, word: u32) {
    out.extend(word.to_le_bytes());
}

/// `struct btf_type`: name, kind and vlen, then size or type.
fn push_type(out: &mut Vec<u8>, name: u32, kind: u32, vlen: u32, size_or_type: u32) {
    put(out, name);
    put(out, kind << 24 | vlen);
    put(out, size_or_type);
}

/// The string section; offset 0 is the empty string.
struct Strings(Vec<u8>);

impl Strings {
    fn add(&mut self, s: &str) -> u32 {
        let needle: Vec<u8> = s.bytes().chain([0]).collect();
        if let Some(at) = self
            .0
            .windows(needle.len())
            .position(|w| w == needle.as_slice())
        {
            if at == 0 || self.0[at - 1] == 0 {
                return at as u32;
            }
        }
        let at = self.0.len() as u32;
        self.0.extend(needle);
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_program_and_one_callback() {
        let funcs = [
            FuncRecord {
                name: "p",
                section: "tracepoint/p",
                offset: 0,
                args: 1,
                linkage: Linkage::Global,
            },
            FuncRecord {
                name: "cb",
                section: ".text",
                offset: 16,
                args: 2,
                linkage: Linkage::Static,
            },
        ];
        let (btf, ext) = encode(&funcs);
        assert_eq!(&btf[..4], &[0x9f, 0xeb, 1, 0]);
        // long, then (proto + 1 param, func) and (proto + 2 params, func).
        let type_len = u32::from_le_bytes(btf[16..20].try_into().unwrap());
        assert_eq!(type_len, 16 + (12 + 8 + 12) + (12 + 16 + 12));
        let strings = &btf[24 + type_len as usize..];
        assert_eq!(strings, b"\0long\0a0\0p\0a1\0cb\0tracepoint/p\0.text\0");
        // func_info: rec size 8, then two sections of one record each; the
        // callback's FUNC is type 5 at byte 16.
        let info = &ext[24..];
        let words: Vec<u32> = info
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(words, [8, 17, 1, 0, 3, 30, 1, 16, 5]);
    }
}
