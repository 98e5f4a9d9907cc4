//! A program the verifier rejects is reported with the probe's name and the
//! verifier's own words. tracelet never generates one on purpose, so this test
//! builds a bad program by hand: a tracepoint reading its context below the
//! common header, which the kernel forbids.

mod common;

use tracelet_compiler::artifact::{AttachPlan, ProbeSpec};
use tracelet_compiler::codegen::{emit, write_elf, ElfProgram, RuntimeMaps};
use tracelet_compiler::ir::{Builder, MapId};
use tracelet_compiler::types::Type;
use tracelet_compiler::Artifact;

#[test]
fn a_rejected_program_names_its_probe_and_quotes_the_verifier() {
    if !common::root_or_skip("verifier_rejection") {
        return;
    }
    let mut b = Builder::new();
    b.load_ctx(2, 2, Type::U64);
    let func = b.finish();
    let unused = MapId(usize::MAX);
    let program = emit(
        &func,
        RuntimeMaps {
            output: unused,
            lost: unused,
            scratch: None,
        },
    )
    .unwrap();
    let spec = ProbeSpec {
        symbol: "tl_bad".into(),
        name: "tracepoint:sched:sched_switch".into(),
        attach: AttachPlan::Tracepoint {
            category: "sched".into(),
            event: "sched_switch".into(),
        },
    };
    let elf = write_elf(
        "GPL",
        &[],
        &[ElfProgram {
            section: "tracepoint/tl_bad".into(),
            symbol: "tl_bad",
            program: &program,
        }],
        &[],
    )
    .unwrap();
    let artifact = Artifact {
        elf,
        probes: vec![spec],
        maps: vec![],
        events: vec![],
        max_strlen: 64,
        str_trunc_trailer: "..".into(),
        print_maps_on_exit: true,
    };
    let err = tracelet_runtime::dry_run(&artifact).expect_err("the verifier must reject it");
    assert_eq!(err.probe.as_deref(), Some("tracepoint:sched:sched_switch"));
    assert!(
        err.message.starts_with(
            "the kernel verifier rejected the program for tracepoint:sched:sched_switch"
        ),
        "{err}"
    );
    assert!(
        err.message.contains("invalid bpf_context access"),
        "the verifier's words: {err}"
    );
    assert!(err
        .help
        .as_deref()
        .is_some_and(|h| h.contains("compiler bug")));
}
