//! Admin operations over SSH with the real OpenSSH client against the real server: exec commands
//! for admins only (refused and audited for others), live sessions listed and kicked, an export
//! approved by a second admin, OpenSSH user certificates from a trusted CA, and users imported
//! from an authorized_keys file.

mod common;

use common::ssh::Screen;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success())
}

struct Host {
    known: PathBuf,
    port: u16,
}

impl Host {
    /// `ssh` with one key (and optionally its certificate) running `cmd`; (status, stdout, stderr).
    async fn ssh(&self, key: &Path, cert: Option<&Path>, user: &str, cmd: &str) -> (i32, String, String) {
        let mut args = vec![
            "-F".to_string(),
            "/dev/null".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known.display()),
            "-i".into(),
            key.display().to_string(),
            "-p".into(),
            self.port.to_string(),
        ];
        if let Some(cert) = cert {
            args.extend(["-o".into(), format!("CertificateFile={}", cert.display())]);
        }
        args.push(format!("{user}@127.0.0.1"));
        args.push(cmd.to_string());
        let out = tokio::task::spawn_blocking(move || Command::new("ssh").args(&args).output().expect("ssh runs"))
            .await
            .expect("blocking");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }
}

fn cloister(args: &[&str], data: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister")).args(args).arg("--data").arg(data).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn keygen(args: &[&str]) {
    let out = Command::new("ssh-keygen").args(args).output().expect("ssh-keygen runs");
    assert!(out.status.success(), "ssh-keygen {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

async fn start(tmp: &Path) -> (cloister::datadir::DataDir, cloister::ssh::ServerHandle, Host) {
    let dir = demo_dir(tmp);
    // Many short ssh connections from one address: lift the per-IP connection throttle.
    std::fs::write(dir.config_path(), "[server]\nconnections_per_ip = 1000\n").expect("config");
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let port = server.addr.port();
    let host_line = std::fs::read_to_string(dir.host_key_path().with_extension("pub")).expect("host pub");
    let known = tmp.join("known_hosts");
    std::fs::write(&known, format!("[127.0.0.1]:{port} {host_line}")).expect("known_hosts");
    (dir, server, Host { known, port })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_commands_are_for_admins_and_manage_live_sessions() {
    if !have("ssh") {
        println!("SKIPPED: this test needs the OpenSSH `ssh` client");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server, host) = start(tmp.path()).await;
    let keys = dir.keys_dir().join("demo");
    let (carol, alice) = (keys.join("carol"), keys.join("alice"));

    let (code, out, err) = host.ssh(&carol, None, "carol", "user list").await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("carol\tadmin") && out.contains("alice\t-"), "{out}");
    let (code, out, _) = host.ssh(&alice, None, "alice", "user list").await;
    assert_eq!(code, 2);
    assert!(out.contains("not available over ssh for non-admins"), "{out}");
    let (code, _, _) = host.ssh(&carol, None, "carol", "user frobnicate").await;
    assert_eq!(code, 2, "usage errors exit 2");
    let (code, out, _) = host.ssh(&carol, None, "carol", "project purge calls-demo --yes").await;
    assert_eq!(code, 1, "purge stays on the host");
    assert!(out.contains("run it there"), "{out}");

    // Add a user and paste a key over ssh; a key *file* on the host is refused.
    let dave_pub = std::fs::read_to_string(keys.join("bob.pub")).expect("a key to reuse");
    let (code, _, _) = host.ssh(&carol, None, "carol", "user add dave").await;
    assert_eq!(code, 0);
    let (code, out, _) = host.ssh(&carol, None, "carol", "key add dave /etc/passwd").await;
    assert_eq!(code, 1);
    assert!(out.contains("reads or writes files on the host"), "{out}");
    let line = dave_pub.trim().to_string();
    let (code, out, _) = host.ssh(&carol, None, "carol", &format!("key add bob '{line}'")).await;
    assert_eq!(code, 1, "already registered to bob: {out}");
    assert!(out.contains("already exists"), "{out}");

    // Live sessions: alice's shell is listed, then kicked, and ends within a second.
    let mut screen = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text("Welcome, alice").await;
    let (code, out, err) = host.ssh(&carol, None, "carol", "sessions list").await;
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.contains("\talice\t")).unwrap_or_else(|| panic!("alice listed: {out}"));
    let session = line.split('\t').next().expect("id").to_string();
    let kicked = Instant::now();
    let (code, out, _) = host.ssh(&carol, None, "carol", &format!("sessions kick {session}")).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(screen.wait_closed().await, Some(0));
    assert!(kicked.elapsed() < Duration::from_secs(3), "ended promptly: {:?}", kicked.elapsed());
    let (_, out, _) = host.ssh(&carol, None, "carol", "sessions list").await;
    assert!(!out.contains("\talice\t"), "{out}");

    let (code, out, _) = host.ssh(&carol, None, "carol", "project list").await;
    assert_eq!(code, 0);
    assert!(out.starts_with("calls-demo\ttranscription\topen"), "{out}");
    let (code, out, _) = host.ssh(&carol, None, "carol", "audit tail -n 50").await;
    assert_eq!(code, 0);
    assert!(out.contains("sessions kick") && out.contains("ended by an admin"), "{out}");
    assert!(out.contains("\talice\tdenial\t") && out.contains("exec user list"), "refusal audited: {out}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_admin_approves_an_export_over_ssh() {
    if !have("ssh") {
        println!("SKIPPED: this test needs the OpenSSH `ssh` client");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server, host) = start(tmp.path()).await;
    let data = dir.root.clone();
    let policy = tmp.path().join("dual.toml");
    std::fs::write(&policy, "export_approvals = 2\n").expect("policy");
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["import", "--project", "dual", "--kind", "transcription", "--policy"])
        .arg(&policy)
        .arg("--data")
        .arg(&data)
        .arg(fixtures().join("calls/manifest.jsonl"))
        .output()
        .expect("import");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let target = tmp.path().join("export");
    let (code, stdout, _) = cloister(
        &[
            "export",
            "--project",
            "dual",
            "--format",
            "jsonl",
            "--out",
            target.to_str().expect("utf-8"),
            "--reason",
            "court order 17",
        ],
        &data,
    );
    assert_eq!(code, 3, "{stdout}");
    let id = stdout.split_whitespace().find(|w| w.starts_with("x-")).expect("id").to_string();
    let carol = dir.keys_dir().join("demo/carol");
    let (code, out, _) = host.ssh(&carol, None, "carol", "export list").await;
    assert!(code == 0 && out.contains(&id) && out.contains("pending"), "{out}");
    let (code, out, err) = host.ssh(&carol, None, "carol", &format!("export approve {id}")).await;
    assert_eq!(code, 0, "{out} {err}");
    let (code, stdout, err) = cloister(&["export", "run", &id], &data);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("69 records"), "{stdout}");
    let manifest = std::fs::read_to_string(target.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("carol"), "the approver is named: {manifest}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_from_a_trusted_ca_and_imported_authorized_keys_log_in() {
    if !have("ssh") || !have("ssh-keygen") {
        println!("SKIPPED: this test needs the OpenSSH `ssh` and `ssh-keygen`");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server, host) = start(tmp.path()).await;
    let data = dir.root.clone();
    let t = tmp.path();
    let path = |name: &str| t.join(name).display().to_string();
    keygen(&["-q", "-t", "ed25519", "-N", "", "-C", "ca", "-f", &path("ca")]);
    keygen(&["-q", "-t", "ed25519", "-N", "", "-C", "erin@laptop", "-f", &path("erin")]);
    for (cert, principal, validity) in
        [("good", "erin", "-5m:+1h"), ("expired", "erin", "20200101:20200102"), ("other", "frank", "-5m:+1h")]
    {
        std::fs::copy(t.join("erin.pub"), t.join(format!("{cert}.pub"))).expect("copy");
        keygen(&["-q", "-s", &path("ca"), "-I", cert, "-n", principal, "-V", validity, &path(&format!("{cert}.pub"))]);
    }
    let (code, _, err) = cloister(&["user", "add", "erin", "--admin"], &data);
    assert_eq!(code, 0, "{err}");
    let key = t.join("erin");
    let cert = |name: &str| t.join(format!("{name}-cert.pub"));
    let (code, _, err) = host.ssh(&key, Some(&cert("good")), "erin", "user list").await;
    assert_eq!(code, 255, "CA not trusted yet: {err}");
    let (code, out, err) = cloister(&["ca", "trust", &path("ca.pub")], &data);
    assert_eq!(code, 0, "{err}");
    let fingerprint = out.split_whitespace().nth(1).expect("fingerprint").to_string();
    let (code, out, err) = host.ssh(&key, Some(&cert("good")), "erin", "user list").await;
    assert_eq!(code, 0, "certificate login: {err}");
    assert!(out.contains("erin\tadmin"), "{out}");
    let (code, _, _) = host.ssh(&key, Some(&cert("expired")), "erin", "user list").await;
    assert_eq!(code, 255, "expired certificate refused");
    let (code, _, _) = host.ssh(&key, Some(&cert("other")), "erin", "user list").await;
    assert_eq!(code, 255, "principal frank is not erin");
    let (_, keys, _) = cloister(&["key", "list"], &data);
    assert!(keys.lines().any(|l| l.starts_with("erin\tSHA256:") && l.ends_with("active")), "{keys}");
    let (code, _, _) = cloister(&["ca", "untrust", &fingerprint], &data);
    assert_eq!(code, 0);
    let (code, _, _) = host.ssh(&key, Some(&cert("good")), "erin", "user list").await;
    assert_eq!(code, 255, "CA no longer trusted");
    let (code, _, _) = host.ssh(&key, None, "erin", "user list").await;
    assert_eq!(code, 255, "nor the certified key alone");

    // authorized_keys import: new users with a role; their keys log in.
    keygen(&["-q", "-t", "ed25519", "-N", "", "-C", "gina@desk", "-f", &path("gina")]);
    let gina_pub = std::fs::read_to_string(t.join("gina.pub")).expect("pub");
    let file = t.join("authorized_keys");
    std::fs::write(&file, format!("# team\nno-pty,expiry-time=\"20991231\" {gina_pub}")).expect("write");
    let (code, out, err) = cloister(
        &["key", "import", file.to_str().expect("utf-8"), "--role", "annotator", "--project", "calls-demo"],
        &data,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 1 keys") && out.contains("created 1 users") && out.contains("no-pty"), "{out}");
    let (code, out, _) = host.ssh(&t.join("gina"), None, "gina", "user list").await;
    assert_eq!(code, 2, "logged in (as a non-admin, so refused): {out}");
    assert!(out.contains("for non-admins"), "{out}");
    let (_, keys, _) = cloister(&["key", "list"], &data);
    assert!(keys.lines().any(|l| l.starts_with("gina\t") && l.contains("expires=2099-12-31")), "{keys}");
    server.shutdown().await;
}
