//! The maps of a loaded artifact, read and written as raw bytes: script maps
//! as `Value`s, the stack-trace map, the lost-records counter, the start time.

use crate::bpf_map::RawMap;
use crate::error::{Result, RuntimeError};
use crate::snapshot::ScriptMap;
use aya::maps::{Map, MapData};
use aya::Ebpf;
use std::os::fd::AsFd;
use tracelet_compiler::artifact::MapRole;
use tracelet_compiler::types::DecodeContext;
use tracelet_compiler::value;
use tracelet_compiler::Artifact;

/// The maps of one loaded `Ebpf`, with the number of possible CPUs that
/// per-CPU values are read for.
#[derive(Clone, Copy)]
pub struct LoadedMaps<'a> {
    bpf: &'a Ebpf,
    ncpus: usize,
}

impl<'a> LoadedMaps<'a> {
    pub fn new(bpf: &'a Ebpf, ncpus: usize) -> Self {
        LoadedMaps { bpf, ncpus }
    }

    /// A script map's entries now, decoded through `cx`.
    pub fn read(&self, sm: &ScriptMap, cx: &dyn DecodeContext) -> Result<value::Map> {
        let raw = self.raw(sm)?;
        sm.read(&raw, cx)
            .map_err(|e| RuntimeError::new(format!("cannot read {}: {e}", sm.name)))
    }

    /// `clear(@m)`: deletes every key.
    pub fn clear(&self, sm: &ScriptMap) -> Result<()> {
        let raw = self.raw(sm)?;
        sm.clear(&raw)
            .map_err(|e| RuntimeError::new(format!("cannot update {}: {e}", sm.name)))
    }

    /// `zero(@m)`: writes zeros into every value.
    pub fn zero(&self, sm: &ScriptMap) -> Result<()> {
        let raw = self.raw(sm)?;
        sm.zero(&raw, self.ncpus)
            .map_err(|e| RuntimeError::new(format!("cannot update {}: {e}", sm.name)))
    }

    /// Records the ring buffer had no room for, summed over CPUs (`None`
    /// without a lost counter).
    pub fn lost_total(&self) -> Option<u64> {
        let data = map_data(self.bpf, "tl_lost")?;
        let raw = RawMap {
            fd: data.fd().as_fd(),
            key_size: 4,
            value_size: 8 * self.ncpus,
        };
        let bytes = raw.lookup(&[0u8; 4]).ok()??;
        Some(words(&bytes).sum())
    }

    /// The addresses of a stack id in `tl_stacks` (kernel and user stacks
    /// share it), innermost first.
    pub fn stack_addresses(&self, id: i64) -> Vec<u64> {
        let Some(data) = map_data(self.bpf, "tl_stacks") else {
            return Vec::new();
        };
        if id < 0 {
            return Vec::new();
        }
        let frames = tracelet_compiler::sema::MAX_STACK_FRAMES as usize;
        let raw = RawMap {
            fd: data.fd().as_fd(),
            key_size: 4,
            value_size: 8 * frames,
        };
        let Ok(Some(bytes)) = raw.lookup(&(id as u32).to_le_bytes()) else {
            return Vec::new();
        };
        words(&bytes).take_while(|ip| *ip != 0).collect()
    }

    fn raw(&self, sm: &ScriptMap) -> Result<RawMap<'a>> {
        let data = map_data(self.bpf, &sm.spec.symbol)
            .ok_or_else(|| RuntimeError::new(format!("map {} missing", sm.name)))?;
        Ok(RawMap {
            fd: data.fd().as_fd(),
            key_size: sm.spec.key_size as usize,
            value_size: sm.lookup_size(self.ncpus),
        })
    }
}

/// Writes CLOCK_MONOTONIC now into the start-time map, for `elapsed`.
pub fn set_start_time(bpf: &Ebpf, artifact: &Artifact) -> Result<()> {
    let Some(spec) = artifact.maps.iter().find(|m| m.role == MapRole::StartTime) else {
        return Ok(());
    };
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let now = ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64;
    let data =
        map_data(bpf, &spec.symbol).ok_or_else(|| RuntimeError::new("start-time map missing"))?;
    RawMap {
        fd: data.fd().as_fd(),
        key_size: 4,
        value_size: 8,
    }
    .update(&[0u8; 4], &now.to_le_bytes())
    .map_err(|e| RuntimeError::new(format!("cannot set the start time: {e}")))
}

fn map_data<'a>(bpf: &'a Ebpf, symbol: &str) -> Option<&'a MapData> {
    match bpf.map(symbol)? {
        Map::HashMap(d)
        | Map::PerCpuHashMap(d)
        | Map::LruHashMap(d)
        | Map::PerCpuLruHashMap(d)
        | Map::Array(d)
        | Map::PerCpuArray(d)
        | Map::StackTraceMap(d) => Some(d),
        _ => None,
    }
}

/// Little-endian u64 words of a map value.
fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
}
