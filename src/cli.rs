//! The command line: flags as bpftrace has them, the program source, and the
//! compiler settings bpftrace takes from its environment.

use crate::diagnostics::{report_plain, Source};
use clap::{Parser, ValueEnum};
use std::io::Read;
use tracelet_compiler::Options;

/// Trace a live Linux system with bpftrace scripts, compiled straight to eBPF.
#[derive(Parser, Debug)]
#[command(name = "tracelet", version, about, disable_version_flag = true)]
pub struct Cli {
    /// The program to run, given on the command line.
    #[arg(short = 'e', value_name = "PROGRAM")]
    pub program: Option<String>,
    /// A script file to run (or `-` for standard input; with -l, a probe
    /// search), then the script's positional parameters `$1`, `$2`, …; with
    /// -e, all of these are parameters.
    #[arg(value_name = "FILE [ARGS]")]
    pub args: Vec<String>,
    /// Do not print the `Attached N probes` banner.
    #[arg(short = 'q')]
    pub quiet: bool,
    /// Print one compilation stage and exit (needs no privileges).
    #[arg(short = 'd', value_name = "STAGE")]
    pub dump: Option<Stage>,
    /// Compile and load every program through the verifier, attach nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Output format.
    #[arg(short = 'f', value_name = "FORMAT", default_value = "text")]
    pub format: Format,
    /// List probes matching SEARCH (the FILE argument), or the probes of a
    /// program given with -e or as a script file.
    #[arg(short = 'l')]
    pub list: bool,
    /// Run CMD (split into words, no shell; looked up in PATH) once every
    /// probe is attached, and stop when it exits; `cpid` is its pid.
    #[arg(short = 'c', value_name = "CMD")]
    pub command: Option<String>,
    /// Write the program's output to FILE instead of stdout.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// With -l: also print each tracepoint's arguments.
    #[arg(short = 'v', requires = "list")]
    pub verbose: bool,
    /// Print the version.
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    pub version: Option<bool>,
}

impl Cli {
    /// The script file (or -l search), when the program is not given with -e.
    pub fn file(&self) -> Option<&String> {
        self.args.first().filter(|_| self.program.is_none())
    }

    /// The words after the program: positional parameters `$1`, `$2`, …
    /// and, given after `--`, named options `--name[=value]` for `getopt()`.
    fn words(&self) -> impl Iterator<Item = &String> {
        let skip = usize::from(self.program.is_none()).min(self.args.len());
        self.args[skip..].iter().filter(|w| *w != "--")
    }

    /// The positional parameters `$1`, `$2`, …
    pub fn params(&self) -> Vec<String> {
        self.words()
            .filter(|w| !w.starts_with("--"))
            .cloned()
            .collect()
    }

    /// The named options (`--depth=3` as `depth=3`): clap lets a word
    /// starting with `--` through only after `--`.
    pub fn named_params(&self) -> Vec<String> {
        self.words()
            .filter_map(|w| w.strip_prefix("--").map(str::to_string))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    Ast,
    Ir,
    Bpf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn read_source(cli: &Cli) -> Result<Source, ()> {
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

/// Compiler settings from bpftrace's `BPFTRACE_*` environment variables.
pub fn options_from_env() -> Result<Options, ()> {
    // Not `env::vars()`: it panics on a variable that is not UTF-8.
    let vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    tracelet_compiler::config::from_env(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|msg| report_plain(&msg, None))
}
