//! Checking and lowering: AST → typed IR, with every map's types fixed by all
//! its uses across probes, then the whole pipeline down to an [`Artifact`].

pub mod lower;
pub mod maps;

use crate::artifact::{
    key_fields, Action, Artifact, MapRole, MapSpec, MapType, ProbeSpec, SourceLocation,
};
use crate::builtins;
use crate::codegen::{self, ElfProgram, ElfSubprogram, Program, RuntimeMaps};
use crate::config::MissingProbes;
use crate::ctypes::CTypes;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Result, Span};
use crate::ir::{Function, MapId};
use crate::kernel_info::KernelInfo;
use crate::probes::{self, ProbeInstance};
use crate::syntax::ast;
use crate::types::{StackMode, Type};
use lower::{Lowerer, RuntimeMapIds};
use maps::MapTable;
use std::collections::BTreeMap;

/// Settings that change code generation (bpftrace's config variables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Size of `str()` buffers, the NUL included: `max_strlen` + 1.
    pub max_strlen: u32,
    /// Entries per map (`BPFTRACE_MAP_KEYS_MAX`).
    pub map_keys_max: u32,
    /// Pages of the output ring buffer, a power of two (`BPFTRACE_PERF_RB_PAGES`).
    pub ringbuf_pages: u32,
    /// The pid of the command run with `-c`, the value of `cpid`; `None`
    /// without `-c` (then `cpid` is an error).
    pub cpid: Option<u32>,
    /// The script's positional parameters: `$1` is `positional[0]`.
    pub positional: Vec<String>,
    /// What messages call the script: its file name, or `stdin` for `-e`.
    pub source_name: String,
    /// Named program options given after `--`, without the leading `--`:
    /// `depth=3`, or `verbose` for a bare flag (read by `getopt()`).
    pub named_params: Vec<String>,
    /// How `kstack` and `ustack` print when the call names no mode (`stack_mode`).
    pub stack_mode: StackMode,
    /// Print every map at exit (`print_maps_on_exit`).
    pub print_maps_on_exit: bool,
    /// Appended to strings `str()` cut short (`str_trunc_trailer`).
    pub str_trunc_trailer: String,
    /// What to do about attach points that match nothing (`missing_probes`).
    pub missing_probes: MissingProbes,
    /// The license the programs are loaded under (`license`).
    pub license: String,
    /// Most probes one script may attach (`max_probes`).
    pub max_probes: u32,
    /// Most BPF programs one script may generate (`max_bpf_progs`).
    pub max_bpf_progs: u32,
    /// Config keys the environment set: a config block leaves them alone.
    pub from_environment: Vec<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_strlen: 64,
            map_keys_max: 4096,
            ringbuf_pages: 256,
            cpid: None,
            positional: Vec::new(),
            source_name: "stdin".into(),
            named_params: Vec::new(),
            stack_mode: StackMode::Bpftrace,
            print_maps_on_exit: true,
            str_trunc_trailer: crate::artifact::STR_TRUNC_TRAILER.into(),
            missing_probes: MissingProbes::Error,
            license: "GPL".into(),
            max_probes: 1024,
            max_bpf_progs: 1024,
            from_environment: Vec::new(),
        }
    }
}

/// Every stage's result, for `-d` and for loading.
#[derive(Debug)]
pub struct Compiled {
    pub ast: ast::Program,
    /// Per program: its probe instance and typed IR.
    pub functions: Vec<(ProbeInstance, Function)>,
    /// Per program: the span of the attach point it came from.
    pub spans: Vec<Span>,
    pub programs: Vec<Program>,
    /// Callback subprograms of every program, by ELF symbol; programs'
    /// `func_relocs` index this list.
    pub subprograms: Vec<(String, Program)>,
    pub artifact: Artifact,
    /// What is worth saying about a program that compiled (skipped probes).
    pub warnings: Vec<Diagnostic>,
}

/// Frames kept per kernel stack.
pub const MAX_STACK_FRAMES: u32 = 127;

/// Stack for the compiler thread: parsing and lowering recurse on nesting.
const COMPILER_STACK: usize = 256 << 20;

/// Compiles a whole script to the artifact the runtime loads.
pub fn compile(
    src: &str,
    kernel: &dyn KernelInfo,
    options: &Options,
) -> std::result::Result<Artifact, Diagnostics> {
    compile_stages(src, kernel, options).map(|c| c.artifact)
}

/// Parses, checks, lowers and generates code for a whole script, keeping
/// every stage (for `-d`). Runs on a thread with a large stack so deeply
/// nested programs get a diagnostic, not a stack overflow.
pub fn compile_stages(
    src: &str,
    kernel: &dyn KernelInfo,
    options: &Options,
) -> std::result::Result<Compiled, Diagnostics> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("compiler".into())
            .stack_size(COMPILER_STACK)
            .spawn_scoped(s, || compile_here(src, kernel, options))
            .map(|t| t.join())
    })
    .map_err(|e| {
        Diagnostic::new(
            Code::Codegen,
            Span::default(),
            format!("cannot start the compiler: {e}"),
        )
    })?
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn compile_here(
    src: &str,
    kernel: &dyn KernelInfo,
    options: &Options,
) -> std::result::Result<Compiled, Diagnostics> {
    let mut program = crate::syntax::parse(src)?;
    let within_macros = |expansions: &[ast::Expansion], ds: Diagnostics| {
        let annotated = ds.0.into_iter();
        Diagnostics(
            annotated
                .map(|d| crate::macros::annotate(expansions, d))
                .collect(),
        )
    };
    crate::macros::expand(&mut program).map_err(|ds| within_macros(&program.expansions, ds))?;
    let expansions = program.expansions.clone();
    compile_expanded(program, src, kernel, options).map_err(|ds| within_macros(&expansions, ds))
}

/// The C types of the script's definitions, in order.
fn c_types(defs: &[ast::CDefinition]) -> std::result::Result<CTypes, Diagnostics> {
    let mut types = CTypes::default();
    for d in defs {
        crate::ctypes::parse_definitions(&mut types, &d.text, d.span.start)?;
    }
    Ok(types)
}

/// Compiles a program whose macros are expanded.
fn compile_expanded(
    program: ast::Program,
    src: &str,
    kernel: &dyn KernelInfo,
    options: &Options,
) -> std::result::Result<Compiled, Diagnostics> {
    let options = &crate::config::apply(&program.config, options)?;
    builtins::getopt::check_given(&program, &options.named_params)?;
    let mut warnings = Vec::new();
    let declared = maps::declarations(&program.map_decls)?;
    let ctypes = c_types(&program.c_definitions)?;
    let instances = expand_probes(&program, kernel, options, &mut warnings)?;
    let mut table = MapTable::default();
    // A map's type may come from a later probe or statement than a use (a
    // `for` over it, `@m.0`): lower again until the types settle, and only
    // then count the errors, which may have come from provisional types.
    let mut lowered = Err(Diagnostics::default());
    for _ in 0..8 {
        let before = table.clone();
        lowered = lower_all(&instances, &mut table, options, kernel, &ctypes);
        if table == before {
            break;
        }
        if lowered.is_ok() {
            lowered = Err(Diagnostic::new(
                Code::Type,
                Span::default(),
                "map types did not settle; please report this program",
            )
            .into());
        }
        if table.var_types != before.var_types {
            // Maps typed from a variable's placeholder are stale.
            let var_types = std::mem::take(&mut table.var_types);
            table = MapTable {
                var_types,
                ..MapTable::default()
            };
        }
    }
    let (functions, mut events) = lowered?;
    for event in &mut events {
        if let Action::MapFull { location } = &mut event.action {
            *location = SourceLocation::new(location.span, src, &options.source_name);
        }
    }
    let scratch = functions
        .iter()
        .filter_map(|(_, f)| codegen::scratch_bytes(f))
        .max();
    for (name, d) in &declared {
        if table.get(name).is_none() {
            warnings.push(Diagnostic::new(
                Code::Name,
                d.span,
                format!("unused map: {name}"),
            ));
        }
    }
    let maps = map_specs(&table, &declared, options, scratch)?;
    let runtime = runtime_ids(&table);
    let scratch = maps
        .iter()
        .position(|m| m.role == MapRole::Scratch)
        .map(MapId);
    let mut programs = Vec::new();
    let mut subprograms: Vec<(String, Program, u8)> = Vec::new();
    let mut probes = Vec::new();
    for (i, (inst, func)) in functions.iter().enumerate() {
        let maps = RuntimeMaps {
            output: runtime.output,
            lost: runtime.lost,
            scratch,
        };
        let (mut prog, subs) = codegen::emit_with_callbacks(func, maps)
            .map_err(|msg| Diagnostic::new(Code::Codegen, instances[i].2, msg))?;
        let symbol = program_symbol(i, inst);
        let base = subprograms.len();
        prog.func_relocs.iter_mut().for_each(|(_, t)| *t += base);
        for (k, (mut sub, args)) in subs.into_iter().enumerate() {
            sub.func_relocs.iter_mut().for_each(|(_, t)| *t += base);
            subprograms.push((format!("{symbol}_fn{k}"), sub, args));
        }
        programs.push(prog);
        probes.push(ProbeSpec {
            symbol,
            name: inst.name.clone(),
            attach: inst.attach.clone(),
        });
    }
    let elf_programs: Vec<ElfProgram> = probes
        .iter()
        .zip(&programs)
        .zip(&functions)
        .map(|((spec, prog), (inst, _))| ElfProgram {
            section: format!("{}/{}", inst.section, spec.symbol),
            symbol: &spec.symbol,
            program: prog,
        })
        .collect();
    let elf_subprograms: Vec<ElfSubprogram> = subprograms
        .iter()
        .map(|(symbol, program, args)| ElfSubprogram {
            symbol,
            program,
            args: *args,
        })
        .collect();
    let elf = codegen::write_elf(&options.license, &maps, &elf_programs, &elf_subprograms)
        .map_err(|msg| {
            Diagnostic::new(
                Code::Codegen,
                Span::default(),
                format!("cannot write the ELF object: {msg}"),
            )
        })?;
    let artifact = Artifact {
        elf,
        probes,
        maps,
        events,
        max_strlen: options.max_strlen,
        str_trunc_trailer: options.str_trunc_trailer.clone(),
        print_maps_on_exit: options.print_maps_on_exit,
    };
    let spans = instances.iter().map(|(_, _, span)| *span).collect();
    Ok(Compiled {
        ast: program,
        functions,
        spans,
        programs,
        subprograms: subprograms.into_iter().map(|(s, p, _)| (s, p)).collect(),
        artifact,
        warnings,
    })
}

/// Expands every attach point; each instance pairs with the probe it came
/// from. Every attach point's error is collected.
/// Expands every attach point. One that names nothing that exists is an
/// error, a warning or skipped silently, as `missing_probes` says; so is a
/// probe left without attach points.
fn expand_probes<'p>(
    program: &'p ast::Program,
    kernel: &dyn KernelInfo,
    options: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> std::result::Result<Vec<Instance<'p>>, Diagnostics> {
    let mut out = Vec::new();
    let mut errors = Diagnostics::default();
    for probe in &program.probes {
        let before = out.len();
        let mut skipped = false;
        for ap in &probe.attach_points {
            let with_params = lower::substitute_in_attach_point(ap, &options.positional);
            let expanded = match with_params.and_then(|ap| probes::expand(&ap, kernel)) {
                Err(d)
                    if d.code == Code::Missing
                        && options.missing_probes != MissingProbes::Error =>
                {
                    if options.missing_probes == MissingProbes::Warn {
                        warnings.push(d.with_label("skipped: missing_probes allows it"));
                    }
                    skipped = true;
                    continue;
                }
                other => other,
            };
            for inst in errors.take(expanded).unwrap_or_default() {
                out.push((inst, probe, ap.span));
            }
        }
        if skipped && out.len() == before && options.missing_probes == MissingProbes::Warn {
            warnings.push(Diagnostic::new(
                Code::Missing,
                probe.span,
                "this probe has no attach point left and is removed",
            ));
        }
    }
    if out.is_empty() && errors.0.is_empty() {
        let span = program.probes.first().map_or(Span::default(), |p| p.span);
        errors.push(Diagnostic::new(
            Code::Missing,
            span,
            "no probe is left to attach: every attach point is missing",
        ));
    }
    // Every probe instance is one BPF program.
    let limits = [
        ("max_probes", options.max_probes),
        ("max_bpf_progs", options.max_bpf_progs),
    ];
    if let Some((key, limit)) = limits.into_iter().find(|(_, l)| out.len() > *l as usize) {
        errors.push(
            Diagnostic::new(
                Code::Probe,
                program.probes.first().map_or(Span::default(), |p| p.span),
                format!(
                    "the program would attach {} probes, more than {key} ({limit})",
                    out.len()
                ),
            )
            .with_help(format!(
                "raise it with `config = {{ {key} = N }}` or BPFTRACE_{}",
                key.to_uppercase()
            )),
        );
    }
    errors.finish(out)
}

/// A probe instance, the probe it belongs to, and its attach point's span.
type Instance<'p> = (ProbeInstance, &'p ast::Probe, Span);

type LoweredProbes = (
    Vec<(ProbeInstance, Function)>,
    Vec<crate::artifact::EventSpec>,
);

/// Lowers every probe instance, collecting the errors of each probe (one
/// per probe: a probe's later errors may follow from its first). A probe
/// expanded to many instances reports its error once.
fn lower_all(
    instances: &[Instance],
    table: &mut MapTable,
    options: &Options,
    kernel: &dyn KernelInfo,
    ctypes: &CTypes,
) -> std::result::Result<LoweredProbes, Diagnostics> {
    let mut events = Vec::new();
    let mut functions = Vec::new();
    let mut errors = Diagnostics::default();
    for (inst, probe, _) in instances {
        let runtime = runtime_ids(table);
        let lowerer = Lowerer::new(table, &mut events, inst, options, runtime, kernel, ctypes);
        if let Some(func) = errors.take(lowerer.lower_probe(probe.predicate.as_ref(), &probe.body))
        {
            functions.push((inst.clone(), func));
        }
    }
    errors.finish((functions, events))
}

fn runtime_ids(table: &MapTable) -> RuntimeMapIds {
    let n = table.maps.len();
    RuntimeMapIds {
        output: MapId(n),
        lost: MapId(n + 1),
        start: MapId(n + 2),
        stacks: MapId(n + 3),
    }
}

/// Kernel names allow `[A-Za-z0-9_.]` only.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn program_symbol(i: usize, inst: &ProbeInstance) -> String {
    let tail = inst.name.rsplit(':').next().unwrap_or("");
    format!("tl_{i}_{}", sanitize(tail))
}

/// Script maps in name order, then the runtime's own; `scratch` is the value
/// size of the scratch map, when a program needs one.
fn map_specs(
    table: &MapTable,
    declared: &BTreeMap<String, maps::Declared>,
    options: &Options,
    scratch: Option<u32>,
) -> Result<Vec<MapSpec>> {
    let mut specs = Vec::new();
    for (i, (name, info)) in table.maps.iter().enumerate() {
        let value = info.value.clone().ok_or_else(|| {
            Diagnostic::new(
                Code::Name,
                info.span,
                format!("map {name} is used but never assigned a value"),
            )
        })?;
        let keys = info.keys.clone().unwrap_or_default();
        let key_size = Type::Tuple(key_fields(&keys, &value)).size();
        let declaration = declared.get(name);
        specs.push(MapSpec {
            symbol: format!("m{i}_{}", sanitize(name.trim_start_matches('@'))),
            kind: maps::map_type(name, &value, declaration)?,
            key_size,
            value_size: value.size(),
            max_entries: declaration.map_or(options.map_keys_max, |d| d.max_entries),
            role: MapRole::Script {
                name: name.clone(),
                keys,
                value,
            },
        });
    }
    let runtime = |symbol: &str, kind, key_size, value_size, max_entries, role| MapSpec {
        symbol: symbol.into(),
        kind,
        key_size,
        value_size,
        max_entries,
        role,
    };
    specs.push(runtime(
        "tl_output",
        MapType::RingBuf,
        0,
        0,
        options.ringbuf_pages.clamp(1, 1 << 18).next_power_of_two() * 4096,
        MapRole::Output,
    ));
    specs.push(runtime(
        "tl_lost",
        MapType::PerCpuArray,
        4,
        8,
        1,
        MapRole::Lost,
    ));
    specs.push(runtime(
        "tl_start",
        MapType::Array,
        4,
        8,
        1,
        MapRole::StartTime,
    ));
    if table.uses_stacks {
        specs.push(runtime(
            "tl_stacks",
            MapType::StackTrace,
            4,
            8 * MAX_STACK_FRAMES,
            4096,
            MapRole::Stacks,
        ));
    }
    if let Some(bytes) = scratch {
        specs.push(runtime(
            "tl_scratch",
            MapType::PerCpuArray,
            4,
            bytes.min(codegen::SCRATCH_LIMIT),
            1,
            MapRole::Scratch,
        ));
    }
    Ok(specs)
}
