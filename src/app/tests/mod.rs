use super::*;

fn app() -> App {
    let identity = Identity { user: "alice".into(), role: "annotator".into(), session: "s1".into(), read_only: false };
    let (mut app, effects) = App::new(identity);
    assert_eq!(effects, vec![Effect::LoadHome]);
    let queue: Vec<QueueLine> = (0..3)
        .map(|n| QueueLine {
            item_id: n,
            project: "p".into(),
            item: format!("i{n}"),
            stage: "annotate".into(),
            status: "pending".into(),
            kind: "transcription".into(),
            done: 0,
            total: 4,
        })
        .collect();
    app.update(Msg::HomeLoaded(Home { projects: Vec::new(), queue: queue.into() }));
    app
}

#[test]
fn moves_within_the_queue() {
    let mut app = app();
    app.update(Msg::Action(Action::Up));
    assert_eq!(app.selected, 0);
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Down));
    assert_eq!(app.selected, 2, "stops at the last row");
}

#[test]
fn help_toggles_and_back_closes_it() {
    let mut app = app();
    app.update(Msg::Action(Action::Help));
    assert!(app.help);
    app.update(Msg::Action(Action::Back));
    assert!(!app.help);
}

#[test]
fn quit_and_shutdown_end_the_session() {
    let mut app = app();
    assert_eq!(app.update(Msg::Action(Action::Quit)), vec![Effect::Quit]);
    let mut other = self::app();
    assert_eq!(other.update(Msg::Shutdown), vec![Effect::Quit]);
    assert!(other.notice.is_some());
}

#[test]
fn refresh_reloads_home() {
    assert_eq!(app().update(Msg::Action(Action::Refresh)), vec![Effect::LoadHome]);
}

#[test]
fn idle_lock_hides_data_and_the_next_key_only_unlocks() {
    let mut app = app();
    app.update(Msg::Action(Action::Help));
    app.update(Msg::IdleLock);
    assert!(app.locked && !app.help);
    assert_eq!(app.update(Msg::Action(Action::Quit)), Vec::new(), "the unlocking key does not act");
    assert!(!app.locked && !app.quitting);
    app.update(Msg::IdleLock);
    app.update(Msg::UnboundKey);
    assert!(!app.locked);
}

#[test]
fn reloaded_queue_keeps_selection_in_range() {
    let mut app = app();
    app.selected = 2;
    app.update(Msg::HomeLoaded(Home::default()));
    assert_eq!(app.selected, 0);
    app.update(Msg::LoadFailed("store unavailable".into()));
    assert_eq!(app.notice.as_deref(), Some("store unavailable"));
}

#[test]
fn frozen_session_accepts_no_action_until_the_audit_log_recovers() {
    let mut app = app();
    app.update(Msg::Frozen("disk full".into()));
    assert_eq!(app.update(Msg::Action(Action::Quit)), Vec::new());
    assert!(!app.quitting);
    app.update(Msg::Action(Action::Down));
    assert_eq!(app.selected, 0, "no movement while frozen");
    app.update(Msg::Unfrozen);
    app.update(Msg::Action(Action::Down));
    assert_eq!(app.selected, 1);
}

mod queue;
mod screens;

#[test]
fn arrows_scroll_the_help_instead_of_moving_the_selection() {
    let mut app = app();
    app.update(Msg::Action(Action::Help));
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Down));
    app.update(Msg::Action(Action::Up));
    assert_eq!((app.help_scroll, app.selected), (1, 0));
    app.update(Msg::Action(Action::Back));
    app.update(Msg::Action(Action::Down));
    assert_eq!(app.selected, 1, "arrows move the queue again once help is closed");
}
