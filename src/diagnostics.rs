//! Rendering of compiler diagnostics and runtime errors with miette: the
//! source line with the span underlined, a label, and help.

use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report, Severity};
use tracelet_compiler::{Diagnostic, Span};

/// The program text and the name it is shown under (`stdin`, a file path).
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Prints a compiler diagnostic to stderr.
pub fn report(src: &Source, d: &Diagnostic) {
    render(src, d, Severity::Error);
}

/// Prints a compiler warning to stderr.
pub fn report_warning(src: &Source, d: &Diagnostic) {
    render(src, d, Severity::Warning);
}

fn render(src: &Source, d: &Diagnostic, severity: Severity) {
    let mut m = MietteDiagnostic::new(d.message.clone())
        .with_code(format!("tracelet::{}", d.code))
        .with_severity(severity);
    if let Some(help) = &d.help {
        m = m.with_help(help.clone());
    }
    if d.span != Span::default() && !src.text.is_empty() {
        let primary = label(src, d.span, d.label.clone().unwrap_or("here".into()));
        let others = d
            .related
            .iter()
            .map(|other| label(src, other.span, other.label.clone()));
        m = m.with_labels(std::iter::once(primary).chain(others));
    }
    let report = Report::new(m).with_source_code(NamedSource::new(&src.name, src.text.clone()));
    eprintln!("{report:?}");
}

/// A label on `span`, clamped to the source.
fn label(src: &Source, span: Span, text: String) -> LabeledSpan {
    let len = span.end.saturating_sub(span.start).max(1);
    let start = span.start.min(src.text.len().saturating_sub(1));
    LabeledSpan::new(
        Some(text),
        start,
        len.min(src.text.len().saturating_sub(start).max(1)),
    )
}

/// Prints an error that has no source location.
pub fn report_plain(message: &str, help: Option<&str>) {
    let mut m = MietteDiagnostic::new(message.to_string());
    if let Some(h) = help {
        m = m.with_help(h.to_string());
    }
    eprintln!("{:?}", Report::new(m));
}
