//! `-l`: listing probes, as bpftrace lists them.

use crate::cli::{read_source, Cli};
use crate::diagnostics::{report, report_plain, Source};
use crate::print_stdout;
use tracelet_runtime::kernel::LiveKernel;

/// `-l [SEARCH]`, `-lv`, `-l -e PROGRAM`, `-l FILE`: prints the matching
/// probes (see `tracelet_compiler::probes::list`). Needs a readable tracefs.
pub fn list_probes(cli: &Cli) -> Result<(), ()> {
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
    let events = kernel
        .root()
        .map_err(|e| no_tracefs(e.into()))?
        .join("events");
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
