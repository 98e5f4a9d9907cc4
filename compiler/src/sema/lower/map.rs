//! Map keys, reads and writes.

use super::{Lowered, Lowerer};
use crate::artifact::{key_fields, MapValue};
use crate::builtins;
use crate::diagnostic::{Code, Diagnostic, Result, Span};
use crate::ir::{MapId, Operand, Slot, VReg};
use crate::sema::maps::storage_type;
use crate::syntax::ast::MapRef;
use crate::types::Type;

impl Lowerer<'_> {
    /// Builds the key of `map[keys…]` in a zeroed slot.
    pub fn map_key(&mut self, map: &MapRef) -> Result<Slot> {
        self.key_with_bucket(map, None)
    }

    /// Builds the key of `map[keys…]` (plus a histogram bucket) in a zeroed slot.
    pub(super) fn key_with_bucket(&mut self, map: &MapRef, bucket: Option<VReg>) -> Result<Slot> {
        let mut vals = Vec::new();
        for k in &map.keys {
            let v = self.expr(k)?;
            if matches!(v.ty(), Type::Void) {
                return Err(Diagnostic::new(
                    Code::Type,
                    k.span,
                    "this expression has no value to use as a key",
                ));
            }
            vals.push(v);
        }
        // `@m[(a, b)]` and `@m[$t]` with a tuple `$t` are `@m[a, b]`.
        if let [Lowered::Mem(slot, Type::Tuple(types))] = vals.as_slice() {
            let (slot, types) = (*slot, types.clone());
            let offsets = Type::field_offsets(&types);
            vals = (0..types.len())
                .map(|i| self.field_val(slot, offsets[i], &types[i]))
                .collect();
        }
        let key_types: Vec<Type> = vals.iter().map(|v| storage_type(v.ty())).collect();
        self.maps.use_keys(&map.name, key_types, map.span)?;
        let info = self.maps.get(&map.name).expect("registered");
        let keys = info.keys.clone().unwrap_or_default();
        let value = info.value.clone().unwrap_or(MapValue::Plain(Type::I64));
        if value.has_bucket_key() != bucket.is_some() {
            let message = if bucket.is_some() {
                format!(
                    "{} holds plain values elsewhere, but a histogram here",
                    map.name
                )
            } else {
                format!(
                    "{} is a histogram, which can only be printed, cleared or zeroed",
                    map.name
                )
            };
            return Err(Diagnostic::new(Code::Type, map.span, message));
        }
        let fields = key_fields(&keys, &value);
        let offsets = Type::field_offsets(&fields);
        let slot = self.zeroed_slot(Type::Tuple(fields.clone()).size());
        for (i, v) in vals.iter().enumerate() {
            self.store(slot, offsets[i], v, &fields[i]);
        }
        if let Some(b) = bucket {
            self.store_slot(slot, *offsets.last().expect("bucket"), Operand::Reg(b), 8);
        }
        Ok(slot)
    }

    /// Reads `map[key]` (zero when absent).
    pub(super) fn map_value(&mut self, id: MapId, map: &MapRef, key: Slot) -> Result<Lowered> {
        let ty = match self.maps.get(&map.name).and_then(|m| m.value.clone()) {
            None => Type::I64,
            Some(MapValue::Plain(t)) => t,
            Some(agg) => {
                let function = agg.function().and_then(builtins::find);
                let builtin = function.expect("aggregations are builtins");
                return builtin.read_aggregate(self, &agg, id, key, map);
            }
        };
        let slot = self.slot(ty.size());
        self.map_read(id, key, None, slot, 0, ty.size());
        Ok(self.load_val(slot, &ty))
    }

    /// A slot's content as a value: scalars are loaded into a register.
    pub(super) fn load_val(&mut self, slot: Slot, ty: &Type) -> Lowered {
        if ty.is_scalar() {
            let r = self.reg(ty.clone());
            self.load_slot_to(r, slot, 0, 8);
            Lowered::Reg(r, ty.clone())
        } else {
            Lowered::Mem(slot, ty.clone())
        }
    }

    /// The value of type `ty` at `ptr + at` (memory the verifier knows: a
    /// caller's frame, a map value): a scalar, a word kept 64 bits wide
    /// like every stored scalar, in a register.
    pub(super) fn load_val_at(&mut self, ptr: VReg, at: i16, ty: &Type) -> Lowered {
        if ty.is_scalar() {
            Lowered::Reg(self.load_ptr(ptr, at, 8, ty.clone()), ty.clone())
        } else {
            let s = self.slot(ty.size());
            self.copy_from_ptr(s, ptr, at, ty.size());
            Lowered::Mem(s, ty.clone())
        }
    }

    pub(super) fn as_scalar(&mut self, v: Lowered, span: Span) -> Result<(VReg, Type)> {
        match v {
            Lowered::Reg(r, t) if t.is_scalar() => Ok((r, t)),
            v => Err(Diagnostic::new(
                Code::Type,
                span,
                format!("expected an integer, found {}", v.ty()),
            )),
        }
    }
}
