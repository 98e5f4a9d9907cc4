//! printf-style format strings: parsing (at compile time, checked against the
//! argument types) and rendering (in user space, from decoded values).
//!
//! Rendering mimics glibc's `snprintf` on x86-64 as bpftrace v0.21 calls it:
//! every argument is a 64-bit value, cut to the width its length modifier
//! names (`%d` prints the low 32 bits as an `int`, `%hhu` the low byte…).

use crate::types::Type;
use crate::value::Value;

/// A parsed format string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format {
    pub pieces: Vec<Piece>,
}

/// A run of literal text (with `%%` already turned into `%`) or a conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Literal(String),
    Conversion(Conversion),
}

/// One `%…` conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    pub left: bool,
    pub zero: bool,
    pub plus: bool,
    pub space: bool,
    pub alt: bool,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    /// `hh h l ll j z t` or empty.
    pub length: String,
    /// `d i u x X o s c p`
    pub conv: char,
}

/// A problem in a format string: byte range within the string and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

const LENGTHS: [&str; 7] = ["hh", "h", "ll", "l", "j", "z", "t"];

impl Format {
    /// Splits `text` into literal pieces and conversions.
    pub fn parse(text: &str) -> Result<Format, FormatError> {
        let bytes = text.as_bytes();
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut lit_start = 0;
        let mut i = 0;
        while let Some(off) = text[i..].find('%') {
            let start = i + off;
            literal.push_str(&text[lit_start..start]);
            if bytes.get(start + 1) == Some(&b'%') {
                literal.push('%');
                i = start + 2;
            } else {
                let (conv, end) = parse_conversion(text, start)?;
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Conversion(conv));
                i = end;
            }
            lit_start = i;
        }
        literal.push_str(&text[lit_start..]);
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Format { pieces })
    }

    /// The conversions, in order.
    pub fn conversions(&self) -> impl Iterator<Item = &Conversion> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Conversion(c) => Some(c),
            Piece::Literal(_) => None,
        })
    }

    /// Checks argument count and types; on error returns the index of the
    /// offending argument (`args.len()` when there are too few) and a message.
    pub fn check_args(&self, args: &[Type]) -> Result<(), (usize, String)> {
        let n = self.conversions().count();
        if args.len() != n {
            let (index, which) = if args.len() > n {
                (n, "many")
            } else {
                (args.len(), "few")
            };
            return Err((
                index,
                format!(
                    "printf: too {which} arguments for format ({n} conversion{}, {} argument{})",
                    plural(n),
                    args.len(),
                    plural(args.len())
                ),
            ));
        }
        for (i, (c, ty)) in self.conversions().zip(args).enumerate() {
            let ok = match c.conv {
                's' => *ty != Type::Void,
                _ => matches!(ty, Type::Int { .. } | Type::Bool | Type::Ptr { .. }),
            };
            if !ok {
                let what = if c.conv == 's' {
                    "a value"
                } else {
                    "an integer"
                };
                return Err((i, format!("{} expects {what}, got {ty}", c.spec())));
            }
        }
        Ok(())
    }

    /// Formats `args` like C's printf would (missing arguments print nothing).
    pub fn render(&self, args: &[Value]) -> String {
        let mut out = Vec::new();
        let mut args = args.iter();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(s) => out.extend_from_slice(s.as_bytes()),
                Piece::Conversion(c) => {
                    if let Some(arg) = args.next() {
                        out.extend_from_slice(&c.render(arg));
                    }
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Parses the conversion starting at the `%` at byte `start`; returns it and
/// the byte just past it.
fn parse_conversion(text: &str, start: usize) -> Result<(Conversion, usize), FormatError> {
    let bytes = text.as_bytes();
    let err = |end: usize, message: String| FormatError {
        start,
        end,
        message,
    };
    let mut c = Conversion {
        left: false,
        zero: false,
        plus: false,
        space: false,
        alt: false,
        width: None,
        precision: None,
        length: String::new(),
        conv: 'd',
    };
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'-' => c.left = true,
            b'0' => c.zero = true,
            b'+' => c.plus = true,
            b' ' => c.space = true,
            b'#' => c.alt = true,
            _ => break,
        }
        i += 1;
    }
    let star = |i: usize| {
        err(
            i + 1,
            "`*` (width or precision from an argument) is not supported".into(),
        )
    };
    if bytes.get(i) == Some(&b'*') {
        return Err(star(i));
    }
    let (width, next) = digits(text, i);
    c.width = width;
    i = next;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if bytes.get(i) == Some(&b'*') {
            return Err(star(i));
        }
        let (precision, next) = digits(text, i);
        c.precision = Some(precision.unwrap_or(0));
        i = next;
    }
    if let Some(len) = LENGTHS.iter().find(|l| text[i..].starts_with(**l)) {
        c.length = (*len).to_string();
        i += len.len();
    }
    let Some(conv) = text[i..].chars().next() else {
        return Err(err(
            text.len(),
            "incomplete format specifier at the end of the string".into(),
        ));
    };
    let end = i + conv.len_utf8();
    let message = match conv {
        'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'p' => None,
        's' | 'c' if c.length.is_empty() => None,
        's' | 'c' => Some(format!(
            "length modifier `{}` is not supported with %{conv}",
            c.length
        )),
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'a' | 'A' => {
            Some("floating point is not supported".to_string())
        }
        'n' => Some("%n is not supported".to_string()),
        _ => Some(format!("unknown conversion `%{conv}`")),
    };
    match message {
        Some(message) => Err(err(end, message)),
        None => {
            c.conv = conv;
            Ok((c, end))
        }
    }
}

/// A decimal number at byte `i`, if any, and the byte just past it.
fn digits(text: &str, i: usize) -> (Option<usize>, usize) {
    let len = text[i..].bytes().take_while(u8::is_ascii_digit).count();
    let n = text[i..i + len].bytes().fold(0usize, |n, d| {
        n.saturating_mul(10).saturating_add((d - b'0') as usize)
    });
    ((len > 0).then_some(n), i + len)
}

impl Conversion {
    /// The specifier without flags, width and precision, e.g. `%lld`.
    pub fn spec(&self) -> String {
        format!("%{}{}", self.length, self.conv)
    }

    /// Whether this conversion takes an integer argument (all but `%s`).
    pub fn takes_integer(&self) -> bool {
        self.conv != 's'
    }

    /// Bits of the C type the length modifier names.
    fn bits(&self) -> u32 {
        match self.length.as_str() {
            "hh" => 8,
            "h" => 16,
            "" => 32,
            _ => 64,
        }
    }

    /// Renders one argument as bytes. Like bpftrace, output stops at a NUL
    /// byte (`%c` of 0 prints nothing).
    pub fn render(&self, arg: &Value) -> Vec<u8> {
        let mut out = match (self.conv, int_bits(arg)) {
            ('s', _) | (_, None) => self.render_str(arg.text().as_bytes()),
            ('c', Some(v)) => self.pad(Vec::new(), vec![v as u8], false),
            ('p', Some(0)) => self.pad(Vec::new(), b"(nil)".to_vec(), false),
            ('p', Some(v)) => self.render_int(v, 16, false, true),
            ('d' | 'i', Some(v)) => self.render_int(v, 10, true, false),
            ('o', Some(v)) => self.render_int(v, 8, false, false),
            ('x' | 'X', Some(v)) => self.render_int(v, 16, false, false),
            (_, Some(v)) => self.render_int(v, 10, false, false),
        };
        if let Some(nul) = out.iter().position(|&b| b == 0) {
            out.truncate(nul);
        }
        out
    }

    fn render_str(&self, s: &[u8]) -> Vec<u8> {
        let len = self.precision.map_or(s.len(), |p| p.min(s.len()));
        self.pad(Vec::new(), s[..len].to_vec(), false)
    }

    /// `v` is the raw 64-bit argument; `ptr` renders it as `%#lx`.
    fn render_int(&self, v: u64, base: u64, signed: bool, ptr: bool) -> Vec<u8> {
        let bits = if ptr { 64 } else { self.bits() };
        let shift = 64 - bits;
        let (negative, magnitude) = if signed {
            let s = ((v << shift) as i64) >> shift;
            (s < 0, s.unsigned_abs())
        } else {
            (false, (v << shift) >> shift)
        };
        let mut body = match (self.precision, magnitude) {
            (Some(0), 0) => Vec::new(),
            _ => to_base(magnitude, base, self.conv == 'X'),
        };
        if let Some(p) = self.precision {
            if body.len() < p {
                let mut padded = vec![b'0'; p - body.len()];
                padded.append(&mut body);
                body = padded;
            }
        }
        let mut prefix = Vec::new();
        if negative {
            prefix.push(b'-');
        } else if (signed || ptr) && self.plus {
            prefix.push(b'+');
        } else if (signed || ptr) && self.space {
            prefix.push(b' ');
        }
        if self.conv == 'o' && self.alt && body.first() != Some(&b'0') {
            body.insert(0, b'0');
        }
        if (ptr || (self.alt && base == 16)) && magnitude != 0 {
            prefix.extend_from_slice(if self.conv == 'X' { b"0X" } else { b"0x" });
        }
        self.pad(prefix, body, self.zero && self.precision.is_none())
    }

    /// Pads `prefix` + `body` to the width: with spaces, or with zeros
    /// between them when `zeros`.
    fn pad(&self, mut prefix: Vec<u8>, body: Vec<u8>, zeros: bool) -> Vec<u8> {
        let fill = self
            .width
            .unwrap_or(0)
            .saturating_sub(prefix.len() + body.len());
        if self.left {
            prefix.extend(body);
            prefix.resize(prefix.len() + fill, b' ');
            prefix
        } else if zeros {
            prefix.resize(prefix.len() + fill, b'0');
            prefix.extend(body);
            prefix
        } else {
            let mut out = vec![b' '; fill];
            out.extend(prefix);
            out.extend(body);
            out
        }
    }
}

/// The raw 64 bits of an integer argument.
fn int_bits(v: &Value) -> Option<u64> {
    match v {
        Value::Int(i) => Some(*i as u64),
        Value::UInt(u) | Value::Pointer(u) => Some(*u),
        Value::Bool(b) => Some(*b as u64),
        _ => None,
    }
}

fn to_base(mut n: u64, base: u64, upper: bool) -> Vec<u8> {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % base) as usize]);
        n /= base;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt1(spec: &str, v: Value) -> String {
        Format::parse(spec).unwrap().render(&[v])
    }

    fn err(text: &str) -> FormatError {
        Format::parse(text).unwrap_err()
    }

    #[test]
    fn parses_literals_and_conversions() {
        let f = Format::parse("a%%b %-08.3lld|%s").unwrap();
        assert_eq!(f.pieces.len(), 4);
        assert_eq!(f.pieces[0], Piece::Literal("a%b ".into()));
        let Piece::Conversion(c) = &f.pieces[1] else {
            panic!()
        };
        assert!(c.left && c.zero && !c.plus);
        assert_eq!((c.width, c.precision), (Some(8), Some(3)));
        assert_eq!((c.length.as_str(), c.conv), ("ll", 'd'));
        assert_eq!(f.pieces[2], Piece::Literal("|".into()));
        assert_eq!(f.conversions().count(), 2);
        assert_eq!(
            Format::parse("100%%").unwrap().pieces,
            vec![Piece::Literal("100%".into())]
        );
        assert_eq!(Format::parse("").unwrap().pieces, vec![]);
    }

    #[test]
    fn parse_errors_point_at_the_conversion() {
        let e = err("x=%5.2f\n");
        assert_eq!((e.start, e.end), (2, 7));
        assert_eq!(e.message, "floating point is not supported");
        let e = err("%*d");
        assert_eq!((e.start, e.end), (0, 2));
        assert!(e.message.contains('*'), "{}", e.message);
        let e = err("%.*d");
        assert_eq!((e.start, e.end), (0, 3));
        let e = err("abc %l");
        assert_eq!((e.start, e.end), (4, 6));
        assert!(e.message.contains("incomplete"));
        assert_eq!(
            err("%").message,
            "incomplete format specifier at the end of the string"
        );
        assert_eq!(err("%q").message, "unknown conversion `%q`");
        assert_eq!(err("%n").message, "%n is not supported");
        assert!(err("%ls").message.contains("length modifier"));
        let e = err("é%é");
        assert_eq!((e.start, e.end), (2, 5));
    }

    #[test]
    fn checks_argument_count() {
        let f = Format::parse("%d %s %x").unwrap();
        assert_eq!(
            f.check_args(&[Type::I64, Type::I64]),
            Err((
                2,
                "printf: too few arguments for format (3 conversions, 2 arguments)".into()
            ))
        );
        assert_eq!(
            f.check_args(&[Type::I64; 4]),
            Err((
                3,
                "printf: too many arguments for format (3 conversions, 4 arguments)".into()
            ))
        );
        let one = Format::parse("%d").unwrap();
        assert_eq!(
            one.check_args(&[]),
            Err((
                0,
                "printf: too few arguments for format (1 conversion, 0 arguments)".into()
            ))
        );
        assert!(Format::parse("hi").unwrap().check_args(&[]).is_ok());
    }

    #[test]
    fn checks_argument_types() {
        let f = Format::parse("%d %s %p").unwrap();
        let ptr = Type::Ptr {
            pointee: Box::new(Type::U32),
            space: crate::types::AddrSpace::Kernel,
        };
        assert!(f
            .check_args(&[Type::U32, Type::Str { size: 16 }, ptr.clone()])
            .is_ok());
        assert!(f.check_args(&[ptr, Type::I64, Type::U64]).is_ok());
        assert!(f
            .check_args(&[Type::U32, Type::Tuple(vec![Type::U32]), Type::U64])
            .is_ok());
        assert_eq!(
            f.check_args(&[Type::Str { size: 16 }, Type::I64, Type::U64]),
            Err((0, "%d expects an integer, got string[16]".into()))
        );
        assert_eq!(
            f.check_args(&[Type::U64, Type::I64, Type::KStack]),
            Err((2, "%p expects an integer, got kstack".into()))
        );
        assert_eq!(
            Format::parse("%hhx")
                .unwrap()
                .check_args(&[Type::Tuple(vec![])]),
            Err((0, "%hhx expects an integer, got ()".into()))
        );
        assert!(Format::parse("%s")
            .unwrap()
            .check_args(&[Type::Void])
            .is_err());
    }

    // Expected strings below were produced by glibc's printf (gcc, x86-64),
    // passing the value with the C type bpftrace v0.21 casts it to.
    #[test]
    fn integers_are_cut_to_the_length_modifier() {
        assert_eq!(fmt1("%hhd", Value::UInt(300)), "44");
        assert_eq!(fmt1("%hhd", Value::UInt(200)), "-56");
        assert_eq!(fmt1("%hhu", Value::Int(-1)), "255");
        assert_eq!(fmt1("%hd", Value::UInt(70000)), "4464");
        assert_eq!(fmt1("%hd", Value::UInt(40000)), "-25536");
        assert_eq!(fmt1("%d", Value::UInt(0x1_0000_0005)), "5");
        assert_eq!(fmt1("%d", Value::UInt(0xffff_ffff)), "-1");
        assert_eq!(fmt1("%i", Value::Int(-7)), "-7");
        assert_eq!(fmt1("%u", Value::Int(-1)), "4294967295");
        assert_eq!(fmt1("%lu", Value::Int(-1)), "18446744073709551615");
        assert_eq!(fmt1("%ld", Value::UInt(u64::MAX)), "-1");
        assert_eq!(fmt1("%lld", Value::Int(i64::MIN)), "-9223372036854775808");
        assert_eq!(fmt1("%jd", Value::UInt(1 << 40)), "1099511627776");
        assert_eq!(fmt1("%zd", Value::Int(-3)), "-3");
        assert_eq!(fmt1("%td", Value::Int(-3)), "-3");
        assert_eq!(fmt1("%x", Value::Int(-1)), "ffffffff");
        assert_eq!(fmt1("%lX", Value::Int(-1)), "FFFFFFFFFFFFFFFF");
        assert_eq!(fmt1("%hhx", Value::UInt(0x1ab)), "ab");
        assert_eq!(fmt1("%o", Value::UInt(8)), "10");
        assert_eq!(fmt1("%llo", Value::Int(-1)), "1777777777777777777777");
    }

    #[test]
    fn integer_flags_width_and_precision_follow_c() {
        assert_eq!(fmt1("[%5d]", Value::Int(42)), "[   42]");
        assert_eq!(fmt1("[%-5d]", Value::Int(42)), "[42   ]");
        assert_eq!(fmt1("[%05d]", Value::Int(-42)), "[-0042]");
        assert_eq!(fmt1("[%+05d]", Value::Int(-42)), "[-0042]");
        assert_eq!(fmt1("[% 05d]", Value::Int(42)), "[ 0042]");
        assert_eq!(fmt1("[%-+6d|]", Value::Int(42)), "[+42   |]");
        assert_eq!(fmt1("[%08.3d]", Value::Int(42)), "[     042]");
        assert_eq!(fmt1("[%.0d]", Value::Int(0)), "[]");
        assert_eq!(fmt1("[%5.0x]", Value::Int(0)), "[     ]");
        assert_eq!(fmt1("[%#x]", Value::Int(0)), "[0]");
        assert_eq!(fmt1("[%#08x]", Value::Int(255)), "[0x0000ff]");
        assert_eq!(fmt1("[%#X]", Value::Int(255)), "[0XFF]");
        assert_eq!(fmt1("[%#o]", Value::Int(8)), "[010]");
        assert_eq!(fmt1("[%#.3o]", Value::Int(8)), "[010]");
        assert_eq!(fmt1("[%#.0o]", Value::Int(0)), "[0]");
        assert_eq!(fmt1("[%+u]", Value::Int(5)), "[5]");
        assert_eq!(fmt1("[%-010d]", Value::Int(7)), "[7         ]");
    }

    #[test]
    fn pointers_print_like_glibc() {
        assert_eq!(fmt1("%p", Value::UInt(0xffff_8000_1234)), "0xffff80001234");
        assert_eq!(fmt1("%p", Value::Int(-1)), "0xffffffffffffffff");
        assert_eq!(fmt1("%p", Value::UInt(0)), "(nil)");
        assert_eq!(fmt1("[%010p]", Value::UInt(0)), "[     (nil)]");
        assert_eq!(fmt1("[%-10p]", Value::UInt(0)), "[(nil)     ]");
        assert_eq!(fmt1("[%.2p]", Value::UInt(0)), "[(nil)]");
        assert_eq!(fmt1("[%+p]", Value::UInt(0x1234)), "[+0x1234]");
        assert_eq!(fmt1("[% p]", Value::UInt(0x1234)), "[ 0x1234]");
        assert_eq!(fmt1("[%010p]", Value::UInt(0x1234)), "[0x00001234]");
        assert_eq!(fmt1("[%.8p]", Value::UInt(0x1234)), "[0x00001234]");
        assert_eq!(fmt1("[%hhp]", Value::UInt(0x1234)), "[0x1234]");
    }

    #[test]
    fn chars_and_strings() {
        assert_eq!(fmt1("[%c]", Value::UInt(b'a' as u64 + 256)), "[a]");
        assert_eq!(fmt1("[%05c]", Value::UInt(b'a' as u64)), "[    a]");
        assert_eq!(fmt1("[%-5c|]", Value::UInt(b'x' as u64)), "[x    |]");
        assert_eq!(fmt1("[%c]", Value::UInt(0)), "[]");
        assert_eq!(fmt1("[%05s]", Value::Str("ab".into())), "[   ab]");
        assert_eq!(fmt1("[%-4s]", Value::Str("ab".into())), "[ab  ]");
        assert_eq!(fmt1("[%.3s]", Value::Str("abcdef".into())), "[abc]");
        assert_eq!(fmt1("[%6.2s]", Value::Str("abcdef".into())), "[    ab]");
        assert_eq!(fmt1("[%s]", Value::Int(-5)), "[-5]");
        assert_eq!(fmt1("[%s]", Value::UInt(5)), "[5]");
        let t = Value::Tuple(vec![
            Value::Int(1),
            Value::Str("two".into()),
            Value::UInt(3),
        ]);
        assert_eq!(fmt1("%s", t), "(1, two, 3)");
        let st = Value::Stack(vec!["f+1".into(), "g+2".into()]);
        assert_eq!(fmt1("%s", st), "\n        f+1\n        g+2\n");
    }

    #[test]
    fn renders_a_whole_line() {
        let f = Format::parse("pid %d comm %-6s %3u%%\n").unwrap();
        let args = [Value::UInt(42), Value::Str("bash".into()), Value::UInt(7)];
        assert_eq!(f.render(&args), "pid 42 comm bash     7%\n");
        assert_eq!(
            Format::parse("x=%d y=%d").unwrap().render(&[Value::Int(1)]),
            "x=1 y="
        );
    }
}
