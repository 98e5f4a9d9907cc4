//! Shared by the runtime's integration tests.

/// Whether BPF programs can be loaded (root). Without root a test skips
/// loudly, and fails under `TRACELET_REQUIRE_BPF=1`.
pub fn root_or_skip(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert_ne!(
        std::env::var("TRACELET_REQUIRE_BPF").as_deref(),
        Ok("1"),
        "TRACELET_REQUIRE_BPF=1 but not root"
    );
    eprintln!("!!! SKIPPED {test}: needs root to load BPF programs !!!");
    false
}
