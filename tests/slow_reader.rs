//! A client that stops reading: the server keeps handling its input without queueing frames
//! without bound (stale frames are dropped, then one full redraw), and other sessions stay fast.

mod common;

use common::ssh::Screen;
use common::*;
use std::time::{Duration, Instant};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_client_is_bounded_and_does_not_slow_others() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    // This test is about the output path; keep the disk's fsync time out of it.
    std::fs::write(dir.config_path(), "[server]\nmax_sessions_per_user = 4\n[audit]\nsynchronous = \"normal\"\n")
        .expect("config");
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut stalled = Screen::open(&dir, server.addr, "alice", 200, 50, &[]).await;
    stalled.wait_text("call-en-001").await;
    let mut other = Screen::open(&dir, server.addr, "quinn", 100, 30, &[]).await;
    other.wait_text("Welcome, quinn").await;
    let before = rss_kib();
    // 4 001 screen changes (each ~250 bytes when drawn) sent while never reading the output.
    for _ in 0..2000 {
        stalled.send(b"?").await;
        stalled.send(b"j").await;
    }
    stalled.send(b"?").await;
    // Meanwhile another session answers promptly.
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let sent = Instant::now();
        other.send(b"j").await;
        other.shell.recv(Duration::from_secs(5)).await.expect("other session answers");
        worst = worst.max(sent.elapsed());
        while other.shell.recv(Duration::from_millis(5)).await.is_some() {}
    }
    // Generous for a loaded 2-core CI box; a session stuck behind the stalled one would time out (5 s).
    assert!(worst < Duration::from_millis(1500), "other session slowed to {worst:?}");
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "memory grew by {grown} KiB while a client stalled");
    // Reading again: the final state arrives (help open after an odd number of toggles).
    stalled.wait_text("show/hide this help").await;
    assert!(stalled.text().contains("session "), "status bar redrawn:\n{}", stalled.text());
    server.shutdown().await;
}
