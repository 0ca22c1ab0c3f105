//! The real `cloister connect` binary against the real server: trust on first use with
//! `--accept-new`, the TUI relayed through pipes, and refusals of unknown and changed host keys.

mod common;

use common::connect::Client;
use common::*;
use std::process::Command;

fn host_line(dir: &cloister::datadir::DataDir) -> String {
    std::fs::read_to_string(dir.host_key_path().with_extension("pub")).expect("host pub").trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_use_records_the_key_and_relays_the_tui() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let port = server.addr.port();
    let known = tmp.path().join("home/.ssh/known_hosts");

    // No terminal to ask and no --accept-new: refused, nothing recorded.
    let (code, stderr) = Client::spawn(&dir, port, &known, &["--no-audio"], &[]).finish();
    assert_ne!(code, Some(0));
    assert!(stderr.contains(&format!("[127.0.0.1]:{port} is not in")) && stderr.contains("--accept-new"), "{stderr}");
    assert!(!known.exists(), "an unaccepted key was recorded");

    // --accept-new: the key is recorded, the TUI arrives through the pipe, and q ends with 0.
    let mut client = Client::spawn(&dir, port, &known, &["--no-audio", "--accept-new"], &[]);
    client.wait_text("Welcome, alice");
    client.wait_text("call-en-001");
    client.send(b"\r");
    client.wait_text("audio: connect with `cloister connect` to listen");
    client.send(b"q");
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains(&format!("Permanently added '[127.0.0.1]:{port}'")), "{stderr}");
    let recorded = std::fs::read_to_string(&known).expect("known_hosts written");
    let key_part = host_line(&dir).split(' ').take(2).collect::<Vec<_>>().join(" ");
    assert_eq!(recorded, format!("[127.0.0.1]:{port} {key_part}\n"));

    // Known now: no flag needed, nothing added.
    let mut again = Client::spawn(&dir, port, &known, &["--no-audio"], &[]);
    again.wait_text("Welcome, alice");
    again.send(b"q");
    let (code, stderr) = again.finish();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("Permanently added"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&known).expect("known_hosts"), recorded);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_host_key_is_refused_before_login() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let port = server.addr.port();
    // Another ed25519 key recorded for this host and port (alice's user key stands in for it).
    let other = std::fs::read_to_string(dir.keys_dir().join("demo/alice.pub")).expect("pub");
    let known = tmp.path().join("known_hosts");
    std::fs::write(&known, format!("# the admin's list\n[127.0.0.1]:{port} {other}")).expect("known_hosts");
    let before = std::fs::read_to_string(&known).expect("read");
    for extra in [&["--no-audio"][..], &["--no-audio", "--accept-new"][..]] {
        let (code, stderr) = Client::spawn(&dir, port, &known, extra, &[]).finish();
        assert_ne!(code, Some(0), "{stderr}");
        assert!(stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"), "{stderr}");
        assert!(stderr.contains(&format!("{}:2 records another key", known.display())), "{stderr}");
        assert!(stderr.contains("SHA256:"), "the offered fingerprint is shown: {stderr}");
    }
    assert_eq!(std::fs::read_to_string(&known).expect("read"), before, "a changed key is never recorded");
    assert_eq!(server.sessions(), 0);
    server.shutdown().await;
    // Refused before authentication: the server saw no login at all.
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["audit", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl", "--data"])
        .arg(&dir.root)
        .output()
        .expect("export");
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !log.contains("auth_ok") && !log.contains("auth_fail"), "{log}");
}
