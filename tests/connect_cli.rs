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

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

/// In a real pty (util-linux `script`): the first-use question answered `yes`, raw keys relayed,
/// a window resize redrawn at the new size, and `~.` disconnecting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_terminal_it_asks_relays_raw_keys_resizes_and_tilde_dot_disconnects() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    if !have("script") {
        println!("SKIPPED: this test needs util-linux `script`");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let port = server.addr.port();
    let known = tmp.path().join("known_hosts");
    // After 8 s the pty grows to 120×40 and the client is told (SIGWINCH), as a terminal would.
    let command = format!(
        "stty cols 100 rows 30; (sleep 8; stty cols 120 rows 40 </dev/tty; kill -WINCH $$) & \
         exec {} connect --no-audio --known-hosts {} -i {} -p {port} alice@127.0.0.1",
        env!("CARGO_BIN_EXE_cloister"),
        known.display(),
        dir.keys_dir().join("demo/alice").display()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
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
    let mut raw = Vec::new();
    // Waits for `needle` in what arrived after byte `from`.
    let wait_for = |needle: &str, raw: &mut Vec<u8>, from: usize| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !String::from_utf8_lossy(&raw[from.min(raw.len())..]).contains(needle) {
            let chunk = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
            raw.extend(chunk.unwrap_or_else(|_| panic!("{needle:?} not seen in {:?}", String::from_utf8_lossy(raw))));
        }
    };
    wait_for("Are you sure you want to continue connecting (yes/no)?", &mut raw, 0);
    assert!(String::from_utf8_lossy(&raw).contains("ED25519 key fingerprint is SHA256:"));
    stdin.write_all(b"yes\r").expect("answer");
    wait_for("call-en-001", &mut raw, 0);
    // Raw mode: `j` acts at once (a cooked terminal would hold it until Enter) and the second
    // queue row is redrawn selected.
    let before = raw.len();
    let typed = Instant::now();
    stdin.write_all(b"j").expect("type");
    wait_for("call-en-002", &mut raw, before);
    assert!(typed.elapsed() < Duration::from_secs(5), "`j` only acted with the later full redraw");
    // The resize reached the server: it now draws on row 40 of a 120-column screen.
    wait_for("\x1b[40;1H", &mut raw, before);
    // `~.` at the start of a line disconnects, like OpenSSH; the exit status is 255.
    stdin.write_all(b"\r~.").expect("escape");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "cloister connect did not disconnect on ~.");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(255));
    let recorded = std::fs::read_to_string(&known).expect("the accepted key was recorded");
    assert!(recorded.starts_with(&format!("[127.0.0.1]:{port} ssh-ed25519 ")), "{recorded}");
    server.shutdown().await;
}
