//! `for ($kv : @map)`: which maps a loop can walk, and `$kv`, the
//! `(key, value)` tuple built in each call of the `bpf_for_each_map_elem`
//! callback from the key and value pointers the kernel passes it. A
//! multi-key map's key is the tuple of its keys. Aggregations (`count`,
//! `sum`, `min`, `max`, `avg`) live in per-CPU maps, so their value is read
//! for every CPU by key and folded, as reading `@m[k]` does elsewhere.

use super::loops::Walk;
use super::{Lowered, Lowerer};
use crate::artifact::MapValue;
use crate::builtins;
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::ir::{MapId, VReg};
use crate::syntax::ast::{Block, Ident, MapRef};
use crate::types::Type;

/// The element type of the map a loop walks.
pub(super) struct MapElement {
    /// The map's key types (one, or several for a multi-key map).
    keys: Vec<Type>,
    value: MapValue,
}

impl MapElement {
    /// `$kv.0`: the key, or the tuple of a multi-key map's keys.
    fn key_type(&self) -> Type {
        match self.keys.as_slice() {
            [one] => one.clone(),
            many => Type::Tuple(many.to_vec()),
        }
    }
}

impl Lowerer<'_> {
    pub(super) fn for_map(&mut self, var: &Ident, map: &MapRef, body: &Block) -> Result<()> {
        let id = self.maps.id(&map.name, map.span);
        let element = self.iterable(map)?;
        self.callback_loop(var, body, Walk::Map { map, id, element })
    }

    /// What is known of `map`'s keys and values, if a loop may walk it. Before
    /// the types settle (a later probe assigns the map) they default to
    /// integers, and lowering runs again.
    fn iterable(&self, map: &MapRef) -> Result<MapElement> {
        let info = self.maps.get(&map.name).expect("registered");
        let keys = match &info.keys {
            Some(keys) if keys.is_empty() => {
                return Err(Diagnostic::new(
                    Code::Type,
                    map.span,
                    format!(
                        "{} has no explicit keys (scalar map), and cannot be used for iteration",
                        map.name
                    ),
                )
                .with_secondary(info.keys_span, "assigned without a key here"))
            }
            Some(keys) => keys.clone(),
            None => vec![Type::I64],
        };
        let value = info.value.clone().unwrap_or(MapValue::Plain(Type::I64));
        match value {
            MapValue::Stats | MapValue::Hist { .. } | MapValue::LHist { .. } => {
                Err(Diagnostic::new(
                    Code::Type,
                    map.span,
                    format!(
                        "a `for` loop cannot iterate over {}, which holds {}()",
                        map.name,
                        value.function().expect("an aggregation")
                    ),
                )
                .with_secondary(info.span, "assigned here")
                .with_help(
                    "loops walk maps of plain values and of count(), sum(), min(), max() or avg()",
                ))
            }
            value => Ok(MapElement { keys, value }),
        }
    }

    /// `(key, value)` of the element at `key_ptr` and `value_ptr`.
    pub(super) fn map_element(
        &mut self,
        map: &MapRef,
        id: MapId,
        element: &MapElement,
        key_ptr: VReg,
        value_ptr: VReg,
    ) -> Result<Lowered> {
        let key_ty = element.key_type();
        let key = self.slot(key_ty.size());
        self.copy_from_ptr(key, key_ptr, 0, key_ty.size());
        let value = match &element.value {
            MapValue::Plain(t) => self.load_val_at(value_ptr, 0, t),
            agg => {
                let function = agg.function().and_then(builtins::find);
                let builtin = function.expect("aggregations are builtins");
                builtin.read_aggregate(self, agg, id, key, map)?
            }
        };
        let types = vec![key_ty.clone(), value.ty().clone()];
        let offsets = Type::field_offsets(&types);
        let tuple = self.zeroed_slot(Type::Tuple(types.clone()).size());
        self.store(tuple, offsets[0], &Lowered::Mem(key, key_ty), &types[0]);
        self.store(tuple, offsets[1], &value, &types[1]);
        Ok(Lowered::Mem(tuple, Type::Tuple(types)))
    }
}
