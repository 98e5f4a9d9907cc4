//! SIGINT, SIGTERM and SIGHUP, scoped to one run.
//!
//! A run calls [`StopSignals::install`]: each of the three signals sets the
//! run's own fresh `Arc<AtomicBool>` (registered with `signal_hook::flag`),
//! and dropping the guard unregisters those actions
//! (`signal_hook::low_level::unregister`). So a run stopped by Ctrl-C leaves
//! nothing set for the next one.
//!
//! `unregister` removes the action but leaves signal-hook's handler
//! installed in the kernel (documented in `signal-hook-registry`), which would
//! make the signals ignored after a run, and signal-hook installs its handler
//! only once per signal and process. The process's dispositions are one
//! process-wide fact, so this module mirrors them in one place, [`SHARED`]:
//! when the first of the (possibly concurrent) active runs starts, it saves
//! the dispositions the process had and re-arms signal-hook's handler if an
//! earlier run disarmed it; when the last active run ends, it puts the saved
//! dispositions back. Between runs a SIGINT does what it did before the first
//! run (by default, end the process).

use crate::error::{Result, RuntimeError};
use signal_hook::SigId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The signals that stop a run.
const STOP_SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// One disposition per entry of [`STOP_SIGNALS`].
type Dispositions = [libc::sigaction; STOP_SIGNALS.len()];

/// The process-wide bookkeeping behind the per-run guards.
struct Shared {
    /// Runs between [`StopSignals::install`] and the guard's drop.
    active_runs: usize,
    /// What the process had before the first active run started.
    saved: Option<Dispositions>,
    /// signal-hook's handlers, captured once it has installed them.
    hooked: Option<Dispositions>,
}

// SAFETY: `libc::sigaction` is plain data (a handler address, flags, a
// signal mask); nothing in it is tied to a thread.
unsafe impl Send for Shared {}

static SHARED: Mutex<Shared> = Mutex::new(Shared {
    active_runs: 0,
    saved: None,
    hooked: None,
});

/// One run's stop flag, set by SIGINT, SIGTERM or SIGHUP while the guard lives.
pub struct StopSignals {
    flag: Arc<AtomicBool>,
    ids: Vec<SigId>,
}

impl StopSignals {
    /// Registers a fresh stop flag for the three signals.
    pub fn install() -> Result<StopSignals> {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if shared.active_runs == 0 {
            let saved = current_dispositions()?;
            if let Some(hooked) = &shared.hooked {
                set_dispositions(hooked)?;
            }
            shared.saved = Some(saved);
        }
        let flag = Arc::new(AtomicBool::new(false));
        let mut guard = StopSignals {
            flag: Arc::clone(&flag),
            ids: Vec::new(),
        };
        for sig in STOP_SIGNALS {
            match signal_hook::flag::register(sig, Arc::clone(&flag)) {
                Ok(id) => guard.ids.push(id),
                Err(e) => {
                    guard.unregister();
                    restore_if_last(&mut shared, 0);
                    return Err(RuntimeError::new(format!(
                        "cannot handle signal {sig}: {e}"
                    )));
                }
            }
        }
        if shared.hooked.is_none() {
            shared.hooked = Some(current_dispositions()?);
        }
        shared.active_runs += 1;
        Ok(guard)
    }

    /// Whether one of the signals arrived since [`StopSignals::install`].
    pub fn stop_requested(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn unregister(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

impl Drop for StopSignals {
    fn drop(&mut self) {
        self.unregister();
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        restore_if_last(&mut shared, 1);
    }
}

/// Ends `ending` runs; when none is left active, puts back what the process
/// had before.
fn restore_if_last(shared: &mut Shared, ending: usize) {
    shared.active_runs -= ending;
    if shared.active_runs == 0 {
        if let Some(saved) = shared.saved.take() {
            // Nothing useful can be done if the kernel refuses: the
            // signals were valid when they were saved.
            let _ = set_dispositions(&saved);
        }
    }
}

fn current_dispositions() -> Result<Dispositions> {
    let mut out = [empty_action(); STOP_SIGNALS.len()];
    for (sig, action) in STOP_SIGNALS.iter().zip(out.iter_mut()) {
        // SAFETY: a null new action only queries; `action` is a valid out-pointer.
        if unsafe { libc::sigaction(*sig, std::ptr::null(), action) } != 0 {
            return Err(sigaction_error(*sig));
        }
    }
    Ok(out)
}

fn set_dispositions(actions: &Dispositions) -> Result<()> {
    for (sig, action) in STOP_SIGNALS.iter().zip(actions) {
        // SAFETY: `action` was read back from the kernel by `sigaction`, so it
        // is a complete, valid disposition for `sig`.
        if unsafe { libc::sigaction(*sig, action, std::ptr::null_mut()) } != 0 {
            return Err(sigaction_error(*sig));
        }
    }
    Ok(())
}

fn empty_action() -> libc::sigaction {
    // SAFETY: sigaction is plain data; all zeroes is SIG_DFL with no flags.
    unsafe { std::mem::zeroed() }
}

fn sigaction_error(sig: libc::c_int) -> RuntimeError {
    RuntimeError::new(format!(
        "cannot set the handler of signal {sig}: {}",
        std::io::Error::last_os_error()
    ))
}
