//! Small facts about the machine and the process: CPUs, privileges.

const ONLINE_CPUS: &str = "/sys/devices/system/cpu/online";

/// The online CPUs, from `/sys/devices/system/cpu/online`.
///
/// Falls back to `0..available_parallelism` if that file cannot be read.
pub fn online_cpus() -> Vec<u32> {
    std::fs::read_to_string(ONLINE_CPUS)
        .ok()
        .and_then(|text| parse_cpu_list(&text).ok())
        .unwrap_or_else(|| {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            (0..n as u32).collect()
        })
}

/// Parses a kernel CPU list such as `0-3,5,7-8` into `[0, 1, 2, 3, 5, 7, 8]`.
pub fn parse_cpu_list(text: &str) -> Result<Vec<u32>, String> {
    let mut cpus = Vec::new();
    for item in text.trim().split(',').filter(|s| !s.is_empty()) {
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("bad CPU list `{}`: `{item}`", text.trim()))
        };
        match item.split_once('-') {
            Some((first, last)) => cpus.extend(number(first)?..=number(last)?),
            None => cpus.push(number(item)?),
        }
    }
    Ok(cpus)
}

/// Checks that the process runs as root, which loading BPF programs needs.
pub fn require_root() -> Result<(), String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        Ok(())
    } else {
        Err(
            "tracelet needs root (CAP_BPF and CAP_PERFMON) to load BPF programs; run it with sudo"
                .to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(
            parse_cpu_list("0-3,5,7-8\n").unwrap(),
            [0, 1, 2, 3, 5, 7, 8]
        );
        assert_eq!(parse_cpu_list("0\n").unwrap(), [0]);
        assert_eq!(parse_cpu_list("0-1").unwrap(), [0, 1]);
        assert_eq!(parse_cpu_list("").unwrap(), Vec::<u32>::new());
        assert_eq!(
            parse_cpu_list("0-x").unwrap_err(),
            "bad CPU list `0-x`: `0-x`"
        );
    }

    #[test]
    fn online_cpus_matches_parallelism() {
        let cpus = online_cpus();
        assert!(!cpus.is_empty());
        assert_eq!(cpus[0], 0);
    }
}
