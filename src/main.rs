//! tracelet: bpftrace-compatible tracing, compiled straight to eBPF.
//!
//! The binary is a thin layer over the library API: the command line picks
//! one [`Mode`], and each mode is one function that compiles with
//! `tracelet_compiler` and runs with `tracelet_runtime`.

mod cli;
mod diagnostics;
mod dump;
mod list;

use clap::Parser;
use cli::{options_from_env, read_source, Cli, Format, Stage};
use diagnostics::{report, report_plain, report_warning, Source};
use std::process::ExitCode;
use tracelet_compiler::Options;
use tracelet_compiler::{compile_stages, Code, Compiled, Diagnostic, Diagnostics, KernelInfo};
use tracelet_runtime::kernel::LiveKernel;
use tracelet_runtime::output::OutputFormat;
use tracelet_runtime::{Child, RunOptions, RuntimeError, Session};

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
    let result = match Mode::of(&cli) {
        Mode::List => list::list_probes(&cli),
        Mode::DumpAst => dump_ast(&cli),
        Mode::DumpStage(stage) => dump_stage(&cli, stage),
        Mode::DryRun => dry_run(&cli),
        Mode::Run => run(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(1),
    }
}

/// What one invocation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `-l`: list probes.
    List,
    /// `-d ast`: the parsed program (no kernel needed).
    DumpAst,
    /// `-d ir|bpf`: one compiled stage.
    DumpStage(Stage),
    /// `--dry-run`: load every program through the verifier.
    DryRun,
    /// Compile, attach and trace.
    Run,
}

impl Mode {
    /// The mode the flags select: `-l` wins over `-d`, `-d` over `--dry-run`.
    fn of(cli: &Cli) -> Mode {
        match (cli.list, cli.dump, cli.dry_run) {
            (true, _, _) => Mode::List,
            (false, Some(Stage::Ast), _) => Mode::DumpAst,
            (false, Some(stage), _) => Mode::DumpStage(stage),
            (false, None, true) => Mode::DryRun,
            (false, None, false) => Mode::Run,
        }
    }
}

/// The program text and the compiler settings (environment, `$1`…).
fn program(cli: &Cli) -> Result<(Source, Options), ()> {
    let src = read_source(cli)?;
    let mut options = options_from_env()?;
    options.positional = cli.params();
    options.source_name = src.name.clone();
    options.named_params = cli.named_params();
    Ok((src, options))
}

/// `-d ast`.
fn dump_ast(cli: &Cli) -> Result<(), ()> {
    let (src, _) = program(cli)?;
    let ast =
        tracelet_compiler::syntax::parse(&src.text).map_err(|d| report_all(&src, d.into()))?;
    print_stdout(&dump::ast(&ast));
    Ok(())
}

/// `-d ir|bpf`: compiled against the live kernel.
fn dump_stage(cli: &Cli, stage: Stage) -> Result<(), ()> {
    let (src, mut options) = program(cli)?;
    let kernel = kernel_info(cli)?;
    check_command_only(cli, &mut options)?;
    let compiled = compile(&src, kernel.as_ref(), &options)?;
    print_stdout(&dump::stage(&compiled, stage));
    Ok(())
}

/// `--dry-run`.
fn dry_run(cli: &Cli) -> Result<(), ()> {
    let (src, mut options) = program(cli)?;
    require_root()?;
    let kernel = kernel_info(cli)?;
    check_command_only(cli, &mut options)?;
    let compiled = compile(&src, kernel.as_ref(), &options)?;
    tracelet_runtime::dry_run(&compiled.artifact).map_err(|e| report_runtime(&src, &compiled, &e))
}

/// Compile, attach and trace until `exit()`, a signal or the `-c` command's end.
fn run(cli: &Cli) -> Result<(), ()> {
    let (src, mut options) = program(cli)?;
    require_root()?;
    let kernel = kernel_info(cli)?;
    let output = open_output(cli)?;
    let child = spawn_command(cli, &mut options)?;
    let compiled = compile(&src, kernel.as_ref(), &options)?;
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
    Session::new(&compiled.artifact, run_options)
        .run()
        .map_err(|e| report_runtime(&src, &compiled, &e))
}

fn require_root() -> Result<(), ()> {
    tracelet_runtime::kernel::require_root().map_err(|msg| report_plain(&msg, None))
}

/// The kernel to compile against: the live one. For `-d`, unreadable tracefs
/// is an error only where a program needs a tracepoint format (its
/// diagnostic then says why); otherwise it is an error at once.
fn kernel_info(cli: &Cli) -> Result<Box<dyn KernelInfo>, ()> {
    match LiveKernel::new() {
        Ok(kernel) => Ok(Box::new(kernel)),
        Err(e) if cli.dump.is_some() => Ok(Box::new(LiveKernel::without_tracefs(&e))),
        Err(e) => {
            report_plain(&format!("cannot read tracepoint formats: {e}"), None);
            Err(())
        }
    }
}

fn compile(src: &Source, kernel: &dyn KernelInfo, options: &Options) -> Result<Compiled, ()> {
    let compiled = compile_stages(&src.text, kernel, options).map_err(|ds| report_all(src, ds))?;
    compiled
        .warnings
        .iter()
        .for_each(|w| report_warning(src, w));
    Ok(compiled)
}

fn report_all(src: &Source, ds: Diagnostics) {
    ds.0.iter().for_each(|d| report(src, d));
}

/// A runtime error, pointing at its probe in the source when it names one.
fn report_runtime(src: &Source, compiled: &Compiled, e: &RuntimeError) {
    let span = e.probe.as_ref().and_then(|name| {
        compiled
            .functions
            .iter()
            .position(|(inst, _)| &inst.name == name)
            .map(|i| compiled.spans[i])
    });
    match span {
        Some(span) => {
            let mut d = Diagnostic::new(Code::Kernel, span, e.message.clone());
            d.help = e.help.clone();
            report(src, &d);
        }
        None => report_plain(&e.message, e.help.as_deref()),
    }
}

/// `-o`: opened (truncated) before compiling, as bpftrace does.
fn open_output(cli: &Cli) -> Result<Option<std::fs::File>, ()> {
    let Some(path) = &cli.output else {
        return Ok(None);
    };
    std::fs::File::create(path).map(Some).map_err(|e| {
        report_plain(
            &format!("cannot open output file {path}: {}", os_message(&e)),
            None,
        )
    })
}

/// `-c`: the command is started held before compiling, so that `cpid` is
/// known to the compiler; if anything fails from here on, dropping it kills
/// and reaps it.
fn spawn_command(cli: &Cli, options: &mut Options) -> Result<Option<Child>, ()> {
    let Some(cmd) = &cli.command else {
        return Ok(None);
    };
    let child = Child::spawn_held(cmd).map_err(|msg| report_plain(&msg, None))?;
    options.cpid = Some(child.pid());
    Ok(Some(child))
}

/// For -d and --dry-run with -c: the command must exist, but is not started.
fn check_command_only(cli: &Cli, options: &mut Options) -> Result<(), ()> {
    use tracelet_runtime::child::{resolve, split_command};
    let Some(cmd) = &cli.command else {
        return Ok(());
    };
    let words = split_command(cmd)
        .map_err(|e| report_plain(&format!("cannot parse -c command: {e}"), None))?;
    let Some(program) = words.first() else {
        report_plain("the -c command is empty", None);
        return Err(());
    };
    resolve(program, std::env::var_os("PATH").as_deref())
        .map_err(|msg| report_plain(&msg, None))?;
    options.cpid = Some(0);
    Ok(())
}

/// An OS error without Rust's " (os error N)" suffix.
pub(crate) fn os_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    s.find(" (os error")
        .map_or(s.clone(), |i| s[..i].to_string())
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
pub(crate) fn print_stdout(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(args: &[&str]) -> Mode {
        let argv = ["tracelet"].iter().chain(args);
        Mode::of(&Cli::try_parse_from(argv).expect("valid flags"))
    }

    #[test]
    fn one_mode_per_invocation_listing_first_then_dumps() {
        assert_eq!(mode(&["-e", "BEGIN {}"]), Mode::Run);
        assert_eq!(mode(&["--dry-run", "-e", "BEGIN {}"]), Mode::DryRun);
        assert_eq!(mode(&["-d", "ast", "--dry-run", "-e", "x"]), Mode::DumpAst);
        assert_eq!(
            mode(&["-d", "bpf", "--dry-run", "-e", "x"]),
            Mode::DumpStage(Stage::Bpf)
        );
        assert_eq!(mode(&["-d", "ir", "f.bt"]), Mode::DumpStage(Stage::Ir));
        assert_eq!(mode(&["-l", "-d", "ir", "sched:*"]), Mode::List);
    }
}
