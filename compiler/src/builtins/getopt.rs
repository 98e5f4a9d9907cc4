//! `getopt(name [, default [, description]])`: a named program option given
//! after `--` on the command line (`tracelet script.bt -- --depth=3 --verbose`).
//! The default's type is the option's: a negative integer is signed, any
//! other integer unsigned, a string a string, and `true`/`false` (or no
//! default, meaning `false`) a flag. Values are constants of the program.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{Expr, ExprKind, Program, UnaryOp};
use crate::syntax::literal;
use crate::syntax::visit;
use crate::types::Type;

pub struct Getopt;

impl Builtin for Getopt {
    fn name(&self) -> &'static str {
        "getopt"
    }
    fn doc(&self) -> &'static str {
        "getopt(name [, default [, description]]): the option --name=VALUE given after `--`, e.g. getopt(\"depth\", 3)"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 3)?;
        let option = declaration(call.args)?;
        let given = given(&cx.options().named_params, &option.name);
        Ok(match option.value(given, call.span)? {
            OptionValue::Int(v, ty) => Lowered::Reg(cx.constant(v, ty.clone()), ty),
            OptionValue::Bool(b) => Lowered::Reg(cx.constant(b as i64, Type::Bool), Type::Bool),
            OptionValue::Str(s) => cx.string_literal(s.as_bytes()),
        })
    }
}

/// What `getopt()` declares: the option's name, default and description.
struct Declared {
    name: String,
    default: OptionDefault,
    description: String,
}

enum OptionDefault {
    Signed(i64),
    Unsigned(u64),
    Bool(bool),
    Str(String),
}

enum OptionValue {
    Int(i64, Type),
    Bool(bool),
    Str(String),
}

fn string_literal(e: &Expr, what: &str) -> Result<String> {
    match &e.kind {
        ExprKind::Str(b) => Ok(String::from_utf8_lossy(b).into_owned()),
        _ => Err(Diagnostic::new(
            Code::Type,
            e.span,
            format!("getopt() expects a string literal as its {what}"),
        )),
    }
}

fn literal_default_expected(e: &Expr) -> Diagnostic {
    Diagnostic::new(
        Code::Type,
        e.span,
        "getopt() expects a literal default: an integer, a string, true or false",
    )
}

fn declaration(args: &[Expr]) -> Result<Declared> {
    let name = string_literal(&args[0], "option name")?;
    let default = match args.get(1) {
        None => OptionDefault::Bool(false),
        Some(e) => match &e.kind {
            ExprKind::Int(v) => OptionDefault::Unsigned(*v),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                expr,
            } => match expr.kind {
                ExprKind::Int(v) => OptionDefault::Signed(0i64.wrapping_sub_unsigned(v)),
                _ => return Err(literal_default_expected(e)),
            },
            ExprKind::Str(b) => OptionDefault::Str(String::from_utf8_lossy(b).into_owned()),
            ExprKind::Ident(w) if w == "true" || w == "false" => OptionDefault::Bool(w == "true"),
            _ => return Err(literal_default_expected(e)),
        },
    };
    let description = match args.get(2) {
        Some(e) => string_literal(e, "description")?,
        None => String::new(),
    };
    Ok(Declared {
        name,
        default,
        description,
    })
}

/// The raw value of `--name` (`Some(None)` for a bare flag), if given.
fn given<'a>(params: &'a [String], name: &str) -> Option<Option<&'a str>> {
    params.iter().rev().find_map(|p| match p.split_once('=') {
        Some((n, v)) if n == name => Some(Some(v)),
        None if p == name => Some(None),
        _ => None,
    })
}

impl Declared {
    fn value(&self, given: Option<Option<&str>>, span: Span) -> Result<OptionValue> {
        let bad = |value: &str, why: &str| {
            Diagnostic::new(
                Code::Config,
                span,
                format!(
                    "program command line option --{} {why} (value: {value})",
                    self.name
                ),
            )
        };
        Ok(match (&self.default, given) {
            (OptionDefault::Signed(v), None) => OptionValue::Int(*v, Type::I64),
            (OptionDefault::Unsigned(v), None) => OptionValue::Int(*v as i64, Type::U64),
            (OptionDefault::Bool(b), None) => OptionValue::Bool(*b),
            (OptionDefault::Str(s), None) => OptionValue::Str(s.clone()),
            (OptionDefault::Bool(_), Some(None)) => OptionValue::Bool(true),
            (OptionDefault::Str(_), Some(None)) => return Err(bad("true", "expects a string")),
            (_, Some(None)) => return Err(bad("true", "expects an integer")),
            (OptionDefault::Str(_), Some(Some(v))) => OptionValue::Str(v.to_string()),
            (OptionDefault::Bool(_), Some(Some(v))) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => OptionValue::Bool(true),
                "false" | "0" | "no" | "off" => OptionValue::Bool(false),
                _ => return Err(bad(v, "expects a boolean (e.g. 'true')")),
            },
            (OptionDefault::Signed(_), Some(Some(v))) => {
                let (neg, abs) = v.strip_prefix('-').map_or((false, v), |a| (true, a));
                let n = literal::parse_uint(abs).map_err(|e| bad(v, &e.to_string()))?;
                let n = if neg {
                    0i64.checked_sub_unsigned(n)
                } else {
                    i64::try_from(n).ok()
                };
                OptionValue::Int(n.ok_or_else(|| bad(v, "value is out of range"))?, Type::I64)
            }
            (OptionDefault::Unsigned(_), Some(Some(v))) => {
                let n = literal::parse_uint(v).map_err(|_| bad(v, "invalid integer"))?;
                OptionValue::Int(n as i64, Type::U64)
            }
        })
    }
}

/// Checks the options given after `--` against the `getopt()` calls of
/// `program`: one nobody asks for is an error listing the options there are
/// (as is `--help`, which lists them with their descriptions).
pub fn check_given(program: &Program, given: &[String]) -> Result<()> {
    let mut declared: Vec<Declared> = Vec::new();
    for probe in &program.probes {
        visit::exprs_in_block(&probe.body, &mut |e| {
            if let ExprKind::Call { name, args } = &e.kind {
                if name.name == "getopt" && !args.is_empty() && args.len() <= 3 {
                    if let Ok(d) = declaration(args) {
                        if !declared.iter().any(|o| o.name == d.name) {
                            declared.push(d);
                        }
                    }
                }
            }
        });
    }
    declared.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = given
        .iter()
        .map(|p| p.split_once('=').map_or(p.as_str(), |(n, _)| n))
        .collect();
    let unknown: Vec<&str> = names
        .into_iter()
        .filter(|n| !declared.iter().any(|d| d.name == *n))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let help = unknown.contains(&"help");
    let listed: Vec<String> = declared
        .iter()
        .map(|d| match (&d.description, help) {
            (desc, true) if !desc.is_empty() => format!("--{}: {desc}", d.name),
            _ => format!("--{}", d.name),
        })
        .collect();
    let hint = if declared.is_empty() {
        "no custom program options defined.".to_string()
    } else if help {
        format!("expected program options:\n{}", listed.join("\n"))
    } else {
        format!("expected program options: {}", listed.join(", "))
    };
    let others: Vec<String> = unknown
        .iter()
        .filter(|n| **n != "help")
        .map(|n| format!("--{n}"))
        .collect();
    let message = if others.is_empty() {
        "program options (--help)".to_string()
    } else {
        format!(
            "unexpected program command line options: {}",
            others.join(", ")
        )
    };
    Err(Diagnostic::new(Code::Config, Span::default(), message).with_help(hint))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn value(default: &str, given_params: &[&str]) -> std::result::Result<String, String> {
        let program = parse(&format!("BEGIN {{ $x = getopt(\"aa\"{default}); }}")).unwrap();
        let crate::syntax::ast::StmtKind::AssignVar { value, .. } =
            &program.probes[0].body.stmts[0].kind
        else {
            unreachable!()
        };
        let ExprKind::Call { args, .. } = &value.kind else {
            unreachable!()
        };
        let params: Vec<String> = given_params.iter().map(|s| s.to_string()).collect();
        let d = declaration(args).map_err(|e| e.message)?;
        match d.value(given(&params, "aa"), Span::default()) {
            Ok(OptionValue::Int(v, t)) if t == Type::U64 => Ok(format!("{}", v as u64)),
            Ok(OptionValue::Int(v, _)) => Ok(v.to_string()),
            Ok(OptionValue::Bool(b)) => Ok(b.to_string()),
            Ok(OptionValue::Str(s)) => Ok(s),
            Err(e) => Err(e.message),
        }
    }

    #[test]
    fn option_values() {
        assert_eq!(value(", 20", &[]), Ok("20".into()));
        assert_eq!(
            value(", 20", &["aa=0xffffffffffffffff"]),
            Ok(u64::MAX.to_string())
        );
        assert_eq!(value(", -1", &["aa=-10"]), Ok("-10".into()));
        assert_eq!(value(", true", &["aa=False"]), Ok("false".into()));
        assert_eq!(value("", &["aa"]), Ok("true".into()));
        assert_eq!(value("", &[]), Ok("false".into()));
        assert_eq!(value(", \"hello\"", &[]), Ok("hello".into()));
        assert_eq!(value(", \"hello\"", &["aa=bye", "bb"]), Ok("bye".into()));
        assert_eq!(
            value(", 10", &["aa=False"]),
            Err("program command line option --aa invalid integer (value: False)".into())
        );
        assert_eq!(
            value(", 10", &["aa"]),
            Err("program command line option --aa expects an integer (value: true)".into())
        );
        assert_eq!(
            value(", $1", &[]),
            Err("getopt() expects a literal default: an integer, a string, true or false".into())
        );
    }

    #[test]
    fn unexpected_options_list_the_expected_ones() {
        let program =
            parse(r#"BEGIN { $a = getopt("aa", 10, "Description of aa"); $b = getopt("bb"); }"#)
                .unwrap();
        assert!(check_given(&program, &["aa=1".into(), "bb".into()]).is_ok());
        let d = check_given(&program, &["cc".into()]).unwrap_err();
        assert_eq!(d.message, "unexpected program command line options: --cc");
        assert_eq!(
            d.help.as_deref(),
            Some("expected program options: --aa, --bb")
        );
        let d = check_given(&program, &["help".into()]).unwrap_err();
        assert_eq!(
            d.help.as_deref(),
            Some("expected program options:\n--aa: Description of aa\n--bb")
        );
    }
}
