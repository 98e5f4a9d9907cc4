//! A compact S-expression rendering of the AST, one statement a line: what
//! the parser and macro expansion tests compare.

use super::ast::*;
use std::fmt::Write as _;

/// A compact S-expression rendering of a program, one statement a line.
pub fn sexpr(program: &Program) -> String {
    let mut out = String::new();
    for entry in &program.config {
        writeln!(out, "config {} = {:?}", entry.key.name, entry.value).unwrap();
    }
    for m in &program.macros {
        let params: Vec<&str> = m.params.iter().map(|p| p.ident().name.as_str()).collect();
        writeln!(
            out,
            "macro {}({}) {}",
            m.name.name,
            params.join(" "),
            expr(&m.body)
        )
        .unwrap();
    }
    for probe in &program.probes {
        let aps: Vec<&str> = probe
            .attach_points
            .iter()
            .map(|a| a.text.as_str())
            .collect();
        write!(out, "probe [{}]", aps.join(", ")).unwrap();
        if let Some(pred) = &probe.predicate {
            write!(out, " /{}/", expr(pred)).unwrap();
        }
        out.push('\n');
        block(&mut out, &probe.body, 1);
    }
    out
}

fn block(out: &mut String, block: &Block, depth: usize) {
    for s in &block.stmts {
        writeln!(out, "{}{}", "  ".repeat(depth), stmt(s, depth)).unwrap();
    }
}

fn nested(b: &Block, depth: usize) -> String {
    let mut out = String::from("{\n");
    block(&mut out, b, depth + 1);
    out + &"  ".repeat(depth) + "}"
}

fn stmt(s: &Stmt, depth: usize) -> String {
    let assign =
        |op: &Option<BinaryOp>| op.map_or("=".to_string(), |op| format!("{}=", op.symbol()));
    match &s.kind {
        StmtKind::Expr(e) => expr(e),
        StmtKind::AssignMap { map: m, op, value } => {
            format!("({} {} {})", assign(op), map(m), expr(value))
        }
        StmtKind::AssignVar { var, op, value } => {
            format!("({} {} {})", assign(op), var.name, expr(value))
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            let mut s = format!("(if {} {}", expr(cond), nested(then, depth));
            if let Some(o) = otherwise {
                s += &format!(" else {}", nested(o, depth));
            }
            s + ")"
        }
        StmtKind::Unroll { count, body } => {
            format!("(unroll {} {})", expr(count), nested(body, depth))
        }
        StmtKind::While { cond, body } => {
            format!("(while {} {})", expr(cond), nested(body, depth))
        }
        StmtKind::ForRange {
            var,
            start,
            end,
            body,
        } => format!(
            "(for {} {} {} {})",
            var.name,
            expr(start),
            expr(end),
            nested(body, depth)
        ),
        StmtKind::ForMap { var, map: m, body } => {
            format!("(for {} {} {})", var.name, map(m), nested(body, depth))
        }
        StmtKind::Break => "break".to_string(),
        StmtKind::Continue => "continue".to_string(),
        StmtKind::Return => "return".to_string(),
        StmtKind::Let { var, ty, value } => {
            let mut s = format!("(let {}", var.name);
            match ty {
                Some(DeclType::Named(t)) => s += &format!(" : {}", t.name),
                Some(DeclType::TypeOf(e)) => s += &format!(" : (typeof {})", expr(e)),
                None => {}
            }
            if let Some(v) = value {
                s += &format!(" = {}", expr(v));
            }
            s + ")"
        }
        StmtKind::Discard(e) => format!("(_ = {})", expr(e)),
    }
}

fn map(m: &MapRef) -> String {
    if m.keys.is_empty() {
        return m.name.clone();
    }
    format!("{}[{}]", m.name, list(&m.keys))
}

fn list(items: &[Expr]) -> String {
    items.iter().map(expr).collect::<Vec<_>>().join(" ")
}

fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Str(bytes) => format!("\"{}\"", bytes.escape_ascii()),
        ExprKind::Ident(name) | ExprKind::Var(name) => name.clone(),
        ExprKind::Map(m) => map(m),
        ExprKind::Call { name, args } if args.is_empty() => format!("({})", name.name),
        ExprKind::Call { name, args } => format!("({} {})", name.name, list(args)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), expr(lhs), expr(rhs))
        }
        ExprKind::Unary { op, expr: inner } => {
            let op = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Not => "!",
                UnaryOp::BitNot => "~",
                UnaryOp::Deref => "*",
            };
            format!("({op} {})", expr(inner))
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            let then = then.as_deref().map_or("_".to_string(), expr);
            format!("(? {} {then} {})", expr(cond), expr(otherwise))
        }
        ExprKind::Cast { ty, expr: inner } => format!("(cast {} {})", ty.name, expr(inner)),
        ExprKind::Field {
            expr: inner,
            field,
            arrow,
        } => {
            format!(
                "({} {} {})",
                if *arrow { "->" } else { "." },
                expr(inner),
                field.name
            )
        }
        ExprKind::IncDec {
            target,
            increment,
            prefix,
        } => {
            let op = if *increment { "++" } else { "--" };
            let (pre, post) = if *prefix { (op, "") } else { ("", op) };
            format!("({pre}{}{post})", expr(target))
        }
        ExprKind::Tuple(items) => format!("(tuple {})", list(items)),
        ExprKind::Index { expr: inner, index } => format!("([] {} {})", expr(inner), expr(index)),
        ExprKind::SizeOf(SizeOfArg::Type(ty)) => format!("(sizeof type {})", ty.name),
        ExprKind::SizeOf(SizeOfArg::Expr(inner)) => format!("(sizeof {})", expr(inner)),
        ExprKind::OffsetOf { ty, path } => {
            let path: Vec<&str> = path.iter().map(|f| f.name.as_str()).collect();
            format!("(offsetof {} {})", ty.name, path.join("."))
        }
        ExprKind::Block { stmts, value } => {
            let mut parts: Vec<String> = stmts.iter().map(|s| stmt(s, 0)).collect();
            if let Some(v) = value {
                parts.push(format!("=> {}", expr(v)));
            }
            format!("(block {})", parts.join("; "))
        }
    }
}
