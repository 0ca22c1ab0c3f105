//! The real `cloister connect` binary against the real server: trust on first use with
//! `--accept-new`, the TUI relayed through pipes, and refusals of unknown and changed host keys.

mod common;

use common::*;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `cloister connect` with its output collected on a thread.
struct Client {
    child: Child,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Client {
    fn spawn(dir: &cloister::datadir::DataDir, port: u16, known_hosts: &std::path::Path, extra: &[&str]) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloister"))
            .arg("connect")
            .args(extra)
            .arg("--known-hosts")
            .arg(known_hosts)
            .arg("-i")
            .arg(dir.keys_dir().join("demo/alice"))
            .args(["-p", &port.to_string(), "--no-audio", "alice@127.0.0.1"])
            .env("COLUMNS", "100")
            .env("LINES", "30")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cloister connect");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().expect("stdout");
        let sink = std::sync::Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buffer[..n]);
            }
        });
        Client { child, output }
    }

    fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(30, 100, 0);
        parser.process(&self.output.lock().expect("lock"));
        parser.screen().contents()
    }

    fn wait_text(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.screen().contains(needle) {
            assert!(Instant::now() < deadline, "{needle:?} not on screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.child.stdin.as_mut().expect("stdin").write_all(bytes).expect("type");
    }

    /// Waits for the exit; returns (code, stderr).
    fn finish(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "cloister connect did not exit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
        (status.code(), stderr)
    }
}

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
    let (code, stderr) = Client::spawn(&dir, port, &known, &[]).finish();
    assert_ne!(code, Some(0));
    assert!(stderr.contains(&format!("[127.0.0.1]:{port} is not in")) && stderr.contains("--accept-new"), "{stderr}");
    assert!(!known.exists(), "an unaccepted key was recorded");

    // --accept-new: the key is recorded, the TUI arrives through the pipe, and q ends with 0.
    let mut client = Client::spawn(&dir, port, &known, &["--accept-new"]);
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
    let mut again = Client::spawn(&dir, port, &known, &[]);
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
    for extra in [&[][..], &["--accept-new"][..]] {
        let (code, stderr) = Client::spawn(&dir, port, &known, extra).finish();
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
