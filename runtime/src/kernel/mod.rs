//! Kernel facts: tracefs, tracepoint formats, symbols. OWNED BY THE KERNEL-FACTS HELPER.
