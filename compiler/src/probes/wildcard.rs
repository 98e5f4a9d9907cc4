//! Attach-point wildcards: `*` matches any run of characters, every other
//! character only itself (bpftrace's rule — `?`, `[` and `{` are literal).

use globset::{GlobBuilder, GlobMatcher};

/// A compiled pattern, matched against many names (tracepoints, symbols).
pub struct Wildcard {
    /// `None` only if globset refused the escaped pattern: then it matches
    /// itself alone.
    glob: Option<GlobMatcher>,
    pattern: String,
}

impl Wildcard {
    pub fn new(pattern: &str) -> Wildcard {
        let escaped: String = pattern
            .split('*')
            .map(globset::escape)
            .collect::<Vec<_>>()
            .join("*");
        let glob = GlobBuilder::new(&escaped)
            .literal_separator(false)
            .backslash_escape(false)
            .build()
            .ok()
            .map(|g| g.compile_matcher());
        Wildcard {
            glob,
            pattern: pattern.into(),
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        match &self.glob {
            Some(glob) => glob.is_match(text),
            None => self.pattern == text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Wildcard;

    fn m(pattern: &str, text: &str) -> bool {
        Wildcard::new(pattern).matches(text)
    }

    #[test]
    fn star_is_the_only_wildcard() {
        assert!(m("sched*", "sched_switch"));
        assert!(m("*", "x"));
        assert!(m("*", ""));
        assert!(m("sys_*_read", "sys_enter_read"));
        assert!(!m("sys_*_read", "sys_enter_readv"));
        assert!(m("a*b*c", "abc"));
        assert!(!m("sched", "sched_switch"));
        assert!(m("*/lib*", "/usr/lib/x"));
        assert!(m("f[abi:cxx11]*", "f[abi:cxx11]()"));
        assert!(!m("f[ab]", "fa"));
        assert!(m("a?b{c}\\", "a?b{c}\\"));
        assert!(!m("a?b", "axb"));
    }

    #[test]
    fn every_ascii_character_escapes() {
        let all: String = (0x20u8..0x7f)
            .map(char::from)
            .filter(|c| *c != '*')
            .collect();
        let w = Wildcard::new(&all);
        assert!(w.glob.is_some());
        assert!(w.matches(&all));
    }
}
