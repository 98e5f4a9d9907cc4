//! Integer literals as bpftrace v0.26 reads them, in scripts, attach points
//! (`interval:500ms`) and positional parameters: decimal, `0x` hex, `0b`
//! binary, `0` octal, `_` separators, scientific `Me N` (`2e3`), C suffixes
//! that change nothing (`u`, `l`, `ul`, `ll`, `ull`) and duration suffixes
//! that scale to nanoseconds (`ns`, `us`, `ms`, `s`, `m`, `h`, `d`).

/// Why a literal is not an integer; `Display` is the diagnostic's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiteralError {
    /// Not a number at all, or a trailing suffix that is not one of ours.
    Invalid(&'static str),
    /// Larger than `u64::MAX` once scaled.
    Overflow,
}

impl std::fmt::Display for LiteralError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiteralError::Invalid(why) => f.write_str(why),
            LiteralError::Overflow => {
                f.write_str("integer literal out of range (max 0xffffffffffffffff)")
            }
        }
    }
}

/// What a diagnostic about a malformed literal suggests.
pub const SUFFIX_HELP: &str =
    "integer suffixes are u, l, ul, ll, ull and the durations ns, us, ms, s, m, h, d";

/// Suffixes and the factor each multiplies by. C suffixes are matched
/// case-insensitively, durations as written.
const SUFFIXES: &[(&str, u64)] = &[
    ("", 1),
    ("u", 1),
    ("l", 1),
    ("ul", 1),
    ("ll", 1),
    ("ull", 1),
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

/// Parses an unsigned integer literal.
pub fn parse_uint(text: &str) -> Result<u64, LiteralError> {
    let text: String = text.chars().filter(|&c| c != '_').collect();
    let (radix, body) = radix_of(&text);
    let digits_end = body
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(body.len());
    let (digits, mut rest) = body.split_at(digits_end);
    if digits.is_empty() {
        return Err(LiteralError::Invalid(if radix == 8 {
            "invalid digit in octal literal"
        } else {
            "invalid integer literal"
        }));
    }
    let mut value = u64::from_str_radix(digits, radix).map_err(|_| LiteralError::Overflow)?;
    if let Some(exp) = scientific_exponent(radix, rest) {
        if !(1..=9).contains(&value) {
            return Err(LiteralError::Invalid(
                "the coefficient of a scientific literal must be 1-9",
            ));
        }
        let exp_len = exp.len();
        let exp: u32 = exp.parse().map_err(|_| LiteralError::Overflow)?;
        value = 10u64
            .checked_pow(exp)
            .and_then(|p| p.checked_mul(value))
            .ok_or(LiteralError::Overflow)?;
        rest = &rest[1 + exp_len..];
    }
    if radix == 8 && rest.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(LiteralError::Invalid("invalid digit in octal literal"));
    }
    // C suffixes in any case (`1UL`), durations as written (`1m`, not `1M`).
    let c_suffix = rest.chars().all(|c| matches!(c, 'u' | 'U' | 'l' | 'L'));
    let suffix = if c_suffix {
        rest.to_ascii_lowercase()
    } else {
        rest.to_string()
    };
    let factor = SUFFIXES
        .iter()
        .find(|(s, _)| *s == suffix)
        .map(|(_, f)| *f)
        .ok_or(LiteralError::Invalid(
            "invalid trailing characters in integer literal",
        ))?;
    value.checked_mul(factor).ok_or(LiteralError::Overflow)
}

fn radix_of(text: &str) -> (u32, &str) {
    let lower = text.get(..2).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("0x") => (16, &text[2..]),
        Some("0b") => (2, &text[2..]),
        _ if text.len() > 1
            && text.starts_with('0')
            && text[1..].starts_with(|c: char| c.is_ascii_digit()) =>
        {
            (8, &text[1..])
        }
        _ => (10, text),
    }
}

/// The exponent digits of `eN` after a decimal mantissa.
fn scientific_exponent(radix: u32, rest: &str) -> Option<&str> {
    let exp = rest.strip_prefix(['e', 'E']).filter(|_| radix == 10)?;
    let end = exp.find(|c: char| !c.is_ascii_digit()).unwrap_or(exp.len());
    exp[..end]
        .starts_with(|c: char| ('1'..='9').contains(&c))
        .then(|| &exp[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        let table: &[(&str, Result<u64, LiteralError>)] = &[
            ("0", Ok(0)),
            ("1_000_123", Ok(1_000_123)),
            ("0x1F", Ok(31)),
            ("0b101", Ok(5)),
            ("0755", Ok(0o755)),
            ("2e3", Ok(2000)),
            ("1e19", Ok(10_000_000_000_000_000_000)),
            ("123UL", Ok(123)),
            ("123ull", Ok(123)),
            ("5ns", Ok(5)),
            ("100us", Ok(100_000)),
            ("100ms", Ok(100_000_000)),
            ("1s", Ok(1_000_000_000)),
            ("1m", Ok(60_000_000_000)),
            ("2h", Ok(7_200_000_000_000)),
            ("1d", Ok(86_400_000_000_000)),
            ("18446744073709551615", Ok(u64::MAX)),
            ("18446744073709551616", Err(LiteralError::Overflow)),
            ("1e20", Err(LiteralError::Overflow)),
            ("300000d", Err(LiteralError::Overflow)),
            (
                "12e3",
                Err(LiteralError::Invalid(
                    "the coefficient of a scientific literal must be 1-9",
                )),
            ),
            (
                "089",
                Err(LiteralError::Invalid("invalid digit in octal literal")),
            ),
            (
                "10MS",
                Err(LiteralError::Invalid(
                    "invalid trailing characters in integer literal",
                )),
            ),
            (
                "12abc",
                Err(LiteralError::Invalid(
                    "invalid trailing characters in integer literal",
                )),
            ),
        ];
        for (text, want) in table {
            assert_eq!(&parse_uint(text), want, "{text}");
        }
    }
}
