//! The home screen's queue comes from the store a window at a time: windows of any size, at any
//! offset, put together are the whole queue, assigned work first, then reviewed projects.

mod common;

use cloister::policy::{Principal, Role};
use cloister::store::QueueEntry;
use common::*;

#[test]
fn windows_put_together_are_the_whole_queue_in_order() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    // alice annotates the demo projects and also reviews a third one.
    import_calls(&store, "zz-reviewed");
    store.grant(&Principal::operator(), "alice", Role::Reviewer, "zz-reviewed").expect("grant");
    let alice = principal(&store, "alice");

    let assigned = store.queue(&alice).expect("queue");
    let whole = store.work_queue(&alice, 0, 100_000).expect("whole");
    let reviewed = whole.total - assigned.len();
    assert!(assigned.len() >= 10 && reviewed >= 5, "{} assigned, {reviewed} reviewed", assigned.len());
    assert_eq!(whole.entries.len(), whole.total);
    assert_eq!(&whole.entries[..assigned.len()], &assigned[..], "assigned work comes first, as before");
    assert!(whole.entries[assigned.len()..].iter().all(|e| e.stage == "review" && e.project == "zz-reviewed"));
    let order: Vec<(String, i64)> = whole.entries.iter().map(|e| (e.stage.clone(), e.item_id)).collect();
    let mut seen = std::collections::HashSet::new();
    assert!(order.iter().all(|k| seen.insert(k.clone())), "no entry twice");

    for size in [1, 3, 7, whole.total] {
        let mut joined: Vec<QueueEntry> = Vec::new();
        let mut offset = 0;
        while offset < whole.total {
            let page = store.work_queue(&alice, offset, size).expect("page");
            assert_eq!((page.total, page.offset), (whole.total, offset));
            assert_eq!(page.entries.len(), size.min(whole.total - offset), "window at {offset} of size {size}");
            joined.extend(page.entries);
            offset += size;
        }
        assert_eq!(joined, whole.entries, "windows of {size}");
    }
    // A window across the boundary holds the last assigned entry and the first reviewed one.
    let across = store.work_queue(&alice, assigned.len() - 1, 2).expect("across");
    assert_eq!(across.entries[0], assigned[assigned.len() - 1]);
    assert_eq!(across.entries[1].stage, "review");
    // Past the end: nothing, and the length.
    let past = store.work_queue(&alice, whole.total + 5, 10).expect("past");
    assert!(past.entries.is_empty());
    assert_eq!(past.total, whole.total);
}

#[test]
fn a_closed_project_leaves_the_queue() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let alice = principal(&store, "alice");
    let before = store.work_queue(&alice, 0, 10).expect("before");
    let calls = store.queue(&alice).expect("queue").iter().filter(|e| e.project == "calls-demo").count();
    assert!(calls > 0);
    store.close_project(&Principal::operator(), "calls-demo").expect("close");
    let after = store.work_queue(&alice, 0, 10).expect("after");
    assert_eq!(after.total, before.total - calls);
    assert!(after.entries.iter().all(|e| e.project != "calls-demo"));
}

#[test]
fn a_project_imported_in_several_batches_queues_in_import_order() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let op = Principal::operator();
    // Batches of two projects interleave, so item ids of "zz-mix" are not contiguous.
    cloister::cli::import_synthetic(&store, "zz-mix", 5).expect("first batch");
    cloister::cli::import_synthetic(&store, "aa-other", 5).expect("other project");
    let calls = cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
    store.import_items(&op, "zz-mix", &calls, &|_| {}).expect("second batch");
    store.grant(&op, "alice", Role::Annotator, "zz-mix").expect("grant");
    store.assign_all(&op, "zz-mix", "alice", "annotate").expect("assign");
    store.grant(&op, "bob", Role::Reviewer, "zz-mix").expect("grant bob");
    let mut expected: Vec<String> = (0..5).map(|n| format!("big-{n:06}")).collect();
    expected.extend(calls.iter().map(|c| c.external_id.clone()));

    let alice = principal(&store, "alice");
    let queued: Vec<String> = store
        .queue(&alice)
        .expect("queue")
        .into_iter()
        .filter(|e| e.project == "zz-mix")
        .map(|e| e.external_id)
        .collect();
    assert_eq!(queued, expected, "assigned work in the project's item order");
    let bob = principal(&store, "bob");
    let page = store.work_queue(&bob, 0, 10_000).expect("bob's queue");
    let reviewed: Vec<String> =
        page.entries.into_iter().filter(|e| e.project == "zz-mix").map(|e| e.external_id).collect();
    assert_eq!(reviewed, expected, "reviewed items in the same order");
}
