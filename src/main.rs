//! tracelet: bpftrace-compatible tracing, compiled straight to eBPF.

mod cli;
mod diagnostics;
mod dump;
mod list;

use clap::Parser;
use cli::{options_from_env, read_source, Cli, Format, Stage};
use diagnostics::{report, report_plain};
use std::process::ExitCode;
use tracelet_compiler::{compile_stages, Code, Diagnostic, Diagnostics, KernelInfo};
use tracelet_runtime::kernel::LiveKernel;
use tracelet_runtime::output::OutputFormat;
use tracelet_runtime::RunOptions;

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

fn run(cli: Cli) -> Result<(), ()> {
    if cli.list {
        return list::list_probes(&cli);
    }
    let src = read_source(&cli)?;
    let mut options = options_from_env()?;
    options.positional = cli.params().to_vec();
    let fail = |ds: Diagnostics| ds.0.iter().for_each(|d| report(&src, d));
    if let Some(Stage::Ast) = cli.dump {
        let ast = tracelet_compiler::syntax::parse(&src.text).map_err(|d| fail(d.into()))?;
        print_stdout(&dump::ast(&ast));
        return Ok(());
    }
    if cli.dump.is_none() {
        tracelet_runtime::kernel::require_root().map_err(|msg| report_plain(&msg, None))?;
    }
    let kernel = kernel_info(&cli, &src.text)?;
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
    let compiled = compile_stages(&src.text, kernel.as_ref(), &options).map_err(fail)?;
    if let Some(stage) = cli.dump {
        print_stdout(&dump::stage(&compiled, stage));
        return Ok(());
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
                let mut d = Diagnostic::new(Code::Kernel, span, e.message.clone());
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

/// The kernel to compile against: the live one. `-d` of a program that names
/// no tracepoint still works when tracefs cannot be read (nothing it prints
/// comes from there); otherwise unreadable tracefs is an error.
fn kernel_info(cli: &Cli, text: &str) -> Result<Box<dyn KernelInfo>, ()> {
    match LiveKernel::new() {
        Ok(kernel) => Ok(Box::new(kernel)),
        Err(e) if cli.dump.is_some() && !names_tracepoint(text) => {
            Ok(Box::new(LiveKernel::without_tracefs(&e)))
        }
        Err(e) => {
            report_plain(&format!("cannot read tracepoint formats: {e}"), None);
            Err(())
        }
    }
}

/// Whether a program has an attach point of the tracepoint provider. A
/// program that does not parse names none: compiling it reports why.
fn names_tracepoint(text: &str) -> bool {
    use tracelet_compiler::probes::PROVIDERS;
    let Some(tracepoint) = PROVIDERS.iter().find(|p| p.names()[0] == "tracepoint") else {
        return false;
    };
    let Ok(program) = tracelet_compiler::syntax::parse(text) else {
        return false;
    };
    program
        .probes
        .iter()
        .flat_map(|probe| &probe.attach_points)
        .filter_map(|ap| ap.text.split(':').next())
        .any(|provider| tracepoint.names().contains(&provider))
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
