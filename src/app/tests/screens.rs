//! Transitions of the item, QA, review and preference screens, the picker and the prompt.

use super::super::*;

fn line(id: i64, speaker: &str, text: &str) -> SegmentLine {
    SegmentLine::new(id, id * 1000, id * 1000 + 900, speaker, text)
}

fn item(stage: Stage) -> ItemView {
    let mut view = ItemView::new(
        9,
        "call-1",
        "calls",
        1,
        vec![line(1, "agent", "hello"), line(2, "caller", "my name is [PERSON]")],
    );
    view.stage = stage;
    view.read_only = stage == Stage::Review;
    view.speakers = vec!["agent".into(), "caller".into()];
    view.label_schema = vec![("intent".into(), vec!["billing".into(), "card".into()])];
    view.segments[1].masks = vec!["PERSON".into()];
    for l in &mut view.segments {
        l.versions.push(VersionLine {
            annotation: 50 + l.id,
            author: "annotator-1".into(),
            stage: "annotate".into(),
            version: 1,
            text: format!("{} too", l.text),
            labels: Default::default(),
            decision: None,
        });
    }
    view
}

fn app_with(stage: Stage) -> App {
    let identity = Identity { user: "u".into(), role: "r".into(), session: "s".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    app.update(Msg::ItemLoaded(item(stage)));
    app
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    app.update(Msg::Action(action))
}

#[test]
fn speaker_cycles_through_the_items_speakers_and_saves() {
    let mut app = app_with(Stage::Annotate);
    let effects = act(&mut app, Action::Speaker);
    let item = app.item.as_ref().expect("item");
    assert_eq!(item.segments[0].shown_speaker(), "caller");
    match &effects[..] {
        [Effect::SaveDraft { segment: 1, edit }] => assert_eq!(edit.speaker.as_deref(), Some("caller")),
        other => panic!("{other:?}"),
    }
    let effects = act(&mut app, Action::Speaker);
    assert_eq!(app.item.as_ref().expect("item").segments[0].speaker_override, None, "back to the imported one");
    assert!(matches!(&effects[..], [Effect::SaveDraft { edit, .. }] if edit.speaker.is_none()));
}

#[test]
fn label_picker_sets_one_value_per_group_and_saves_on_close() {
    let mut app = app_with(Stage::Annotate);
    assert!(act(&mut app, Action::Labels).is_empty());
    act(&mut app, Action::Down);
    act(&mut app, Action::Open);
    assert!(act(&mut app, Action::Down).is_empty(), "the picker takes the arrows while open");
    assert_eq!(app.item.as_ref().expect("item").current, 0, "the segment selection did not move");
    let effects = act(&mut app, Action::Back);
    assert!(app.item.as_ref().expect("item").picker.is_none());
    match &effects[..] {
        [Effect::SaveDraft { edit, .. }] => assert_eq!(edit.labels.get("intent").map(String::as_str), Some("card")),
        other => panic!("{other:?}"),
    }
    act(&mut app, Action::Labels);
    assert!(act(&mut app, Action::Back).is_empty(), "closing without a change saves nothing");
}

#[test]
fn ctrl_t_twice_marks_a_typed_pii_span() {
    let mut app = app_with(Stage::Annotate);
    act(&mut app, Action::Open);
    act(&mut app, Action::LineStart);
    act(&mut app, Action::MarkPii);
    for _ in 0..4 {
        act(&mut app, Action::Right);
    }
    act(&mut app, Action::MarkPii);
    assert!(app.item.as_ref().expect("item").picker.is_some(), "type picker opens");
    act(&mut app, Action::Down);
    let effects = act(&mut app, Action::Confirm);
    let item = app.item.as_ref().expect("item");
    assert_eq!(item.segments[0].marked, vec![Mark { kind: "PHONE".into(), start: 0, end: 4 }]);
    assert!(matches!(&effects[..], [Effect::SaveDraft { edit, .. }] if edit.marked.len() == 1));
    assert_eq!(app.mode(), Mode::Edit, "still editing after marking");
}

#[test]
fn submit_without_the_editor_submits_the_segment_as_is() {
    let mut app = app_with(Stage::Annotate);
    let effects = act(&mut app, Action::Submit);
    assert!(matches!(&effects[..], [Effect::Submit { segment: 1, edit }] if edit.text == "hello"));
    assert_eq!(app.item.as_ref().expect("item").current, 1, "moves on");
}

#[test]
fn reveal_asks_a_reason_then_requests_the_chosen_span() {
    let mut app = app_with(Stage::Qa);
    act(&mut app, Action::Reveal);
    assert!(app.prompt.is_none(), "nothing masked in segment 1");
    act(&mut app, Action::Down);
    act(&mut app, Action::Reveal);
    assert_eq!(app.mode(), Mode::Edit);
    app.update(Msg::Text("why".into()));
    assert!(act(&mut app, Action::Confirm).is_empty(), "too short a reason");
    app.update(Msg::Text(" do I need it".into()));
    let effects = act(&mut app, Action::Confirm);
    assert_eq!(effects, vec![Effect::Reveal { segment: 2, index: 0, reason: "why do I need it".into() }]);
    app.update(Msg::Revealed { segment: 2, text: "my name is Ana".into(), seconds: 30 });
    assert_eq!(app.item.as_ref().expect("item").segments[1].revealed.as_deref(), Some("my name is Ana"));
    app.update(Msg::RevealExpired);
    assert_eq!(app.item.as_ref().expect("item").segments[1].revealed, None, "masked again");
}

#[test]
fn qa_accepts_rejects_with_a_reason_and_corrects() {
    let mut app = app_with(Stage::Qa);
    let effects = act(&mut app, Action::QaAccept);
    assert!(matches!(&effects[..], [Effect::QaDecide { annotation: 51, verdict, .. }] if verdict == "accept"));
    app.update(Msg::QaDecided { segment: 1, annotation: 51, verdict: "accept".into() });
    assert_eq!(app.item.as_ref().expect("item").current, 1, "moves to the next segment");
    act(&mut app, Action::QaReject);
    assert!(act(&mut app, Action::Confirm).is_empty(), "a rejection needs a reason");
    app.update(Msg::Text("wrong name".into()));
    let effects = act(&mut app, Action::Confirm);
    assert!(
        matches!(&effects[..], [Effect::QaDecide { verdict, reason, .. }] if verdict == "reject" && reason == "wrong name")
    );
    act(&mut app, Action::Open);
    assert_eq!(app.item.as_ref().and_then(|i| i.editor.as_ref()).map(|e| e.text()), Some("my name is [PERSON] too"));
    app.update(Msg::Text("!".into()));
    let effects = act(&mut app, Action::Submit);
    match &effects[..] {
        [Effect::QaDecide { verdict, correction: Some(edit), .. }] => {
            assert_eq!((verdict.as_str(), edit.text.as_str()), ("correct", "my name is [PERSON] too!"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn annotators_cannot_make_qa_decisions_and_reviewers_edit_nothing() {
    let mut app = app_with(Stage::Annotate);
    assert!(act(&mut app, Action::QaAccept).is_empty());
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("QA queue")));
    let mut app = app_with(Stage::Review);
    for action in [Action::Open, Action::Speaker, Action::Labels, Action::Submit, Action::QaAccept] {
        assert_eq!(act(&mut app, action), vec![Effect::DeniedEdit], "{action:?}");
    }
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("read-only")));
}

#[test]
fn rejection_is_shown_when_the_item_opens() {
    let identity = Identity { user: "u".into(), role: "r".into(), session: "s".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    let mut view = item(Stage::Annotate);
    view.segments[1].rejection = Some("missing words".into());
    app.update(Msg::ItemLoaded(view));
    assert_eq!(app.notice.as_deref(), Some("QA rejected: missing words"));
}

/// A preference item opened from entry `index` of the queue.
pub(super) fn pref_at(index: usize) -> PrefView {
    PrefView { queue_index: index, ..pref() }
}

fn pref() -> PrefView {
    PrefView {
        item_id: 4,
        external_id: "p".into(),
        project: "prefs".into(),
        project_id: 2,
        queue_index: 0,
        prompt: "q".into(),
        first: "a".into(),
        second: "b".into(),
        shown_first: Side::A,
        seed: 3,
        criteria: vec!["helpfulness".into()],
        ratings: vec![(0, 0)],
        choice: None,
        rationale: String::new(),
        focus: PrefFocus::First,
        scroll: [0, 0],
        rating_row: 0,
        submitted: None,
        read_only: false,
        stage: Stage::Annotate,
        judgments: Vec::new(),
        opened: std::time::Instant::now(),
    }
}

#[test]
fn preference_needs_a_choice_takes_a_rationale_and_submits_then_moves_on() {
    let identity = Identity { user: "u".into(), role: "r".into(), session: "s".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    app.update(Msg::PreferenceLoaded(pref()));
    assert!(act(&mut app, Action::Submit).is_empty());
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("choose")));
    act(&mut app, Action::PreferSecond);
    act(&mut app, Action::Open);
    app.update(Msg::Text("b is kinder".into()));
    act(&mut app, Action::Back);
    assert_eq!(app.pref.as_ref().map(|p| p.rationale.as_str()), Some("b is kinder"), "Esc keeps the rationale");
    let effects = act(&mut app, Action::Submit);
    match &effects[..] {
        [Effect::SubmitPreference { item_id: 4, judgment, .. }] => {
            assert_eq!((judgment.choice, judgment.rationale.as_str(), judgment.seed), (Choice::B, "b is kinder", 3));
        }
        other => panic!("{other:?}"),
    }
    app.update(Msg::HomeLoaded(Home {
        projects: Vec::new(),
        queue: vec![
            QueueLine {
                item_id: 5,
                project: "prefs".into(),
                item: "p2".into(),
                stage: "annotate".into(),
                status: "pending".into(),
                kind: "preference".into(),
                done: 0,
                total: 1,
            };
            2
        ]
        .into(),
    }));
    let effects = app.update(Msg::PreferenceSubmitted { version: 1 });
    assert!(matches!(&effects[..], [Effect::OpenItem { queue_index: 1, kind, .. }] if kind == "preference"));
}

#[test]
fn reviewers_cannot_judge_preferences() {
    let identity = Identity { user: "bob".into(), role: "reviewer".into(), session: "s".into(), read_only: true };
    let (mut app, _) = App::new(identity);
    let mut view = pref();
    view.read_only = true;
    app.update(Msg::PreferenceLoaded(view));
    assert_eq!(act(&mut app, Action::PreferFirst), vec![Effect::DeniedEdit]);
    assert_eq!(app.pref.as_ref().and_then(|p| p.choice), None);
    assert!(act(&mut app, Action::Down).is_empty(), "scrolling is fine");
}

#[test]
fn qa_on_a_preference_item_accepts_or_rejects_the_judgment_and_cannot_judge() {
    let identity = Identity { user: "q".into(), role: "qa".into(), session: "s".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    let mut view = pref();
    view.stage = Stage::Qa;
    view.judgments = vec![JudgmentLine {
        annotation: 77,
        author: "annotator-1".into(),
        choice: "tie".into(),
        ratings: String::new(),
        rationale: "same".into(),
        seconds: 3,
        decision: None,
    }];
    app.update(Msg::PreferenceLoaded(view));
    assert!(act(&mut app, Action::PreferFirst).is_empty());
    assert_eq!(app.pref.as_ref().and_then(|p| p.choice), None, "QA does not judge");
    let effects = act(&mut app, Action::QaAccept);
    assert!(
        matches!(&effects[..], [Effect::QaDecide { segment: 0, annotation: 77, verdict, .. }] if verdict == "accept")
    );
    app.update(Msg::QaDecided { segment: 0, annotation: 77, verdict: "accept".into() });
    assert_eq!(app.pref.as_ref().expect("pref").judgments[0].decision, Some(("accept".into(), "you".into())));
    act(&mut app, Action::QaReject);
    app.update(Msg::Text("rationale is empty".into()));
    let effects = act(&mut app, Action::Confirm);
    assert!(matches!(&effects[..], [Effect::QaDecide { verdict, .. }] if verdict == "reject"));
}
