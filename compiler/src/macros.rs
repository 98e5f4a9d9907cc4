//! Macro expansion, on the AST before sema, with bpftrace's rules: a call
//! `name(args)` or a bare `name` (no parameters) whose name and arguments
//! match a `macro` becomes a copy of the macro's block, in which
//! - a `$p` parameter is the caller's variable, by reference;
//! - an `@p` parameter is the caller's map;
//! - a bare `p` parameter is the argument expression, inserted wherever `p`
//!   is used (a variable or map argument is wrapped in a block, so it is
//!   read, never written);
//! - every other variable is renamed `$$macro_$x` (depth-suffixed when
//!   nested), so it cannot meet the caller's; the block's scope ends it;
//! - a map not passed in is an error (hygiene).
//!
//! Copied nodes keep the macro body's offsets with [`Span::origin`] naming
//! their expansion, whose call site [`annotate`] adds to a diagnostic.
//! Arguments are expanded first, in the caller's context; a builtin of the
//! same name wins when no macro matches, as bpftrace's standard library
//! macros do.

use crate::builtins;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Span};
use crate::syntax::ast::{Expansion, Expr, ExprKind, Ident, Macro, MacroParam, MapRef, Program};
use crate::syntax::visit_mut::{self, Rewriter};
use std::collections::HashMap;

/// Expands every macro use in the probes; the definitions stay for `-d ast`.
pub fn expand(program: &mut Program) -> Result<(), Diagnostics> {
    let mut errors = Diagnostics::default();
    check_definitions(&program.macros, &mut errors);
    let mut expander = Expander {
        macros: &program.macros,
        expansions: std::mem::take(&mut program.expansions),
        stack: Vec::new(),
        errors,
    };
    for probe in &mut program.probes {
        if let Some(p) = &mut probe.predicate {
            visit_mut::expr(&mut expander, p);
        }
        visit_mut::block(&mut expander, &mut probe.body);
    }
    let Expander {
        expansions, errors, ..
    } = expander;
    program.expansions = expansions;
    errors.finish(())
}

/// Adds to `d` where each expansion its spans came from was called.
pub fn annotate(expansions: &[Expansion], mut d: Diagnostic) -> Diagnostic {
    let mut origin = d.span.origin;
    while let Some(site) = origin
        .checked_sub(1)
        .and_then(|i| expansions.get(i as usize))
    {
        d = d.with_secondary(site.call, format!("in this use of macro {}()", site.name));
        origin = site.call.origin;
    }
    d
}

/// A name and parameters used twice, or a parameter named twice.
fn check_definitions(macros: &[Macro], errors: &mut Diagnostics) {
    for (i, m) in macros.iter().enumerate() {
        if let Some(first) = macros[..i].iter().find(|o| same_signature(o, m)) {
            errors.push(
                Diagnostic::new(
                    Code::Name,
                    m.name.span,
                    format!("Redefinition of macro: {}", m.name.name),
                )
                .with_secondary(first.name.span, "This is the original definition."),
            );
        }
        for (j, p) in m.params.iter().enumerate() {
            let name = &p.ident().name;
            if m.params[..j].iter().any(|q| &q.ident().name == name) {
                let kind = match p {
                    MacroParam::Var(_) => "Variable",
                    MacroParam::Map(_) => "Map",
                    MacroParam::Expr(_) => "Ident",
                };
                errors.push(Diagnostic::new(
                    Code::Name,
                    p.ident().span,
                    format!("{kind} for macro argument has already been used: {name}"),
                ));
            }
        }
    }
}

fn same_signature(a: &Macro, b: &Macro) -> bool {
    a.name.name == b.name.name
        && a.params.len() == b.params.len()
        && a.params
            .iter()
            .zip(&b.params)
            .all(|(x, y)| std::mem::discriminant(x) == std::mem::discriminant(y))
}

/// Whether argument `arg` fits parameter `param`.
fn fits(param: &MacroParam, arg: &Expr) -> bool {
    match param {
        MacroParam::Var(_) => matches!(arg.kind, ExprKind::Var(_)),
        MacroParam::Map(_) => matches!(&arg.kind, ExprKind::Map(m) if m.keys.is_empty()),
        MacroParam::Expr(_) => true,
    }
}

/// How far `m` is from accepting `args`: arity first, then kinds.
fn distance(m: &Macro, args: &[Expr]) -> usize {
    let arity = m.params.len().abs_diff(args.len()) * 1024;
    arity
        + m.params
            .iter()
            .zip(args)
            .filter(|(p, a)| !fits(p, a))
            .count()
}

/// Walks probes (and then each expansion) replacing macro uses.
struct Expander<'m> {
    macros: &'m [Macro],
    expansions: Vec<Expansion>,
    /// The macros being expanded, outermost first.
    stack: Vec<usize>,
    errors: Diagnostics,
}

impl Rewriter for Expander<'_> {
    fn leave(&mut self, e: &mut Expr) {
        let (name, args, call) = match &e.kind {
            ExprKind::Call { name, args } => (name, args.as_slice(), true),
            ExprKind::Ident(name) => (
                &Ident {
                    name: name.clone(),
                    span: e.span,
                },
                &[][..],
                false,
            ),
            _ => return,
        };
        let Some(index) = self.lookup(name, args, call) else {
            return;
        };
        if let Some(at) = self.stack.iter().position(|&m| m == index) {
            let chain: Vec<&str> = self.stack[at..]
                .iter()
                .chain([&index])
                .map(|&m| self.macros[m].name.name.as_str())
                .collect();
            self.errors.push(Diagnostic::new(
                Code::Name,
                e.span,
                format!(
                    "Recursive macro call detected. Call chain: {}",
                    chain.join(" > ")
                ),
            ));
            return;
        }
        let args = args.to_vec();
        *e = self.expand(index, args, e.span);
    }
}

impl Expander<'_> {
    /// The macro `name(args)` uses, if any; a near miss that no builtin
    /// explains is an error.
    fn lookup(&mut self, name: &Ident, args: &[Expr], call: bool) -> Option<usize> {
        let candidates = || {
            self.macros
                .iter()
                .enumerate()
                .filter(|(_, m)| m.name.name == name.name)
        };
        let (index, closest) = candidates().min_by_key(|(_, m)| distance(m, args))?;
        if distance(closest, args) == 0 {
            return Some(index);
        }
        if builtins::find(&name.name).is_some() {
            return None;
        }
        if !call {
            self.errors.push(Diagnostic::new(
                Code::Type,
                name.span,
                format!(
                    "Call to {}() has the wrong number of arguments. Expected: {} but got 0.",
                    name.name,
                    closest.params.len()
                ),
            ));
            return None;
        }
        self.errors.push(mismatch(closest, name, args));
        None
    }

    /// A copy of macro `index`'s block for a call at `call` with `args`.
    fn expand(&mut self, index: usize, args: Vec<Expr>, call: Span) -> Expr {
        let m = &self.macros[index];
        self.expansions.push(Expansion {
            name: m.name.name.clone(),
            call,
        });
        self.stack.push(index);
        let mut rename = Rename {
            origin: self.expansions.len() as u32,
            prefix: match self.stack.len() {
                1 => format!("$${}_", m.name.name),
                depth => format!("$${}_{depth}_", m.name.name),
            },
            vars: HashMap::new(),
            maps: HashMap::new(),
            exprs: HashMap::new(),
            errors: Vec::new(),
        };
        for (param, arg) in m.params.iter().zip(args) {
            match (param, arg.kind) {
                (MacroParam::Var(p), ExprKind::Var(v)) => {
                    rename.vars.insert(p.name.clone(), v);
                }
                (MacroParam::Map(p), ExprKind::Map(caller)) => {
                    rename.maps.insert(p.name.clone(), caller.name);
                }
                (MacroParam::Expr(p), kind) => {
                    let span = arg.span;
                    let arg = Expr { kind, span };
                    let arg = match arg.kind {
                        ExprKind::Var(_) | ExprKind::Map(_) => Expr {
                            kind: ExprKind::Block {
                                stmts: Vec::new(),
                                value: Some(Box::new(arg)),
                            },
                            span,
                        },
                        _ => arg,
                    };
                    rename.exprs.insert(p.name.clone(), arg);
                }
                _ => unreachable!("lookup checked the argument kinds"),
            }
        }
        let mut body = m.body.clone();
        visit_mut::expr(&mut rename, &mut body);
        self.errors.0.extend(rename.errors);
        visit_mut::expr(self, &mut body);
        self.stack.pop();
        body
    }
}

/// "Call to f() has arguments that do not match any definition", with why.
fn mismatch(closest: &Macro, name: &Ident, args: &[Expr]) -> Diagnostic {
    let d = Diagnostic::new(
        Code::Type,
        name.span,
        format!(
            "Call to {}() has arguments that do not match any definition.",
            name.name
        ),
    );
    if closest.params.len() != args.len() {
        return d.with_secondary(
            closest.name.span,
            format!(
                "The closest definition of {}() has a different number of arguments. Expected: {} but got {}",
                closest.name.name,
                closest.params.len(),
                args.len()
            ),
        );
    }
    let Some((param, arg)) = closest.params.iter().zip(args).find(|(p, a)| !fits(p, a)) else {
        return d;
    };
    let (wanted, p) = match param {
        MacroParam::Map(p) => ("a map", p),
        MacroParam::Var(p) | MacroParam::Expr(p) => ("a variable", p),
    };
    let got = match arg.kind {
        ExprKind::Var(_) => "a variable",
        ExprKind::Map(_) => "a map",
        _ => "an expression",
    };
    Diagnostic::new(
        Code::Type,
        arg.span,
        format!(
            "Mismatched arg. {}() expects {wanted} for arg {} but got {got}.",
            closest.name.name, p.name
        ),
    )
    .with_secondary(p.span, "This is the argument in the closest definition.")
    .with_secondary(name.span, "in this call")
}

/// Binds the parameters and renames the locals of one copied macro body.
struct Rename {
    origin: u32,
    /// `$$name_` or `$$name_depth_`, before each local's own name.
    prefix: String,
    vars: HashMap<String, String>,
    maps: HashMap<String, String>,
    exprs: HashMap<String, Expr>,
    errors: Vec<Diagnostic>,
}

impl Rename {
    fn rename(&self, name: &mut String) {
        if let Some(caller) = self.vars.get(name) {
            *name = caller.clone();
        } else if !is_positional(name) && !name.starts_with("$$") {
            *name = format!("{}{name}", self.prefix);
        }
    }
}

/// `$1`, `$#`: the script's parameters, the same inside a macro.
fn is_positional(name: &str) -> bool {
    let rest = name.trim_start_matches('$');
    rest == "#" || (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

impl Rewriter for Rename {
    fn enter(&mut self, e: &mut Expr) -> bool {
        if let ExprKind::Ident(name) = &e.kind {
            if let Some(arg) = self.exprs.get(name) {
                *e = arg.clone();
                return false;
            }
        }
        true
    }

    fn span(&mut self, span: &mut Span) {
        if span.origin == 0 {
            span.origin = self.origin;
        }
    }

    fn var(&mut self, name: &mut String, _span: Span) {
        self.rename(name);
    }

    fn var_target(&mut self, var: &mut Ident, declared: bool) {
        if declared && self.vars.contains_key(&var.name) {
            self.errors.push(Diagnostic::new(
                Code::Name,
                var.span,
                format!("Variable declaration shadows macro arg {}", var.name),
            ));
            return;
        }
        self.rename(&mut var.name);
    }

    fn map(&mut self, map: &mut MapRef) {
        match self.maps.get(&map.name) {
            Some(caller) => map.name = caller.clone(),
            None => self.errors.push(Diagnostic::new(
                Code::Name,
                map.span,
                format!(
                    "Unhygienic access to map: {}. Maps must be passed into the macro as arguments.",
                    map.name
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::syntax::{parse, print::sexpr};
    use std::fmt::Write as _;

    /// Each case's source, then its expanded probes or its diagnostics with
    /// the text of every span they point at.
    fn cases(sources: &[&str]) -> String {
        let mut out = String::new();
        for src in sources {
            let mut program = parse(src).expect("parses");
            let result = match super::expand(&mut program) {
                Ok(()) => {
                    program.macros.clear();
                    sexpr(&program)
                }
                Err(ds) => {
                    ds.0.into_iter()
                        .map(|d| super::annotate(&program.expansions, d))
                        .map(|d| {
                            let mut s = format!(
                                "{}: {} @ `{}`\n",
                                d.code,
                                d.message,
                                &src[d.span.start..d.span.end]
                            );
                            for r in d.related.iter() {
                                writeln!(s, "  {} @ `{}`", r.label, &src[r.span.start..r.span.end])
                                    .unwrap();
                            }
                            s
                        })
                        .collect()
                }
            };
            write!(out, ">>> {src}\n{result}\n").unwrap();
        }
        out
    }

    #[test]
    fn expansion_binds_parameters_and_renames_locals() {
        insta::assert_snapshot!(cases(&[
            "macro inc($x) { $x += 1; $x } BEGIN { $a = 1; $b = inc($a) }",
            "macro set(@m) { @m[1] = 2 } BEGIN { set(@a) }",
            "macro add(x) { $y = x + 1; $y } BEGIN { $y = 2; print(add($y)); print(add(@m)) }",
            "macro one() { 1 } macro two() { one + one() } BEGIN { print(two) }",
            "macro add() { 2 } macro ident(add) { add } BEGIN { print(ident(1)) }",
            "macro a1($x) { $x += 1 } macro a2($y) { a1($y); let $z = $1 } BEGIN { a2($v) }",
            "macro cpu(x) { x } BEGIN { print(cpu(1)); print(cpu) }",
            "macro m(x) { x } BEGIN /m(pid)/ { m(m(2)) }",
        ]));
    }

    #[test]
    fn expansion_errors() {
        insta::assert_snapshot!(cases(&[
            "macro f($x) { $x++ } BEGIN { f(@x); f(1 + 1) }",
            "macro g(@m) { @m++ } BEGIN { g($x) }",
            "macro h(a, b) { a } BEGIN { h(1) }",
            "macro k(a) { a } BEGIN { $v = k }",
            "macro u() { @x++ } BEGIN { u() }",
            "macro r1() { r2() } macro r2() { r1() } BEGIN { r1() }",
            "macro d(x) { x } macro d(y) { y } BEGIN { }",
            "macro p($a, $a) { } BEGIN { }",
            "macro s($a) { let $a = 1; } BEGIN { s($v) }",
            "macro inner(@m) { @m + @n } macro outer(@m) { inner(@m) } BEGIN { outer(@x) }",
        ]));
    }
}
