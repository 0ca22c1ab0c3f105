//! The store's doors for preference judgments, QA decisions, blind review and reveal-with-reason,
//! on a real data directory with the fixtures imported.

mod common;

use cloister::policy::{Denial, Principal, Role};
use cloister::store::{Choice, PreferenceBody, QaVerdict, Ratings, SegmentBody, Side, StoreError};
use common::*;

fn judgment(choice: Choice, seed: u64, first: Side) -> PreferenceBody {
    PreferenceBody {
        v: 1,
        choice,
        shown_first: first,
        seed,
        ratings: [("helpfulness".to_string(), Ratings { a: 4, b: 2 })].into_iter().collect(),
        rationale: "A answers the question".into(),
        ms_on_task: 12_000,
    }
}

#[test]
fn preference_order_is_stable_per_annotator_and_varies_across_items_and_people() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let op = Principal::operator();
    store.add_user(&op, "ann2", false).expect("user");
    store.grant(&op, "ann2", Role::Annotator, "prefs-demo").expect("grant");
    store.assign_all(&op, "prefs-demo", "ann2", "annotate").expect("assign");
    let (alice, ann2) = (principal(&store, "alice"), principal(&store, "ann2"));
    let items: Vec<i64> =
        store.queue(&alice).expect("queue").into_iter().filter(|q| q.kind == "preference").map(|q| q.item_id).collect();
    assert!(items.len() >= 20, "fixture has 26 preference records");
    let mut firsts = [0usize; 2];
    let mut differ = 0;
    for &item in &items {
        let view = store.preference_item(&alice, item).expect("read");
        assert_eq!(store.preference_item(&alice, item).expect("again").seed, view.seed, "stable across reads");
        firsts[usize::from(view.shown_first == Side::B)] += 1;
        differ += usize::from(store.preference_item(&ann2, item).expect("other").seed != view.seed);
    }
    assert!(firsts[0] >= 4 && firsts[1] >= 4, "both orders occur: {firsts:?}");
    assert_eq!(differ, items.len(), "each annotator has their own seed");
}

#[test]
fn preference_judgments_are_versioned_and_validated() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let (alice, bob) = (principal(&store, "alice"), principal(&store, "bob"));
    let item = store.queue(&alice).expect("queue").into_iter().find(|q| q.kind == "preference").expect("pref").item_id;
    let view = store.preference_item(&alice, item).expect("read");
    let first = store.submit_preference(&alice, item, &judgment(Choice::A, view.seed, view.shown_first)).expect("v1");
    let second =
        store.submit_preference(&alice, item, &judgment(Choice::Tie, view.seed, view.shown_first)).expect("v2");
    assert_eq!((first.version, second.version), (1, 2));
    let back = store.preference_item(&alice, item).expect("read").judgment.expect("judged");
    assert_eq!(back.choice, Choice::Tie);
    let entry = store.queue(&alice).expect("queue").into_iter().find(|q| q.item_id == item).expect("entry");
    assert_eq!((entry.done, entry.segments, entry.status.as_str()), (1, 1, "submitted"));
    let mut bad = judgment(Choice::B, view.seed, view.shown_first);
    bad.ratings.insert("speed".into(), Ratings { a: 1, b: 1 });
    let err = store.submit_preference(&alice, item, &bad).expect_err("unknown criterion");
    assert!(err.to_string().contains("\"speed\""), "{err}");
    let err = store.submit_preference(&bob, item, &judgment(Choice::A, 1, Side::A)).expect_err("reviewer");
    assert!(matches!(err, StoreError::Denied(Denial::RoleForbids { .. })), "{err}");

    // QA and reviewers see the latest judgment under a pseudonym; annotators do not browse them.
    let quinn = principal(&store, "quinn");
    let seen = store.preference_judgments(&quinn, item).expect("qa reads judgments");
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].author.as_str(), seen[0].body.choice), ("annotator-1", Choice::Tie));
    assert!(matches!(store.preference_judgments(&alice, item), Err(StoreError::Denied(_))));
    let outcome = store.qa_decide(&quinn, seen[0].annotation, QaVerdict::Reject, "no rationale", None).expect("reject");
    assert_eq!(outcome.correction, None);
    let entry = store.queue(&alice).expect("queue").into_iter().find(|q| q.item_id == item).expect("entry");
    assert_eq!(entry.status, "rejected");
    let reviewed = store.preference_judgments(&bob, item).expect("reviewer reads");
    assert_eq!(reviewed[0].decision.as_ref().map(|d| d.0.as_str()), Some("reject"));
}

#[test]
fn qa_accepts_rejects_and_corrects_under_pseudonyms_and_never_own_work() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let (alice, quinn, bob) = (principal(&store, "alice"), principal(&store, "quinn"), principal(&store, "bob"));
    let item = store.queue(&alice).expect("queue").into_iter().find(|q| q.kind == "transcription").expect("t").item_id;
    let segments = store.item_segments(&alice, item).expect("read");
    let mut body = SegmentBody::text("hello there");
    body.labels.insert("intent".into(), "billing".into());
    store.submit(&alice, segments[0].id, "annotate", body).expect("annotate");
    store.submit(&alice, segments[1].id, "annotate", "second segment").expect("annotate");

    let versions = store.segment_versions(&quinn, segments[0].id).expect("qa reads");
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].author, "annotator-1", "QA sees a pseudonym, not alice");
    assert!(!versions[0].author.contains("alice"));
    assert_eq!(versions[0].labels.get("intent").map(String::as_str), Some("billing"));
    let err = store.segment_versions(&alice, segments[0].id).expect_err("annotators do not browse versions");
    assert!(matches!(err, StoreError::Denied(_)), "{err}");

    store.qa_decide(&quinn, versions[0].annotation, QaVerdict::Accept, "", None).expect("accept");
    let err = store.qa_decide(&quinn, versions[0].annotation, QaVerdict::Reject, "  ", None).expect_err("no reason");
    assert!(err.to_string().contains("reason"), "{err}");
    let second = store.segment_versions(&quinn, segments[1].id).expect("qa reads")[0].annotation;
    store.qa_decide(&quinn, second, QaVerdict::Reject, "you missed the greeting", None).expect("reject");
    assert_eq!(store.rejection(&alice, segments[1].id).expect("reason").as_deref(), Some("you missed the greeting"));
    let entry = store.queue(&alice).expect("queue").into_iter().find(|q| q.item_id == item && q.stage == "annotate");
    assert_eq!(entry.expect("entry").status, "rejected", "back in the annotator's queue");
    // Resubmitting clears the rejection shown to the annotator.
    store.submit(&alice, segments[1].id, "annotate", "second segment, fixed").expect("v2");
    assert_eq!(store.rejection(&alice, segments[1].id).expect("none"), None);
    let entry = store.queue(&alice).expect("queue").into_iter().find(|q| q.item_id == item && q.stage == "annotate");
    assert_eq!(entry.expect("entry").status, "submitted", "no rejection outstanding any more");

    let corrected = store
        .qa_decide(&quinn, versions[0].annotation, QaVerdict::Correct, "typo", Some(SegmentBody::text("hello, there")))
        .expect("correct")
        .correction
        .expect("stored as a qa version");
    assert_eq!(corrected.version, 1);
    let reviewed = store.segment_versions(&bob, segments[0].id).expect("reviewer reads");
    assert_eq!(reviewed.len(), 2, "annotator's and QA's versions");
    assert_eq!(reviewed[0].decision, Some(("correct".to_string(), "qa-2".to_string())));
    assert_eq!(reviewed[1].author, "qa-2");
    // Reviewers adjudicate nothing, whatever the UI does.
    let err = store.qa_decide(&bob, versions[0].annotation, QaVerdict::Accept, "", None).expect_err("reviewer");
    assert!(matches!(err, StoreError::Denied(_)), "{err}");
    // Nobody QAs their own work: alice, also granted QA, cannot decide on her own annotation.
    store.grant(&Principal::operator(), "alice", Role::Qa, "calls-demo").expect("grant");
    let err = store.qa_decide(&alice, versions[0].annotation, QaVerdict::Accept, "", None).expect_err("own");
    assert!(matches!(err, StoreError::Denied(Denial::OwnWork { .. })), "{err}");
}

#[test]
fn reveal_needs_policy_reason_and_respects_the_hourly_limit() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let (alice, quinn) = (principal(&store, "alice"), principal(&store, "quinn"));
    let qa_item = store.queue(&quinn).expect("queue").into_iter().find(|q| q.kind == "transcription").expect("t");
    let segments = store.item_segments(&quinn, qa_item.item_id).expect("read");
    let masked = segments.iter().find(|s| !s.masks.is_empty()).expect("a segment with masked PII");
    assert!(masked.text.contains('['), "{}", masked.text);

    // Annotators may not reveal under the default policy.
    let alice_item = store.queue(&alice).expect("q").into_iter().find(|q| q.item_id == qa_item.item_id);
    if alice_item.is_some() {
        let err = store.reveal(&alice, masked.id, 0, "need to check the spelling").expect_err("annotator");
        assert!(matches!(err, StoreError::Denied(Denial::RevealForbidden { .. })), "{err}");
    }
    let err = store.reveal(&quinn, masked.id, 0, "").expect_err("a reason is required");
    assert!(err.to_string().contains("reason"), "{err}");
    let shown = store.reveal(&quinn, masked.id, 0, "verify the caller's name").expect("qa reveals");
    assert_eq!(shown.seconds, 30);
    assert!(!shown.text.contains(&format!("[{}]", shown.kind)) || masked.masks.len() > 1, "{}", shown.text);
    assert_ne!(shown.text, masked.text, "one span is unmasked");
    for _ in 1..10 {
        store.reveal(&quinn, masked.id, 0, "verify the caller's name").expect("under the limit");
    }
    let err = store.reveal(&quinn, masked.id, 0, "verify the caller's name").expect_err("11th in an hour");
    assert!(matches!(err, StoreError::Denied(Denial::RevealLimit { limit: 10 })), "{err}");
    let count: i64 = store.raw_connection().query_row("SELECT COUNT(*) FROM reveals", [], |r| r.get(0)).expect("count");
    assert_eq!(count, 10);
}
