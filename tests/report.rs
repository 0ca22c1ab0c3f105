//! `cloister report` from a real audit log: an annotator's real SSH session opens an item, a
//! reviewer's write is denied by the store, an admin exports; the report names who saw which
//! segments when, the session with its peer, the denial and the export.

mod common;

use cloister::audit::AuditLog;
use common::ssh::Screen;
use common::*;
use std::process::Command;

fn cloister(args: &[&str], data: &std::path::Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister")).args(args).arg("--data").arg(data).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_shows_access_sessions_denials_and_exports() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let data = dir.root.clone();
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut screen = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text("call-en-001").await;
    screen.send(b"\r").await;
    screen.wait_text("Northwind Bank").await;
    screen.send(b"q").await;
    assert_eq!(screen.wait_closed().await, Some(0));
    server.shutdown().await;

    // A reviewer's write refused by the store is audited with the project.
    let data2 = data.clone();
    tokio::task::spawn_blocking(move || {
        let dir = cloister::datadir::DataDir::new(data2);
        let mut store = dir.store().expect("store");
        let keyring = store.keyring().expect("keys");
        let log = AuditLog::open_dir(&dir, &dir.config().expect("config").audit, keyring).expect("log");
        store.set_denial_sink(Box::new(log.clone()));
        let (alice, bob) = (principal(&store, "alice"), principal(&store, "bob"));
        let item = store.queue(&alice).expect("queue")[0].item_id;
        let segment = store.item_segments(&bob, item).expect("reviewer reads")[0].id;
        assert!(store.save_draft(&bob, segment, "not allowed").is_err());
        drop(store);
        log.shutdown_blocking().expect("flush");
    })
    .await
    .expect("blocking");
    let out = tmp.path().join("out");
    let (code, _, err) = cloister(
        &[
            "export",
            "--project",
            "calls-demo",
            "--format",
            "jsonl",
            "--out",
            out.to_str().expect("utf-8"),
            "--reason",
            "legal hold",
        ],
        &data,
    );
    assert_eq!(code, 0, "{err}");

    let (code, text, err) = cloister(&["report", "--project", "calls-demo"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("audit log intact"), "{text}");
    let section = |title: &str| -> Vec<String> {
        let start = text.find(title).unwrap_or_else(|| panic!("section {title}: {text}"));
        text[start..].lines().skip(2).take_while(|l| !l.is_empty()).map(String::from).collect()
    };
    let access = section("ACCESS");
    assert!(
        access.iter().any(|l| l.contains("\talice\t") && l.contains("call-en-001-s01,call-en-001-s02")),
        "{access:?}"
    );
    let sessions = section("SESSIONS");
    assert!(sessions.iter().any(|l| l.contains("\talice\t127.0.0.1:") && l.ends_with("\tquit")), "{sessions:?}");
    let denials = section("DENIALS");
    assert!(denials.iter().any(|l| l.contains("\tbob\t") && l.contains("WriteAnnotation")), "{denials:?}");
    let exports = section("EXPORTS");
    assert!(exports.iter().any(|l| l.contains("\toperator\t") && l.contains("legal hold")), "{exports:?}");
    let users = section("PER USER");
    assert!(users.iter().any(|l| l.starts_with("alice\t1\t8\t")), "alice saw the 8 segments of one call: {users:?}");

    let (code, jsonl, _) = cloister(&["report", "--project", "calls-demo", "--format", "jsonl"], &data);
    assert_eq!(code, 0);
    let rows: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(rows[0]["section"], "report");
    assert!(rows.iter().any(|r| r["section"] == "access" && r["user"] == "alice"));
    // Asking for the report is itself audited.
    let (_, log, _) = cloister(&["audit", "export", "--format", "jsonl"], &data);
    assert!(log.contains("report --project calls-demo"), "{log}");
}
