//! The annotation screens end to end over real SSH sessions: an annotator judges a preference item
//! and labels a segment, QA rejects it with a reason and reveals a span, the annotator sees the
//! rejection, and a reviewer browses versions and decisions read-only. Each step is checked on the
//! screen (vt100), in the store and in the audit log.

mod common;

use cloister::policy::Principal;
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

async fn esc(screen: &Screen) {
    screen.send(b"\x1b").await;
    // A lone Esc, not the start of an Alt- sequence.
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn judge_label_reject_reveal_and_review_over_ssh() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");

    // alice: the first preference item sits after the ten calls in her queue.
    let mut alice = Screen::open(&dir, server.addr, "alice", 120, 40, &[]).await;
    alice.wait_text("call-en-001").await;
    alice.send(&b"j".repeat(10)).await;
    alice.send(b"\r").await;
    alice.wait_text("response 2").await;
    alice.send(b"\x13").await; // Ctrl-S before choosing
    alice.wait_text("choose first").await;
    alice.send(b"1++").await;
    alice.send(b"\r").await;
    alice.wait_text("rationale — Enter keep").await;
    alice.send(b"clearer and safer").await;
    alice.send(b"\r").await;
    alice.wait_text("clearer and safer").await;
    alice.send(b"\x13").await;
    alice.wait_text("judgment saved as version 1").await;
    esc(&alice).await;
    alice.wait_text("Welcome, alice").await;
    // A transcription item: change the speaker, pick a label, submit the first segment.
    alice.send(b"gg").await; // unbound: nothing happens
    alice.send(&b"k".repeat(20)).await; // back to the top (the submit moved on to the next item)
    alice.send(b"\r").await;
    alice.wait_text("Enter to edit").await;
    alice.send(b"t").await;
    alice.wait_text("labels — Enter set/clear").await;
    alice.send(b"\r").await;
    esc(&alice).await;
    alice.wait_for("label tag", |t| t.contains('#')).await;
    alice.send(b"\x13").await;
    alice.wait_text("submitted version 1").await;
    alice.send(b"q").await;
    alice.wait_closed().await;

    let store = dir.store().expect("store");
    let alice_p = principal(&store, "alice");
    let pref_item = store.queue(&alice_p).expect("queue").into_iter().find(|q| q.kind == "preference").expect("pref");
    let view = store.preference_item(&alice_p, pref_item.item_id).expect("read");
    let judged = view.judgment.expect("judgment stored");
    assert_eq!(judged.seed, view.seed, "the order seed is recorded with the judgment");
    assert_eq!(judged.shown_first, view.shown_first);
    assert_eq!(judged.rationale, "clearer and safer");
    let first_shown = match view.shown_first {
        cloister::store::Side::A => cloister::store::Choice::A,
        cloister::store::Side::B => cloister::store::Choice::B,
    };
    assert_eq!(judged.choice, first_shown, "'1' picks the response shown first");
    assert!(judged.ms_on_task > 0, "time on task recorded");
    assert_eq!(judged.ratings.get("helpfulness").map(|r| (r.a, r.b)).map(|(a, b)| a.max(b)), Some(2));
    let call = store.queue(&alice_p).expect("queue")[0].item_id;
    let first = &store.item_segments(&alice_p, call).expect("segments")[0];
    assert_eq!(first.labels.get("emotion").map(String::as_str), Some("neutral"), "first label row chosen");
    drop(store);

    // quinn (QA) rejects alice's version with a reason, then reveals a span.
    let mut quinn = Screen::open(&dir, server.addr, "quinn", 120, 40, &[]).await;
    quinn.wait_text("call-en-001").await;
    quinn.send(b"\r").await;
    quinn.wait_text("annotator-1 v1").await;
    assert!(!quinn.text().contains("alice"), "blind review: no user names on QA's screen");
    quinn.send(b"R").await;
    quinn.wait_text("reason for rejecting").await;
    quinn.send(b"speaker turn missing").await;
    quinn.send(b"\r").await;
    quinn.wait_text("QA: reject recorded").await;
    // Find a segment with something masked and reveal it.
    let mut revealed = false;
    for _ in 0..8 {
        quinn.send(b"v").await;
        quinn.pump(Duration::from_millis(300)).await;
        if quinn.text().contains("reveal ") {
            quinn.send(b"verify the caller identity\r").await;
            quinn.wait_text("revealed for 30 s").await;
            revealed = true;
            break;
        }
        quinn.send(b"j").await;
    }
    assert!(revealed, "some segment of the first call has masked PII:\n{}", quinn.text());
    quinn.send(b"q").await;
    quinn.wait_closed().await;

    // alice sees the rejection in her queue and on the segment.
    let mut alice = Screen::open(&dir, server.addr, "alice", 120, 40, &[]).await;
    alice.wait_text("rejected — see QA's reason").await;
    alice.send(b"\r").await;
    alice.wait_text("QA rejected: speaker turn missing").await;
    alice.send(b"q").await;
    alice.wait_closed().await;

    // bob (reviewer) browses versions and decisions, and cannot edit.
    let mut bob = Screen::open(&dir, server.addr, "bob", 120, 40, &[]).await;
    bob.wait_text("READ-ONLY").await;
    bob.wait_text("review").await;
    bob.send(b"\r").await;
    bob.wait_text("versions — read-only").await;
    bob.wait_text("annotator-1 v1 [reject by qa-").await;
    bob.send(b"\r").await;
    bob.wait_text("read-only: reviewers cannot edit").await;
    bob.send(b"s\x13").await;
    bob.pump(Duration::from_millis(300)).await;
    bob.send(b"q").await;
    bob.wait_closed().await;
    server.shutdown().await;

    let store = dir.store().expect("store");
    let bob_p = principal(&store, "bob");
    let by_bob: i64 = store
        .raw_connection()
        .query_row("SELECT COUNT(*) FROM annotations WHERE author_id = ?1", [bob_p.user_id], |r| r.get(0))
        .expect("count");
    assert_eq!(by_bob, 0, "the reviewer wrote nothing");
    let _ = Principal::operator();

    let events = export(&dir);
    let of = |kind: &str| events.iter().filter(|e| e["kind"] == kind).collect::<Vec<_>>();
    let qa = of("qa_decision");
    assert_eq!(qa.len(), 1);
    assert_eq!(qa[0]["payload"]["decision"], "reject");
    assert_eq!(qa[0]["payload"]["note"], "speaker turn missing");
    let reveal = of("reveal");
    assert_eq!(reveal.len(), 1);
    assert_eq!(reveal[0]["user"], "quinn");
    assert_eq!(reveal[0]["payload"]["reason"], "verify the caller identity");
    assert!(of("render").iter().any(|e| e["payload"]["screen"] == "preference"));
    assert!(of("submit").len() >= 2, "preference judgment and segment submission");
    let denials: Vec<_> = of("denial").into_iter().filter(|e| e["user"] == "bob").collect();
    assert!(denials.len() >= 2, "each refused edit by the reviewer is recorded: {denials:?}");
}
