//! Rendering of values: text (bpftrace layout) and JSON. OWNED BY THE FORMAT HELPER.
