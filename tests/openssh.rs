//! The real OpenSSH client, in a real pty (util-linux `script`), against the real server.
//! Skipped with a printed reason where `ssh` or `script` is absent.

mod common;

use common::*;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssh_client_in_a_pty_gets_the_tui_and_exits_zero() {
    if !have("ssh") || !have("script") {
        println!("SKIPPED: this test needs the OpenSSH `ssh` client and util-linux `script`");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let port = server.addr.port();
    let host_line = std::fs::read_to_string(dir.host_key_path().with_extension("pub")).expect("host pub");
    let known = tmp.path().join("known_hosts");
    std::fs::write(&known, format!("[127.0.0.1]:{port} {host_line}")).expect("known_hosts");
    let key = dir.keys_dir().join("demo/alice");
    let ssh = format!(
        "stty cols 100 rows 30; exec ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
         -o UserKnownHostsFile={} -o SetEnv=NO_COLOR=1 -i {} -p {port} alice@127.0.0.1",
        known.display(),
        key.display()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &ssh, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn script");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take().expect("stdin");
    let mut parser = vt100::Parser::new(30, 100, 0);
    let mut raw = Vec::new();
    let mut wait_for = |needle: &str, raw: &mut Vec<u8>| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !parser.screen().contents().contains(needle) {
            let chunk = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
            let chunk =
                chunk.unwrap_or_else(|_| panic!("{needle:?} not seen; screen:\n{}", parser.screen().contents()));
            raw.extend_from_slice(&chunk);
            parser.process(&chunk);
        }
    };
    wait_for("Welcome, alice", &mut raw);
    wait_for("call-en-001", &mut raw);
    stdin.write_all(b"?").expect("type");
    wait_for("show/hide this help", &mut raw);
    stdin.write_all(b"q").expect("type");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "ssh did not exit");
        while let Ok(chunk) = rx.try_recv() {
            raw.extend_from_slice(&chunk);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
        raw.extend_from_slice(&chunk);
    }
    assert!(status.success(), "ssh exit status {status:?}");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("\x1b[?1049h") && text.contains("\x1b[?1049l"), "alternate screen entered and left");
    assert!(!text.contains("\x1b[38;5;"), "SetEnv NO_COLOR=1 is honoured");
    server.shutdown().await;
}
