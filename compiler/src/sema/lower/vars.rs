//! Scratch variables: block scopes (v0.22: a variable first assigned in a
//! block ends with it; one of an enclosing block is visible inside), `let`
//! declarations, and the storage each variable gets. A variable's type is
//! the widest of its assignments (`$s = "a"; $s = "longer"`), learnt across
//! passes through [`MapTable::var_types`](crate::sema::maps::MapTable).

use super::{Lowered, Lowerer, Var};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::ir::{Builder, Operand};
use crate::sema::maps::storage_type;
use crate::syntax::ast::{Block, DeclType, Expr, Ident, Stmt};
use crate::types::Type;

impl Lowerer<'_> {
    /// Lowers a statement block in a scope of its own.
    pub(super) fn block(&mut self, b: &Block) -> Result<()> {
        self.block_expr(&b.stmts, None).map(drop)
    }

    /// `{ stmts; value }`: the value's, or void.
    pub(super) fn block_expr(&mut self, stmts: &[Stmt], value: Option<&Expr>) -> Result<Lowered> {
        self.scopes.push(Vec::new());
        let result = self.block_body(stmts, value);
        for name in self.scopes.pop().unwrap_or_default() {
            self.vars.remove(&name);
        }
        result
    }

    fn block_body(&mut self, stmts: &[Stmt], value: Option<&Expr>) -> Result<Lowered> {
        stmts.iter().try_for_each(|s| self.stmt(s))?;
        match value {
            // A copy: the value must not change with the variable it names.
            Some(e) => Ok(match self.expr(e)? {
                Lowered::Reg(r, t) if t != Type::Void => {
                    let copy = self.reg(t.clone());
                    self.mov(copy, Operand::Reg(r));
                    Lowered::Reg(copy, t)
                }
                v => v,
            }),
            None => Ok(Lowered::void()),
        }
    }

    /// `let $x[: type][= value]`, at `span`.
    pub(super) fn declare(
        &mut self,
        var: &Ident,
        ty: Option<&DeclType>,
        value: Option<&Expr>,
        span: Span,
    ) -> Result<()> {
        super::positional::check_assignable(var)?;
        if let Some(old) = self.vars.get(&var.name) {
            return Err(Diagnostic::new(
                Code::Name,
                var.span,
                format!(
                    "Variable {} was already declared. Variable shadowing is not allowed.",
                    var.name
                ),
            )
            .with_secondary(old.def, "declared here"));
        }
        let declared = match ty {
            Some(DeclType::Named(name)) => Some(self.decl_type(name)?),
            Some(DeclType::TypeOf(e)) => Some(self.type_of(e)?),
            None => None,
        };
        let hint = self.maps.var_types.get(&span).cloned();
        match (declared.or(hint), value) {
            (Some(ty), _) => {
                let val = self.storage(&ty);
                self.introduce(&var.name, Var::new(val, span));
            }
            (None, Some(value)) => {
                let new = self.assigned_value(value)?;
                return self.define(&var.name, &new, span);
            }
            (None, None) => {
                let val = self.storage(&Type::I64);
                let untyped = Var {
                    untyped: true,
                    ..Var::new(val, span)
                };
                self.introduce(&var.name, untyped);
            }
        }
        match value {
            Some(value) => {
                let new = self.assigned_value(value)?;
                self.assign_existing(var, &new, span)
            }
            None => Ok(()),
        }
    }

    /// The value of `e`, which must have one.
    pub(super) fn assigned_value(&mut self, e: &Expr) -> Result<Lowered> {
        let v = self.expr(e)?;
        if v.ty() == &Type::Void {
            return Err(Diagnostic::new(
                Code::Type,
                e.span,
                "this expression has no value to assign",
            ));
        }
        Ok(v)
    }

    /// A new variable `name` in the innermost block, holding `new`; `def`
    /// is where it is first assigned.
    pub(super) fn define(&mut self, name: &str, new: &Lowered, def: Span) -> Result<()> {
        let ty = match self.maps.var_types.get(&def) {
            Some(hint) => widen(hint, new.ty()).unwrap_or_else(|| hint.clone()),
            None => storage_type(new.ty()),
        };
        let val = match (&ty, new) {
            (t, Lowered::Reg(..)) if t.is_scalar() => Lowered::Reg(self.reg(t.clone()), t.clone()),
            _ => self.storage(&ty),
        };
        self.copy_into(new, &val);
        self.introduce(name, Var::new(val, def));
        Ok(())
    }

    /// Assigns `new` to the visible variable `var`; a longer string or tuple
    /// than it holds widens its type for the next pass.
    pub(super) fn assign_existing(&mut self, var: &Ident, new: &Lowered, at: Span) -> Result<()> {
        let v = self.vars[&var.name].clone();
        let have = v.val.ty().clone();
        match widen(&have, new.ty()) {
            Some(wider) => {
                if wider != have {
                    self.widen_hint(v.def, wider);
                }
                self.convert_into(new, &v.val);
            }
            None if v.untyped => self.widen_hint(v.def, storage_type(new.ty())),
            None => {
                return Err(Diagnostic::new(
                    Code::Type,
                    at,
                    format!(
                        "{} has type {}, and cannot be assigned a {}",
                        var.name,
                        have,
                        new.ty()
                    ),
                ))
            }
        }
        if let Some(entry) = self.vars.get_mut(&var.name) {
            entry.untyped = false;
        }
        Ok(())
    }

    /// Copies `from` into a variable's storage, truncating integers to a
    /// declared narrower type.
    fn convert_into(&mut self, from: &Lowered, to: &Lowered) {
        match (from, to) {
            (Lowered::Reg(src, _), Lowered::Reg(dst, Type::Int { bits, signed })) if *bits < 64 => {
                self.extend(*dst, *src, *bits, *signed)
            }
            _ => self.copy_into(from, to),
        }
    }

    fn widen_hint(&mut self, def: Span, ty: Type) {
        let merged = match self.maps.var_types.get(&def) {
            Some(old) => widen(old, &ty).unwrap_or(ty),
            None => ty,
        };
        self.maps.var_types.insert(def, merged);
    }

    /// Makes `name` visible until the innermost block ends.
    fn introduce(&mut self, name: &str, var: Var) {
        self.vars.insert(name.to_string(), var);
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(name.to_string());
        }
    }

    /// Zeroed storage for a value of type `ty`.
    pub(super) fn storage(&mut self, ty: &Type) -> Lowered {
        if ty.is_scalar() {
            let r = self.reg(ty.clone());
            self.mov(r, Operand::Imm(0));
            Lowered::Reg(r, ty.clone())
        } else {
            Lowered::Mem(self.zeroed_slot(ty.size()), ty.clone())
        }
    }

    /// The type of `e` without running it: lowered into a builder that is
    /// thrown away, with any event it declared forgotten.
    fn type_of(&mut self, e: &Expr) -> Result<Type> {
        Ok(storage_type(&self.expression_type(e)?))
    }

    /// The type of `e`, which is lowered into a discarded function.
    pub(super) fn expression_type(&mut self, e: &Expr) -> Result<Type> {
        let real = std::mem::replace(&mut self.b, Builder::new());
        let events = self.events.len();
        let lowered = self.expr(e);
        self.b = real;
        self.events.truncate(events);
        Ok(lowered?.ty().clone())
    }

    /// A type as written after `let $x:`.
    fn decl_type(&self, name: &Ident) -> Result<Type> {
        let text = name.name.as_str();
        if let Some((bits, signed)) = super::expr::int_type(text) {
            return Ok(Type::Int { bits, signed });
        }
        if text == "string" {
            return Ok(Type::Str {
                size: self.options.max_strlen,
            });
        }
        let sized = text
            .strip_prefix("string[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse::<u32>().ok());
        match sized {
            Some(size) if size > 0 => Ok(Type::Str { size }),
            _ if text.starts_with("struct ") || text.starts_with("union ") || text.contains('*') => {
                Ok(match self.ctypes.resolve(text, name.span)? {
                    Type::Ptr { pointee, .. } => Type::Ptr {
                        pointee,
                        space: self.default_space(),
                    },
                    t => t,
                })
            }
            _ => Err(Diagnostic::new(
                Code::Type,
                name.span,
                format!("cannot declare a variable of type `{text}`"),
            )
            .with_help(
                "variables can be declared as int8 … uint64, string, string[N] or typeof(expression)",
            )),
        }
    }
}

/// The type that holds values of both `have` and `new`, if they are alike:
/// integers keep `have`, strings take the longer, tuples widen field by field.
fn widen(have: &Type, new: &Type) -> Option<Type> {
    match (have, new) {
        (a, b) if a.is_scalar() && b.is_scalar() => Some(a.clone()),
        (Type::Str { size: a }, Type::Str { size: b }) => Some(Type::Str { size: *a.max(b) }),
        (Type::Tuple(a), Type::Tuple(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .map(|(x, y)| widen(x, y))
            .collect::<Option<Vec<_>>>()
            .map(Type::Tuple),
        (a, b) if a == &storage_type(b) => Some(a.clone()),
        _ => None,
    }
}
