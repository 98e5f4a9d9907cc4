//! Reading script maps out of the kernel as [`Value`]s, and clearing or
//! zeroing them, for `print`, `clear`, `zero` and the end-of-run dump.

use crate::bpf_map::RawMap;
use std::collections::BTreeMap;
use std::io;
use tracelet_compiler::artifact::{key_fields, MapSpec, MapValue};
use tracelet_compiler::builtins::{aggregates, hist, lhist};
use tracelet_compiler::types::{read_uint, DecodeContext, Type};
use tracelet_compiler::value::{Map, Value};

/// A script map's layout, from its spec.
pub struct ScriptMap<'a> {
    pub spec: &'a MapSpec,
    pub name: &'a str,
    pub keys: &'a [Type],
    pub value: &'a MapValue,
}

impl<'a> ScriptMap<'a> {
    pub fn new(spec: &'a MapSpec) -> Option<Self> {
        match &spec.role {
            tracelet_compiler::artifact::MapRole::Script { name, keys, value } => Some(ScriptMap {
                spec,
                name,
                keys,
                value,
            }),
            _ => None,
        }
    }

    fn per_cpu(&self) -> bool {
        self.spec.kind.is_per_cpu()
    }

    /// Bytes one lookup returns.
    pub fn lookup_size(&self, ncpus: usize) -> usize {
        let v = self.spec.value_size as usize;
        if self.per_cpu() {
            v.div_ceil(8) * 8 * ncpus
        } else {
            v
        }
    }

    /// Reads every entry and decodes it.
    pub fn read(&self, raw: &RawMap, cx: &dyn DecodeContext) -> io::Result<Map> {
        let fields = key_fields(self.keys, self.value);
        let offsets = Type::field_offsets(&fields);
        let stride = (self.spec.value_size as usize).div_ceil(8) * 8;
        let decode_keys = |key: &[u8]| -> Vec<Value> {
            self.keys
                .iter()
                .zip(&offsets)
                .map(|(t, off)| t.decode(&key[*off as usize..], cx))
                .collect()
        };
        let mut entries = Vec::new();
        let mut hists: BTreeMap<Vec<u8>, BTreeMap<u64, u64>> = BTreeMap::new();
        for key in raw.keys()? {
            let Some(bytes) = raw.lookup(&key)? else {
                continue;
            };
            let cpus: Vec<&[u8]> = if self.per_cpu() {
                bytes.chunks(stride).collect()
            } else {
                vec![&bytes[..]]
            };
            match self.value {
                MapValue::Plain(t) => entries.push((decode_keys(&key), t.decode(&bytes, cx))),
                MapValue::Hist { .. } | MapValue::LHist { .. } => {
                    let bucket_at = *offsets.last().expect("bucket field") as usize;
                    let bucket = read_uint(&key[bucket_at..], 8);
                    let Value::UInt(count) = aggregates::merge(self.value, &cpus) else {
                        continue;
                    };
                    *hists
                        .entry(key[..bucket_at].to_vec())
                        .or_default()
                        .entry(bucket)
                        .or_default() += count;
                }
                agg => entries.push((decode_keys(&key), aggregates::merge(agg, &cpus))),
            }
        }
        for (user_key, counts) in hists {
            let h = match *self.value {
                MapValue::Hist { bits } => hist::value(bits, &counts),
                MapValue::LHist { min, max, step } => lhist::value(min, max, step, &counts),
                _ => unreachable!("histogram kinds only"),
            };
            entries.push((decode_keys(&user_key), Value::Hist(h)));
        }
        Ok(Map {
            name: self.name.to_string(),
            entries,
        })
    }

    /// Removes every entry.
    pub fn clear(&self, raw: &RawMap) -> io::Result<()> {
        raw.keys()?.iter().try_for_each(|k| raw.delete(k))
    }

    /// Sets every value to zero, keeping the keys.
    pub fn zero(&self, raw: &RawMap, ncpus: usize) -> io::Result<()> {
        let zeros = vec![0u8; self.lookup_size(ncpus)];
        raw.keys()?.iter().try_for_each(|k| raw.update(k, &zeros))
    }
}
