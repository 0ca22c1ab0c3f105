//! The admin console over a real SSH session: an admin without data roles lands in it; adds a
//! user and pastes a key for them; sees a live session and ends it; sees projects with their
//! agreement and the audit tail. An admin with data roles toggles it with `A`.

mod common;

use cloister::policy::{Principal, Role};
use common::ssh::Screen;
use common::*;

const DOWN: &[u8] = b"\x1b[B";
const CTRL_S: &[u8] = b"\x13";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_console_manages_users_keys_and_sessions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut alice = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    alice.wait_text("Welcome, alice").await;

    let mut carol = Screen::open(&dir, server.addr, "carol", 160, 40, &[]).await;
    carol.wait_text("admin console").await;
    carol.wait_text("SHA256:").await;
    assert!(carol.text().contains("carol") && carol.text().contains("admin"), "{}", carol.text());

    // Add a user, then paste a key for them.
    carol.send(b"a").await;
    carol.wait_text("new user name:").await;
    carol.send(b"zoe").await;
    carol.send(CTRL_S).await;
    carol.wait_text("user zoe created").await;
    carol.wait_text("(no key)").await;
    let rows = carol.text();
    let position = rows
        .lines()
        .filter(|l| l.contains("SHA256:") || l.contains("(no key)"))
        .position(|l| l.contains("zoe"))
        .expect("zoe row");
    for _ in 0..position {
        carol.send(DOWN).await;
    }
    carol.send(b"k").await;
    carol.wait_text("paste a public key for zoe").await;
    let key = std::fs::read_to_string(dir.keys_dir().join("demo/bob.pub")).expect("pub");
    let fresh = {
        // A key nobody has: generate one.
        let path = tmp.path().join("zoe");
        cloister::datadir::generate_ed25519(&path, "zoe@pc").expect("key");
        std::fs::read_to_string(path.with_extension("pub")).expect("pub")
    };
    assert_ne!(key, fresh);
    carol.send(format!("\x1b[200~{}\x1b[201~", fresh.trim()).as_bytes()).await;
    carol.send(CTRL_S).await;
    carol.wait_text("added for zoe").await;

    // Live sessions: alice's is listed; end it.
    carol.send(b"2").await;
    carol.wait_text(" since ").await;
    let rows = carol.text();
    let position = rows.lines().filter(|l| l.contains(" since ")).position(|l| l.contains("alice")).expect("alice row");
    for _ in 0..position {
        carol.send(DOWN).await;
    }
    carol.send(b"x").await;
    carol.wait_text("of alice? y/n").await;
    carol.send(b"y").await;
    assert_eq!(alice.wait_closed().await, Some(0), "alice's session ended");
    carol.wait_text("ends within a second").await;

    // Projects with agreement lines, and the audit tail.
    carol.send(b"3").await;
    carol.wait_text("calls-demo  transcription · open").await;
    carol.send(b"4").await;
    carol.wait_text("sessions kick").await;
    carol.send(b"q").await;
    assert_eq!(carol.wait_closed().await, Some(0));

    let store = dir.store().expect("store");
    let keys = store.list_keys(&Principal::operator()).expect("keys");
    assert!(keys.iter().any(|k| k.user == "zoe"), "the pasted key is stored");
    drop(store);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_with_data_roles_toggle_the_console() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    store.grant(&Principal::operator(), "alice", Role::Admin, "").expect("admin too");
    drop(store);
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut alice = Screen::open(&dir, server.addr, "alice", 120, 30, &[]).await;
    alice.wait_text("call-en-001").await;
    alice.send(b"C").await;
    alice.wait_text("users & keys").await;
    alice.send(b"\x1b").await;
    alice.wait_for("back home", |t| t.contains("call-en-001") && !t.contains("users & keys")).await;
    let mut bob = Screen::open(&dir, server.addr, "bob", 120, 30, &[]).await;
    bob.wait_text("READ-ONLY").await;
    bob.send(b"C").await;
    bob.send(b"?").await;
    bob.wait_text("show/hide this help").await;
    assert!(!bob.text().contains("users & keys"), "no console for non-admins: {}", bob.text());
    alice.send(b"q").await;
    bob.send(b"q").await;
    server.shutdown().await;
}
