//! The `azure-user-tokens emulator` binary as a child process, and the
//! memory figures Linux keeps for a process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running emulator process; stopped (SIGTERM, then waited) on drop.
pub struct EmulatorProcess {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The connection string it printed (its well-known default key).
    pub connection_string: String,
}

impl EmulatorProcess {
    /// Starts the bench-profile binary on a free loopback port and waits for
    /// its `ready:` line.
    pub fn start(extra: &[&str]) -> EmulatorProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_azure-user-tokens"))
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (mut endpoint, mut connection_string) = (None, None);
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("emulator output");
            if let Some(value) = line.strip_prefix("endpoint: ") {
                endpoint = Some(value.to_string());
            }
            if let Some(value) = line.strip_prefix("connection string: ") {
                connection_string = Some(value.to_string());
            }
            if line.starts_with("ready:") {
                break;
            }
        }
        EmulatorProcess {
            child,
            endpoint: endpoint.expect("the emulator printed its endpoint"),
            connection_string: connection_string
                .expect("the emulator printed its connection string"),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn authority(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// (VmHWM, VmRSS) of a process in KiB, from /proc (0 where unavailable).
pub fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// CPU time this process has used so far, summed over its threads
/// (`/proc/self/task/*/schedstat`, nanoseconds; zero where unavailable).
/// Threads that already ended are not counted: read it around work done by
/// threads that live through it (a runtime's workers).
pub fn process_cpu() -> std::time::Duration {
    let mut total = 0u64;
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            total += stat
                .split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    std::time::Duration::from_nanos(total)
}
