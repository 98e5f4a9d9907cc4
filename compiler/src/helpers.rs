//! The kernel helpers tracelet calls: one table, from which the IR names
//! them (`-d ir`) and codegen takes their ids.

/// Declares [`Helper`] from `Variant = id, "name";` rows.
macro_rules! helpers {
    ($($(#[$doc:meta])* $variant:ident = $id:literal, $name:literal;)*) => {
        /// A kernel helper function (`enum bpf_func_id` in the kernel's uapi).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Helper {
            $($(#[$doc])* $variant,)*
        }

        impl Helper {
            /// Every helper, in table order.
            pub const ALL: &'static [Helper] = &[$(Helper::$variant),*];

            /// The helper's number, the `imm` of its `call` instruction.
            pub fn id(self) -> i32 {
                match self {
                    $(Helper::$variant => $id,)*
                }
            }

            /// The kernel's name without the `bpf_` prefix.
            pub fn name(self) -> &'static str {
                match self {
                    $(Helper::$variant => $name,)*
                }
            }
        }
    };
}

helpers! {
    MapLookupElem = 1, "map_lookup_elem";
    MapUpdateElem = 2, "map_update_elem";
    MapDeleteElem = 3, "map_delete_elem";
    KtimeGetNs = 5, "ktime_get_ns";
    GetPrandomU32 = 7, "get_prandom_u32";
    GetSmpProcessorId = 8, "get_smp_processor_id";
    GetCurrentPidTgid = 14, "get_current_pid_tgid";
    GetCurrentUidGid = 15, "get_current_uid_gid";
    GetCurrentComm = 16, "get_current_comm";
    GetStackid = 27, "get_stackid";
    GetCurrentTask = 35, "get_current_task";
    GetCurrentCgroupId = 80, "get_current_cgroup_id";
    ProbeReadUser = 112, "probe_read_user";
    ProbeReadKernel = 113, "probe_read_kernel";
    ProbeReadUserStr = 114, "probe_read_user_str";
    ProbeReadKernelStr = 115, "probe_read_kernel_str";
    RingbufOutput = 130, "ringbuf_output";
    /// Calls a callback subprogram on every element of a map (Linux 5.13).
    ForEachMapElem = 164, "for_each_map_elem";
    /// Calls a callback subprogram up to a number of times (Linux 5.17).
    Loop = 181, "loop";
    MapLookupPercpuElem = 195, "map_lookup_percpu_elem";
}

#[cfg(test)]
mod tests {
    use super::Helper;

    #[test]
    fn ids_and_names_are_unique() {
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for h in Helper::ALL {
            assert!(ids.insert(h.id()), "{h:?}: id {} twice", h.id());
            assert!(names.insert(h.name()), "{h:?}: name twice");
        }
        assert_eq!(Helper::ProbeReadKernel.id(), 113);
    }
}
