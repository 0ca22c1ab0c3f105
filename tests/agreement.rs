//! Overlapping assignment and agreement statistics through the real binary: `assign --overlap 2`
//! gives every item two annotators with balanced loads; `stats` reports kappa, alpha, WER and
//! position bias for judgments and transcripts written through the store, with values computed by
//! hand in the comments.

mod common;

use cloister::policy::{Principal, Role};
use cloister::store::{Choice, PreferenceBody, SegmentBody, Side, Store};
use common::*;
use std::path::Path;
use std::process::Command;

fn cloister(args: &[&str], data: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister")).args(args).arg("--data").arg(data).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn judge(store: &Store, who: &str, item: i64, choice: Choice, shown_first: Side) {
    let body = PreferenceBody {
        v: 1,
        choice,
        shown_first,
        seed: 1,
        ratings: Default::default(),
        rationale: String::new(),
        ms_on_task: 1000,
    };
    store.submit_preference(&principal(store, who), item, &body).expect("judgment");
}

#[test]
fn overlap_assignment_and_agreement_statistics() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let data = dir.root.clone();
    let store = dir.store().expect("store");
    let op = Principal::operator();
    let items = cloister::import::parse_preferences(&fixtures().join("preference/prefs.jsonl")).expect("parse");
    store.create_project(&op, "pairs", cloister::store::ProjectKind::Preference, &Default::default()).expect("create");
    store.import_items(&op, "pairs", &items, &|_| {}).expect("import");
    for name in ["ann1", "ann2", "ann3"] {
        store.add_user(&op, name, false).expect("user");
        for project in ["pairs", "calls-demo"] {
            store.grant(&op, name, Role::Annotator, project).expect("grant");
        }
    }
    drop(store);

    // Three users, two per item: 52 assignments, loads 18/17/17, nobody twice on an item.
    let (code, out, err) =
        cloister(&["assign", "--project", "pairs", "--to", "ann1", "ann2", "ann3", "--overlap", "2"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("52 assignments"), "{out}");
    let store = dir.store().expect("store");
    let conn = store.raw_connection();
    let per_item: Vec<i64> = conn
        .prepare("SELECT COUNT(*) FROM assignments a JOIN users u ON u.id = a.user_id WHERE u.name LIKE 'ann%' GROUP BY item_id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(per_item.len() == 26 && per_item.iter().all(|n| *n == 2), "{per_item:?}");
    let mut loads: Vec<i64> = conn
        .prepare("SELECT COUNT(*) FROM assignments a JOIN users u ON u.id = a.user_id WHERE u.name LIKE 'ann%' GROUP BY user_id")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    loads.sort_unstable();
    assert_eq!(loads, vec![17, 17, 18]);
    let (code, _, err) = cloister(&["assign", "--project", "pairs", "--to", "ann1", "--overlap", "2"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("overlap"), "{err}");

    // Four items judged by ann1 and ann2 (who share them):
    //   ann1: A A B B, always shown A first  → first-shown wins 2 of 4 = 0.500
    //   ann2: A B B B, always shown B first  → first-shown wins 3 of 4 = 0.750
    // kappa: p_o = 3/4; p_e = .5·.25 + .5·.75 = .5 → 0.500.
    // alpha (nominal): o_AA 2, o_AB = o_BA 1, o_BB 4; n_A 3, n_B 5, n 8 → 1 − 7·2/30 = 0.533.
    let shared: Vec<i64> = conn
        .prepare(
            "SELECT a.item_id FROM assignments a JOIN users u ON u.id = a.user_id WHERE u.name IN ('ann1', 'ann2')
             GROUP BY a.item_id HAVING COUNT(*) = 2 ORDER BY a.item_id LIMIT 4",
        )
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(shared.len(), 4);
    for (item, (c1, c2)) in shared.iter().zip([
        (Choice::A, Choice::A),
        (Choice::A, Choice::B),
        (Choice::B, Choice::B),
        (Choice::B, Choice::B),
    ]) {
        judge(&store, "ann1", *item, c1, Side::A);
        judge(&store, "ann2", *item, c2, Side::B);
    }
    // Not assigned: refused by the store.
    let other = conn
        .query_row(
            "SELECT id FROM items WHERE project_id = (SELECT id FROM projects WHERE name = 'pairs')
             AND id NOT IN (SELECT item_id FROM assignments a JOIN users u ON u.id = a.user_id WHERE u.name = 'ann1')
             LIMIT 1",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("an item of others");
    let refused = PreferenceBody {
        v: 1,
        choice: Choice::A,
        shown_first: Side::A,
        seed: 1,
        ratings: Default::default(),
        rationale: String::new(),
        ms_on_task: 1,
    };
    assert!(store.submit_preference(&principal(&store, "ann1"), other, &refused).is_err());

    // Transcripts: one segment annotated by two people.
    // "the cat sat on the mat" vs "the cat sit on mat": 2 edits each way over 6 + 5 words → 4/11 = 0.364.
    store.assign_segments(&op, "calls-demo", "ann1", &["call-en-002-s01"], "annotate").expect("assign");
    store.assign_segments(&op, "calls-demo", "ann2", &["call-en-002-s01"], "annotate").expect("assign");
    let segment: i64 = conn
        .query_row("SELECT id FROM segments WHERE external_id = 'call-en-002-s01'", [], |r| r.get(0))
        .expect("segment");
    for (who, text, intent) in
        [("ann1", "the cat sat on the mat", "technical"), ("ann2", "the cat sit on mat", "technical")]
    {
        let mut body = SegmentBody::text(text);
        body.labels.insert("intent".into(), intent.into());
        store.submit_annotation(&principal(&store, who), segment, "annotate", body).expect("submit");
    }
    drop(store);

    let (code, out, err) = cloister(&["stats", "--project", "pairs"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 units with two or more annotators"), "{out}");
    assert!(out.contains("choice\tkappa=0.500\talpha=0.533\tunits=4"), "{out}");
    assert!(out.contains("position bias ann1\tfirst-shown wins=0.500\tdecided=4"), "{out}");
    assert!(out.contains("position bias ann2\tfirst-shown wins=0.750\tdecided=4"), "{out}");
    let (code, out, err) = cloister(&["stats", "--project", "calls-demo"], &data);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("transcripts\twer=0.364\tpairs=1"), "{out}");
    assert!(out.contains("label intent\tkappa=-\talpha=-\tunits=1"), "one unit, all agree: undefined: {out}");
}
