//! What several bench binaries share (included with `#[path]`; not a bench
//! of its own).

/// This process's peak resident memory so far (`VmHWM`), in KiB; 0 where
/// `/proc` is not there.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
