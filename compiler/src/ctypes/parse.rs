//! A parser of the C declarations bpftrace scripts contain: `struct`,
//! `union` and `enum` definitions (nested, anonymous, with arrays, pointers,
//! bitfields and `__attribute__((packed, aligned(N)))`) and `typedef`s, and
//! of type names in casts and `sizeof` (`struct Foo *`, `int8[4]`).

use super::lexer::{tokens, Tok, Token};
use super::record::{layout, Field, RecordKind};
use super::{error, CTypes};
use crate::diagnostic::{Result, Span};
use crate::types::{AddrSpace, Type};

/// Parses the definitions in `text` (at byte `base` of the script) into `types`.
pub fn parse_definitions(types: &mut CTypes, text: &str, base: usize) -> Result<()> {
    let toks = tokens(text, base)?;
    let mut p = Parser::new(types, toks, Span::new(base + text.len(), base + text.len()));
    while !p.at_end() {
        p.definition()?;
    }
    Ok(())
}

/// Resolves a type name as written in a cast or `sizeof`.
pub fn type_name(types: &CTypes, text: &str, span: Span) -> Result<Type> {
    let mut scratch = types.clone();
    let toks = tokens(text, span.start)?;
    let mut p = Parser::new(&mut scratch, toks, Span::new(span.end, span.end));
    let base = p.specifiers()?;
    let d = p.declarator(base, false)?;
    if let Some(t) = p.peek_token() {
        return Err(error(t.span, "unexpected text after the type name"));
    }
    Ok(d.ty)
}

struct Parser<'a> {
    types: &'a mut CTypes,
    toks: Vec<Token>,
    pos: usize,
    end: Span,
}

/// A base type and whether it was spelled `char` (a `char` array is a string).
#[derive(Clone)]
struct Base {
    ty: Type,
    is_char: bool,
}

/// What a declarator declares: a name (maybe none) of a type.
struct Declared {
    name: Option<String>,
    ty: Type,
    bits: Option<u8>,
}

/// `__attribute__((…))` that change layout.
#[derive(Default)]
struct Attributes {
    packed: bool,
    aligned: Option<u32>,
}

impl<'a> Parser<'a> {
    fn new(types: &'a mut CTypes, toks: Vec<Token>, end: Span) -> Self {
        Parser {
            types,
            toks,
            pos: 0,
            end,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn peek_token(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek(&self) -> Option<&Tok> {
        self.peek_token().map(|t| &t.tok)
    }

    fn span(&self) -> Span {
        self.peek_token().map(|t| t.span).unwrap_or(self.end)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(q)) if q == w)
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        self.pos += yes as usize;
        yes
    }

    fn expect_punct(&mut self, p: &str, what: &str) -> Result<()> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(error(self.span(), format!("expected `{p}` {what}")))
        }
    }

    fn word(&mut self) -> Option<String> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Some(w)
            }
            _ => None,
        }
    }

    /// One top-level definition: `typedef …;` or a record or enum with
    /// optional declarators, attributes and `;`.
    fn definition(&mut self) -> Result<()> {
        if self.eat_punct(";") {
            return Ok(());
        }
        let typedef = self.is_word("typedef");
        self.pos += typedef as usize;
        let base = self.specifiers()?;
        if typedef {
            loop {
                let span = self.span();
                let d = self.declarator(base.clone(), true)?;
                let name = d
                    .name
                    .ok_or_else(|| error(span, "a typedef needs a name"))?;
                self.types.typedefs.insert(name, d.ty);
                if !self.eat_punct(",") {
                    break;
                }
            }
            return self.expect_punct(";", "after a typedef");
        }
        self.attributes()?;
        self.eat_punct(";");
        Ok(())
    }

    /// Declaration specifiers: qualifiers, then a record, an enum, integer
    /// keywords or a type name.
    fn specifiers(&mut self) -> Result<Base> {
        while self.is_word("const") || self.is_word("volatile") || self.is_word("static") {
            self.pos += 1;
        }
        let span = self.span();
        let Some(Tok::Word(w)) = self.peek().cloned() else {
            return Err(error(span, "expected a type"));
        };
        let ty = match w.as_str() {
            "struct" | "union" => {
                self.pos += 1;
                let kind = if w == "struct" {
                    RecordKind::Struct
                } else {
                    RecordKind::Union
                };
                self.record(kind, span)?
            }
            "enum" => {
                self.pos += 1;
                self.enumeration(span)?
            }
            _ => return self.integer_words(span),
        };
        Ok(Base { ty, is_char: false })
    }

    /// `unsigned long long`, `short int`, `char`, or one type name.
    fn integer_words(&mut self, span: Span) -> Result<Base> {
        const WORDS: &[&str] = &["signed", "unsigned", "short", "long", "int", "char"];
        let mut seen = Vec::new();
        while let Some(Tok::Word(w)) = self.peek() {
            if !WORDS.contains(&w.as_str()) {
                break;
            }
            seen.push(w.clone());
            self.pos += 1;
        }
        if seen.is_empty() {
            let w = self.word().expect("checked: a word");
            let ty = self.types.named(&w).ok_or_else(|| {
                error(span, format!("unknown type `{w}`"))
                    .with_label("not a C type, typedef or bpftrace integer type")
            })?;
            return Ok(Base { ty, is_char: false });
        }
        let has = |w: &str| seen.iter().any(|s| s == w);
        let signed = !has("unsigned");
        let longs = seen.iter().filter(|s| *s == "long").count();
        let (bits, is_char) = if has("char") {
            (8, true)
        } else if has("short") {
            (16, false)
        } else if longs > 0 {
            (64, false)
        } else {
            (32, false)
        };
        Ok(Base {
            ty: Type::int(bits, signed),
            is_char: is_char && !has("signed") && !has("unsigned"),
        })
    }

    /// After `struct`/`union`: a tag, a body, or both.
    fn record(&mut self, kind: RecordKind, span: Span) -> Result<Type> {
        let name = self.word().unwrap_or_default();
        if !self.eat_punct("{") {
            if name.is_empty() {
                return Err(error(
                    span,
                    format!("expected a name or `{{` after `{}`", kind.keyword()),
                ));
            }
            return Ok(Type::Record(self.types.use_record(kind, &name)));
        }
        let mut fields = Vec::new();
        while !self.eat_punct("}") {
            if self.at_end() {
                return Err(error(self.end, "expected `}` to close the definition"));
            }
            self.member(&mut fields)?;
        }
        let attrs = self.attributes()?;
        let r = layout(kind, &name, fields, attrs.packed, attrs.aligned);
        Ok(Type::Record(self.types.define_record(r)))
    }

    /// One member declaration: specifiers, then declarators up to `;` (or `}`).
    fn member(&mut self, fields: &mut Vec<Field>) -> Result<()> {
        if self.eat_punct(";") {
            return Ok(());
        }
        let base = self.specifiers()?;
        if self.is_punct(";") || self.is_punct("}") {
            // An anonymous struct or union: its members belong to the enclosing record.
            self.eat_punct(";");
            if matches!(base.ty, Type::Record(_)) {
                fields.push(Field {
                    name: String::new(),
                    ty: base.ty,
                    bits: None,
                });
            }
            return Ok(());
        }
        loop {
            let span = self.span();
            let d = self.declarator(base.clone(), true)?;
            let name = d
                .name
                .ok_or_else(|| error(span, "expected a member name"))?;
            fields.push(Field {
                name,
                ty: d.ty,
                bits: d.bits,
            });
            if !self.eat_punct(",") {
                break;
            }
        }
        self.attributes()?;
        if !self.is_punct("}") {
            self.expect_punct(";", "after a member")?;
        }
        Ok(())
    }

    /// `* * name [N][M] : bits`; the name is optional in type names.
    fn declarator(&mut self, base: Base, named: bool) -> Result<Declared> {
        let mut ty = base.ty;
        let mut pointers = 0;
        while self.eat_punct("*") {
            pointers += 1;
            ty = Type::Ptr {
                pointee: Box::new(ty),
                space: AddrSpace::Kernel,
            };
            while self.is_word("const") || self.is_word("volatile") || self.is_word("restrict") {
                self.pos += 1;
            }
        }
        let name = if named { self.word() } else { None };
        let mut dims = Vec::new();
        while self.eat_punct("[") {
            if self.eat_punct("]") {
                dims.push(0);
                continue;
            }
            let span = self.span();
            let n = self.const_expr()?;
            let n = u32::try_from(n).map_err(|_| error(span, "an array size must be 0 or more"))?;
            dims.push(n);
            self.expect_punct("]", "after the array size")?;
        }
        for (i, n) in dims.iter().enumerate().rev() {
            let innermost = i == dims.len() - 1;
            ty = if innermost && base.is_char && pointers == 0 {
                Type::Str { size: *n }
            } else {
                Type::Array {
                    elem: Box::new(ty),
                    len: *n,
                }
            };
        }
        let bits = if named && self.eat_punct(":") {
            let span = self.span();
            let w = self.const_expr()?;
            let max = ty.size() as i64 * 8;
            if !ty.is_int() || !(0..=max).contains(&w) {
                return Err(error(span, format!("invalid bitfield width {w} for {ty}")));
            }
            Some(w as u8)
        } else {
            None
        };
        Ok(Declared { name, ty, bits })
    }

    /// After `enum`: a tag and/or `{ A, B = 2, … }`.
    fn enumeration(&mut self, span: Span) -> Result<Type> {
        let name = self.word().unwrap_or_default();
        if !self.eat_punct("{") {
            return self
                .types
                .enum_type(&name)
                .ok_or_else(|| error(span, format!("unknown enum `{name}`")));
        }
        let mut next = 0i64;
        let mut max = 0i64;
        while !self.eat_punct("}") {
            let span = self.span();
            let constant = self
                .word()
                .ok_or_else(|| error(span, "expected an enumerator name"))?;
            if self.eat_punct("=") {
                next = self.const_expr()?;
            }
            self.types.constants.insert(constant, next);
            max = max.max(next);
            next += 1;
            if !self.eat_punct(",") {
                self.expect_punct("}", "to close the enum")?;
                break;
            }
        }
        let ty = if max > u32::MAX as i64 {
            Type::U64
        } else {
            Type::U32
        };
        if !name.is_empty() {
            self.types.enums.insert(name, ty.clone());
        }
        self.attributes()?;
        Ok(ty)
    }

    /// Any number of `__attribute__((a, b(N)))`.
    fn attributes(&mut self) -> Result<Attributes> {
        let mut attrs = Attributes::default();
        while self.is_word("__attribute__") || self.is_word("__attribute") {
            self.pos += 1;
            self.expect_punct("(", "after __attribute__")?;
            self.expect_punct("(", "after __attribute__(")?;
            while !self.eat_punct(")") {
                let span = self.span();
                let name = self
                    .word()
                    .ok_or_else(|| error(span, "expected an attribute name"))?;
                let arg = if self.eat_punct("(") {
                    let v = self.const_expr()?;
                    self.expect_punct(")", "after the attribute's argument")?;
                    Some(v)
                } else {
                    None
                };
                match name.trim_matches('_') {
                    "packed" => attrs.packed = true,
                    "aligned" => attrs.aligned = Some(arg.unwrap_or(8).max(1) as u32),
                    _ => {}
                }
                self.eat_punct(",");
            }
            self.expect_punct(")", "to close __attribute__")?;
        }
        Ok(attrs)
    }

    /// An integer constant expression (enumerator values, array sizes).
    fn const_expr(&mut self) -> Result<i64> {
        self.binary(0)
    }

    fn binary(&mut self, level: usize) -> Result<i64> {
        const LEVELS: &[&[&str]] = &[
            &["|"],
            &["^"],
            &["&"],
            &["<<", ">>"],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut v = self.binary(level + 1)?;
        loop {
            let Some(op) = LEVELS[level].iter().find(|op| self.is_punct(op)) else {
                return Ok(v);
            };
            let span = self.span();
            self.pos += 1;
            let r = self.binary(level + 1)?;
            v = match *op {
                "|" => v | r,
                "^" => v ^ r,
                "&" => v & r,
                "<<" => v.wrapping_shl(r as u32),
                ">>" => v.wrapping_shr(r as u32),
                "+" => v.wrapping_add(r),
                "-" => v.wrapping_sub(r),
                "*" => v.wrapping_mul(r),
                _ if r == 0 => return Err(error(span, "division by zero")),
                "/" => v / r,
                _ => v % r,
            };
        }
    }

    fn unary(&mut self) -> Result<i64> {
        let span = self.span();
        if self.eat_punct("-") {
            return Ok(self.unary()?.wrapping_neg());
        }
        if self.eat_punct("~") {
            return Ok(!self.unary()?);
        }
        if self.eat_punct("(") {
            let v = self.const_expr()?;
            self.expect_punct(")", "to close the parenthesis")?;
            return Ok(v);
        }
        match self.peek().cloned() {
            Some(Tok::Int(v)) => {
                self.pos += 1;
                Ok(v as i64)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                self.types
                    .constant(&w)
                    .ok_or_else(|| error(span, format!("unknown constant `{w}`")))
            }
            _ => Err(error(span, "expected an integer constant")),
        }
    }
}
