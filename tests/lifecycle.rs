//! A project's lifecycle through the real binary on a real data directory: close stops work,
//! purge destroys the key and every trace of the project in every file under DIR, the deletion
//! certificate verifies (and a tampered one does not), the audit log still verifies, and
//! `retention run` purges what is due.

mod common;

use cloister::policy::{Denial, Principal};
use cloister::store::StoreError;
use common::scan::{call_strings, find_any, found_anywhere, preference_strings};
use common::*;
use std::path::Path;
use std::process::Command;

fn cloister(args: &[&str], data: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

/// Byte strings of the project at rest that only it has: plaintext ids and speaker-bearing ids,
/// and the nonce and tag of every sealed value and of its wrapped key.
fn project_traces(store: &cloister::store::Store, project: i64) -> Vec<Vec<u8>> {
    let conn = store.raw_connection();
    let mut out = Vec::new();
    let mut blobs = |sql: &str| {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let rows = stmt.query_map([project], |r| r.get::<_, Vec<u8>>(0)).expect("query");
        for blob in rows {
            let blob = blob.expect("row");
            assert!(blob.len() >= 29, "a sealed value has a nonce and a tag: {sql}");
            // The random nonce and the tag: 12 and 16 bytes no other value shares.
            out.push(blob[1..13].to_vec());
            out.push(blob[blob.len() - 16..].to_vec());
        }
    };
    blobs("SELECT text FROM segments WHERE project_id = ?1");
    blobs("SELECT pii FROM segments WHERE project_id = ?1");
    blobs("SELECT meta FROM items WHERE project_id = ?1");
    blobs("SELECT data FROM audio WHERE project_id = ?1");
    blobs("SELECT body FROM annotations WHERE project_id = ?1");
    blobs("SELECT body FROM drafts WHERE project_id = ?1");
    blobs("SELECT wrapped_key FROM projects WHERE id = ?1");
    let mut ids = conn.prepare("SELECT external_id FROM segments WHERE project_id = ?1").expect("prepare");
    for id in ids.query_map([project], |r| r.get::<_, String>(0)).expect("query") {
        out.push(id.expect("row").into_bytes());
    }
    out
}

#[test]
fn purge_leaves_no_trace_certifies_and_keeps_the_log_verifiable() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let data = dir.root.clone();
    let store = dir.store().expect("store");
    let alice = principal(&store, "alice");
    let calls = store.project(&Principal::operator(), "calls-demo").expect("project").id;
    let item = store.queue(&alice).expect("queue").iter().find(|q| q.project == "calls-demo").expect("item").item_id;
    let segments = store.item_segments(&alice, item).expect("read");
    store.submit_annotation(&alice, segments[1].id, "annotate", "submitted text").expect("submit");
    // A server's WAL holds older versions of rows too: autosaved drafts, each sealed afresh. Keep
    // them all in the WAL (no checkpoint) and remember each version's nonce and tag.
    store.raw_connection().pragma_update(None, "wal_autocheckpoint", 0).expect("pragma");
    let mut traces = Vec::new();
    for n in 0..150 {
        store
            .save_draft(&alice, segments[0].id, format!("draft {n} about Daniel Okafor's card").as_str())
            .expect("draft");
        let body: Vec<u8> =
            store.raw_connection().query_row("SELECT body FROM drafts", [], |r| r.get(0)).expect("draft body");
        traces.push(body[1..13].to_vec());
        traces.push(body[body.len() - 16..].to_vec());
    }
    traces.extend(project_traces(&store, calls));
    // Like a running server, this connection stays open throughout: SQLite then keeps the WAL
    // (with old page versions) after the purging process exits, unless the purge empties it.
    let server_like = store;
    let seen = found_anywhere(&data, &traces);
    assert!(seen.iter().all(|s| *s), "every trace is on disk before the purge: {seen:?}");

    let (code, _, err) = cloister(&["project", "purge", "calls-demo", "--yes"], &data);
    assert_eq!(code, 1, "an open project is not purged");
    assert!(err.contains("close it first"), "{err}");
    let (code, out, err) = cloister(&["project", "close", "calls-demo"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("purge due"), "{out}");
    let (_, list, _) = cloister(&["project", "list"], &data);
    let line = list.lines().find(|l| l.starts_with("calls-demo\t")).expect("listed");
    assert!(line.starts_with("calls-demo\ttranscription\tclosed\titems=10\tsegments=69"), "{line}");
    assert!(line.contains("annotations=1") && line.contains("purge-due="), "{line}");

    // Closed: no more work, even through the store directly.
    let err = server_like.save_draft(&alice, segments[2].id, "late").expect_err("closed");
    assert!(matches!(err, StoreError::Denied(Denial::ProjectState { .. })), "{err}");
    assert!(server_like.queue(&alice).expect("queue").iter().all(|q| q.project != "calls-demo"));

    let (code, _, err) = cloister(&["project", "purge", "calls-demo"], &data);
    assert_eq!(code, 1);
    assert!(err.contains("--yes"), "{err}");
    let (code, out, err) = cloister(&["project", "purge", "calls-demo", "--yes"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("key destroyed"), "{out}");
    let cert = out.lines().find_map(|l| l.strip_prefix("deletion certificate: ")).expect("cert path").to_string();

    // Nothing of the project is left in any file under DIR: no text, no id, no ciphertext.
    let strings: Vec<Vec<u8>> = call_strings().into_iter().map(String::into_bytes).collect();
    assert!(strings.len() > 100);
    if let Some((file, n)) = find_any(&data, &strings) {
        panic!("{} holds fixture text {:?}", file.display(), String::from_utf8_lossy(&strings[n]));
    }
    if let Some((file, n)) = find_any(&data, &traces) {
        panic!("{} still holds trace {n} of the purged project: {:?}", file.display(), &traces[n]);
    }

    let (code, out, err) = cloister(&["audit", "verify"], &data);
    assert_eq!(code, 0, "audit log still verifies after the purge: {err}");
    assert!(out.contains("unreadable (purged projects"), "{out}");
    let (code, out, err) = cloister(&["cert", "verify", &cert], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("certificate valid: project calls-demo") && out.contains("agrees at seq"), "{out}");
    let text = std::fs::read_to_string(&cert).expect("cert");
    assert!(text.contains("segments=69") && text.contains("annotations=1") && text.contains("drafts=1"), "{text}");
    let tampered = tmp.path().join("tampered.cert");
    std::fs::write(&tampered, text.replace("segments=69", "segments=0")).expect("write");
    let (code, _, err) = cloister(&["cert", "verify", tampered.to_str().expect("utf-8")], &data);
    assert_eq!(code, 1);
    assert!(err.contains("NOT valid") && err.contains("altered"), "{err}");

    // The other project is untouched; the purged one is listed as such and cannot be read.
    let store = server_like;
    let prefs = store.queue(&alice).expect("queue");
    assert!(prefs.iter().any(|q| q.project == "prefs-demo"));
    let (_, list, _) = cloister(&["project", "list"], &data);
    assert!(list.lines().any(|l| l.starts_with("calls-demo\ttranscription\tpurged\titems=0")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("prefs-demo\tpreference\topen\titems=26")), "{list}");
    let prefs_text: Vec<Vec<u8>> = preference_strings().into_iter().map(String::into_bytes).collect();
    assert!(find_any(&data, &prefs_text).is_none(), "preference texts stay sealed");
    let (code, out, _) = cloister(&["project", "purge", "calls-demo", "--yes"], &data);
    assert_eq!(code, 0);
    assert!(out.contains("already purged"), "{out}");
}

#[test]
fn retention_run_purges_only_what_is_due() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let data = dir.root.clone();
    let policy = tmp.path().join("short.toml");
    std::fs::write(&policy, "retention_days = 0\n").expect("policy");
    let manifest = fixtures().join("calls/manifest.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["import", "--project", "short", "--kind", "transcription", "--policy"])
        .arg(&policy)
        .arg("--data")
        .arg(&data)
        .arg(&manifest)
        .output()
        .expect("import");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for project in ["short", "prefs-demo"] {
        let (code, _, err) = cloister(&["project", "close", project], &data);
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, _) = cloister(&["retention", "run", "--dry-run"], &data);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "due: short", "prefs-demo keeps its 90 days");
    let (code, out, err) = cloister(&["retention", "run"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("project short purged"), "{out}");
    let (_, list, _) = cloister(&["project", "list"], &data);
    assert!(list.lines().any(|l| l.starts_with("short\ttranscription\tpurged")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("prefs-demo\tpreference\tclosed")), "{list}");
    assert!(list.lines().any(|l| l.starts_with("calls-demo\ttranscription\topen")), "{list}");
    let (code, out, _) = cloister(&["retention", "run"], &data);
    assert_eq!((code, out.trim()), (0, "no project is due for purge"));
    let (code, cert, _) = cloister(&["cert", "show", "short"], &data);
    assert_eq!(code, 0);
    assert!(cert.starts_with("cloister-deletion-certificate/v1\nproject: short\n"), "{cert}");
}
