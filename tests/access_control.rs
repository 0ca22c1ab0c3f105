//! The policy door on a real store: assigned segments plus masked context only, no QA of one's own
//! work, the hourly view cap, project isolation, and masking of every gold PII string.

mod common;

use cloister::policy::{Denial, Principal, ProjectPolicy, Role};
use cloister::store::{SegmentAccess, StoreError};
use common::*;

fn gold_pii() -> Vec<String> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(fixtures().join("calls/manifest.jsonl")).expect("manifest").lines() {
        let item: serde_json::Value = serde_json::from_str(line).expect("json");
        for seg in item["segments"].as_array().expect("segments") {
            let chars: Vec<char> = seg["text"].as_str().expect("text").chars().collect();
            for span in seg["pii"].as_array().expect("pii") {
                let (s, e) = (span["start"].as_u64().expect("s") as usize, span["end"].as_u64().expect("e") as usize);
                out.push(chars[s..e].iter().collect());
            }
        }
    }
    out
}

#[test]
fn annotator_sees_assigned_segments_and_masked_context_only() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let op = Principal::operator();
    store.add_user(&op, "ana", false).expect("user");
    store.grant(&op, "ana", Role::Annotator, "calls-demo").expect("grant");
    store.assign_segments(&op, "calls-demo", "ana", &["call-en-001-s04"], "annotate").expect("assign");
    let ana = principal(&store, "ana");
    let item = store.queue(&ana).expect("queue")[0].item_id;
    let seen = store.item_segments(&ana, item).expect("read");
    let positions: Vec<(i64, SegmentAccess)> = seen.iter().map(|s| (s.position, s.access)).collect();
    assert_eq!(
        positions,
        vec![(2, SegmentAccess::Context), (3, SegmentAccess::Assigned), (4, SegmentAccess::Context)],
        "context = 1 neighbour each side by default"
    );
    assert_eq!(seen[1].text, "[DATE].", "assigned segment masked for annotators");
    // Context segments are read-only.
    let err = store.save_draft(&ana, seen[0].id, "x").expect_err("context is not writable");
    assert!(matches!(err, StoreError::Denied(Denial::NotAssigned { .. })), "{err}");
    store.save_draft(&ana, seen[1].id, "12 March [DATE]").expect("assigned is writable");
}

#[test]
fn nobody_qas_their_own_work() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let op = Principal::operator();
    store.grant(&op, "alice", Role::Qa, "calls-demo").expect("grant qa too");
    let alice = principal(&store, "alice");
    let item = store.queue(&alice).expect("queue")[0].item_id;
    let segment = store.item_segments(&alice, item).expect("read")[0].id;
    store.submit_annotation(&alice, segment, "annotate", "text").expect("annotate");
    let err = store.submit_annotation(&alice, segment, "qa", "accept").expect_err("own work");
    assert!(matches!(err, StoreError::Denied(Denial::OwnWork { .. })), "{err}");
    // Assignment never gives the QA stage of an item to its annotator.
    store.add_user(&op, "newproj-annotator", false).expect("user");
    import_calls(&store, "calls-two");
    store.assign_round_robin(&op, "calls-two", &["alice"], "annotate").expect("annotate");
    let made = store.assign_round_robin(&op, "calls-two", &["alice"], "qa").expect("qa");
    assert_eq!(made, 0, "alice annotates every item, so none can go to her for QA");
}

#[test]
fn hourly_view_cap_pauses_the_queue() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let op = Principal::operator();
    let policy = ProjectPolicy { max_segments_per_hour: 10, ..ProjectPolicy::default() };
    let items = cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
    store.create_project(&op, "capped", cloister::store::ProjectKind::Transcription, &policy).expect("create");
    store.import_items(&op, "capped", &items, &|_| {}).expect("import");
    store.grant(&op, "alice", Role::Annotator, "capped").expect("grant");
    store.assign_round_robin(&op, "capped", &["alice"], "annotate").expect("assign");
    let alice = principal(&store, "alice");
    let queue: Vec<i64> =
        store.queue(&alice).expect("queue").iter().filter(|q| q.project == "capped").map(|q| q.item_id).collect();
    store.item_segments(&alice, queue[0]).expect("first item (8 segments) is within the cap");
    store.item_segments(&alice, queue[0]).expect("re-reading seen segments does not count");
    let err = store.item_segments(&alice, queue[1]).expect_err("second item passes the cap");
    assert!(matches!(err, StoreError::Denied(Denial::ViewLimit { limit: 10 })), "{err}");
}

#[test]
fn projects_are_isolated_and_pii_never_leaves_unmasked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    import_calls(&store, "other-client");
    let op = Principal::operator();
    store.add_user(&op, "eve", false).expect("user");
    store.grant(&op, "eve", Role::Annotator, "other-client").expect("grant");
    store.assign_round_robin(&op, "other-client", &["eve"], "annotate").expect("assign");
    let (alice, eve) = (principal(&store, "alice"), principal(&store, "eve"));
    let eve_item = store.queue(&eve).expect("queue")[0].item_id;
    assert!(matches!(store.item_segments(&alice, eve_item), Err(StoreError::Denied(_))), "other project's item");
    let gold = gold_pii();
    for entry in store.queue(&alice).expect("queue").iter().filter(|q| q.project == "calls-demo") {
        for segment in store.item_segments(&alice, entry.item_id).expect("read") {
            for pii in &gold {
                assert!(!segment.text.contains(pii.as_str()), "raw PII {pii:?} in {:?}", segment.text);
            }
        }
    }
}
