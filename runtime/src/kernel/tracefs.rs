//! Finding tracefs, and mounting it when nobody has.

use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where tracefs is normally mounted, and where we mount it if it is not.
const TRACEFS: &str = "/sys/kernel/tracing";
/// The older place, under debugfs.
const DEBUGFS_TRACING: &str = "/sys/kernel/debug/tracing";

/// The tracefs mount point (the directory holding `events/`).
///
/// Tries `/sys/kernel/tracing`, then `/sys/kernel/debug/tracing`, and
/// otherwise mounts tracefs on `/sys/kernel/tracing`. The answer (or the
/// error) is computed once per process.
pub fn tracefs_root() -> io::Result<PathBuf> {
    static ROOT: OnceLock<Result<PathBuf, (io::ErrorKind, String)>> = OnceLock::new();
    ROOT.get_or_init(|| locate().map_err(|e| (e.kind(), e.to_string())))
        .clone()
        .map_err(|(kind, message)| io::Error::new(kind, message))
}

fn has_events(dir: &Path) -> bool {
    dir.join("events").is_dir()
}

fn locate() -> io::Result<PathBuf> {
    if let Some(dir) = [TRACEFS, DEBUGFS_TRACING]
        .map(Path::new)
        .into_iter()
        .find(|d| has_events(d))
    {
        return Ok(dir.to_path_buf());
    }
    let dir = Path::new(TRACEFS);
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("tracefs is not available: {TRACEFS} does not exist (is sysfs mounted? is the kernel built with CONFIG_FTRACE?)"),
        ));
    }
    if let Err(e) = std::fs::read_dir(dir) {
        if e.kind() == io::ErrorKind::PermissionDenied {
            // Mounted or not, only root may look (tracefs is mode 0700).
            return Err(io::Error::new(
                e.kind(),
                format!("{TRACEFS} is readable only by root (permission denied)"),
            ));
        }
    }
    match mount_tracefs(dir) {
        // Someone else may have mounted it meanwhile (EBUSY): look again.
        Err(e) if !has_events(dir) => Err(io::Error::new(
            e.kind(),
            format!("tracefs is not mounted and mounting it on {TRACEFS} failed: {e} (as root: mount -t tracefs nodev {TRACEFS})"),
        )),
        _ if has_events(dir) => Ok(dir.to_path_buf()),
        _ => Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("mounted tracefs on {TRACEFS}, but it has no events/ directory"),
        )),
    }
}

/// `mount -t tracefs nodev <dir>`.
fn mount_tracefs(dir: &Path) -> io::Result<()> {
    let target = CString::new(dir.as_os_str().as_encoded_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: all pointers are valid NUL-terminated strings that outlive the
    // call; `data` may be NULL.
    let rc = unsafe {
        libc::mount(
            c"nodev".as_ptr(),
            target.as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_or_mounts_tracefs() {
        if !crate::kernel::root_or_skip("finds_or_mounts_tracefs") {
            return;
        }
        let root = tracefs_root().unwrap();
        assert!(
            root.join("events/sched/sched_switch/format").is_file(),
            "{root:?}"
        );
        assert_eq!(tracefs_root().unwrap(), root);
    }
}
