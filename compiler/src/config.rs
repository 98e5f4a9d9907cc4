//! bpftrace's config variables: one table, read from the script's
//! `config = { … }` block and from `BPFTRACE_*` environment variables. A key
//! is written as `max_strlen`, `MAX_STRLEN` or `BPFTRACE_MAX_STRLEN`; what
//! the environment sets wins over the script, as in bpftrace.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::sema::Options;
use crate::syntax::ast::{ConfigEntry, ConfigValue};
use crate::types::StackMode;

/// What a program does about an attach point that matches nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingProbes {
    #[default]
    Error,
    Warn,
    Ignore,
}

/// The licenses the kernel accepts for GPL-only helpers, as bpftrace lists them.
const LICENSES: &[&str] = &[
    "GPL",
    "GPL v2",
    "GPL and additional rights",
    "Dual BSD/GPL",
    "Dual MIT/GPL",
    "Dual MPL/GPL",
];

/// What a key does with its text; an error is the reason, without the key.
enum Setter {
    /// Sets an option.
    Set(fn(&mut Options, &str) -> Result<(), String>),
    /// Only checks the value.
    Check(fn(&str) -> Result<(), String>),
}

impl Setter {
    fn apply(&self, options: &mut Options, value: &str) -> Result<(), String> {
        match self {
            Setter::Set(set) => set(options, value),
            Setter::Check(check) => check(value),
        }
    }
}

/// One config variable.
struct Key {
    /// Lower-case name without the `BPFTRACE_` prefix.
    name: &'static str,
    set: Setter,
}

/// Every config variable bpftrace v0.26 knows. Those marked "accepted"
/// are checked but change nothing: tracelet decides these itself.
const KEYS: &[Key] = &[
    // Characters, as in v0.26 (v0.21 counted the NUL): the buffer holds one more.
    Key {
        name: "max_strlen",
        set: Setter::Set(|o, v| {
            o.max_strlen = int_in(v, 1, 65535)? as u32 + 1;
            Ok(())
        }),
    },
    Key {
        name: "max_map_keys",
        set: Setter::Set(|o, v| {
            o.map_keys_max = int(v)?.clamp(1, u32::MAX as u64) as u32;
            Ok(())
        }),
    },
    Key {
        name: "perf_rb_pages",
        set: Setter::Set(|o, v| {
            o.ringbuf_pages = int_in(v, 1, 1 << 18)? as u32;
            Ok(())
        }),
    },
    Key {
        name: "stack_mode",
        set: Setter::Set(|o, v| {
            o.stack_mode = StackMode::from_name(v).ok_or_else(|| {
                format!("invalid stack mode `{v}`: valid values are bpftrace, perf and raw")
            })?;
            Ok(())
        }),
    },
    Key {
        name: "print_maps_on_exit",
        set: Setter::Set(|o, v| {
            o.print_maps_on_exit = boolean(v)?;
            Ok(())
        }),
    },
    Key {
        name: "str_trunc_trailer",
        set: Setter::Set(|o, v| {
            o.str_trunc_trailer = v.to_string();
            Ok(())
        }),
    },
    Key {
        name: "missing_probes",
        set: Setter::Set(|o, v| {
            o.missing_probes = match v.to_ascii_lowercase().as_str() {
                "error" => MissingProbes::Error,
                "warn" => MissingProbes::Warn,
                "ignore" => MissingProbes::Ignore,
                _ => return Err("valid values are ignore, warn and error".into()),
            };
            Ok(())
        }),
    },
    Key {
        name: "license",
        set: Setter::Set(|o, v| {
            if !LICENSES.contains(&v) {
                return Err(format!(
                    "invalid license `{v}`: valid values are {}",
                    LICENSES.join(", ")
                ));
            }
            o.license = v.to_string();
            Ok(())
        }),
    },
    Key {
        name: "max_probes",
        set: Setter::Set(|o, v| {
            o.max_probes = int(v)?.min(u32::MAX as u64) as u32;
            Ok(())
        }),
    },
    Key {
        name: "max_bpf_progs",
        set: Setter::Set(|o, v| {
            o.max_bpf_progs = int(v)?.min(u32::MAX as u64) as u32;
            Ok(())
        }),
    },
    // Accepted: tracelet places values on the stack or in scratch memory by
    // itself, keeps whole verifier logs, and symbolizes as it sees fit.
    accepted("on_stack_limit", |v| int(v).map(drop)),
    accepted("log_size", |v| int(v).map(drop)),
    accepted("max_cat_bytes", |v| int(v).map(drop)),
    accepted("cpp_demangle", |v| boolean(v).map(drop)),
    accepted("lazy_symbolication", |v| boolean(v).map(drop)),
    accepted("show_debug_info", |v| boolean(v).map(drop)),
    accepted("use_blazesym", |v| boolean(v).map(drop)),
    accepted("cache_user_symbols", |v| {
        match v.to_ascii_lowercase().as_str() {
            "per_pid" | "per_program" | "none" | "0" | "1" => Ok(()),
            _ => Err("valid values are PER_PID, PER_PROGRAM and NONE".into()),
        }
    }),
    accepted("unstable_import_statement", unstable),
    accepted("unstable_tseries", unstable),
    accepted("unstable_typeinfo", unstable),
    accepted("unstable_dw_ustack", unstable),
];

/// A key whose value is checked by `check` and otherwise has no effect.
const fn accepted(name: &'static str, check: fn(&str) -> Result<(), String>) -> Key {
    Key {
        name,
        set: Setter::Check(check),
    }
}

/// Older names bpftrace still recognises, to say what they became.
const RENAMED: &[(&str, &str)] = &[
    ("strlen", "max_strlen"),
    ("no_cpp_demangle", "cpp_demangle"),
    ("cat_bytes_max", "max_cat_bytes"),
    ("map_keys_max", "max_map_keys"),
];

/// Set only in the environment, never in a config block.
const ENV_ONLY: &[&str] = &["btf", "kernel_build", "kernel_source", "vmlinux"];

fn int(v: &str) -> Result<u64, String> {
    let parsed = match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.map_err(|_| format!("expecting a number, got `{v}`"))
}

fn int_in(v: &str, min: u64, max: u64) -> Result<u64, String> {
    let n = int(v)?;
    if !(min..=max).contains(&n) {
        return Err(format!(
            "{n} is out of range: use a value from {min} to {max}"
        ));
    }
    Ok(n)
}

fn boolean(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err("invalid bool value: valid values are true, false, 1 or 0".into()),
    }
}

fn unstable(v: &str) -> Result<(), String> {
    match v.to_ascii_lowercase().as_str() {
        "enable" | "warn" | "error" | "1" | "0" | "true" | "false" => Ok(()),
        _ => Err("valid values are enable, warn and error".into()),
    }
}

/// `max_strlen` for `MAX_STRLEN`, `BPFTRACE_MAX_STRLEN` and `max_strlen`.
fn canonical(key: &str) -> String {
    let lower = key.to_ascii_lowercase();
    lower
        .strip_prefix("bpftrace_")
        .map_or(lower.clone(), str::to_string)
}

/// The variable called `key`, or why there is none.
fn lookup(key: &str) -> Result<&'static Key, String> {
    let name = canonical(key);
    if let Some(k) = KEYS.iter().find(|k| k.name == name) {
        return Ok(k);
    }
    if let Some((_, new)) = RENAMED.iter().find(|(old, _)| *old == name) {
        return Err(format!("{key}: the key has been renamed to `{new}`"));
    }
    if ENV_ONLY.contains(&name.as_str()) {
        return Err(format!("{key}: can only be set as an environment variable"));
    }
    Err(format!("{key}: not a known configuration option"))
}

/// Options from the `BPFTRACE_*` variables in `env`; the error names the
/// variable. Variables bpftrace does not know are left alone, as it does.
pub fn from_env<'a>(env: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Options, String> {
    let mut options = Options::default();
    for (var, value) in env {
        let Some(rest) = var.strip_prefix("BPFTRACE_") else {
            continue;
        };
        // bpftrace's pre-v0.21 names are still honoured from the environment.
        let name = match rest {
            "STRLEN" => "max_strlen".to_string(),
            "MAP_KEYS_MAX" => "max_map_keys".to_string(),
            _ => rest.to_ascii_lowercase(),
        };
        let Some(key) = KEYS.iter().find(|k| k.name == name) else {
            continue;
        };
        key.set
            .apply(&mut options, value)
            .map_err(|why| format!("{var}={value}: {why}"))?;
        options.from_environment.push(key.name);
    }
    Ok(options)
}

/// `options` with the script's config block applied; keys the environment
/// set keep their values. Every bad entry is reported.
pub fn apply(entries: &[ConfigEntry], options: &Options) -> Result<Options, Diagnostics> {
    let mut out = options.clone();
    let mut errors = Vec::new();
    for entry in entries {
        let key = match lookup(&entry.key.name) {
            Ok(key) => key,
            Err(why) => {
                errors.push(Diagnostic::new(Code::Config, entry.span, why));
                continue;
            }
        };
        if options.from_environment.contains(&key.name) {
            continue;
        }
        let text = match &entry.value {
            ConfigValue::Int(n) => n.to_string(),
            ConfigValue::Str(s) | ConfigValue::Word(s) => s.clone(),
        };
        if let Err(why) = key.set.apply(&mut out, &text) {
            errors.push(Diagnostic::new(
                Code::Config,
                entry.value_span,
                format!("{}: {why}", entry.key.name),
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Diagnostics(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn applied(src: &str, env: &[(&str, &str)]) -> Result<Options, Vec<String>> {
        let program = parse(src).unwrap();
        let options = from_env(env.iter().copied()).unwrap();
        apply(&program.config, &options).map_err(|ds| ds.0.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn names_in_every_spelling() {
        let o = applied(
            "config = { max_strlen = 20; STACK_MODE = raw; BPFTRACE_PRINT_MAPS_ON_EXIT = 0 } BEGIN { }",
            &[],
        )
        .unwrap();
        assert_eq!(o.max_strlen, 21);
        assert_eq!(o.stack_mode, StackMode::Raw);
        assert!(!o.print_maps_on_exit);
    }

    #[test]
    fn program_limits_are_separate_keys() {
        let o = applied(
            "config = { max_bpf_progs = 5; max_probes = 2000 } BEGIN { }",
            &[],
        )
        .unwrap();
        assert_eq!((o.max_probes, o.max_bpf_progs), (2000, 5));
    }

    #[test]
    fn the_environment_wins() {
        let o = applied(
            "config = { stack_mode = perf; max_strlen = 9 } BEGIN { }",
            &[("BPFTRACE_STACK_MODE", "raw"), ("HOME", "/root")],
        )
        .unwrap();
        assert_eq!(o.stack_mode, StackMode::Raw);
        assert_eq!(o.max_strlen, 10);
    }

    #[test]
    fn strings_and_words() {
        let o = applied(
            "config = { license = \"Dual BSD/GPL\"; missing_probes = \"warn\"; str_trunc_trailer = \"~\" } BEGIN { }",
            &[],
        )
        .unwrap();
        assert_eq!(o.license, "Dual BSD/GPL");
        assert_eq!(o.missing_probes, MissingProbes::Warn);
        assert_eq!(o.str_trunc_trailer, "~");
    }

    #[test]
    fn every_bad_entry_is_reported() {
        let errors = applied(
            "config = { bad_config = raw; strlen = 3; max_strlen = x; license = \"Potato\"; btf = 1 } BEGIN { }",
            &[],
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "bad_config: not a known configuration option",
                "strlen: the key has been renamed to `max_strlen`",
                "max_strlen: expecting a number, got `x`",
                "license: invalid license `Potato`: valid values are GPL, GPL v2, GPL and additional rights, Dual BSD/GPL, Dual MIT/GPL, Dual MPL/GPL",
                "btf: can only be set as an environment variable",
            ]
        );
    }

    #[test]
    fn environment_errors_name_the_variable() {
        let e = from_env([("BPFTRACE_MAX_STRLEN", "70000")]).unwrap_err();
        assert_eq!(
            e,
            "BPFTRACE_MAX_STRLEN=70000: 70000 is out of range: use a value from 1 to 65535"
        );
        let o = from_env([("BPFTRACE_STRLEN", "7"), ("BPFTRACE_MAP_KEYS_MAX", "9")]).unwrap();
        assert_eq!((o.max_strlen, o.map_keys_max), (8, 9));
    }
}
