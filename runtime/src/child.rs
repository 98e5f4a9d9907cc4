//! The command given with `-c CMD`: split into words (no shell), found in
//! `PATH`, forked and held before `exec` until every probe is attached, then
//! released; the run ends when it exits. Its pid is known before compiling,
//! so `cpid` is a constant in the generated code.
//!
//! The held child blocks reading a pipe: one byte releases it (it `exec`s),
//! end-of-file (tracelet went away, or [`Child::terminate`] before release)
//! makes it `_exit(127)` without running anything. A second, close-on-exec
//! pipe reports a failed `exec` back. The child is always reaped: by
//! [`Child::try_wait`] when it exits by itself, or by [`Child::terminate`]
//! (also run on drop).

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a released child gets to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_millis(500);

/// `PATH` when the environment has none (glibc's `execvp` default).
const DEFAULT_PATH: &str = "/usr/local/bin:/bin:/usr/bin";

/// A `-c` command: held until [`Child::release`], reaped at the latest on drop.
#[derive(Debug)]
pub struct Child {
    pid: libc::pid_t,
    /// The command as given, for messages.
    command: String,
    /// Write end of the pipe the held child waits on; `None` once released.
    go: Option<OwnedFd>,
    /// Read end of the close-on-exec pipe a failed `exec` writes errno to.
    exec_error: Option<OwnedFd>,
    /// The wait status, once reaped.
    status: Option<libc::c_int>,
    /// A pidfd, readable once the child exits (`None` if unsupported).
    pidfd: Option<OwnedFd>,
}

/// Splits a `-c` command into words with POSIX shell quoting rules (the
/// `shlex` crate), but no shell runs it: whitespace separates words, single
/// quotes keep everything literally, double quotes keep everything but `\"`,
/// `\\`, `\$` and `` \` ``, a backslash outside quotes escapes the next
/// character, and a word starting with `#` starts a comment. No variables,
/// globs, pipes or redirections.
pub fn split_command(cmd: &str) -> Result<Vec<String>, String> {
    shlex::split(cmd).ok_or_else(|| UNBALANCED_QUOTING.to_string())
}

/// Why [`split_command`] failed: `shlex` only says that it did.
const UNBALANCED_QUOTING: &str = "unterminated quote or a trailing \\ that escapes nothing";

/// Finds the program to run: a name with a `/` is a path, anything else is
/// looked up in `path` (`PATH`) like `execvp` does, first match wins.
pub fn resolve(program: &str, path: Option<&OsStr>) -> Result<PathBuf, String> {
    if program.contains('/') {
        let p = Path::new(program);
        return match std::fs::metadata(p) {
            Err(e) => Err(format!("cannot run '{program}': {}", io_message(&e))),
            Ok(m) if !m.is_file() => Err(format!("cannot run '{program}': not a regular file")),
            Ok(_) if !executable(p) => Err(format!("cannot run '{program}': permission denied")),
            Ok(_) => Ok(p.to_path_buf()),
        };
    }
    let path = path.unwrap_or(OsStr::new(DEFAULT_PATH));
    for dir in path.as_bytes().split(|b| *b == b':') {
        let dir = if dir.is_empty() {
            Path::new(".")
        } else {
            Path::new(OsStr::from_bytes(dir))
        };
        let candidate = dir.join(program);
        if std::fs::metadata(&candidate).is_ok_and(|m| m.is_file()) && executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(format!("cannot run '{program}': command not found in PATH"))
}

fn executable(p: &Path) -> bool {
    let Ok(c) = CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    let mode_x = std::fs::metadata(p).is_ok_and(|m| m.permissions().mode() & 0o111 != 0);
    // SAFETY: access(2) with a valid NUL-terminated path.
    mode_x && unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0
}

/// An OS error without Rust's " (os error N)" suffix.
fn io_message(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid out-array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 returned two fresh descriptors that we now own.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Child {
    /// Splits and resolves `command`, then forks a child that waits, before
    /// `exec`, for [`Child::release`]. Errors are messages for the user.
    pub fn spawn_held(command: &str) -> Result<Child, String> {
        let words = split_command(command).map_err(|e| format!("cannot parse -c command: {e}"))?;
        let Some(program) = words.first() else {
            return Err("the -c command is empty".into());
        };
        let path = resolve(program, std::env::var_os("PATH").as_deref())?;
        let cstr = |s: &[u8]| {
            CString::new(s).map_err(|_| format!("the -c command '{command}' contains a NUL byte"))
        };
        let path = cstr(path.as_os_str().as_bytes())?;
        let argv: Vec<CString> = words
            .iter()
            .map(|w| cstr(w.as_bytes()))
            .collect::<Result<_, _>>()?;
        let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        argv_ptrs.push(std::ptr::null());
        let fail = |e: io::Error| format!("cannot start '{command}': {}", io_message(&e));
        let (go_r, go_w) = pipe().map_err(fail)?;
        let (err_r, err_w) = pipe().map_err(fail)?;
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: fork; the child only makes async-signal-safe calls (close,
        // prctl, getppid, read, signal, execv, write, _exit) on data prepared
        // before the fork, then execs or exits.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(fail(io::Error::last_os_error()));
        }
        if pid == 0 {
            // SAFETY: see above; every pointer was built before the fork.
            unsafe {
                held_child(
                    parent,
                    go_r.as_raw_fd(),
                    go_w.as_raw_fd(),
                    err_r.as_raw_fd(),
                    err_w.as_raw_fd(),
                    &path,
                    &argv_ptrs,
                )
            }
        }
        drop((go_r, err_w));
        // SAFETY: pidfd_open(2) on our own child; it fails cleanly if unsupported.
        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        Ok(Child {
            pid,
            command: command.to_string(),
            go: Some(go_w),
            exec_error: Some(err_r),
            status: None,
            // SAFETY: a fresh descriptor returned by pidfd_open, owned from here.
            pidfd: (pidfd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(pidfd as i32) }),
        })
    }

    /// The child's pid (the value of `cpid`).
    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    /// A descriptor that becomes readable when the child exits, for poll(2).
    pub fn exit_fd(&self) -> Option<i32> {
        self.pidfd.as_ref().map(|fd| fd.as_raw_fd())
    }

    /// Lets the held child `exec` its command; returns once it has, or with
    /// the reason it could not (the child is then reaped).
    pub fn release(&mut self) -> Result<(), String> {
        let Some(go) = self.go.take() else {
            return Ok(());
        };
        // SAFETY: write(2) of one byte from a valid buffer to our pipe.
        let n = unsafe { libc::write(go.as_raw_fd(), b"x".as_ptr().cast(), 1) };
        drop(go);
        if n != 1 {
            let e = io::Error::last_os_error();
            self.terminate();
            return Err(format!(
                "cannot start '{}': {}",
                self.command,
                io_message(&e)
            ));
        }
        let Some(err_r) = self.exec_error.take() else {
            return Ok(());
        };
        let mut errno = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            // SAFETY: read(2) into the unfilled tail of a valid 4-byte buffer.
            let n =
                unsafe { libc::read(err_r.as_raw_fd(), errno[got..].as_mut_ptr().cast(), 4 - got) };
            match n {
                0 => break,
                n if n > 0 => got += n as usize,
                _ if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => {}
                _ => break,
            }
        }
        if got < 4 {
            // End of file: the exec succeeded and closed the pipe.
            return Ok(());
        }
        let e = io::Error::from_raw_os_error(i32::from_ne_bytes(errno));
        self.reap(true);
        Err(format!("cannot run '{}': {}", self.command, io_message(&e)))
    }

    /// True once the child has exited (it is then reaped). Never blocks.
    pub fn try_wait(&mut self) -> bool {
        self.reap(false)
    }

    /// The wait status once reaped, as `waitpid` reports it.
    pub fn status(&self) -> Option<libc::c_int> {
        self.status
    }

    /// Ends the child if it still runs and reaps it: a held child is killed;
    /// a released one gets SIGTERM (as bpftrace sends when tracing stops),
    /// then SIGKILL if it has not exited within half a second.
    pub fn terminate(&mut self) {
        if self.status.is_some() {
            return;
        }
        if self.go.take().is_some() {
            self.signal(libc::SIGKILL);
            self.reap(true);
            return;
        }
        if self.reap(false) {
            return;
        }
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + TERM_GRACE;
        while Instant::now() < deadline {
            if self.reap(false) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.signal(libc::SIGKILL);
        self.reap(true);
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own, not yet reaped child: the pid cannot
        // have been reused.
        unsafe { libc::kill(self.pid, sig) };
    }

    /// waitpid; returns true once reaped (or if there is nothing to reap).
    fn reap(&mut self, block: bool) -> bool {
        if self.status.is_some() {
            return true;
        }
        let flags = if block { 0 } else { libc::WNOHANG };
        loop {
            let mut status = 0;
            // SAFETY: waitpid on our own child with a valid out-pointer.
            let r = unsafe { libc::waitpid(self.pid, &mut status, flags) };
            if r == self.pid {
                self.status = Some(status);
                return true;
            }
            if r == 0 {
                return false;
            }
            if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                // ECHILD: someone else reaped it; it is gone either way.
                self.status = Some(0);
                return true;
            }
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// The forked child: wait for the go byte, then exec. Never returns.
///
/// # Safety
/// Must run in a freshly forked child; makes only async-signal-safe calls.
unsafe fn held_child(
    parent: libc::pid_t,
    go_r: i32,
    go_w: i32,
    err_r: i32,
    err_w: i32,
    path: &CString,
    argv: &[*const libc::c_char],
) -> ! {
    unsafe {
        libc::close(go_w);
        libc::close(err_r);
        // If tracelet dies without ending the child, the child gets SIGTERM.
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        if libc::getppid() != parent {
            libc::_exit(127);
        }
        let mut byte = 0u8;
        loop {
            let n = libc::read(go_r, (&mut byte as *mut u8).cast(), 1);
            if n == 1 {
                break;
            }
            if n < 0 && *libc::__errno_location() == libc::EINTR {
                continue;
            }
            // End of file: tracelet gave up (or died) before releasing us.
            libc::_exit(127);
        }
        // Rust ignores SIGPIPE; the command gets the default, as from a shell.
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::execv(path.as_ptr(), argv.as_ptr());
        let errno = (*libc::__errno_location()).to_ne_bytes();
        libc::write(err_w, errno.as_ptr().cast(), errno.len());
        libc::_exit(127);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_command(s).unwrap()
    }

    #[test]
    fn splits_on_whitespace_without_a_shell() {
        assert_eq!(split("  /bin/echo   a\tb  "), ["/bin/echo", "a", "b"]);
        assert_eq!(
            split("echo $HOME * a|b >x"),
            ["echo", "$HOME", "*", "a|b", ">x"]
        );
        assert!(split("   ").is_empty());
    }

    #[test]
    fn quotes_and_backslashes_group_words() {
        assert_eq!(split("sh -c 'echo a   b'"), ["sh", "-c", "echo a   b"]);
        assert_eq!(
            split(r#"echo "a \"b\" \$x \n" ''"#),
            ["echo", r#"a "b" $x \n"#, ""]
        );
        assert_eq!(split(r"echo a\ b 'x'y"), ["echo", "a b", "xy"]);
        for unbalanced in ["echo 'a", "echo \"a", "echo a\\"] {
            assert_eq!(
                split_command(unbalanced).unwrap_err(),
                UNBALANCED_QUOTING,
                "{unbalanced}"
            );
        }
        assert_eq!(split("echo a #b c"), ["echo", "a"]);
    }

    #[test]
    fn resolves_in_path_first_match() {
        let path = OsStr::new("/nonexistent::/bin:/usr/bin");
        assert_eq!(resolve("sh", Some(path)).unwrap(), Path::new("/bin/sh"));
        let err = resolve("no-such-command-tracelet", Some(path)).unwrap_err();
        assert_eq!(
            err,
            "cannot run 'no-such-command-tracelet': command not found in PATH"
        );
        assert_eq!(
            resolve("/nonexistent/x", None).unwrap_err(),
            "cannot run '/nonexistent/x': No such file or directory"
        );
        assert_eq!(
            resolve("/etc", None).unwrap_err(),
            "cannot run '/etc': not a regular file"
        );
        assert!(resolve("/etc/passwd", None).is_err());
    }

    /// Whether `pid` exists and is neither a zombie nor dead.
    fn alive(pid: u32) -> bool {
        procfs::process::Process::new(pid as i32)
            .and_then(|p| p.stat())
            .is_ok_and(|stat| !matches!(stat.state, 'Z' | 'X'))
    }

    #[test]
    fn held_child_runs_only_when_released() {
        let marker = std::env::temp_dir().join(format!("tracelet_child_{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let mut c = Child::spawn_held(&format!("/usr/bin/touch {}", marker.display())).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(!marker.exists(), "ran before release");
        assert!(!c.try_wait());
        c.release().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !c.try_wait() {
            assert!(Instant::now() < deadline, "child did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(marker.exists());
        assert_eq!(c.status(), Some(0));
        let _ = std::fs::remove_file(&marker);
    }

    #[test]
    fn dropping_a_held_or_running_child_reaps_it() {
        let c = Child::spawn_held("/bin/sleep 30").unwrap();
        let pid = c.pid();
        assert!(alive(pid));
        drop(c);
        assert!(!alive(pid), "held child left behind");
        let mut c = Child::spawn_held("sleep 30").unwrap();
        let pid = c.pid();
        c.release().unwrap();
        c.terminate();
        assert!(!alive(pid), "running child left behind");
        let status = c.status().unwrap();
        assert!(libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGTERM);
    }

    #[test]
    fn exec_failure_is_reported_on_release() {
        // An executable file the kernel cannot exec (no #! line, not ELF).
        let f = std::env::temp_dir().join(format!("tracelet_noexec_{}", std::process::id()));
        std::fs::write(&f, [0u8, 1, 2, 3]).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Another test forking while the file is open for writing makes the
        // exec fail with ETXTBSY for a moment: retry that.
        for _ in 0..100 {
            let mut c = Child::spawn_held(&f.display().to_string()).unwrap();
            let err = c.release().unwrap_err();
            assert!(c.status().is_some());
            if err.contains("Text file busy") {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            assert!(err.contains("Exec format error"), "{err}");
            break;
        }
        let _ = std::fs::remove_file(&f);
    }

    #[test]
    fn unknown_commands_fail_before_forking() {
        let err = Child::spawn_held("no-such-command-tracelet --x").unwrap_err();
        assert!(err.contains("command not found"), "{err}");
        assert_eq!(
            Child::spawn_held("  ").unwrap_err(),
            "the -c command is empty"
        );
    }
}
