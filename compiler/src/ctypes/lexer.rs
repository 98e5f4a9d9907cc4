//! Tokens of C declarations: words, integers and punctuation, comments skipped.

use super::error;
use crate::diagnostic::{Result, Span};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Word(String),
    Int(u64),
    /// Punctuation; `<<` and `>>` are one token.
    Punct(&'static str),
}

/// A token and where it stands in the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

const PUNCT: &[&str] = &[
    "<<", ">>", "{", "}", "(", ")", "[", "]", ";", ",", "*", ":", "=", "-", "+", "~", "|", "&",
    "^", "/", "%",
];

/// Splits `text`, which starts at byte `base` of the script.
pub fn tokens(text: &str, base: usize) -> Result<Vec<Token>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let rest = &text[i..];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            let close = rest
                .find("*/")
                .ok_or_else(|| error(Span::new(base + i, base + i + 2), "unterminated comment"))?;
            i += close + 2;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let len = word_len(rest);
            out.push(token(Tok::Word(rest[..len].to_string()), base + i, len));
            i += len;
        } else if c.is_ascii_digit() {
            let len = word_len(rest);
            let span = Span::new(base + i, base + i + len);
            out.push(Token {
                tok: Tok::Int(int_literal(&rest[..len], span)?),
                span,
            });
            i += len;
        } else if let Some(p) = PUNCT.iter().find(|p| rest.starts_with(**p)) {
            out.push(token(Tok::Punct(p), base + i, p.len()));
            i += p.len();
        } else {
            let ch = rest.chars().next().expect("not at the end");
            let span = Span::new(base + i, base + i + ch.len_utf8());
            return Err(error(span, format!("unexpected `{ch}` in a C declaration")));
        }
    }
    Ok(out)
}

fn token(tok: Tok, at: usize, len: usize) -> Token {
    Token {
        tok,
        span: Span::new(at, at + len),
    }
}

fn word_len(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

/// `12`, `0x1f`, `010`, with C's `u`/`l` suffixes.
fn int_literal(text: &str, span: Span) -> Result<u64> {
    let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
    let parsed = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16)
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8)
    } else {
        digits.parse()
    };
    parsed.map_err(|_| error(span, format!("invalid integer `{text}`")))
}
