//! Walking the AST: every expression of a block, outermost first.

use super::ast::{Block, Expr, ExprKind, SizeOfArg, Stmt, StmtKind};

/// Calls `f` on every expression in `block`, nested blocks included.
pub fn exprs_in_block(block: &Block, f: &mut impl FnMut(&Expr)) {
    exprs_in_stmts(&block.stmts, f)
}

/// Calls `f` on every expression of `stmts`, nested blocks included; the
/// operand of `typeof` is not evaluated, so not visited.
pub fn exprs_in_stmts(stmts: &[Stmt], f: &mut impl FnMut(&Expr)) {
    for s in stmts {
        match &s.kind {
            StmtKind::Expr(e) | StmtKind::Discard(e) => expr(e, f),
            StmtKind::Let { var, value, .. } => {
                f(&Expr {
                    kind: ExprKind::Var(var.name.clone()),
                    span: var.span,
                });
                if let Some(v) = value {
                    expr(v, f);
                }
            }
            StmtKind::AssignMap { map, value, .. } => {
                map.keys.iter().for_each(|k| expr(k, f));
                expr(value, f);
            }
            StmtKind::AssignVar { var, value, .. } => {
                let target = Expr {
                    kind: ExprKind::Var(var.name.clone()),
                    span: var.span,
                };
                f(&target);
                expr(value, f);
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                expr(cond, f);
                exprs_in_block(then, f);
                if let Some(o) = otherwise {
                    exprs_in_block(o, f);
                }
            }
            StmtKind::Unroll { count: e, body } | StmtKind::While { cond: e, body } => {
                expr(e, f);
                exprs_in_block(body, f);
            }
            StmtKind::ForRange {
                start, end, body, ..
            } => {
                expr(start, f);
                expr(end, f);
                exprs_in_block(body, f);
            }
            StmtKind::ForMap { body, .. } => exprs_in_block(body, f),
            StmtKind::Break | StmtKind::Continue | StmtKind::Return => {}
        }
    }
}

/// Calls `f` on `e` and every expression inside it.
pub fn expr(e: &Expr, f: &mut impl FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Ident(_) | ExprKind::Var(_) => {}
        ExprKind::Map(m) => m.keys.iter().for_each(|k| expr(k, f)),
        ExprKind::Call { args, .. } | ExprKind::Tuple(args) => args.iter().for_each(|a| expr(a, f)),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(lhs, f);
            expr(rhs, f);
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            expr(cond, f);
            if let Some(then) = then {
                expr(then, f);
            }
            expr(otherwise, f);
        }
        ExprKind::Unary { expr: inner, .. }
        | ExprKind::Cast { expr: inner, .. }
        | ExprKind::Field { expr: inner, .. }
        | ExprKind::IncDec { target: inner, .. }
        | ExprKind::SizeOf(SizeOfArg::Expr(inner)) => expr(inner, f),
        ExprKind::Index { expr: inner, index } => {
            expr(inner, f);
            expr(index, f);
        }
        ExprKind::SizeOf(SizeOfArg::Type(_)) | ExprKind::OffsetOf { .. } => {}
        ExprKind::Block { stmts, value } => {
            exprs_in_stmts(stmts, f);
            if let Some(v) = value {
                expr(v, f);
            }
        }
    }
}
