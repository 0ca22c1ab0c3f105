//! End-to-end: a real russh client against the real server on 127.0.0.1:0 with a real SQLite
//! store; screens asserted through a vt100 parser.

mod common;

use cloister::client::{connect, load_key, load_public_key};
use cloister::policy::Principal;
use common::ssh::Screen;
use common::*;
use std::time::Duration;

async fn server(tmp: &std::path::Path, config: &str) -> (cloister::datadir::DataDir, cloister::ssh::ServerHandle) {
    let dir = demo_dir(tmp);
    std::fs::write(dir.config_path(), config).expect("config");
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server starts");
    (dir, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotator_sees_home_help_and_quits_cleanly() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path(), "").await;
    let mut screen = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text("Welcome, alice").await;
    screen.wait_text("call-en-001").await;
    let text = screen.text();
    assert!(text.contains("(annotator)"), "{text}");
    assert!(text.contains("calls-demo") && text.contains("prefs-demo"), "{text}");
    assert!(text.contains("alice · annotator · session "), "status bar: {text}");
    assert!(!text.contains("READ-ONLY"));
    assert!(screen.raw.starts_with(b"\x1b[?1049h"), "alternate screen first");
    assert!(screen.parser.screen().hide_cursor(), "cursor hidden");
    screen.send(b"?").await;
    screen.wait_text("show/hide this help").await;
    screen.send(b"?").await;
    screen.wait_for("help closed", |t| !t.contains("show/hide this help")).await;
    screen.send(b"j").await;
    screen.send(b"q").await;
    assert_eq!(screen.wait_closed().await, Some(0));
    let tail = String::from_utf8_lossy(&screen.raw[screen.raw.len().saturating_sub(64)..]).to_string();
    assert!(tail.contains("\x1b[?1049l") && tail.contains("\x1b[?25h"), "terminal restored: {tail:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewer_has_read_only_badge_and_no_color_is_respected() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path(), "").await;
    let mut screen = Screen::open(&dir, server.addr, "bob", 100, 30, &[("NO_COLOR", "1")]).await;
    screen.wait_text("READ-ONLY").await;
    screen.wait_text("call-en-001").await; // the review queue: every item of the granted projects
    let raw = String::from_utf8_lossy(&screen.raw);
    assert!(!raw.contains("\x1b[38;5;") && !raw.contains("\x1b[48;5;"), "NO_COLOR: no colour sequences");
    let mut colored = Screen::open(&dir, server.addr, "quinn", 100, 30, &[]).await;
    colored.wait_text("Welcome, quinn").await;
    assert!(String::from_utf8_lossy(&colored.raw).contains("\x1b[38;5;"), "colour without NO_COLOR");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_change_redraws_at_the_new_size() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path(), "").await;
    let mut screen = Screen::open(&dir, server.addr, "alice", 80, 24, &[]).await;
    screen.wait_text("call-en-001").await;
    screen.parser.screen_mut().set_size(40, 120);
    screen.shell.resize(120, 40).await.expect("resize");
    // The status bar moves to the last row of the new size.
    screen.wait_for("status bar on row 40", |_| true).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let row = screen.parser.screen().contents_between(39, 0, 39, 120);
        if row.contains("session ") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "status bar not redrawn at row 40:\n{}", screen.text());
        if let Some(bytes) = screen.shell.recv(Duration::from_millis(500)).await {
            screen.parser.process(&bytes);
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path(), "[server]\nauth_failure_delay_ms = 0\n").await;
    let host = load_public_key(&dir.host_key_path().with_extension("pub")).expect("host");
    let alice_key = || load_key(&dir.keys_dir().join("demo/alice")).expect("key");
    // A key nobody registered.
    let stranger = cloister::datadir::generate_ed25519(&tmp.path().join("stranger"), "x").map(|_| ());
    stranger.expect("keygen");
    let unknown = load_key(&tmp.path().join("stranger")).expect("key");
    assert!(connect(server.addr, "alice", unknown, Some(host.clone())).await.is_err(), "unknown key");
    // alice's key presented for bob.
    assert!(connect(server.addr, "bob", alice_key(), Some(host.clone())).await.is_err(), "wrong user name");
    // Passwords are never accepted.
    let config = std::sync::Arc::new(russh::client::Config::default());
    let mut handle =
        russh::client::connect(config, server.addr, cloister::client::PinnedHost::any()).await.expect("connect");
    assert!(!handle.authenticate_password("alice", "alice").await.expect("answer").success(), "password");
    // A revoked key is refused, and a live session on it ends.
    let mut live = Screen::open(&dir, server.addr, "alice", 80, 24, &[]).await;
    live.wait_text("Welcome, alice").await;
    let store = dir.store().expect("store");
    let (_, fingerprint) = cloister::cli::read_public_key(&dir.keys_dir().join("demo/alice.pub")).expect("pub");
    store.revoke_key(&Principal::operator(), &fingerprint).expect("revoke");
    let started = std::time::Instant::now();
    // Keep typing: activity must not postpone the revocation check.
    while !live.shell.closed {
        let _ = live.shell.send(b"j").await;
        while live.shell.recv(Duration::from_millis(100)).await.is_some() {}
        assert!(started.elapsed() < Duration::from_secs(5), "session still open after revocation");
    }
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "live session ended {:?} after revocation",
        started.elapsed()
    );
    assert!(connect(server.addr, "alice", alice_key(), Some(host)).await.is_err(), "revoked key");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_gets_a_message_and_exit_status() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path(), "").await;
    let key = load_key(&dir.keys_dir().join("demo/alice")).expect("key");
    let handle = connect(server.addr, "alice", key, None).await.expect("login");
    let mut channel = handle.channel_open_session().await.expect("channel");
    channel.exec(true, "ls /").await.expect("exec");
    let (mut out, mut status) = (Vec::new(), None);
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(5), channel.wait()).await {
        match msg {
            russh::ChannelMsg::Data { data } => out.extend_from_slice(&data),
            russh::ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            russh::ChannelMsg::Close => break,
            _ => {}
        }
    }
    assert!(String::from_utf8_lossy(&out).contains("commands are not available"));
    assert_eq!(status, Some(2));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_lock_hides_data_and_caps_limit_sessions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = "[server]\nidle_lock_secs = 1\nidle_disconnect_secs = 30\nmax_sessions_per_user = 1\n";
    let (dir, server) = server(tmp.path(), config).await;
    let mut screen = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text("call-en-001").await;
    screen.wait_text("Session locked").await;
    assert!(!screen.text().contains("call-en-001"), "locked screen shows no data");
    // A second session for the same user is refused with a message.
    let mut second = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    second.wait_text("already have 1 sessions open").await;
    assert_eq!(second.wait_closed().await, Some(1));
    screen.send(b"x").await;
    screen.wait_text("call-en-001").await;
    assert_eq!(server.sessions(), 1);
    server.shutdown().await;
    assert_eq!(screen.wait_closed().await, Some(0), "shutdown ends sessions cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_session_is_disconnected() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path(), "[server]\nidle_lock_secs = 1\nidle_disconnect_secs = 2\n").await;
    let mut screen = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text("Session locked").await;
    let started = std::time::Instant::now();
    assert_eq!(screen.wait_closed().await, Some(0));
    assert!(started.elapsed() < Duration::from_secs(3));
    server.shutdown().await;
}
