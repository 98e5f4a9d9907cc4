//! [`KernelInfo`] for the running kernel, read from tracefs.

use std::io;
use std::path::PathBuf;
use std::sync::OnceLock;

use tracelet_compiler::kernel_info::{parse_format, TracepointFormat};
use tracelet_compiler::KernelInfo;

use super::tracefs::tracefs_root;

/// The running kernel, as seen through tracefs.
#[derive(Debug)]
pub struct LiveKernel {
    root: PathBuf,
    tracepoints: OnceLock<Vec<(String, String)>>,
}

impl LiveKernel {
    /// The live kernel, through [`tracefs_root`] (mounting tracefs if needed).
    pub fn new() -> io::Result<Self> {
        Ok(Self::at(tracefs_root()?))
    }

    /// A kernel whose tracefs is the directory `root` (holding `events/`).
    pub fn at(root: PathBuf) -> Self {
        LiveKernel {
            root,
            tracepoints: OnceLock::new(),
        }
    }

    /// The tracefs directory this kernel is read from.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    fn list(&self) -> Vec<(String, String)> {
        let mut all = Vec::new();
        let Ok(categories) = std::fs::read_dir(self.root.join("events")) else {
            return all;
        };
        for category in categories.flatten().filter(is_dir) {
            let name = category.file_name().to_string_lossy().into_owned();
            if name == "ftrace" {
                continue;
            }
            let Ok(events) = std::fs::read_dir(category.path()) else {
                continue;
            };
            for event in events.flatten().filter(is_dir) {
                if event.path().join("format").is_file() {
                    all.push((
                        name.clone(),
                        event.file_name().to_string_lossy().into_owned(),
                    ));
                }
            }
        }
        all.sort();
        all
    }
}

fn is_dir(entry: &std::fs::DirEntry) -> bool {
    entry.file_type().is_ok_and(|t| t.is_dir())
}

/// A category or event name that cannot escape `events/`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/')
}

impl KernelInfo for LiveKernel {
    fn possible_cpus(&self) -> u32 {
        aya::util::nr_cpus().map_or(1, |n| n as u32)
    }

    fn tracepoints(&self) -> Vec<(String, String)> {
        self.tracepoints.get_or_init(|| self.list()).clone()
    }

    fn tracepoint_format(&self, category: &str, event: &str) -> Result<TracepointFormat, String> {
        if !is_plain_name(category) || !is_plain_name(event) {
            return Err(format!("tracepoint {category}:{event} not found"));
        }
        let path = self
            .root
            .join("events")
            .join(category)
            .join(event)
            .join("format");
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => format!(
                "tracepoint {category}:{event} not found ({}: {e})",
                path.display()
            ),
            _ => format!(
                "cannot read the format of tracepoint {category}:{event} ({}: {e})",
                path.display()
            ),
        })?;
        parse_format(&text).map_err(|e| {
            format!(
                "tracepoint {category}:{event}: bad format file {}: {e}",
                path.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelet_compiler::kernel_info::FieldKind;

    /// A fake tracefs tree in a temporary directory.
    fn fake_tracefs() -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("tracelet-fake-tracefs-{}", std::process::id()));
        let field = "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
                     \tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n";
        for (dir, format) in [
            ("sched/sched_b", Some(field)),
            ("sched/sched_a", Some(field)),
            ("ftrace/function", Some(field)),
            ("sched/no_format", None),
            ("block/bad", Some("garbage")),
        ] {
            let dir = root.join("events").join(dir);
            std::fs::create_dir_all(&dir).unwrap();
            if let Some(text) = format {
                std::fs::write(dir.join("format"), text).unwrap();
            }
        }
        std::fs::write(root.join("events/enable"), "0\n").unwrap();
        std::fs::write(root.join("events/sched/filter"), "none\n").unwrap();
        root
    }

    #[test]
    fn fake_tree() {
        let root = fake_tracefs();
        let kernel = LiveKernel::at(root.clone());
        assert_eq!(
            kernel.tracepoints(),
            [("block", "bad"), ("sched", "sched_a"), ("sched", "sched_b")]
                .map(|(c, e)| (c.to_string(), e.to_string()))
        );
        let format = kernel.tracepoint_format("sched", "sched_a").unwrap();
        assert_eq!(format.fields.len(), 1);
        let missing = kernel.tracepoint_format("sched", "nope").unwrap_err();
        assert!(
            missing.starts_with("tracepoint sched:nope not found ("),
            "{missing}"
        );
        assert!(missing.contains("No such file or directory"), "{missing}");
        let bad = kernel.tracepoint_format("block", "bad").unwrap_err();
        assert!(
            bad.starts_with("tracepoint block:bad: bad format file "),
            "{bad}"
        );
        assert!(kernel.tracepoint_format("..", "sched").is_err());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn live_listing_and_formats() {
        if !crate::kernel::root_or_skip("live_listing_and_formats") {
            return;
        }
        let kernel = LiveKernel::new().unwrap();
        let start = std::time::Instant::now();
        let all = kernel.tracepoints();
        eprintln!("listed {} tracepoints in {:?}", all.len(), start.elapsed());
        assert!(all.len() > 100);
        assert!(all.windows(2).all(|w| w[0] < w[1]));
        assert!(all.iter().all(|(c, _)| c != "ftrace"));
        for wanted in [("sched", "sched_switch"), ("raw_syscalls", "sys_enter")] {
            assert!(
                all.contains(&(wanted.0.into(), wanted.1.into())),
                "{wanted:?}"
            );
        }
        let switch = kernel.tracepoint_format("sched", "sched_switch").unwrap();
        assert_eq!(
            switch.field("prev_comm").unwrap().kind,
            FieldKind::CharArray { len: 16 }
        );
        let missing = kernel
            .tracepoint_format("syscalls", "sys_enter_foo")
            .unwrap_err();
        assert!(
            missing.starts_with("tracepoint syscalls:sys_enter_foo not found"),
            "{missing}"
        );
    }

    /// Every format file on this machine parses.
    #[test]
    fn every_live_format_parses() {
        if !crate::kernel::root_or_skip("every_live_format_parses") {
            return;
        }
        let kernel = LiveKernel::new().unwrap();
        let all = kernel.tracepoints();
        let failures: Vec<String> = all
            .iter()
            .filter_map(|(c, e)| kernel.tracepoint_format(c, e).err())
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }
}
