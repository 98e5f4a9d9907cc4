//! The pest parser and the pest → AST conversion. Nothing pest-typed leaves
//! this file: callers get an [`ast::Program`] or a [`Diagnostic`].

use pest::error::{Error as PestError, ErrorVariant, InputLocation};
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;
use pest_derive::Parser;

use super::ast::*;
use super::literal;
use crate::diagnostic::{Code, Diagnostic, Result, Span};

#[derive(Parser)]
#[grammar = "../../grammar/tracelet.pest"]
struct TraceletParser;

/// Deepest pest rule nesting accepted (about a hundred nested parentheses);
/// keeps the recursive AST builder and later passes far from the stack's end.
const MAX_DEPTH: usize = 1500;
/// Most operands in one chain of same-precedence binary operators.
const MAX_CHAIN: usize = 256;

/// Parses `src` (a shebang line, if any, already blanked out).
pub(super) fn parse(src: &str) -> Result<Program> {
    let mut pairs = TraceletParser::parse(Rule::program, src).map_err(|e| syntax_error(src, &e))?;
    check_depth(pairs.clone())?;
    let mut program = Program {
        c_definitions: Vec::new(),
        config: Vec::new(),
        map_decls: Vec::new(),
        macros: Vec::new(),
        probes: Vec::new(),
        expansions: Vec::new(),
    };
    for item in pairs.next().into_iter().flat_map(Pair::into_inner) {
        match item.as_rule() {
            Rule::config_block
                if !program.probes.is_empty()
                    || !program.config.is_empty()
                    || !program.map_decls.is_empty() =>
            {
                let span = span_of(&item);
                return Err(
                    error(span, "the config block must come first, before every probe").with_help(
                        "move `config = { … }` to the top of the script; there is one per script",
                    ),
                );
            }
            Rule::config_block => {
                program.config = children(item).map(config_entry).collect::<Result<_>>()?
            }
            Rule::probe => program.probes.push(probe(item)?),
            Rule::map_decl => program.map_decls.push(map_decl(item)?),
            Rule::c_definition => program.c_definitions.push(CDefinition {
                text: item.as_str().to_string(),
                span: span_of(&item),
            }),
            Rule::macro_def => program.macros.push(macro_def(item)?),
            _ => {}
        }
    }
    if program.probes.is_empty() {
        let end = src.trim_end().len();
        return Err(error(
            Span::new(end, end),
            "expected a probe: the program has none",
        )
        .with_help("add one, e.g. `BEGIN { printf(\"hello\\n\"); }`"));
    }
    Ok(program)
}

fn config_entry(pair: Pair<'_, Rule>) -> Result<ConfigEntry> {
    let span = span_of(&pair);
    let mut parts = children(pair);
    let key = parts.next().expect("grammar: config key");
    let value = parts.next().expect("grammar: config value");
    let value_span = span_of(&value);
    let parsed = match value.as_rule() {
        Rule::int => ConfigValue::Int(int_value(value.as_str(), value_span)?),
        Rule::string => {
            let bytes = string_value(first(value))?;
            ConfigValue::Str(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => ConfigValue::Word(value.as_str().to_string()),
    };
    Ok(ConfigEntry {
        key: Ident {
            name: key.as_str().to_string(),
            span: span_of(&key),
        },
        value: parsed,
        value_span,
        span,
    })
}

fn map_decl(pair: Pair<'_, Rule>) -> Result<MapDecl> {
    let span = span_of(&pair);
    let mut parts = children(pair);
    let mut ident = || {
        let p = parts.next().expect("grammar: map declaration part");
        (p.as_str().to_string(), span_of(&p))
    };
    let (name, name_span) = ident();
    let (kind, kind_span) = ident();
    let (max, max_span) = ident();
    Ok(MapDecl {
        name: Ident {
            name,
            span: name_span,
        },
        kind: Ident {
            name: kind,
            span: kind_span,
        },
        max_entries: int_value(&max, max_span)?,
        max_entries_span: max_span,
        span,
    })
}

fn error(span: Span, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(Code::Syntax, span, message)
}

/// Rejects absurdly deep nesting without recursing.
fn check_depth(pairs: Pairs<'_, Rule>) -> Result<()> {
    let mut depth = 0usize;
    for token in pairs.tokens() {
        match token {
            pest::Token::Start { pos, .. } => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let at = pos.pos();
                    return Err(error(Span::new(at, at + 1), "program nested too deeply"));
                }
            }
            pest::Token::End { .. } => depth -= 1,
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- helpers

/// The span of a pair without the whitespace or comments pest lets a rule
/// swallow after its last child.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    Span::new(pair.as_span().start(), tight_end(pair))
}

/// Where the last child ends; a string ends at its closing quote, past its body.
fn tight_end(pair: &Pair<'_, Rule>) -> usize {
    if pair.as_rule() == Rule::string {
        return pair.as_span().end();
    }
    match pair.clone().into_inner().last() {
        Some(last) => tight_end(&last),
        None => pair.as_span().end(),
    }
}

/// Punctuation and keyword pairs exist only for error messages.
fn is_punct(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::semi
            | Rule::comma
            | Rule::colon
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::rbrace
            | Rule::pred_end
            | Rule::kw_if
            | Rule::kw_else
            | Rule::kw_unroll
            | Rule::kw_while
            | Rule::kw_for
            | Rule::kw_config
            | Rule::kw_macro
            | Rule::kw_let
            | Rule::kw_typeof
            | Rule::assign_eq
            | Rule::discard
            | Rule::config_eq
            | Rule::EOI
    )
}

/// The children of `pair` that carry meaning.
fn children<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_punct(p.as_rule()))
}

/// The first meaningful child; the grammar guarantees one exists.
fn first(pair: Pair<'_, Rule>) -> Pair<'_, Rule> {
    children(pair).next().expect("grammar guarantees a child")
}

// ---------------------------------------------------------------- probes and statements

fn probe(pair: Pair<'_, Rule>) -> Result<Probe> {
    let span = span_of(&pair);
    let mut attach_points = Vec::new();
    let mut predicate = None;
    let mut body = None;
    for child in children(pair) {
        match child.as_rule() {
            Rule::attach_list => {
                attach_points = children(child)
                    .map(|p| AttachPoint {
                        text: p.as_str().to_string(),
                        span: span_of(&p),
                    })
                    .collect();
            }
            Rule::predicate => predicate = Some(expr(first(child))?),
            _ => body = Some(block(child)?),
        }
    }
    let body = body.expect("grammar guarantees a body");
    Ok(Probe {
        attach_points,
        predicate,
        body,
        span,
    })
}

fn macro_def(pair: Pair<'_, Rule>) -> Result<Macro> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let name = ident(&it.next().expect("macro name"));
    let mut params = Vec::new();
    let mut body = None;
    for p in it {
        let id = ident(&p);
        params.push(match p.as_rule() {
            Rule::var => MacroParam::Var(id),
            Rule::map_name => MacroParam::Map(id),
            Rule::ident => MacroParam::Expr(id),
            _ => {
                body = Some(block_expr(p)?);
                continue;
            }
        });
    }
    Ok(Macro {
        name,
        params,
        body: body.expect("grammar guarantees a macro body"),
        span,
    })
}

fn block(pair: Pair<'_, Rule>) -> Result<Block> {
    let span = span_of(&pair);
    let stmts = children(pair).map(stmt).collect::<Result<_>>()?;
    Ok(Block { stmts, span })
}

/// A block as an expression: a last expression statement not followed by
/// `;` is its value.
fn block_expr(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let valued = pair
        .clone()
        .into_inner()
        .filter(|p| p.as_rule() != Rule::rbrace)
        .last()
        .is_some_and(|p| p.as_rule() == Rule::expr_stmt);
    let mut stmts = block(pair)?.stmts;
    let value = match stmts.pop() {
        Some(Stmt {
            kind: StmtKind::Expr(e),
            ..
        }) if valued => Some(Box::new(e)),
        last => {
            stmts.extend(last);
            None
        }
    };
    Ok(Expr {
        kind: ExprKind::Block { stmts, value },
        span,
    })
}

fn stmt(pair: Pair<'_, Rule>) -> Result<Stmt> {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::if_stmt => if_stmt(pair)?,
        Rule::unroll_stmt => {
            let mut it = children(pair);
            let count = expr(it.next().expect("unroll count"))?;
            let body = block(it.next().expect("unroll body"))?;
            StmtKind::Unroll { count, body }
        }
        Rule::while_stmt => {
            let mut it = children(pair);
            let cond = expr(it.next().expect("while condition"))?;
            let body = block(it.next().expect("while body"))?;
            StmtKind::While { cond, body }
        }
        Rule::for_stmt => {
            let mut it = children(pair);
            let v = it.next().expect("for variable");
            let var = Ident {
                name: v.as_str().to_string(),
                span: span_of(&v),
            };
            let first = expr(it.next().expect("range start or map"))?;
            let next = it.next().expect("range end or body");
            if next.as_rule() == Rule::block {
                StmtKind::ForMap {
                    var,
                    map: iterated_map(first)?,
                    body: block(next)?,
                }
            } else {
                StmtKind::ForRange {
                    var,
                    start: first,
                    end: expr(next)?,
                    body: block(it.next().expect("for body"))?,
                }
            }
        }
        Rule::return_stmt => StmtKind::Return,
        Rule::let_stmt => let_stmt(pair)?,
        Rule::discard_stmt => StmtKind::Discard(expr(first(pair))?),
        Rule::block_stmt => StmtKind::Expr(block_expr(first(pair))?),
        Rule::break_stmt => StmtKind::Break,
        Rule::continue_stmt => StmtKind::Continue,
        Rule::assign_map => {
            let (target, op, value) = assignment(pair)?;
            StmtKind::AssignMap {
                map: map_ref(target)?,
                op,
                value,
            }
        }
        Rule::assign_var => {
            let (target, op, value) = assignment(pair)?;
            StmtKind::AssignVar {
                var: ident(&target),
                op,
                value,
            }
        }
        _ => StmtKind::Expr(expr(first(pair))?),
    };
    Ok(Stmt { kind, span })
}

fn if_stmt(pair: Pair<'_, Rule>) -> Result<StmtKind> {
    let mut it = children(pair);
    let cond = expr(it.next().expect("if condition"))?;
    let then = block(it.next().expect("if body"))?;
    let otherwise = match it.next() {
        Some(p) if p.as_rule() == Rule::if_stmt => {
            let nested = stmt(p)?;
            Some(Block {
                span: nested.span,
                stmts: vec![nested],
            })
        }
        Some(p) => Some(block(p)?),
        None => None,
    };
    Ok(StmtKind::If {
        cond,
        then,
        otherwise,
    })
}

fn let_stmt(pair: Pair<'_, Rule>) -> Result<StmtKind> {
    let mut it = children(pair);
    let var = ident(&it.next().expect("let variable"));
    let (mut ty, mut value) = (None, None);
    for p in it {
        if p.as_rule() != Rule::decl_type {
            value = Some(expr(p)?);
            continue;
        }
        let inner = first(p);
        ty = Some(match inner.as_rule() {
            Rule::typeof_type => DeclType::TypeOf(Box::new(expr(first(inner))?)),
            _ => DeclType::Named(ident(&inner)),
        });
    }
    Ok(StmtKind::Let { var, ty, value })
}

/// Splits `target op= value` into its parts.
fn assignment(pair: Pair<'_, Rule>) -> Result<(Pair<'_, Rule>, Option<BinaryOp>, Expr)> {
    let mut it = children(pair);
    let target = it.next().expect("assignment target");
    let op = compound_op(it.next().expect("assignment operator").as_str());
    let value = expr(it.next().expect("assigned value"))?;
    Ok((target, op, value))
}

fn compound_op(text: &str) -> Option<BinaryOp> {
    use BinaryOp::*;
    Some(match text.strip_suffix('=')? {
        "+" => Add,
        "-" => Sub,
        "*" => Mul,
        "/" => Div,
        "%" => Mod,
        "&" => BitAnd,
        "|" => BitOr,
        "^" => BitXor,
        "<<" => Shl,
        ">>" => Shr,
        _ => return None,
    })
}

// ---------------------------------------------------------------- expressions

fn expr(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::expr | Rule::paren => return paren(pair),
        Rule::ternary => return ternary(pair),
        Rule::logical_or
        | Rule::logical_and
        | Rule::bit_or
        | Rule::bit_xor
        | Rule::bit_and
        | Rule::equality
        | Rule::relational
        | Rule::shift
        | Rule::additive
        | Rule::multiplicative => return binary_chain(pair),
        Rule::unary => return unary(pair),
        Rule::postfix => return postfix(pair),
        Rule::prefix_incdec => {
            let mut it = children(pair);
            let increment = it.next().expect("operator").as_rule() == Rule::op_inc;
            let target = Box::new(expr(it.next().expect("operand"))?);
            ExprKind::IncDec {
                target,
                increment,
                prefix: true,
            }
        }
        Rule::cast => {
            let mut it = children(pair);
            let ty = ident(&it.next().expect("cast type"));
            ExprKind::Cast {
                ty,
                expr: Box::new(expr(it.next().expect("cast operand"))?),
            }
        }
        Rule::int => ExprKind::Int(int_value(pair.as_str(), span)?),
        Rule::string => ExprKind::Str(string_value(first(pair))?),
        Rule::call => {
            let mut it = children(pair);
            let name = ident(&it.next().expect("callee"));
            ExprKind::Call {
                name,
                args: it.map(expr).collect::<Result<_>>()?,
            }
        }
        Rule::map_ref => ExprKind::Map(map_ref(pair)?),
        Rule::sizeof_expr => {
            let arg = children(pair).nth(1).expect("grammar: sizeof argument");
            ExprKind::SizeOf(match arg.as_rule() {
                Rule::sizeof_type => SizeOfArg::Type(ident(&arg)),
                _ => SizeOfArg::Expr(Box::new(expr(arg)?)),
            })
        }
        Rule::offsetof_expr => {
            let mut it = children(pair).skip(1);
            let ty = ident(&it.next().expect("grammar: offsetof type"));
            let path = it
                .filter(|p| p.as_rule() == Rule::field_name)
                .map(|p| ident(&p))
                .collect();
            ExprKind::OffsetOf { ty, path }
        }
        Rule::var => ExprKind::Var(pair.as_str().to_string()),
        Rule::block => return block_expr(pair),
        _ => ExprKind::Ident(pair.as_str().to_string()),
    };
    Ok(Expr { kind, span })
}

/// `expr` and `(…)`: one element is the element itself, spanning the
/// parentheses; two or more make a tuple.
fn paren(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut items = children(pair).map(expr).collect::<Result<Vec<_>>>()?;
    if items.len() == 1 {
        let mut only = items.pop().expect("one element");
        only.span = span;
        return Ok(only);
    }
    Ok(Expr {
        kind: ExprKind::Tuple(items),
        span,
    })
}

fn ternary(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let elvis = pair
        .clone()
        .into_inner()
        .any(|p| p.as_rule() == Rule::elvis);
    let mut parts = children(pair)
        .filter(|p| p.as_rule() != Rule::elvis)
        .map(expr)
        .collect::<Result<Vec<_>>>()?;
    if parts.len() == 1 {
        return Ok(parts.pop().expect("one operand"));
    }
    let mut parts = parts.into_iter().map(Box::new);
    let cond = parts.next().expect("grammar: ternary condition");
    let then = if elvis { None } else { parts.next() };
    let otherwise = parts.next().expect("grammar: ternary else operand");
    Ok(Expr {
        kind: ExprKind::Ternary {
            cond,
            then,
            otherwise,
        },
        span,
    })
}

/// `a op b op c …`, folded to the left.
fn binary_chain(pair: Pair<'_, Rule>) -> Result<Expr> {
    let whole = span_of(&pair);
    let mut it = children(pair);
    let mut lhs = expr(it.next().expect("first operand"))?;
    let mut operands = 1;
    while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
        operands += 1;
        if operands > MAX_CHAIN {
            return Err(error(whole, "expression too long"));
        }
        let rhs = expr(rhs)?;
        let span = lhs.span.to(rhs.span);
        let kind = ExprKind::Binary {
            op: binary_op(op.as_rule()),
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        };
        lhs = Expr { kind, span };
    }
    Ok(lhs)
}

fn binary_op(rule: Rule) -> BinaryOp {
    use BinaryOp::*;
    match rule {
        Rule::op_or => Or,
        Rule::op_and => And,
        Rule::op_bitor => BitOr,
        Rule::op_xor => BitXor,
        Rule::op_bitand => BitAnd,
        Rule::op_eq => Eq,
        Rule::op_ne => Ne,
        Rule::op_le => Le,
        Rule::op_ge => Ge,
        Rule::op_lt => Lt,
        Rule::op_gt => Gt,
        Rule::op_shl => Shl,
        Rule::op_shr => Shr,
        Rule::op_add => Add,
        Rule::op_sub => Sub,
        Rule::op_mul => Mul,
        Rule::op_div => Div,
        _ => Mod,
    }
}

fn unary(pair: Pair<'_, Rule>) -> Result<Expr> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let head = it.next().expect("unary operand or operator");
    let op = match head.as_rule() {
        Rule::op_not => UnaryOp::Not,
        Rule::op_bitnot => UnaryOp::BitNot,
        Rule::op_neg => UnaryOp::Neg,
        Rule::op_deref => UnaryOp::Deref,
        _ => return expr(head),
    };
    let operand = expr(it.next().expect("unary operand"))?;
    Ok(Expr {
        kind: ExprKind::Unary {
            op,
            expr: Box::new(operand),
        },
        span,
    })
}

/// `primary (.f | ->f | ++ | --)*`, folded to the left.
fn postfix(pair: Pair<'_, Rule>) -> Result<Expr> {
    let mut it = children(pair);
    let mut base = expr(it.next().expect("postfix operand"))?;
    for op in it {
        let span = base.span.to(span_of(&op));
        let kind = match op.as_rule() {
            Rule::field_op => {
                let mut parts = op.into_inner();
                let arrow = parts.next().expect("field operator").as_rule() == Rule::arrow;
                let field = ident(&parts.next().expect("field name"));
                ExprKind::Field {
                    expr: Box::new(base),
                    field,
                    arrow,
                }
            }
            Rule::index_op => ExprKind::Index {
                expr: Box::new(base),
                index: Box::new(expr(first(op))?),
            },
            rule => ExprKind::IncDec {
                target: Box::new(base),
                increment: rule == Rule::op_inc,
                prefix: false,
            },
        };
        base = Expr { kind, span };
    }
    Ok(base)
}

fn map_ref(pair: Pair<'_, Rule>) -> Result<MapRef> {
    let span = span_of(&pair);
    let mut it = children(pair);
    let name = it.next().expect("map name").as_str().to_string();
    let keys = it.map(expr).collect::<Result<_>>()?;
    Ok(MapRef { name, keys, span })
}

/// The map of `for ($kv : @map)`: a whole map, not an element or another value.
fn iterated_map(e: Expr) -> Result<MapRef> {
    match e.kind {
        ExprKind::Map(m) if m.keys.is_empty() => Ok(m),
        ExprKind::Map(m) => Err(error(
            m.span,
            "a `for` loop iterates over a whole map, not one element",
        )
        .with_help(format!(
            "write `for ($kv : {})`; `$kv.0` is each key",
            m.name
        ))),
        _ => Err(error(e.span, "a `for` loop iterates over a map or a range")
            .with_help("write `for ($kv : @map)` or `for ($i : start..end)`")),
    }
}

fn ident(pair: &Pair<'_, Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_string(),
        span: span_of(pair),
    }
}

// ---------------------------------------------------------------- literals

/// Decodes decimal, `0x` hex and `0` octal literals with `_` separators.
fn int_value(text: &str, span: Span) -> Result<u64> {
    literal::parse_uint(text).map_err(|e| {
        let d = error(span, e.to_string());
        match e {
            literal::LiteralError::Invalid(_) => d.with_help(literal::SUFFIX_HELP),
            literal::LiteralError::Overflow => d,
        }
    })
}

/// Decodes the escapes of a string body (`str_body`).
fn string_value(body: Pair<'_, Rule>) -> Result<Vec<u8>> {
    let base = body.as_span().start();
    let text = body.as_str();
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.extend_from_slice(&rest.as_bytes()[..at]);
        let start = base + (text.len() - rest.len()) + at;
        let (byte, used) = escape(&rest[at + 1..], start)?;
        out.push(byte);
        rest = &rest[at + 1 + used..];
    }
    out.extend_from_slice(rest.as_bytes());
    Ok(out)
}

/// Decodes one escape; `after` is the text after the backslash at `start`.
/// Returns the byte and how many bytes of `after` it used.
fn escape(after: &str, start: usize) -> Result<(u8, usize)> {
    let c = after.chars().next().unwrap_or('\\');
    let simple = match c {
        'n' => Some(b'\n'),
        't' => Some(b'\t'),
        'r' => Some(b'\r'),
        '"' => Some(b'"'),
        '\\' => Some(b'\\'),
        _ => None,
    };
    if let Some(byte) = simple {
        return Ok((byte, 1));
    }
    let (radix, skip, max) = match c {
        '0'..='7' => (8, 0, 3),
        'x' => (16, 1, 2),
        _ => {
            let span = Span::new(start, start + 1 + c.len_utf8());
            return Err(error(span, format!("unknown escape sequence `\\{c}`")));
        }
    };
    let digits: String = after[skip..]
        .chars()
        .take_while(|d| d.is_digit(radix))
        .take(max)
        .collect();
    let span = Span::new(start, start + 1 + skip + digits.len());
    if digits.is_empty() {
        return Err(error(
            span,
            "`\\x` must be followed by one or two hex digits",
        ));
    }
    let value = u32::from_str_radix(&digits, radix).unwrap_or(u32::MAX);
    let byte =
        u8::try_from(value).map_err(|_| error(span, "octal escape out of range (max \\377)"))?;
    Ok((byte, skip + digits.len()))
}

// ---------------------------------------------------------------- errors

/// Turns a pest failure into a short diagnostic at the offending token.
fn syntax_error(src: &str, err: &PestError<Rule>) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let Some(lexical) = lexical_error(src).filter(|d| d.span.start <= pos) {
        return lexical;
    }
    let found = token_at(src, pos);
    match &err.variant {
        // pest's only custom errors are its stack and call limits.
        ErrorVariant::CustomError { .. } => error(found, "program nested too deeply"),
        ErrorVariant::ParsingError { positives, .. } => expected_error(src, found, positives),
    }
}

fn expected_error(src: &str, found: Span, positives: &[Rule]) -> Diagnostic {
    let text = &src[found.start..found.end];
    let unexpected = if text.is_empty() {
        "end of input".to_string()
    } else {
        format!("`{text}`")
    };
    let mut names = expected_names(positives);
    if names == ["an attach point"] && !src[..found.start].contains(['{', ',']) {
        names = vec!["a probe"];
    }
    let message = if positives.contains(&Rule::block) && positives.contains(&Rule::predicate) {
        format!("unexpected {unexpected}, expected `{{` after the attach points")
    } else if positives.contains(&Rule::semi)
        && !names.contains(&"a statement")
        && starts_statement(text)
    {
        "missing `;` between statements".to_string()
    } else {
        match names.split_last() {
            None => format!("unexpected {unexpected}"),
            Some((last, [])) => format!("unexpected {unexpected}, expected {last}"),
            Some((last, init)) => format!(
                "unexpected {unexpected}, expected {} or {last}",
                init.join(", ")
            ),
        }
    };
    error(found, message)
}

/// What the parser would have accepted, in words, without repeats. Inside a
/// block anything that starts a statement is "a statement"; `(` and `[` (a
/// call or a map key could follow any name) are mentioned only when alone;
/// "end of input" comes last.
fn expected_names(positives: &[Rule]) -> Vec<&'static str> {
    let in_block =
        positives.contains(&Rule::rbrace) && positives.iter().any(|&r| starts_stmt_rule(r));
    let mut names: Vec<&str> = Vec::new();
    for &rule in positives {
        let name = match describe(rule) {
            _ if in_block
                && (starts_stmt_rule(rule) || matches!(rule, Rule::semi | Rule::block)) =>
            {
                "a statement"
            }
            Some(name) => name,
            None => continue,
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.len() > 1 {
        names.retain(|&n| n != "`(`" && n != "`[`");
    }
    names.sort_by_key(|&n| n == "end of input");
    names
}

/// Rules tried where a statement may start.
fn starts_stmt_rule(rule: Rule) -> bool {
    matches!(
        describe(rule),
        Some("a statement" | "an expression" | "a map")
    )
}

/// Whether a token could begin a new statement (so a `;` is likely missing).
fn starts_statement(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '_' | '@' | '$'))
}

/// Human words for what a rule stands for; `None` for operators, which would
/// only clutter a message.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::probe | Rule::program => "a probe",
        Rule::attach_list | Rule::attach_point => "an attach point",
        Rule::predicate => "a predicate",
        Rule::block => "`{`",
        Rule::if_stmt
        | Rule::unroll_stmt
        | Rule::while_stmt
        | Rule::return_stmt
        | Rule::break_stmt
        | Rule::continue_stmt
        | Rule::assign_map
        | Rule::assign_var
        | Rule::let_stmt
        | Rule::discard_stmt
        | Rule::block_stmt
        | Rule::expr_stmt => "a statement",
        Rule::macro_def => "a macro",
        Rule::decl_type | Rule::type_name | Rule::typeof_type => "a type name",
        Rule::expr
        | Rule::ternary
        | Rule::logical_or
        | Rule::logical_and
        | Rule::bit_or
        | Rule::bit_xor
        | Rule::bit_and
        | Rule::equality
        | Rule::relational
        | Rule::shift
        | Rule::additive
        | Rule::multiplicative
        | Rule::unary
        | Rule::postfix
        | Rule::cast
        | Rule::paren
        | Rule::call
        | Rule::int
        | Rule::string
        | Rule::var
        | Rule::ident => "an expression",
        Rule::map_ref | Rule::map_name => "a map",
        Rule::int_type | Rule::struct_type | Rule::named_type => "a type name",
        Rule::field_name => "a field name",
        Rule::assign_op | Rule::assign_eq | Rule::config_eq => "`=`",
        Rule::config_entry | Rule::config_key => "a config entry",
        Rule::config_word => "a value",
        Rule::pred_end => "`/`",
        Rule::semi => "`;`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::rbrace => "`}`",
        Rule::EOI => "end of input",
        _ => return None,
    })
}

/// The token starting at `pos`: a word, a string, a run of operator
/// characters, or one character; empty at the end of input.
fn token_at(src: &str, pos: usize) -> Span {
    let pos = pos.min(src.len());
    let rest = &src[pos..];
    let Some(first) = rest.chars().next() else {
        return Span::new(pos, pos);
    };
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let oper = |c: char| "=<>!&|+-*/%^".contains(c);
    let len = if word(first) || first == '@' || first == '$' {
        first.len_utf8()
            + rest[first.len_utf8()..]
                .find(|c| !word(c))
                .unwrap_or(rest.len() - first.len_utf8())
    } else if oper(first) {
        rest.find(|c| !oper(c)).unwrap_or(rest.len()).min(3)
    } else {
        first.len_utf8()
    };
    Span::new(pos, pos + len)
}

/// Finds an unterminated string literal or block comment, which pest would
/// only report as a confusing failure somewhere before it.
fn lexical_error(src: &str) -> Option<Diagnostic> {
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'/', Some(b'/')) => i = src[i..].find('\n').map_or(bytes.len(), |n| i + n),
            (b'/', Some(b'*')) => match src[i + 2..].find("*/") {
                Some(n) => i += n + 4,
                None => return Some(error(Span::new(i, i + 2), "unterminated comment")),
            },
            (b'"', _) => match string_end(src, i) {
                Ok(end) => i = end,
                Err(unterminated) => return Some(unterminated),
            },
            _ => i += 1,
        }
    }
    None
}

/// Skips the string literal starting at `start`, or reports it unterminated.
fn string_end(src: &str, start: usize) -> std::result::Result<usize, Diagnostic> {
    let bytes = src.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'\n' {
        match bytes[i] {
            b'"' => return Ok(i + 1),
            b'\\' if bytes.get(i + 1).is_some_and(|&b| b != b'\n') => i += 2,
            _ => i += 1,
        }
    }
    Err(error(Span::new(start, i), "unterminated string literal"))
}
