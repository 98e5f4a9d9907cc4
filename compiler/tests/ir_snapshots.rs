//! Snapshots of the typed IR, of two disassemblies and of one artifact summary.

use std::fmt::Write;
use tracelet_compiler::kernel_info::fixture::Fixture;
use tracelet_compiler::{Compiled, Options};

/// Compiles with every stage kept; the error is the first diagnostic.
fn compile(
    src: &str,
    kernel: &dyn tracelet_compiler::KernelInfo,
    options: &Options,
) -> Result<tracelet_compiler::Compiled, tracelet_compiler::Diagnostic> {
    tracelet_compiler::compile_stages(src, kernel, options).map_err(|ds| ds.0[0].clone())
}

fn compiled(src: &str) -> Compiled {
    compile(src, &Fixture::new(), &Options::default())
        .unwrap_or_else(|d| panic!("`{src}` does not compile: [{}] {}", d.code, d.message))
}

/// The program text, then each probe's typed IR under its name.
fn ir(src: &str) -> String {
    let mut out = format!("// {src}\n");
    for (inst, func) in &compiled(src).functions {
        writeln!(out, "\n== {}\n{func}", inst.name).unwrap();
    }
    out
}

/// The program text, then each program's and subprogram's instructions, one a line.
fn disassembly(src: &str) -> String {
    let c = compiled(src);
    let mut out = format!("// {src}\n");
    let programs = c
        .functions
        .iter()
        .map(|(inst, _)| &inst.name)
        .zip(&c.programs);
    let subprograms = c.subprograms.iter().map(|(symbol, p)| (symbol, p));
    for (name, prog) in programs.chain(subprograms) {
        writeln!(out, "\n== {name} (stack {} bytes)", prog.stack).unwrap();
        for (i, insn) in prog.insns.iter().enumerate() {
            let map = prog.map_relocs.iter().find(|(at, _)| *at == i);
            let func = prog.func_relocs.iter().find(|(at, _)| *at == i);
            let reloc = match (map, func) {
                (Some((_, m)), _) => format!("    ; map #{}", m.0),
                (_, Some((_, f))) => format!("    ; fn {}", c.subprograms[*f].0),
                _ => String::new(),
            };
            writeln!(out, "{i:4}: {insn}{reloc}").unwrap();
        }
    }
    out
}

fn summary(src: &str) -> String {
    let a = compiled(src).artifact;
    let mut out = format!("// {src}\n\nmaps:\n");
    for (i, m) in a.maps.iter().enumerate() {
        writeln!(
            out,
            "  #{i} {} {:?} key {} value {} max {}\n     {:?}",
            m.symbol, m.kind, m.key_size, m.value_size, m.max_entries, m.role
        )
        .unwrap();
    }
    out.push_str("events:\n");
    for (i, e) in a.events.iter().enumerate() {
        writeln!(out, "  #{i} {:?}", e.action).unwrap();
        for f in &e.fields {
            writeln!(out, "     +{} {}", f.offset, f.ty).unwrap();
        }
    }
    out.push_str("probes:\n");
    for p in &a.probes {
        writeln!(out, "  {} {} {:?}", p.symbol, p.name, p.attach).unwrap();
    }
    out
}

#[test]
fn ir_hello_world() {
    insta::assert_snapshot!(ir(r#"BEGIN { printf("hello world\n"); }"#));
}

#[test]
fn ir_count_by_comm() {
    insta::assert_snapshot!(ir(
        "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }"
    ));
}

#[test]
fn ir_hist_with_predicate() {
    insta::assert_snapshot!(ir(
        "tracepoint:syscalls:sys_exit_read /pid == 1234/ { @bytes = hist(args.ret); }"
    ));
}

#[test]
fn ir_printf_str() {
    insta::assert_snapshot!(ir(
        r#"tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }"#
    ));
}

#[test]
fn ir_if_else_ternary() {
    insta::assert_snapshot!(ir(
        r#"BEGIN { if (pid > 10) { @a = 1; } else if (pid == 5) { @a = 2; } else { @a = 3; } @s = tid > 1 ? "big" : "small"; @i = uid ? 7 : 8; }"#
    ));
}

#[test]
fn ir_aggregations() {
    insta::assert_snapshot!(ir(
        "BEGIN { @av = avg(pid); @mi = min(pid); @ma = max(pid); @st = stats(pid); @l = lhist(pid, 0, 100, 10); }"
    ));
}

#[test]
fn disassembly_hello_world() {
    insta::assert_snapshot!(disassembly(r#"BEGIN { printf("hello world\n"); }"#));
}

#[test]
fn disassembly_count_by_comm() {
    insta::assert_snapshot!(disassembly(
        "tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }"
    ));
}

#[test]
fn artifact_summary() {
    insta::assert_snapshot!(summary(
        r#"tracepoint:sched:sched_switch { @[args->prev_comm, pid] = hist(args->prev_pid); printf("%s %d\n", comm, pid); } profile:hz:99 { @k[kstack] = count(); } interval:s:1 { print(@k); clear(@k); exit(); }"#
    ));
}

#[test]
fn ir_while_break_continue() {
    insta::assert_snapshot!(ir(
        "BEGIN { $i = 0; while ($i < 10) { $i++; if ($i == 2) { continue; } if ($i > 5) { break; } @[$i] = count(); } }"
    ));
}

#[test]
fn disassembly_while_loop() {
    insta::assert_snapshot!(disassembly(
        "BEGIN { $i = 0; while ($i < 100) { $i++; @s = sum($i); } }"
    ));
}

#[test]
fn ir_for_range_callback() {
    insta::assert_snapshot!(ir(
        "BEGIN { for ($i : 1..5) { if ($i == 3) { continue; } if ($i > 3) { break; } @s = sum($i); } }"
    ));
}

#[test]
fn ir_for_map_callback() {
    insta::assert_snapshot!(ir(
        "BEGIN { @m[1, \"a\"] = 2; $n = 0; for ($kv : @m) { if ($kv.1 == 0) { continue; } $n += $kv.0.0; if ($n > 9) { break; } } @n = sum($n); }"
    ));
}

#[test]
fn disassembly_for_map_callback_of_a_count_map() {
    insta::assert_snapshot!(disassembly(
        "BEGIN { @c[5] = count(); for ($kv : @c) { @s = sum($kv.1); } }"
    ));
}

#[test]
fn disassembly_for_range_callback() {
    insta::assert_snapshot!(disassembly(
        "BEGIN { $n = 0; for ($i : 0..10) { $n += $i; } @n = sum($n); }"
    ));
}

#[test]
fn ir_map_queries_and_strlen() {
    insta::assert_snapshot!(ir(
        "BEGIN { @m[1] = 2; @h = has_key(@m, 1); @n = len(@m); $s = \"abc\"; @l = strlen($s); }"
    ));
}
