//! (c) Peak resident memory of CLI commands, measured whole by the kernel
//! (`ru_maxrss` of the finished process).
//!
//! The process is started through GNU `time` (`/usr/bin/time -f %M`): on
//! Linux a child's `ru_maxrss` starts from the high-water mark of the
//! process that spawned it (exec records the old address space's peak), so
//! spawning the CLI straight from this large bench process would report the
//! bench's own RSS. `time` is a small process, so its figure is the CLI's.

use std::process::{Command, Stdio};

/// The largest peak RSS (KiB) over `runs` runs of the command, or `None`
/// when GNU time is missing (`apt-get install time`).
pub fn peak_kb(args: &[&str], env: &[(&str, &str)], runs: usize) -> Option<u64> {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let report = std::env::temp_dir().join(format!("aut-cli-rss-{}", std::process::id()));
    let mut peak = 0;
    for _ in 0..runs {
        let status = Command::new(time)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(env!("CARGO_BIN_EXE_azure-user-tokens"))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("GNU time runs");
        assert!(status.success(), "{args:?} failed");
        let text = std::fs::read_to_string(&report).expect("GNU time's report");
        let kb: u64 = text
            .trim()
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .expect("a number of KiB");
        peak = peak.max(kb);
    }
    let _ = std::fs::remove_file(&report);
    Some(peak)
}
