//! Keeps examples and docs from rotting: every `examples/*.bt` script, every
//! fenced code block with the `bt` info string in README.md and docs/*.md, and
//! every `tracelet -e '…'` one-liner inside `sh` blocks of those files must
//! compile. Compilation goes through the library against the fixture kernel,
//! so this needs neither root nor tracefs.

use std::path::{Path, PathBuf};

use tracelet_compiler::kernel_info::fixture::Fixture;

/// One program to check: where it came from and its text.
struct Snippet {
    origin: String,
    src: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn compile(snippet: &Snippet) -> Result<(), String> {
    // Snippets that use `cpid` are run with `-c CMD`; give them a child pid.
    let options = tracelet_compiler::Options {
        cpid: snippet.src.contains("cpid").then_some(4242),
        ..Default::default()
    };
    tracelet_compiler::compile(&snippet.src, &Fixture::new(), &options)
        .map(|_| ())
        .map_err(|d| format!("{}: {d}\n--- program ---\n{}", snippet.origin, snippet.src))
}

fn check_all(snippets: &[Snippet]) {
    let failures: Vec<String> = snippets.iter().filter_map(|s| compile(s).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} programs do not compile:\n\n{}",
        failures.len(),
        snippets.len(),
        failures.join("\n\n")
    );
}

/// `bt` fenced blocks (whole block = one program) and `tracelet … -e '…'`
/// programs inside `sh`/`bash`/`console` blocks.
fn markdown_snippets(path: &Path) -> Vec<Snippet> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let rel = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let mut out = Vec::new();
    let mut block: Option<(String, usize, String)> = None; // (info, start line, body)
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(fence) = trimmed.strip_prefix("```") {
            match block.take() {
                None => block = Some((fence.trim().to_string(), i + 1, String::new())),
                Some((info, start, body)) => {
                    let origin = format!("{rel}:{start}");
                    match info.split([' ', ',']).next().unwrap_or("") {
                        "bt" => out.push(Snippet { origin, src: body }),
                        "sh" | "bash" | "console" | "shell" => {
                            for (n, l) in body.lines().enumerate() {
                                if let Some(src) = one_liner(l) {
                                    out.push(Snippet {
                                        origin: format!("{rel}:{}", start + 1 + n),
                                        src,
                                    });
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        } else if let Some((_, _, body)) = block.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    assert!(block.is_none(), "{rel}: unterminated code block");
    out
}

/// The program of a `tracelet … -e '…'` command line, if it is one.
fn one_liner(line: &str) -> Option<String> {
    if !line.contains("tracelet") {
        return None;
    }
    let start = line.find("-e '")? + 4;
    let len = line[start..].find('\'')?;
    Some(line[start..start + len].to_string())
}

fn bt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "bt"))
        .collect();
    files.sort();
    files
}

#[test]
fn examples_compile() {
    let files = bt_files(&root().join("examples"));
    assert!(
        files.len() >= 6,
        "expected the example scripts, found {files:?}"
    );
    let snippets: Vec<Snippet> = files
        .iter()
        .map(|p| Snippet {
            origin: p.strip_prefix(root()).unwrap().display().to_string(),
            src: std::fs::read_to_string(p).unwrap(),
        })
        .collect();
    check_all(&snippets);
}

#[test]
fn readme_programs_compile() {
    let snippets = markdown_snippets(&root().join("README.md"));
    assert!(
        snippets.len() >= 9,
        "README.md: expected the one-liners, found {}",
        snippets.len()
    );
    check_all(&snippets);
}

#[test]
fn docs_programs_compile() {
    let mut snippets = Vec::new();
    let docs = root().join("docs");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&docs)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", docs.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    pages.sort();
    for page in &pages {
        snippets.extend(markdown_snippets(page));
    }
    let language = markdown_snippets(&docs.join("language.md"));
    assert!(
        language.len() >= 10,
        "docs/language.md: expected examples, found {}",
        language.len()
    );
    check_all(&snippets);
}

#[test]
fn one_liner_extraction() {
    assert_eq!(
        one_liner(r#"sudo tracelet -e 'BEGIN { printf("hi\n"); }'"#).as_deref(),
        Some(r#"BEGIN { printf("hi\n"); }"#)
    );
    assert_eq!(one_liner("cargo test --workspace --release"), None);
}

/// Every provider's doc line starts with an example program (`PROGRAM: what it does`).
#[test]
fn provider_doc_examples_compile() {
    let snippets: Vec<Snippet> = tracelet_compiler::probes::PROVIDERS
        .iter()
        .map(|p| {
            let (src, _) = p
                .doc()
                .split_once("}: ")
                .unwrap_or_else(|| panic!("{}: doc has no `PROGRAM: text` form", p.names()[0]));
            Snippet {
                origin: format!("the doc of provider {}", p.names()[0]),
                src: format!("{src}}}"),
            }
        })
        .collect();
    assert!(snippets.len() >= 9);
    check_all(&snippets);
}
