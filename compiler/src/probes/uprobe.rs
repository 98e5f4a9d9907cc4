//! `uprobe:BINARY:FUNCTION[+OFFSET]`, `uprobe:BINARY:0xADDRESS` and
//! `uretprobe:BINARY:FUNCTION`: dynamic probes on user-space functions.
//! BINARY is a path or a library name (`libc`); `*` in FUNCTION expands
//! through the binary's symbol table, one program per matching function.

use super::kprobe::parse_offset;
use super::{
    bad_attach, wrong_parts, ContextBuiltin, ProbeContext, ProbeInstance, Provider, Wildcard,
};
use crate::artifact::{AttachPlan, UprobeTarget};
use crate::diagnostic::{did_you_mean, Code, Diagnostic, Result};
use crate::kernel_info::KernelInfo;
use crate::syntax::ast::AttachPoint;
use crate::types::AddrSpace;

pub struct Uprobe;
pub struct Uretprobe;

fn uprobe(
    parts: &[&str],
    ap: &AttachPoint,
    kernel: &dyn KernelInfo,
    ret: bool,
) -> Result<Vec<ProbeInstance>> {
    let kind = if ret { "uretprobe" } else { "uprobe" };
    let usage = if ret {
        "uretprobe:BINARY:FUNCTION"
    } else {
        "uprobe:BINARY:FUNCTION[+OFFSET] or uprobe:BINARY:0xADDRESS"
    };
    let [binary, target] = parts else {
        return Err(wrong_parts(ap, usage));
    };
    if binary.is_empty() || target.is_empty() {
        return Err(bad_attach(
            ap,
            format!("`{}` lacks a binary or a function", ap.text),
            usage,
        ));
    }
    let path = kernel.resolve_binary(binary).map_err(|e| {
        Diagnostic::new(
            Code::Probe,
            ap.span,
            format!("cannot find the binary `{binary}` of {kind}: {e}"),
        )
        .with_help("give a path to an executable or a library, or a library name such as `libc`")
    })?;
    let instance = |target_text: &str, target: UprobeTarget, func: &str| ProbeInstance {
        name: format!("{kind}:{binary}:{target_text}"),
        section: kind,
        attach: AttachPlan::Uprobe {
            binary: path.clone(),
            target,
            ret,
        },
        context: ProbeContext::Regs {
            space: AddrSpace::User,
            ret,
            func: func.into(),
        },
    };

    // An address: `0x…` or decimal digits.
    if target.starts_with(|c: char| c.is_ascii_digit()) {
        if ret {
            return Err(bad_attach(
                ap,
                "uretprobe attaches to a function, not an address",
                usage,
            ));
        }
        let addr = parse_offset(target)
            .ok_or_else(|| bad_attach(ap, format!("bad address `{target}`"), usage))?;
        return Ok(vec![instance(target, UprobeTarget::Address(addr), target)]);
    }

    let (function, offset) = match target.split_once('+') {
        Some((_, _)) if ret => {
            return Err(bad_attach(ap, "uretprobe does not take an offset", usage))
        }
        Some((f, off)) => {
            let off = parse_offset(off)
                .ok_or_else(|| bad_attach(ap, format!("bad offset `{off}`"), usage))?;
            (f, off)
        }
        None => (*target, 0),
    };
    let symbols = kernel.binary_symbols(&path).map_err(|e| {
        Diagnostic::new(
            Code::Probe,
            ap.span,
            format!("cannot read the symbols of `{binary}`: {e}"),
        )
    })?;
    let symbol = |name: &str| UprobeTarget::Symbol {
        symbol: name.into(),
        offset,
    };

    if function.contains('*') {
        if offset != 0 {
            return Err(bad_attach(ap, "an offset cannot follow a wildcard", usage));
        }
        let pattern = Wildcard::new(function);
        let matches: Vec<ProbeInstance> = symbols
            .iter()
            .filter(|s| pattern.matches(s))
            .map(|s| instance(s, symbol(s), s))
            .collect();
        if matches.is_empty() {
            return Err(Diagnostic::new(
                Code::Missing,
                ap.span,
                format!("no function of {binary} matches `{function}`"),
            ));
        }
        return Ok(matches);
    }

    if function.is_empty() || !symbols.iter().any(|s| s == function) {
        let d = Diagnostic::new(
            Code::Missing,
            ap.span,
            format!("function `{function}` not found in {binary}"),
        );
        return Err(
            match did_you_mean(function, symbols.iter().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{kind}:{binary}:{s}`?")),
                None => d,
            },
        );
    }
    Ok(vec![instance(target, symbol(function), function)])
}

impl Provider for Uprobe {
    fn names(&self) -> &'static [&'static str] {
        &["uprobe", "u"]
    }
    fn doc(&self) -> &'static str {
        "uprobe:/bin/bash:readline { @[comm] = count(); }: entry of a user-space function"
    }
    fn context(&self) -> &'static [ContextBuiltin] {
        &[ContextBuiltin::Arg, ContextBuiltin::Func]
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        kernel: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        uprobe(parts, ap, kernel, false)
    }
}

impl Provider for Uretprobe {
    fn names(&self) -> &'static [&'static str] {
        &["uretprobe", "ur"]
    }
    fn doc(&self) -> &'static str {
        "uretprobe:/bin/bash:readline { @[retval] = count(); }: return of a user-space function"
    }
    fn context(&self) -> &'static [ContextBuiltin] {
        &[ContextBuiltin::Retval, ContextBuiltin::Func]
    }
    fn expand(
        &self,
        parts: &[&str],
        ap: &AttachPoint,
        kernel: &dyn KernelInfo,
    ) -> Result<Vec<ProbeInstance>> {
        uprobe(parts, ap, kernel, true)
    }
}
