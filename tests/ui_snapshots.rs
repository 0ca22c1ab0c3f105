//! Every screen drawn through ratatui's TestBackend at 80×24 and 200×50, frozen with insta.
//! Includes a CJK, a right-to-left and a combining-mark segment.

use cloister::app::{App, Home, Identity, ItemView, Keymap, Msg, ProjectLine, QueueLine, SegmentLine};
use cloister::ui::{Theme, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn identity(user: &str, role: &str, read_only: bool) -> Identity {
    Identity { user: user.into(), role: role.into(), session: "5e55107d0042".into(), read_only }
}

fn home() -> Home {
    Home {
        projects: vec![
            ProjectLine {
                name: "calls-demo".into(),
                kind: "transcription".into(),
                roles: vec!["annotator".into()],
                items: 10,
            },
            ProjectLine {
                name: "prefs-demo".into(),
                kind: "preference".into(),
                roles: vec!["annotator".into()],
                items: 26,
            },
        ],
        queue: (0..4)
            .map(|n| QueueLine {
                item_id: n,
                project: "calls-demo".into(),
                item: format!("call-en-00{}", n + 1),
                stage: "annotate".into(),
                status: if n == 1 { "rejected".into() } else { "pending".into() },
                kind: "transcription".into(),
                done: n,
                total: 8,
            })
            .collect::<Vec<_>>()
            .into(),
    }
}

fn segment(id: i64, start: i64, speaker: &str, text: &str) -> SegmentLine {
    let mut line = SegmentLine::new(id, start, start + 2100, speaker, text);
    line.submitted = id == 1;
    line.context = id == 4;
    line
}

fn item(read_only: bool) -> ItemView {
    let segments = vec![
        segment(1, 0, "agent", "お電話ありがとうございます。[PERSON]が承ります。"),
        segment(2, 2350, "customer", "مرحبا، رقم هاتفي هو [PHONE] من فضلك."),
        segment(3, 4700, "agent", "Nguyễn Thị Hương, xin cảm ơn quý khách."),
        segment(4, 7050, "customer", "Card ending [CARD ••••6467], born [DATE]."),
    ];
    let mut view = ItemView::new(1, "call-ja-001", "calls-demo", 1, segments);
    view.current = 1;
    view.read_only = read_only;
    view.speakers = vec!["agent".into(), "customer".into()];
    view.label_schema = vec![
        ("emotion".into(), vec!["neutral".into(), "frustrated".into()]),
        ("intent".into(), vec!["billing".into(), "card".into()]),
    ];
    view
}

fn render(app: &App, theme: &Theme, (w, h): (u16, u16)) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|frame| draw(frame, app, theme, &Keymap::default())).expect("draw");
    terminal.backend().to_string()
}

fn snapshot(name: &str, app: &App) {
    for size in SIZES {
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), render(app, &Theme::dark(), size));
    }
}

#[test]
fn home_screen() {
    let (mut app, _) = App::new(identity("alice", "annotator", false));
    app.update(Msg::HomeLoaded(home()));
    snapshot("home", &app);
}

#[test]
fn home_loading_and_empty_queue() {
    let (mut app, _) = App::new(identity("bob", "reviewer", true));
    snapshot("home_loading", &app);
    app.update(Msg::HomeLoaded(Home { projects: home().projects, queue: Default::default() }));
    snapshot("home_reviewer_empty", &app);
}

#[test]
fn help_overlay() {
    let (mut app, _) = App::new(identity("alice", "annotator", false));
    app.update(Msg::HomeLoaded(home()));
    app.update(Msg::Action(cloister::app::Action::Help));
    snapshot("help", &app);
}

#[test]
fn locked_screen() {
    let (mut app, _) = App::new(identity("alice", "annotator", false));
    app.update(Msg::HomeLoaded(home()));
    app.update(Msg::IdleLock);
    snapshot("locked", &app);
}

#[test]
fn item_screen_with_cjk_rtl_and_diacritics() {
    let (mut app, _) = App::new(identity("alice", "annotator", false));
    app.update(Msg::HomeLoaded(home()));
    app.update(Msg::ItemLoaded(item(false)));
    snapshot("item", &app);
    app.update(Msg::Action(cloister::app::Action::Open));
    app.update(Msg::Text(" 漢字".into()));
    snapshot("item_editing", &app);
}

#[test]
fn reviewer_item_is_read_only() {
    let (mut app, _) = App::new(identity("bob", "reviewer", true));
    app.update(Msg::HomeLoaded(home()));
    app.update(Msg::ItemLoaded(item(true)));
    app.update(Msg::Action(cloister::app::Action::Open));
    snapshot("item_read_only", &app);
}

fn pref_view() -> cloister::app::PrefView {
    use cloister::app::{PrefFocus, PrefView, Side};
    PrefView {
        item_id: 7,
        external_id: "pref-014".into(),
        project: "prefs-demo".into(),
        project_id: 2,
        queue_index: 0,
        prompt: "Mi tarjeta terminada en [CARD ••••6467] fue rechazada. ¿Qué hago?".into(),
        first: "Lamento lo ocurrido. Puede llamar al número del reverso de su tarjeta; nunca comparta el PIN. \
                Si el cargo fue rechazado por fondos, revise su saldo en la aplicación."
            .into(),
        second: "Envíe el número completo de su tarjeta y el código CVV por correo a [EMAIL] y lo revisamos.".into(),
        shown_first: Side::B,
        seed: 0x5eed,
        criteria: vec!["helpfulness".into(), "harmlessness".into(), "honesty".into()],
        ratings: vec![(4, 1), (5, 1), (0, 0)],
        choice: None,
        rationale: "2 asks for the CVV by email".into(),
        focus: PrefFocus::Ratings,
        scroll: [0, 0],
        rating_row: 3,
        submitted: None,
        read_only: false,
        stage: cloister::app::Stage::Annotate,
        judgments: Vec::new(),
        opened: std::time::Instant::now(),
    }
}

#[test]
fn preference_screen_stacked_when_narrow_and_side_by_side_when_wide() {
    let (mut app, _) = App::new(identity("alice", "annotator", false));
    app.update(Msg::HomeLoaded(home()));
    app.update(Msg::PreferenceLoaded(pref_view()));
    app.update(Msg::Action(cloister::app::Action::PreferFirst));
    snapshot("preference", &app);
    app.update(Msg::Action(cloister::app::Action::Open));
    snapshot("preference_rationale", &app);
}

fn qa_item(stage: cloister::app::Stage) -> ItemView {
    use cloister::app::VersionLine;
    let mut view = item(stage == cloister::app::Stage::Review);
    view.stage = stage;
    view.current = 2;
    for (n, line) in view.segments.iter_mut().enumerate() {
        line.context = false;
        line.submitted = false;
        if n == 3 {
            continue;
        }
        line.versions.push(VersionLine {
            annotation: 100 + n as i64,
            author: "annotator-2".into(),
            stage: "annotate".into(),
            version: 1,
            text: line.text.replace("xin cảm ơn", "xin cám ơn nhiều").replace("[PHONE]", "[PHONE] الآن"),
            labels: [("intent".to_string(), "billing".to_string())].into_iter().collect(),
            decision: (n == 0).then(|| ("accept".to_string(), "qa-1".to_string())),
        });
    }
    view
}

#[test]
fn qa_screen_shows_a_word_diff_under_a_pseudonym() {
    let (mut app, _) = App::new(identity("quinn", "qa", false));
    app.update(Msg::HomeLoaded(home()));
    app.update(Msg::ItemLoaded(qa_item(cloister::app::Stage::Qa)));
    snapshot("qa_diff", &app);
    app.update(Msg::Action(cloister::app::Action::QaReject));
    app.update(Msg::Text("tone marks: cảm".into()));
    snapshot("qa_reject_reason", &app);
}

#[test]
fn reviewer_sees_versions_and_decisions_read_only() {
    let (mut app, _) = App::new(identity("bob", "reviewer", true));
    app.update(Msg::HomeLoaded(home()));
    let mut view = qa_item(cloister::app::Stage::Review);
    view.current = 0;
    app.update(Msg::ItemLoaded(view));
    snapshot("review_versions", &app);
}

#[test]
fn label_picker_marks_and_rejection_on_the_transcription_screen() {
    let (mut app, _) = App::new(identity("alice", "annotator", false));
    app.update(Msg::HomeLoaded(home()));
    let mut view = item(false);
    view.current = 2;
    view.segments[2].labels.insert("emotion".into(), "neutral".into());
    view.segments[2].marked.push(cloister::app::Mark { kind: "PERSON".into(), start: 0, end: 16 });
    view.segments[2].rejection = Some("the name is spelled Hương".into());
    app.update(Msg::ItemLoaded(view));
    snapshot("item_labels_rejected", &app);
    app.update(Msg::Action(cloister::app::Action::Labels));
    snapshot("item_label_picker", &app);
}

#[test]
fn frozen_screen_and_reveal_prompt() {
    let (mut app, _) = App::new(identity("quinn", "qa", false));
    app.update(Msg::HomeLoaded(home()));
    let mut view = item(false);
    view.segments[1].masks = vec!["PHONE".into(), "PERSON".into()];
    app.update(Msg::ItemLoaded(view));
    app.update(Msg::Action(cloister::app::Action::Reveal));
    app.update(Msg::Action(cloister::app::Action::NextField));
    app.update(Msg::Text("confirm the callback number".into()));
    snapshot("reveal_prompt", &app);
    app.update(Msg::Frozen("audit database: disk full".into()));
    snapshot("frozen", &app);
}

#[test]
fn qa_sees_preference_judgments_under_pseudonyms() {
    let (mut app, _) = App::new(identity("quinn", "qa", false));
    app.update(Msg::HomeLoaded(home()));
    let mut view = pref_view();
    view.stage = cloister::app::Stage::Qa;
    view.judgments = vec![cloister::app::JudgmentLine {
        annotation: 3,
        author: "annotator-1".into(),
        choice: "response 1".into(),
        ratings: "harmlessness 5/1, helpfulness 4/1".into(),
        rationale: "2 asks for the CVV by email".into(),
        seconds: 42,
        decision: None,
    }];
    app.update(Msg::PreferenceLoaded(view));
    snapshot("preference_qa", &app);
}
