//! Ring-buffer records → events: the record's id picks its `EventSpec`, and
//! each field decodes to a `Value` (stacks and symbols through [`Decoder`]).
//! What an event then does is in [`crate::actions`].

use crate::loaded_maps::LoadedMaps;
use crate::symbolizer::Symbolizer;
use tracelet_compiler::artifact::EventSpec;
use tracelet_compiler::types::{DecodeContext, UserFrame};
use tracelet_compiler::value::Value;
use tracelet_compiler::Artifact;

/// One decoded record: what to do, and the values to do it with.
pub struct Event<'a> {
    pub spec: &'a EventSpec,
    pub args: Vec<Value>,
}

impl<'a> Event<'a> {
    /// Decodes a record: a u64 event id, then the spec's fields. `None` for
    /// a record too short to hold an id or with an unknown id.
    pub fn decode(artifact: &'a Artifact, record: &[u8], cx: &dyn DecodeContext) -> Option<Self> {
        let id = u64::from_le_bytes(record.get(..8)?.try_into().ok()?) as usize;
        let spec = artifact.events.get(id)?;
        let args = spec
            .fields
            .iter()
            .filter(|f| (f.offset + f.ty.size()) as usize <= record.len())
            .map(|f| f.ty.decode(&record[f.offset as usize..], cx))
            .collect();
        Some(Event { spec, args })
    }
}

/// Resolves stack ids (from the stack-trace map) and addresses (through the
/// run's symbolizer) while values are decoded.
pub struct Decoder<'a> {
    pub maps: LoadedMaps<'a>,
    pub symbols: &'a Symbolizer,
}

impl DecodeContext for Decoder<'_> {
    fn kernel_stack(&self, id: i64) -> Vec<String> {
        let addresses = self.maps.stack_addresses(id);
        addresses
            .into_iter()
            .map(|ip| self.symbols.kernel_frame(ip))
            .collect()
    }
    fn kernel_symbol(&self, addr: u64) -> String {
        self.symbols.kernel_symbol(addr)
    }
    fn user_stack(&self, id: i64, pid: u32) -> Vec<UserFrame> {
        let addresses = self.maps.stack_addresses(id);
        addresses
            .into_iter()
            .map(|ip| self.symbols.user_frame(ip, pid))
            .collect()
    }
    fn user_symbol(&self, addr: u64, pid: u32) -> String {
        self.symbols.user_symbol(addr, pid)
    }
}
