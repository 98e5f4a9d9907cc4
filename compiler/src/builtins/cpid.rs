//! `cpid`: the pid of the command started with `-c`. The runtime spawns the
//! command (held before `exec`) before compiling, so the pid is known here
//! and is compiled in as a constant ([`crate::Options::cpid`]).

use super::{Builtin, Call, Form};
use crate::diagnostic::{Code, Diagnostic, Result};
use crate::sema::lower::{Lowered, Lowerer};
use crate::types::Type;

/// `cpid`: the child's pid, a `uint32`.
pub struct Cpid;

impl Builtin for Cpid {
    fn name(&self) -> &'static str {
        "cpid"
    }
    fn doc(&self) -> &'static str {
        "cpid: pid of the command run with -c, e.g. tracelet -c 'ls' -e 't:syscalls:sys_enter_openat /pid == cpid/ { @ = count(); }'"
    }
    fn form(&self) -> Form {
        Form::Variable
    }
    fn lower(&self, cx: &mut Lowerer, call: &Call) -> Result<Lowered> {
        let Some(pid) = cx.options().cpid else {
            let mut d = Diagnostic::new(
                Code::Type,
                call.span,
                "cpid cannot be used without child command",
            );
            d.help = Some("run a command with -c 'CMD'; cpid is its pid".into());
            return Err(d);
        };
        Ok(Lowered::Reg(
            cx.constant(i64::from(pid), Type::U32),
            Type::U32,
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::kernel_info::fixture::Fixture;
    use crate::{compile_stages as compile, Options};

    #[test]
    fn cpid_without_a_child_is_an_error() {
        let src = r#"BEGIN { printf("%d\n", cpid); }"#;
        let err = compile(src, &Fixture::new(), &Options::default())
            .unwrap_err()
            .0
            .remove(0);
        assert_eq!(err.message, "cpid cannot be used without child command");
        assert_eq!(&src[err.span.start..err.span.end], "cpid");
    }

    #[test]
    fn cpid_is_a_u32_constant() {
        let options = Options {
            cpid: Some(4_000_000_000),
            ..Options::default()
        };
        let src = "tracepoint:sched:sched_switch /pid == cpid/ { @[cpid] = count(); }";
        let compiled = compile(src, &Fixture::new(), &options).expect("compiles");
        let ir = compiled.functions[0].1.to_string();
        assert!(ir.contains("4000000000"), "{ir}");
    }
}
