//! Gold PII spans are offsets into the imported text; an annotator's own version is another text.
//! Masking it with the imported offsets hid the annotator's own words (which their next save then
//! lost: found by tests/crash_safety.rs) and, after an insertion, left part of a name visible.

mod common;

use cloister::store::{SegmentView, Store};
use common::*;

/// Alice's view of call-en-001's segment whose imported text starts with `prefix`.
fn segment(store: &Store, prefix: &str) -> SegmentView {
    let alice = principal(store, "alice");
    let item = store.queue(&alice).expect("queue").into_iter().find(|q| q.external_id == "call-en-001").expect("item");
    let segments = store.item_segments(&alice, item.item_id).expect("segments");
    segments.into_iter().find(|s| s.text.starts_with(prefix)).expect("segment")
}

fn shown_after_draft(store: &Store, prefix: &str, draft: &str) -> String {
    let alice = principal(store, "alice");
    let id = segment(store, prefix).id;
    store.save_draft(&alice, id, draft).expect("draft");
    let item = store.queue(&alice).expect("queue").into_iter().find(|q| q.external_id == "call-en-001").expect("item");
    let view = store.item_segments(&alice, item.item_id).expect("segments");
    view.into_iter().find(|s| s.id == id).expect("segment").text
}

#[test]
fn own_words_after_a_masked_span_stay_visible() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = demo_dir(tmp.path()).store().expect("store");
    // Imported "12 March 1984." has a gold DATE over chars 0..13; the annotator saw and kept
    // the placeholder, then typed after it.
    assert_eq!(segment(&store, "[DATE]").text, "[DATE].");
    let shown = shown_after_draft(&store, "[DATE]", "[DATE]. checked twice");
    assert_eq!(shown, "[DATE]. checked twice");
}

#[test]
fn a_name_moved_by_an_edit_is_still_masked_whole() {
    let tmp = tempfile::tempdir().expect("tmp");
    let store = demo_dir(tmp.path()).store().expect("store");
    // Imported "Hi, my name is Daniel Okafor. I lost my card." has a gold PERSON over 15..28.
    let shown = shown_after_draft(&store, "Hi, my name is", "Well hi, my name is Daniel Okafor. I lost my card.");
    assert!(!shown.contains("Okafor") && !shown.contains("Daniel"), "name shown: {shown:?}");
    assert!(shown.starts_with("Well hi, my name is ") && shown.ends_with(". I lost my card."), "{shown:?}");
}
