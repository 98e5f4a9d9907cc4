//! Map maintenance: `delete(@m, k)` (or `delete(@m[k])`) in the kernel; `clear(@m)` and `zero(@m)`
//! carried out by user space when their record arrives.

use super::{Builtin, Call, Form};
use crate::artifact::Action;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{ExprKind, MapRef};

pub struct Delete;

impl Builtin for Delete {
    fn name(&self) -> &'static str {
        "delete"
    }
    fn doc(&self) -> &'static str {
        "delete(@m, k) or delete(@m[k]): removes one key, e.g. delete(@start, tid)"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(1, 2)?;
        let arg = &call.args[0];
        let element = match (&arg.kind, call.args.get(1)) {
            (ExprKind::Map(m), None) => m.clone(),
            (ExprKind::Map(m), Some(key)) if m.keys.is_empty() => MapRef {
                keys: vec![key.clone()],
                ..m.clone()
            },
            _ => {
                return Err(Diagnostic::new(
                    Code::Type,
                    arg.span,
                    "delete() expects a map and a key, as in delete(@m, k), or an element, as in delete(@m[k])",
                ))
            }
        };
        let m = &element;
        if matches!(cx.map_info(&m.name).and_then(|i| i.value.as_ref()), Some(v) if v.has_bucket_key())
        {
            return Err(Diagnostic::new(
                Code::Type,
                arg.span,
                "delete() of one histogram key is not supported yet",
            )
            .with_help("use clear() to empty the whole map"));
        }
        let map = cx.map_id(&m.name, m.span);
        let key = cx.map_key(m)?;
        cx.map_delete(map, key);
        Ok(Lowered::void())
    }
}

/// Fails, as bpftrace does, when `map` is known to have no keys (a scalar
/// map) or to be a histogram (whose kernel keys carry a bucket); `function`
/// names the caller, as in "has_key()".
pub(super) fn require_keyed(cx: &Lowerer, map: &MapRef, function: &str) -> Result<()> {
    let Some(info) = cx.map_info(&map.name) else {
        return Ok(());
    };
    let (message, at, label) = if matches!(&info.keys, Some(keys) if keys.is_empty()) {
        let message =
            format!("call to {function} expects a map with explicit keys (non-scalar map)");
        (message, info.keys_span, "assigned without a key here")
    } else if matches!(&info.value, Some(v) if v.has_bucket_key()) {
        let message = format!("{function} of a histogram map is not supported yet");
        (message, info.span, "assigned here")
    } else {
        return Ok(());
    };
    Err(Diagnostic::new(Code::Type, map.span, message).with_secondary(at, label))
}

/// A builtin whose whole work is one record naming a map.
fn map_action(cx: &mut Lowerer, call: &Call, action: fn(usize) -> Action) -> Result<Lowered> {
    call.arity(1, 1)?;
    let map = cx.map_arg(&call.args[0])?;
    cx.event(action(map.0), &[])?;
    Ok(Lowered::void())
}

pub struct Clear;

impl Builtin for Clear {
    fn name(&self) -> &'static str {
        "clear"
    }
    fn doc(&self) -> &'static str {
        "clear(@m): removes every key, e.g. interval:s:1 { print(@); clear(@); }"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        map_action(cx, call, |map| Action::ClearMap { map })
    }
}

pub struct Zero;

impl Builtin for Zero {
    fn name(&self) -> &'static str {
        "zero"
    }
    fn doc(&self) -> &'static str {
        "zero(@m): sets every value to zero, e.g. interval:s:1 { print(@); zero(@); }"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        map_action(cx, call, |map| Action::ZeroMap { map })
    }
}
