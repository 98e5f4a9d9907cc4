//! Text → AST. pest types never leave this module.

pub mod ast;
pub mod literal;
mod parser;
pub mod print;
pub mod visit;
pub mod visit_mut;

use crate::diagnostic::Diagnostic;

/// Parses a whole script. A `#!` first line is ignored; spans are byte
/// offsets into `src` as given.
pub fn parse(src: &str) -> Result<ast::Program, Diagnostic> {
    if src.starts_with("#!") {
        let line_end = src.find('\n').unwrap_or(src.len());
        let blanked = " ".repeat(line_end) + &src[line_end..];
        return parser::parse(&blanked);
    }
    parser::parse(src)
}

#[cfg(test)]
mod tests {
    use super::ast::*;
    use super::parse;
    use super::print::sexpr;
    use crate::diagnostic::Diagnostic;
    use std::fmt::Write as _;

    // ------------------------------------------------------------ printers

    /// A diagnostic as the message, then the source line with `^` under the span.
    fn render(src: &str, d: &Diagnostic) -> String {
        let line_start = src[..d.span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[d.span.start..]
            .find('\n')
            .map_or(src.len(), |i| d.span.start + i);
        let line_no = src[..line_start].matches('\n').count() + 1;
        let col = src[line_start..d.span.start].chars().count();
        let width = src[d.span.start..d.span.end.min(line_end)]
            .chars()
            .count()
            .max(1);
        format!(
            "{}: {}\n{line_no:>3} | {}\n    | {}{}",
            d.code,
            d.message,
            &src[line_start..line_end],
            " ".repeat(col),
            "^".repeat(width)
        )
    }

    /// Each case's source followed by its S-expression or rendered error.
    fn cases(sources: &[&str]) -> String {
        let mut out = String::new();
        for src in sources {
            let result = match parse(src) {
                Ok(p) => sexpr(&p),
                Err(d) => render(src, &d) + "\n",
            };
            write!(out, ">>> {src}\n{result}\n").unwrap();
        }
        out
    }

    /// Every node's kind next to the source text its span covers.
    fn spans(src: &str) -> String {
        fn e(out: &mut Vec<String>, src: &str, x: &Expr) {
            out.push(format!("expr `{}`", &src[x.span.start..x.span.end]));
            match &x.kind {
                ExprKind::Map(m) => m.keys.iter().for_each(|k| e(out, src, k)),
                ExprKind::Call { name, args } => {
                    out.push(format!("name `{}`", &src[name.span.start..name.span.end]));
                    args.iter().for_each(|a| e(out, src, a));
                }
                ExprKind::Binary { lhs, rhs, .. } => {
                    e(out, src, lhs);
                    e(out, src, rhs);
                }
                ExprKind::Ternary {
                    cond,
                    then,
                    otherwise,
                } => {
                    [Some(cond), then.as_ref(), Some(otherwise)]
                        .into_iter()
                        .flatten()
                        .for_each(|x| e(out, src, x));
                }
                ExprKind::Unary { expr, .. } | ExprKind::IncDec { target: expr, .. } => {
                    e(out, src, expr)
                }
                ExprKind::Cast { ty, expr } => {
                    out.push(format!("type `{}`", &src[ty.span.start..ty.span.end]));
                    e(out, src, expr);
                }
                ExprKind::Field { expr, field, .. } => {
                    e(out, src, expr);
                    out.push(format!(
                        "field `{}`",
                        &src[field.span.start..field.span.end]
                    ));
                }
                ExprKind::Tuple(items) => items.iter().for_each(|x| e(out, src, x)),
                ExprKind::Block { stmts, value } => {
                    stmts.iter().for_each(|s| st(out, src, s));
                    value.iter().for_each(|v| e(out, src, v));
                }
                _ => {}
            }
        }
        fn b(out: &mut Vec<String>, src: &str, block: &Block) {
            out.push(format!(
                "block `{}`",
                &src[block.span.start..block.span.end]
            ));
            block.stmts.iter().for_each(|s| st(out, src, s));
        }
        fn st(out: &mut Vec<String>, src: &str, s: &Stmt) {
            out.push(format!("stmt `{}`", &src[s.span.start..s.span.end]));
            match &s.kind {
                StmtKind::Expr(x) | StmtKind::Discard(x) => e(out, src, x),
                StmtKind::Let { var, value, .. } => {
                    out.push(format!("var `{}`", &src[var.span.start..var.span.end]));
                    value.iter().for_each(|v| e(out, src, v));
                }
                StmtKind::AssignMap { map, value, .. } => {
                    out.push(format!("map `{}`", &src[map.span.start..map.span.end]));
                    e(out, src, value);
                }
                StmtKind::AssignVar { var, value, .. } => {
                    out.push(format!("var `{}`", &src[var.span.start..var.span.end]));
                    e(out, src, value);
                }
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    e(out, src, cond);
                    b(out, src, then);
                    if let Some(o) = otherwise {
                        b(out, src, o);
                    }
                }
                StmtKind::Unroll { count, body } | StmtKind::While { cond: count, body } => {
                    e(out, src, count);
                    b(out, src, body);
                }
                StmtKind::ForRange {
                    start, end, body, ..
                } => {
                    e(out, src, start);
                    e(out, src, end);
                    b(out, src, body);
                }
                StmtKind::ForMap { body, .. } => b(out, src, body),
                StmtKind::Return | StmtKind::Break | StmtKind::Continue => {}
            }
        }
        let program = parse(src).unwrap();
        let mut out = Vec::new();
        for p in &program.probes {
            out.push(format!("probe `{}`", &src[p.span.start..p.span.end]));
            for a in &p.attach_points {
                out.push(format!("attach `{}`", &src[a.span.start..a.span.end]));
            }
            if let Some(pred) = &p.predicate {
                e(&mut out, src, pred);
            }
            b(&mut out, src, &p.body);
        }
        out.join("\n")
    }

    // ------------------------------------------------------------ cases

    const ONE_LINERS: &[&str] = &[
        r#"tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }"#,
        r#"tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }"#,
        r#"tracepoint:block:block_rq_complete { @us = hist(args->nr_sector); }"#,
        r#"profile:hz:99 { @[kstack] = count(); }"#,
        r#"tracepoint:sched:sched_switch { @[args->prev_comm] = count(); }"#,
        r#"tracepoint:sched:sched_wakeup { @[comm] = hist(nsecs); }"#,
        r#"tracepoint:syscalls:sys_exit_read /pid == 1234/ { @bytes = hist(args.ret); }"#,
        r#"tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }"#,
        r#"BEGIN { printf("hello world\n"); }"#,
    ];

    #[test]
    fn syntax_one_liners() {
        insta::assert_snapshot!(cases(ONE_LINERS));
    }

    #[test]
    fn syntax_config_block() {
        insta::assert_snapshot!(cases(&[
            "config = { max_strlen = 20; stack_mode = raw; license = \"GPL v2\"; } BEGIN { }",
            "config={BPFTRACE_MAX_STRLEN=0x10} config:x { }",
            "config = { } BEGIN { }",
            "config = { max_strlen } BEGIN { }",
            "BEGIN { } config = { max_strlen = 1 }",
        ]));
    }

    #[test]
    fn syntax_statements() {
        insta::assert_snapshot!(cases(&[
            "BEGIN { @m = 1; @m[1, 2] = 3; @ = 4; @[5] = 6; $v = 7 }",
            "BEGIN { @a += 1; @b -= 1; @c *= 2; @d /= 2; @e %= 3; @f &= 4; @g |= 5; @h ^= 6; $i <<= 1; $j >>= 2 }",
            "BEGIN { printf(\"x\"); exit(); delete(@m[1]); clear(@m); print(@m) }",
            "BEGIN { @x++; ++$y; $v--; --@z[1] }",
            "BEGIN { if (pid) { return } else if (tid) { @a = 1 } else { @b = 2 } @c = 3 }",
            "BEGIN { unroll(3) { @i++ } return; }",
            "BEGIN { ;; @a = 1;; ; }",
            "BEGIN { }",
            "BEGIN { if (1) { } }",
            "BEGIN { $r = args->return + @if + $else + iffy + $1; if (a) { }; @x = 1 }",
            "BEGIN { if pid > 1 { } else if tid { } while $i < 3 { $i++ } }",
            "BEGIN { for $i : 0..3 { } for ($kv : @m) { } for $kv : @m { } }",
        ]));
    }

    #[test]
    fn syntax_blocks_and_declarations() {
        insta::assert_snapshot!(cases(&[
            "BEGIN { $a = { let $b = 1; $b }; $c = { 1; }; { $d = 2 } @x = 1 }",
            "BEGIN { print({ $x = 1; $x > 1 }); if ({ 1 }) { } _ = { print(1); 1 } }",
            "BEGIN { let $a; let $b = 2; let $c: uint8 = 7; let $d: string[16]; let $e: typeof(1 + 1); }",
            "BEGIN { let $f: struct task_struct *; let $g: string }",
            "BEGIN { if $a { } else if has_key(@m, 1) { } if (a) { } }",
            "i:s:1 /pid / 2/ { } i:s:1 /pid/{ }",
            "BEGIN { $x = { $y = { $z = 10; $z + 5 }; $y * 2 } }",
            "BEGIN { let = 1 }",
            "BEGIN { let $x: = 1 }",
            "BEGIN { _ == 1 }",
        ]));
    }

    #[test]
    fn syntax_macros() {
        insta::assert_snapshot!(cases(&[
            "macro one() { 1 } BEGIN { print(one()) }",
            "macro f($a, @b, c) { $a += 1; @b = c; } BEGIN { f($x, @y, 1 + 2) } macro g() { }",
            "config = { max_strlen = 8 } macro m(x) { x } BEGIN { m(1) }",
            "macro m(x) { x }",
            "macro (x) { x } BEGIN { }",
            "macro m(1) { } BEGIN { }",
            "macro m(x) BEGIN { }",
        ]));
    }

    #[test]
    fn syntax_precedence() {
        insta::assert_snapshot!(cases(&[
            "BEGIN { $x = 1 + 2 * 3 - 4 / 5 % 6 }",
            "BEGIN { $x = 1 - 2 - 3; $y = 8 / 4 / 2 }",
            "BEGIN { $x = 1 << 2 + 3 < 4 == 5 & 6 ^ 7 | 8 && 9 || 10 }",
            "BEGIN { $x = a || b && c | d ^ e & f != g >= h >> i - j * k }",
            "BEGIN { $x = a ? b : c ? d : e; $y = a || b ? c + 1 : d }",
            "BEGIN { $x = a ?: b ?: c; $y = a ? : b }",
            "BEGIN { $x = -a * !b + ~c; $y = - -a; $z = !!a }",
            "BEGIN { $x = a <= b; $y = a > b; $z = a >= b; $w = a < b }",
            "BEGIN { $x = a+++b; $y = a - -b; $z = -a++ }",
            "BEGIN { $x = (1 + 2) * 3 }",
        ]));
    }

    #[test]
    fn syntax_casts_parens_tuples_fields() {
        insta::assert_snapshot!(cases(&[
            "BEGIN { $a = (uint8)$x; $b = (int64)-1; $c = (uint32)(a + b) + 1 }",
            "BEGIN { $a = (pid) - 1; $b = (pid); $c = (int16) }",
            "BEGIN { $t = (1, \"two\", $x); @m[(1, 2)] = 3; $u = ((1, 2), 3) }",
            "BEGIN { $a = args->a.b->c; $b = args.sk->__sk_common.skc_daddr; $c = $t.0 }",
            "BEGIN { $a = (uint8)args->x; $b = -args.y; $c = str(args->filename).len }",
            "BEGIN { $a = f()(1); }",
        ]));
    }

    #[test]
    fn syntax_literals() {
        insta::assert_snapshot!(cases(&[
            "BEGIN { $a = 0; $b = 42; $c = 0x1F; $d = 0XfF; $e = 0123; $f = 1_000_000; $g = 0xffff_ffff }",
            "BEGIN { $m = 18446744073709551615; $n = 0xFFFFFFFFFFFFFFFF }",
            r#"BEGIN { $s = "a\n\t\r\"\\b"; $o = "\0\12\101\1010"; $h = "\x41\x4a\x7z"; $e = "" }"#,
            "BEGIN { $u = \"é ✓\" }",
            "BEGIN { $a = 100ms; $b = 2e3; $c = 0b101; $d = 7UL; $e = 1_0s }",
            "BEGIN { $a = 1x; }",
        ]));
    }

    #[test]
    fn syntax_attach_points_and_layout() {
        insta::assert_snapshot!(cases(&[
            "BEGIN, END { }",
            "t:sched:sched*, i:ms:100, profile:hz:99, kprobe:vfs_read+10 { }",
            "uprobe:/bin/bash:readline { @[comm] = count() }",
            "uprobe:/bin/bash:readline /pid == 1/ { }",
            "t:a:b /pid==1/ { }",
            "t:a:b/pid == 1/{ }",
            "BEGIN/pid/{}",
            "tracepoint:sched:* /comm == \"bash\" && pid / 2 > 1/ { }",
            "uprobe:./a.out:main, uprobe:\"/opt/my app/x\":f { }",
            "usdt:/usr/lib/libc.so.6::setjmp { }",
            "#!/usr/bin/env bpftrace\nBEGIN { @x = 1 }",
            "// leading\nBEGIN /* in */ { /* a */ @x = /* b */ 1; // c\n } // trailing",
            "BEGIN\n{\n  @x\n  =\n  1\n}\nEND\n{\n}\n",
            "begin { } end { }",
        ]));
    }

    #[test]
    fn syntax_spans() {
        let src = "#!/bin/x\nt:a:b , BEGIN /pid == 1/ {\n  @m[k, 2] = (1 + 2) * f(x) ;\n  if (a) { $v++ } else if (b) { return }\n  $t = (uint8) args->x.y /* c */ ;\n  $s = \"q\" ? (1, 2) : -a\n}\n";
        insta::assert_snapshot!(spans(src));
    }

    #[test]
    fn syntax_errors() {
        insta::assert_snapshot!(cases(&[
            "",
            "BEGIN",
            "BEGIN printf(\"x\")",
            "BEGIN { @x = }",
            "BEGIN { @x = 1 @y = 2 }",
            "BEGIN { printf(\"abc); }",
            "BEGIN { $x = \"a\\qb\" }",
            "BEGIN { $x = 18446744073709551616 }",
            "BEGIN { $x = 019 }",
            "BEGIN { @x = 1;",
            "BEGIN { /* never closed }",
            "BEGIN { if { } }",
            "BEGIN { f(1 2) }",
            "BEGIN { @m[1 = 2 }",
            "BEGIN /pid == 1 { }",
            "BEGIN { $x = a ? b }",
            "BEGIN { $x = args-> }",
            "BEGIN { $x = \"\\x\" }",
            "BEGIN { $x = \"\\400\" }",
            "BEGIN { } }",
            "BEGIN { $x = 12abc }",
            "BEGIN { @x = 1 } END { else }",
            "BEGIN { $x = 1 + }",
            "BEGIN { @x[1] = 1",
            "BEGIN { unroll(2) @x++ }",
            "t:a:b, { }",
            "BEGIN { $x = (uint8 }",
            "BEGIN { $x = f(1,) }",
            "BEGIN { @x = 1 } junk",
            "BEGIN { @x == 1 }",
        ]));
    }

    // ------------------------------------------------------------ robustness

    #[test]
    fn syntax_prefixes_never_panic() {
        let mut sources: Vec<&str> = ONE_LINERS.to_vec();
        let long = "#!/usr/bin/env bpftrace\n// c\nt:a:b, uprobe:/bin/sh:x /pid != 0 && $1 > 0x10/ {\n  @m[comm, (uint8)args->a.b] += -(1 << 2) ? \"s\\x41\\n\" : (1, 2);\n  if (a) { $v++; } else if (!b) { unroll(2) { --@x } } else { return; }\n  /* block */ delete(@m[1]); exit()\n}\n";
        sources.push(long);
        for src in sources {
            for end in (0..=src.len()).filter(|&i| src.is_char_boundary(i)) {
                let prefix = &src[..end];
                let _ = parse(prefix);
                let _ = parse(&src[end..]);
            }
        }
    }

    #[test]
    fn syntax_pathological_inputs_are_errors() {
        for src in [
            format!("BEGIN {{ $x = {}1{} }}", "(".repeat(5000), ")".repeat(5000)),
            format!("BEGIN {{ $x = {}1 }}", "!".repeat(5000)),
            format!("BEGIN {{ $x = 1{} }}", " + 1".repeat(5000)),
            format!(
                "BEGIN {{ {} }}",
                "if (1) { ".repeat(2000) + &"}".repeat(2000)
            ),
        ] {
            let err = parse(&src).unwrap_err();
            assert_eq!(err.code, crate::Code::Syntax);
            assert!(err.message.contains("too"), "{}", err.message);
        }
    }

    #[test]
    fn syntax_spans_are_original_offsets_after_shebang() {
        let src = "#!/usr/bin/env bpftrace\nBEGIN { }";
        let program = parse(src).unwrap();
        assert_eq!(
            program.probes[0].attach_points[0].span.start,
            src.find("BEGIN").unwrap()
        );
        assert_eq!(program.probes[0].span.end, src.len());
    }
}
