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
                done: n,
                total: 8,
            })
            .collect(),
    }
}

fn segment(id: i64, start: i64, speaker: &str, text: &str) -> SegmentLine {
    SegmentLine {
        id,
        start_ms: start,
        end_ms: start + 2100,
        speaker: speaker.into(),
        text: text.into(),
        submitted: id == 1,
        context: id == 4,
    }
}

fn item(read_only: bool) -> ItemView {
    ItemView {
        item_id: 1,
        external_id: "call-ja-001".into(),
        project: "calls-demo".into(),
        project_id: 1,
        queue_index: 0,
        segments: vec![
            segment(1, 0, "agent", "お電話ありがとうございます。[PERSON]が承ります。"),
            segment(2, 2350, "customer", "مرحبا، رقم هاتفي هو [PHONE] من فضلك."),
            segment(3, 4700, "agent", "Nguyễn Thị Hương, xin cảm ơn quý khách."),
            segment(4, 7050, "customer", "Card ending [CARD ••••6467], born [DATE]."),
        ],
        current: 1,
        editor: None,
        read_only,
    }
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
    app.update(Msg::HomeLoaded(Home { projects: home().projects, queue: Vec::new() }));
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
