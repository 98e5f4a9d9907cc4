//! `has_key(@m, key)`: whether a map holds a key, by one map lookup whose
//! pointer is only tested for null.

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::sema::lower::{Lowered, Lowerer};
use crate::syntax::ast::{ExprKind, MapRef};
use crate::types::Type;

pub struct HasKey;

impl Builtin for HasKey {
    fn name(&self) -> &'static str {
        "has_key"
    }
    fn doc(&self) -> &'static str {
        "has_key(@m, k): true if map @m holds key k, e.g. if (has_key(@start, tid)) { … }"
    }
    fn form(&self) -> Form {
        Form::Function
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        call.arity(2, 2)?;
        let map = match &call.args[0].kind {
            ExprKind::Map(m) if m.keys.is_empty() => m,
            _ => {
                return Err(Diagnostic::new(
                    Code::Type,
                    call.args[0].span,
                    "has_key() expects a map such as `@m` and a key, as in has_key(@m, k)",
                ))
            }
        };
        super::maps::require_keyed(cx, map, "has_key()")?;
        let element = MapRef {
            keys: vec![call.args[1].clone()],
            ..map.clone()
        };
        let id = cx.map_id(&map.name, map.span);
        let key = cx.map_key(&element)?;
        let found = cx.map_has(id, key);
        Ok(Lowered::Reg(found, Type::Bool))
    }
}
