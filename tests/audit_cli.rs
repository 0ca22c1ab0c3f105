//! `cloister audit …` end to end: exit codes, messages, a saved checkpoint, decrypted output.

use cloister::audit::{AuditKeys, AuditLog, Event, EventKind, NoProjectKeys};
use cloister::datadir::DataDir;
use std::process::Command;
use std::sync::Arc;

fn cloister(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_cloister")).args(args).env("RUST_BACKTRACE", "0").output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn verify_checkpoint_tail_export_and_replay() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = DataDir::new(tmp.path().join("data"));
    dir.init().expect("init");
    let data = dir.root.to_str().expect("utf-8 path").to_string();
    let d = ["--data", data.as_str()];

    let (code, _, err) = cloister(&[&["audit", "checkpoint"], &d[..]].concat());
    assert_eq!(code, 1, "an empty log has no checkpoint");
    assert!(err.contains("no checkpoint yet"), "{err}");

    // A session's keys, recorded as the server would.
    let keys = AuditKeys::load(&dir.audit_key_paths()).expect("keys");
    let log = AuditLog::start(&dir.audit_db_path(), keys, &Default::default(), Arc::new(NoProjectKeys)).expect("log");
    for (key, segment) in [("j", Some(3)), ("Ctrl-S", Some(3)), ("q", None)] {
        let kind = EventKind::Key { key: key.into(), screen: "editor".into(), segment };
        log.record_blocking(Event::new("ssh-9", "alice", None, kind)).expect("record");
    }
    log.shutdown_blocking().expect("shutdown");

    let (code, text, err) = cloister(&[&["audit", "checkpoint", "--new"], &d[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(text.starts_with("cloister-audit/v1\n") && text.contains("\n\n— "), "{text}");
    let saved = tmp.path().join("checkpoint.txt");
    std::fs::write(&saved, &text).expect("save");
    let saved = saved.to_str().expect("utf-8 path");

    let (code, out, err) = cloister(&[&["audit", "verify", "--checkpoint", saved], &d[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("audit log intact: 3 events"), "{out}");

    let (code, out, err) = cloister(&[&["audit", "replay", "ssh-9"], &d[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("key Ctrl-S") && out.contains("screen=editor segment=3"), "{out}");

    let (code, out, err) =
        cloister(&[&["audit", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl"], &d[..]].concat());
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert!(lines.iter().any(|l| l["payload"]["key"] == "Ctrl-S" && l["session"] == "ssh-9"), "{out}");
    assert!(lines.iter().any(|l| l["kind"] == "admin"), "reading the log is itself audited: {out}");

    let (code, out, err) = cloister(&[&["audit", "tail", "-n", "2"], &d[..]].concat());
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");

    // Tamper with seq 2: verify names it and exits non-zero.
    let conn = rusqlite::Connection::open(dir.audit_db_path()).expect("open");
    conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET user = 'mallory' WHERE seq = 2;")
        .expect("tamper");
    drop(conn);
    let (code, _, err) = cloister(&[&["audit", "verify", "--checkpoint", saved], &d[..]].concat());
    assert_eq!(code, 1);
    assert!(err.contains("first bad seq 2") && err.contains("a field was changed"), "{err}");
    assert!(err.contains("triggers are missing"), "{err}");

    let (code, _, err) = cloister(&[&["audit", "export", "--since", "yesterday"], &d[..]].concat());
    assert_ne!(code, 0);
    assert!(err.contains("RFC 3339"), "{err}");
}
