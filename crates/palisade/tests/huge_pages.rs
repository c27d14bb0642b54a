//! The commands that stream for long run without transparent huge pages (memory they free and
//! take back would be zeroed 2 MB at a time; `palisade serve` is set the same way as `audit`,
//! in `main.rs`); the others keep what the system gives. Each is started on a standard input
//! that stays open, so that it waits while its status is read.

#![cfg(any(target_os = "linux", target_os = "android"))]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `THP_enabled` in a process's status file (`/proc/self/status`, `/proc/PID/status`).
fn thp_enabled(status: &str) -> Option<String> {
    std::fs::read_to_string(status)
        .ok()?
        .lines()
        .find_map(|line| line.strip_prefix("THP_enabled:"))
        .map(|value| value.trim().to_string())
}

/// `THP_enabled` of the process, once it has turned the setting off or after a while.
fn thp_enabled_while_waiting(arguments: &[&str]) -> Option<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(arguments)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let read = || thp_enabled(&status);
    // The setting is made before any input is read: give the process time to start.
    let started = Instant::now();
    let mut seen = read();
    while seen.as_deref() != Some("0") && started.elapsed() < Duration::from_millis(500) {
        std::thread::sleep(Duration::from_millis(10));
        seen = read();
    }
    // End of input: both finish.
    drop(child.stdin.take());
    child.wait().unwrap();
    seen
}

#[test]
fn audit_turns_huge_pages_off_and_scan_keeps_them() {
    let Some(own) = thp_enabled("/proc/self/status") else {
        eprintln!("SKIPPED: this kernel does not report THP_enabled");
        return;
    };
    // Whether this system lets a process turn them off at all (a container's seccomp profile
    // may not): tried on this process, and undone.
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        eprintln!("SKIPPED: this system does not let a process turn huge pages off ({error})");
        return;
    }
    rustix::thread::disable_transparent_huge_pages(own == "0").unwrap();
    assert_eq!(
        thp_enabled_while_waiting(&["audit", "-", "--no-config"]).as_deref(),
        Some("0")
    );
    // A scan inherits what it was given (this test's own setting).
    assert_eq!(
        thp_enabled_while_waiting(&["scan", "-", "--no-config"]).as_deref(),
        Some(own.as_str())
    );
}
