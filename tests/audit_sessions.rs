//! The audit trail of real SSH sessions, read back with the real `cloister audit` commands, and the
//! fail-closed freeze when the audit database cannot be written.

mod common;

use cloister::audit::Fault;
use common::ssh::Screen;
use common::*;
use std::process::Command;
use std::time::Duration;

fn export(dir: &cloister::datadir::DataDir) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["audit", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl", "--data"])
        .arg(&dir.root)
        .output()
        .expect("run export");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

fn verify(dir: &cloister::datadir::DataDir) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["audit", "verify", "--data"])
        .arg(&dir.root)
        .output()
        .expect("run verify");
    assert!(
        out.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_leave_a_complete_verifiable_trail() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    std::fs::write(dir.config_path(), "[server]\nauth_failure_delay_ms = 0\n").expect("config");
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    // A refused login.
    let key = cloister::client::load_key(&dir.keys_dir().join("demo/alice")).expect("key");
    assert!(cloister::client::connect(server.addr, "bob", key, None).await.is_err());
    // alice opens an item, edits, submits.
    let mut alice = Screen::open(&dir, server.addr, "alice", 120, 40, &[]).await;
    alice.wait_text("call-en-001").await;
    alice.send(b"\r").await;
    alice.wait_text("Enter to edit").await;
    alice.send(b"\r").await;
    alice.wait_text("editing").await;
    alice.send(b" ok").await;
    alice.send(b"\x1b[200~pasted words\x1b[201~").await;
    alice.send(b"\x13").await; // Ctrl-S
    alice.wait_text("submitted version 1").await;
    alice.send(b"\x1b").await;
    tokio::time::sleep(Duration::from_millis(100)).await; // a lone Esc, not Alt-q
    alice.send(b"q").await;
    alice.wait_closed().await;
    // bob (reviewer) tries to edit: denied and recorded.
    let mut bob = Screen::open(&dir, server.addr, "bob", 120, 40, &[]).await;
    bob.wait_text("Welcome, bob").await;
    bob.send(b"q").await;
    bob.wait_closed().await;
    server.shutdown().await;

    let events = export(&dir);
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    let fail = events.iter().find(|e| e["kind"] == "auth_fail").expect("auth_fail recorded");
    assert_eq!(fail["user"], "bob");
    assert!(fail["payload"]["fingerprint"].as_str().expect("fp").starts_with("SHA256:"));
    for kind in ["auth_ok", "session_start", "key", "paste", "render", "submit", "session_end"] {
        assert!(kinds.contains(&kind), "no {kind} event in {kinds:?}");
    }
    let alice_keys: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["user"] == "alice" && e["kind"] == "key").collect();
    assert!(alice_keys.iter().any(|e| e["payload"]["key"] == "Ctrl-S" && e["payload"]["screen"] == "editor"));
    assert!(alice_keys.iter().any(|e| e["payload"]["key"] == "o" && e["payload"]["segment"].is_i64()));
    let paste = events.iter().find(|e| e["kind"] == "paste").expect("paste");
    assert_eq!(paste["payload"]["text"], "pasted words");
    assert!(paste["project"].is_i64(), "a paste into an item is sealed with the project's key");
    let render = events.iter().find(|e| e["kind"] == "render").expect("render");
    assert_eq!(render["payload"]["mode"], "masked");
    assert_eq!(render["payload"]["segments"].as_array().expect("ids").len(), 8);
    let submit = events.iter().find(|e| e["kind"] == "submit").expect("submit");
    assert_eq!(submit["payload"]["version"], 1);
    assert_eq!(submit["payload"]["sha256"].as_str().expect("hash").len(), 64);
    let start = events.iter().find(|e| e["kind"] == "session_start").expect("start");
    assert!(start["payload"]["client"].as_str().expect("client").starts_with("SSH-2.0-"));
    assert_eq!((start["payload"]["cols"].as_i64(), start["payload"]["rows"].as_i64()), (Some(120), Some(40)));
    verify(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_freezes_while_the_audit_log_cannot_be_written() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut alice = Screen::open(&dir, server.addr, "alice", 120, 40, &[]).await;
    alice.wait_text("call-en-001").await;
    server.audit().inject_fault(Fault::DiskFull).await.expect("inject");
    // Keys keep coming; once a write needs a new page the log fails and the session freezes.
    for _ in 0..400 {
        alice.send(&[b'a'; 64]).await;
        alice.pump(Duration::from_millis(2)).await;
        if alice.text().contains("session is frozen") {
            break;
        }
    }
    alice.wait_text("session is frozen").await;
    assert!(!alice.text().contains("call-en-001"), "no data on a frozen screen");
    // While frozen, keys do nothing: q does not quit.
    alice.send(b"q").await;
    alice.pump(Duration::from_millis(300)).await;
    assert!(!alice.shell.closed && alice.text().contains("session is frozen"));
    server.audit().inject_fault(Fault::Clear).await.expect("clear");
    alice.wait_for("recovered", |t| !t.contains("session is frozen")).await;
    alice.wait_text("call-en-001").await;
    alice.send(b"q").await;
    assert_eq!(alice.wait_closed().await, Some(0));
    server.shutdown().await;
    verify(&dir);
}
