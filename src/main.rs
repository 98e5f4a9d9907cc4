//! tracelet: bpftrace-compatible tracing, compiled straight to eBPF.

mod diagnostics;

use clap::{Parser, ValueEnum};
use diagnostics::{report, report_plain, Source};
use std::io::Read;
use std::process::ExitCode;
use tracelet_compiler::{compile, Diagnostic, Options};
use tracelet_runtime::kernel::LiveKernel;
use tracelet_runtime::output::OutputFormat;
use tracelet_runtime::RunOptions;

/// Trace a live Linux system with bpftrace scripts, compiled straight to eBPF.
#[derive(Parser, Debug)]
#[command(name = "tracelet", version, about, disable_version_flag = true)]
struct Cli {
    /// The program to run, given on the command line.
    #[arg(short = 'e', value_name = "PROGRAM")]
    program: Option<String>,
    /// A script file to run (or `-` for standard input; with -l, a probe
    /// search), then the script's positional parameters `$1`, `$2`, …; with
    /// -e, all of these are parameters.
    #[arg(value_name = "FILE [ARGS]", allow_hyphen_values = true)]
    args: Vec<String>,
    /// Do not print the `Attaching N probes...` banner.
    #[arg(short = 'q')]
    quiet: bool,
    /// Print one compilation stage and exit (needs no privileges).
    #[arg(short = 'd', value_name = "STAGE")]
    dump: Option<Stage>,
    /// Compile and load every program through the verifier, attach nothing.
    #[arg(long = "dry-run")]
    dry_run: bool,
    /// Output format.
    #[arg(short = 'f', value_name = "FORMAT", default_value = "text")]
    format: Format,
    /// List probes matching SEARCH (the FILE argument), or the probes of a
    /// program given with -e or as a script file.
    #[arg(short = 'l')]
    list: bool,
    /// Run CMD (split into words, no shell; looked up in PATH) once every
    /// probe is attached, and stop when it exits; `cpid` is its pid.
    #[arg(short = 'c', value_name = "CMD")]
    command: Option<String>,
    /// Write the program's output to FILE instead of stdout.
    #[arg(short = 'o', value_name = "FILE")]
    output: Option<String>,
    /// With -l: also print each tracepoint's arguments.
    #[arg(short = 'v', requires = "list")]
    verbose: bool,
    /// Print the version.
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

impl Cli {
    /// The script file (or -l search), when the program is not given with -e.
    fn file(&self) -> Option<&String> {
        self.args.first().filter(|_| self.program.is_none())
    }

    /// The positional parameters `$1`, `$2`, …
    fn params(&self) -> &[String] {
        let skip = usize::from(self.program.is_none()).min(self.args.len());
        &self.args[skip..]
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Stage {
    Ast,
    Ir,
    Bpf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Usage errors exit 1 like every other error (bpftrace's convention);
        // --help and --version print and exit 0.
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(1),
    }
}

fn read_source(cli: &Cli) -> Result<Source, ()> {
    if let Some(p) = &cli.program {
        return Ok(Source {
            name: "stdin".into(),
            text: p.clone(),
        });
    }
    let Some(path) = cli.file() else {
        report_plain(
            "no program given",
            Some("pass a one-liner with -e 'PROGRAM', a script file, or - for stdin"),
        );
        return Err(());
    };
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::read_to_string(path).map(|t| text = t)
    };
    read.map_err(|e| report_plain(&format!("cannot read {path}: {e}"), None))?;
    Ok(Source {
        name: if path == "-" {
            "stdin".into()
        } else {
            path.clone()
        },
        text,
    })
}

/// Compiler settings from bpftrace's environment variables.
fn options_from_env() -> Result<Options, ()> {
    let mut options = Options::default();
    let var = |name: &str| -> Result<Option<u32>, ()> {
        match std::env::var(name) {
            Err(_) => Ok(None),
            Ok(v) => v
                .parse()
                .map(Some)
                .map_err(|_| report_plain(&format!("{name}={v} is not a number"), None)),
        }
    };
    if let Some(n) = var("BPFTRACE_MAX_STRLEN")?.or(var("BPFTRACE_STRLEN")?) {
        if !(1..=4096).contains(&n) {
            report_plain(
                &format!("BPFTRACE_MAX_STRLEN={n} is out of range"),
                Some("use a value from 1 to 4096"),
            );
            return Err(());
        }
        options.max_strlen = n;
    }
    if let Some(n) = var("BPFTRACE_PERF_RB_PAGES")? {
        if !(1..=1 << 18).contains(&n) {
            report_plain(
                &format!("BPFTRACE_PERF_RB_PAGES={n} is out of range"),
                Some("use a value from 1 to 262144"),
            );
            return Err(());
        }
        options.ringbuf_pages = n;
    }
    if let Some(n) = var("BPFTRACE_MAP_KEYS_MAX")? {
        options.map_keys_max = n.max(1);
    }
    Ok(options)
}

fn run(cli: Cli) -> Result<(), ()> {
    if cli.list {
        return list_probes(&cli);
    }
    let src = read_source(&cli)?;
    let mut options = options_from_env()?;
    options.positional = cli.params().to_vec();
    let fail = |d: Diagnostic| report(&src, &d);
    if let Some(Stage::Ast) = cli.dump {
        let ast = tracelet_compiler::syntax::parse(&src.text).map_err(fail)?;
        print_stdout(&format!("{ast:#?}\n"));
        return Ok(());
    }
    if cli.dump.is_none() {
        tracelet_runtime::kernel::require_root().map_err(|msg| report_plain(&msg, None))?;
    }
    let kernel: Box<dyn tracelet_compiler::KernelInfo> = match LiveKernel::new() {
        Ok(k) => Box::new(k),
        Err(e) if cli.dump.is_some() => {
            eprintln!("warning: no tracefs ({e}); tracepoints are unknown");
            Box::new(tracelet_compiler::kernel_info::fixture::Fixture::new())
        }
        Err(e) => {
            report_plain(&format!("cannot read tracefs: {e}"), None);
            return Err(());
        }
    };
    // -o: opened (truncated) before compiling, as bpftrace does.
    let output = match &cli.output {
        Some(path) if cli.dump.is_none() && !cli.dry_run => {
            Some(std::fs::File::create(path).map_err(|e| {
                report_plain(
                    &format!("cannot open output file {path}: {}", os_message(&e)),
                    None,
                )
            })?)
        }
        _ => None,
    };
    // -c: the command is started held before compiling, so that `cpid` is
    // known to the compiler; if anything fails from here on, dropping it
    // kills and reaps it. -d and --dry-run only check that it can be found.
    let child = match &cli.command {
        Some(cmd) if cli.dump.is_none() && !cli.dry_run => {
            let child =
                tracelet_runtime::Child::spawn_held(cmd).map_err(|msg| report_plain(&msg, None))?;
            options.cpid = Some(child.pid());
            Some(child)
        }
        Some(cmd) => {
            check_command(cmd)?;
            options.cpid = Some(0);
            None
        }
        None => None,
    };
    let compiled = compile(&src.text, kernel.as_ref(), &options).map_err(fail)?;
    match cli.dump {
        Some(Stage::Ir) => {
            let mut text = String::new();
            for (inst, func) in &compiled.functions {
                text += &format!("{}:\n{func}\n", inst.name);
            }
            print_stdout(&text);
            return Ok(());
        }
        Some(Stage::Bpf) => {
            let mut text = String::new();
            for ((inst, _), prog) in compiled.functions.iter().zip(&compiled.programs) {
                text += &format!("{}: ({} bytes of stack)\n", inst.name, prog.stack);
                for (i, insn) in prog.insns.iter().enumerate() {
                    match prog.map_relocs.iter().find(|(at, _)| *at == i) {
                        Some((_, map)) => {
                            let symbol = &compiled.artifact.maps[map.0].symbol;
                            text += &format!("{i:5}: r{} = map[{symbol}]\n", insn.dst)
                        }
                        None => text += &format!("{i:5}: {insn}\n"),
                    }
                }
                text.push('\n');
            }
            print_stdout(&text);
            return Ok(());
        }
        _ => {}
    }
    let runtime_fail = |e: tracelet_runtime::RuntimeError| {
        let span = e.probe.as_ref().and_then(|name| {
            compiled
                .functions
                .iter()
                .position(|(inst, _)| &inst.name == name)
                .map(|i| compiled.spans[i])
        });
        match span {
            Some(span) => {
                let mut d = Diagnostic::new("kernel", span, e.message.clone());
                d.help = e.help.clone();
                report(&src, &d);
            }
            None => report_plain(&e.message, e.help.as_deref()),
        }
    };
    if cli.dry_run {
        return tracelet_runtime::dry_run(&compiled.artifact).map_err(runtime_fail);
    }
    let run_options = RunOptions {
        format: match cli.format {
            Format::Text => OutputFormat::Text,
            Format::Json => OutputFormat::Json,
        },
        quiet: cli.quiet,
        notify_attached: std::env::var_os("__BPFTRACE_NOTIFY_PROBES_ATTACHED").is_some(),
        child,
        output,
    };
    tracelet_runtime::run(&compiled.artifact, run_options).map_err(runtime_fail)
}

/// For -d and --dry-run with -c: the command must exist, but is not started.
fn check_command(cmd: &str) -> Result<(), ()> {
    use tracelet_runtime::child::{resolve, split_command};
    let words = split_command(cmd)
        .map_err(|e| report_plain(&format!("cannot parse -c command: {e}"), None))?;
    let Some(program) = words.first() else {
        report_plain("the -c command is empty", None);
        return Err(());
    };
    resolve(program, std::env::var_os("PATH").as_deref())
        .map_err(|msg| report_plain(&msg, None))?;
    Ok(())
}

/// An OS error without Rust's " (os error N)" suffix.
fn os_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    s.find(" (os error")
        .map_or(s.clone(), |i| s[..i].to_string())
}

/// `-l [SEARCH]`, `-lv`, `-l -e PROGRAM`, `-l FILE`: prints the matching
/// probes (see `tracelet_compiler::probes::list`). Needs a readable tracefs.
fn list_probes(cli: &Cli) -> Result<(), ()> {
    use tracelet_compiler::probes::list;
    let is_program = cli.program.is_some()
        || cli
            .file()
            .is_some_and(|f| f == "-" || std::path::Path::new(f).is_file());
    let no_tracefs = |e: String| {
        match tracelet_runtime::kernel::require_root() {
            Ok(()) => report_plain(&format!("cannot read tracefs: {e}"), None),
            Err(_) => report_plain(
                &format!("listing probes needs root: tracefs is not readable ({e})"),
                Some("run tracelet -l with sudo"),
            ),
        };
    };
    let kernel = LiveKernel::new().map_err(|e| no_tracefs(e.to_string()))?;
    let events = kernel.root().join("events");
    std::fs::read_dir(&events).map_err(|e| no_tracefs(format!("{}: {e}", events.display())))?;
    let (src, lines) = if is_program {
        let src = read_source(cli)?;
        let lines = list::list_program(&src.text, cli.verbose, &kernel);
        (src, lines)
    } else {
        let search = cli.file().cloned().unwrap_or_default();
        if list::looks_like_file(&search) {
            eprintln!(
                "WARNING: It appears that '{search}' is a filename but the file does not exist. \
                 Treating '{search}' as a search pattern."
            );
        }
        let lines = list::list(Some(&search), cli.verbose, &kernel);
        let src = Source {
            name: "stdin".into(),
            text: search,
        };
        (src, lines)
    };
    let lines = lines.map_err(|d| report(&src, &d))?;
    print_stdout(&lines.iter().map(|l| format!("{l}\n")).collect::<String>());
    Ok(())
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print_stdout(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}
