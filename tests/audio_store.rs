//! Reading audio through the store: the policy check is inside, and every refusal is a typed
//! denial handed to the denial sink (the audit log in the server).

mod common;

use cloister::policy::{Action, AudioPolicy, Denial, Principal, ProjectPolicy, Role};
use cloister::store::{DenialSink, StoreError};
use common::*;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Denials(Arc<Mutex<Vec<(String, Action, Denial)>>>);

impl DenialSink for Denials {
    fn denied(&self, principal: &Principal, _project: Option<i64>, action: Action, denial: &Denial) {
        self.0.lock().expect("lock").push((principal.name.clone(), action, denial.clone()));
    }
}

fn denied(result: Result<cloister::store::ItemAudio, StoreError>) -> Denial {
    match result {
        Err(StoreError::Denied(denial)) => denial,
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[test]
fn audio_follows_role_assignment_and_policy() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let mut store = dir.store().expect("store");
    let sink = Denials::default();
    store.set_denial_sink(Box::new(sink.clone()));
    let (alice, bob, carol) = (principal(&store, "alice"), principal(&store, "bob"), principal(&store, "carol"));
    let item = store.queue(&alice).expect("queue")[0].item_id;

    // The annotator hears her assigned item: the original file, and every segment of it.
    let audio = store.item_audio(&alice, item).expect("annotator hears her item");
    let expected = std::fs::read(fixtures().join("calls/audio/call-en-001.wav")).expect("fixture");
    assert_eq!(*audio.bytes, expected, "the sealed file opens to the imported bytes");
    assert_eq!(audio.playable.len(), store.item_segments(&alice, item).expect("segments").len());
    // The reviewer hears it by default; the admin alone never does.
    assert!(store.item_audio(&bob, item).is_ok());
    assert_eq!(denied(store.item_audio(&carol, item)), Denial::NoGrant { project: audio.project });

    // Segment-level assignment: only the assigned segment is playable, never its context.
    let op = Principal::operator();
    store.add_user(&op, "ana", false).expect("user");
    store.grant(&op, "ana", Role::Annotator, "calls-demo").expect("grant");
    store.assign_segments(&op, "calls-demo", "ana", &["call-en-001-s04"], "annotate").expect("assign");
    let ana = principal(&store, "ana");
    let playable = store.item_audio(&ana, item).expect("ana hears s04").playable;
    assert_eq!(playable.len(), 1, "{playable:?}");
    // Another item of the project is not assigned to her.
    let other = store.queue(&alice).expect("queue")[1].item_id;
    assert_eq!(denied(store.item_audio(&ana, other)), Denial::NoGrant { project: audio.project });

    // A project whose policy keeps reviewers out, and one with audio off.
    let strict = ProjectPolicy { audio_roles: vec!["annotator".into()], ..ProjectPolicy::default() };
    import_with_policy(&store, "calls-strict", &strict);
    let off = ProjectPolicy { audio: AudioPolicy::Off, ..ProjectPolicy::default() };
    import_with_policy(&store, "calls-off", &off);
    for project in ["calls-strict", "calls-off"] {
        store.grant(&op, "alice", Role::Annotator, project).expect("grant");
        store.grant(&op, "bob", Role::Reviewer, project).expect("grant");
        store.assign_round_robin(&op, project, &["alice"], "annotate").expect("assign");
    }
    let queue = store.queue(&alice).expect("queue");
    let item_in = |project: &str| queue.iter().find(|q| q.project == project).expect("queued").item_id;
    let strict_item = item_in("calls-strict");
    assert!(store.item_audio(&alice, strict_item).is_ok());
    assert!(matches!(denied(store.item_audio(&bob, strict_item)), Denial::AudioRole { role: Role::Reviewer, .. }));
    let off_item = item_in("calls-off");
    assert!(matches!(denied(store.item_audio(&alice, off_item)), Denial::AudioOff { .. }));
    assert!(matches!(denied(store.item_audio(&bob, off_item)), Denial::AudioOff { .. }));

    // Every refusal reached the sink, as a ListenAudio denial of the right user.
    let seen = sink.0.lock().expect("lock").clone();
    let who: Vec<(&str, Action)> = seen.iter().map(|(u, a, _)| (u.as_str(), *a)).collect();
    assert_eq!(
        who,
        vec![
            ("carol", Action::ListenAudio),
            ("ana", Action::ListenAudio),
            ("bob", Action::ListenAudio),
            ("alice", Action::ListenAudio),
            ("bob", Action::ListenAudio),
        ]
    );
}

fn import_with_policy(store: &cloister::store::Store, name: &str, policy: &ProjectPolicy) {
    let op = Principal::operator();
    let items = cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
    store.create_project(&op, name, cloister::store::ProjectKind::Transcription, policy).expect("create");
    store.import_items(&op, name, &items, &|_| {}).expect("import");
}
