//! Rewriting the AST in place: a walk over every statement, expression,
//! variable, map and span, with a hook for each (macro expansion uses it).

use super::ast::{Block, DeclType, Expr, ExprKind, Ident, MapRef, SizeOfArg, Stmt, StmtKind};
use crate::diagnostic::Span;

/// Hooks of [`stmts`]; each defaults to doing nothing.
pub trait Rewriter {
    /// Before `e`'s children; `false` leaves `e` and its children alone.
    fn enter(&mut self, _e: &mut Expr) -> bool {
        true
    }
    /// After `e`'s children.
    fn leave(&mut self, _e: &mut Expr) {}
    /// Every span of a node walked.
    fn span(&mut self, _span: &mut Span) {}
    /// A variable read (`$x` in an expression).
    fn var(&mut self, _name: &mut String, _span: Span) {}
    /// A variable written: assigned (`declared` false) or declared by `let`.
    fn var_target(&mut self, _var: &mut Ident, _declared: bool) {}
    /// A map, read or written.
    fn map(&mut self, _map: &mut MapRef) {}
}

pub fn stmts(r: &mut impl Rewriter, stmts: &mut [Stmt]) {
    stmts.iter_mut().for_each(|s| stmt(r, s));
}

pub fn block(r: &mut impl Rewriter, b: &mut Block) {
    r.span(&mut b.span);
    stmts(r, &mut b.stmts);
}

fn ident(r: &mut impl Rewriter, i: &mut Ident) {
    r.span(&mut i.span);
}

fn map(r: &mut impl Rewriter, m: &mut MapRef) {
    r.span(&mut m.span);
    m.keys.iter_mut().for_each(|k| expr(r, k));
    r.map(m);
}

fn target(r: &mut impl Rewriter, var: &mut Ident, declared: bool) {
    ident(r, var);
    r.var_target(var, declared);
}

pub fn stmt(r: &mut impl Rewriter, s: &mut Stmt) {
    r.span(&mut s.span);
    match &mut s.kind {
        StmtKind::Expr(e) | StmtKind::Discard(e) => expr(r, e),
        StmtKind::AssignMap { map: m, value, .. } => {
            map(r, m);
            expr(r, value);
        }
        StmtKind::AssignVar { var, value, .. } => {
            expr(r, value);
            target(r, var, false);
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            expr(r, cond);
            block(r, then);
            if let Some(o) = otherwise {
                block(r, o);
            }
        }
        StmtKind::Unroll { count: e, body } | StmtKind::While { cond: e, body } => {
            expr(r, e);
            block(r, body);
        }
        StmtKind::ForRange {
            var,
            start,
            end,
            body,
        } => {
            expr(r, start);
            expr(r, end);
            target(r, var, false);
            block(r, body);
        }
        StmtKind::ForMap { var, map: m, body } => {
            map(r, m);
            target(r, var, false);
            block(r, body);
        }
        StmtKind::Let { var, ty, value } => {
            match ty {
                Some(DeclType::Named(t)) => ident(r, t),
                Some(DeclType::TypeOf(e)) => expr(r, e),
                None => {}
            }
            if let Some(v) = value {
                expr(r, v);
            }
            target(r, var, true);
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Return => {}
    }
}

pub fn expr(r: &mut impl Rewriter, e: &mut Expr) {
    if !r.enter(e) {
        return;
    }
    r.span(&mut e.span);
    let span = e.span;
    match &mut e.kind {
        ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Ident(_) => {}
        ExprKind::Var(name) => r.var(name, span),
        ExprKind::Map(m) => map(r, m),
        ExprKind::Call { name, args } => {
            ident(r, name);
            args.iter_mut().for_each(|a| expr(r, a));
        }
        ExprKind::Tuple(items) => items.iter_mut().for_each(|a| expr(r, a)),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr(r, lhs);
            expr(r, rhs);
        }
        ExprKind::Ternary {
            cond,
            then,
            otherwise,
        } => {
            expr(r, cond);
            if let Some(then) = then {
                expr(r, then);
            }
            expr(r, otherwise);
        }
        ExprKind::Cast { ty, expr: inner } => {
            ident(r, ty);
            expr(r, inner);
        }
        ExprKind::Field {
            expr: inner, field, ..
        } => {
            expr(r, inner);
            ident(r, field);
        }
        ExprKind::Unary { expr: inner, .. } | ExprKind::IncDec { target: inner, .. } => {
            expr(r, inner)
        }
        ExprKind::Index { expr: inner, index } => {
            expr(r, inner);
            expr(r, index);
        }
        ExprKind::SizeOf(SizeOfArg::Expr(inner)) => expr(r, inner),
        ExprKind::SizeOf(SizeOfArg::Type(ty)) => ident(r, ty),
        ExprKind::OffsetOf { ty, path } => {
            ident(r, ty);
            path.iter_mut().for_each(|f| ident(r, f));
        }
        ExprKind::Block { stmts: body, value } => {
            stmts(r, body);
            if let Some(v) = value {
                expr(r, v);
            }
        }
    }
    r.leave(e);
}
