//! The home screen holds a window of a long queue and loads the next one before it is needed.

use super::*;

fn line(n: usize) -> QueueLine {
    QueueLine {
        item_id: n as i64,
        project: "big".into(),
        item: format!("item-{n:06}"),
        stage: "annotate".into(),
        status: "pending".into(),
        kind: "transcription".into(),
        done: 0,
        total: 2,
    }
}

fn window(offset: usize, total: usize) -> QueueWindow {
    let end = (offset + QUEUE_PAGE).min(total);
    QueueWindow { offset, total, lines: (offset..end).map(line).collect() }
}

/// An annotator at home with the first window of a queue of `total` entries loaded.
fn home(total: usize) -> App {
    let identity = Identity { user: "alice".into(), role: "annotator".into(), session: "s1".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    let effects = app.update(Msg::HomeLoaded(Home { projects: Vec::new(), queue: window(0, total) }));
    assert!(effects.is_empty(), "the first window covers the top of the queue: {effects:?}");
    app
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    app.update(Msg::Action(action))
}

#[test]
fn moving_down_asks_for_the_next_window_once_before_the_edge() {
    let mut app = home(100_000);
    let mut asked = Vec::new();
    for _ in 0..QUEUE_PAGE - 1 {
        asked.extend(act(&mut app, Action::Down));
    }
    assert_eq!(app.selected, QUEUE_PAGE - 1, "the selection moves on while the window loads");
    // One request while it is on its way, for the window centred where the selection first came
    // within the margin of the edge (300 of 400).
    assert_eq!(asked, vec![Effect::LoadQueue { offset: 100, limit: QUEUE_PAGE }]);
    assert!(app.home.as_ref().is_some_and(|h| h.queue.get(QUEUE_PAGE).is_none()));
    let effects = app.update(Msg::QueueLoaded(window(100, 100_000)));
    assert!(effects.is_empty(), "399 is 101 rows from the new window's edge: {effects:?}");
    assert_eq!(app.selected, QUEUE_PAGE - 1);
    assert_eq!(app.home.as_ref().and_then(|h| h.queue.get(QUEUE_PAGE)).map(|l| l.item_id), Some(QUEUE_PAGE as i64));
    assert_eq!(act(&mut app, Action::Down), vec![Effect::LoadQueue { offset: QUEUE_PAGE / 2, limit: QUEUE_PAGE }]);
}

#[test]
fn a_short_queue_is_loaded_whole_and_never_reloaded() {
    let mut app = home(250);
    for _ in 0..300 {
        assert!(act(&mut app, Action::Down).is_empty());
    }
    assert_eq!(app.selected, 249, "stops at the last entry");
    for _ in 0..300 {
        assert!(act(&mut app, Action::Up).is_empty());
    }
    assert_eq!(app.selected, 0);
}

#[test]
fn moving_up_in_a_later_window_asks_for_the_one_before() {
    let mut app = home(100_000);
    app.selected = 5_000;
    let effects = app.update(Msg::QueueLoaded(window(4_800, 100_000)));
    assert!(effects.is_empty(), "{effects:?}");
    let mut asked = Vec::new();
    for _ in 0..150 {
        asked.extend(act(&mut app, Action::Up));
    }
    assert_eq!(asked, vec![Effect::LoadQueue { offset: 4_899 - QUEUE_PAGE / 2, limit: QUEUE_PAGE }]);
}

#[test]
fn next_item_past_the_loaded_window_loads_it_then_opens_the_item() {
    let mut app = home(1_000);
    // The judgment of the last loaded entry is saved: the next entry is not loaded yet.
    app.update(Msg::PreferenceLoaded(super::screens::pref_at(QUEUE_PAGE - 1)));
    let effects = app.update(Msg::PreferenceSubmitted { version: 1 });
    assert_eq!(effects, vec![Effect::LoadQueue { offset: QUEUE_PAGE - QUEUE_PAGE / 2, limit: QUEUE_PAGE }]);
    let effects = app.update(Msg::QueueLoaded(window(QUEUE_PAGE / 2, 1_000)));
    assert!(
        matches!(&effects[..], [Effect::OpenItem { item_id, queue_index, .. }, ..]
            if *item_id == QUEUE_PAGE as i64 && *queue_index == QUEUE_PAGE),
        "{effects:?}"
    );
}

#[test]
fn next_item_after_the_last_entry_does_nothing() {
    let mut app = home(3);
    app.update(Msg::PreferenceLoaded(super::screens::pref_at(2)));
    let effects = app.update(Msg::PreferenceSubmitted { version: 1 });
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn returning_home_deep_in_the_queue_loads_the_window_around_the_selection() {
    let mut app = home(100_000);
    app.selected = 54_321;
    let effects = app.update(Msg::HomeLoaded(Home { projects: Vec::new(), queue: window(0, 100_000) }));
    assert_eq!(effects, vec![Effect::LoadQueue { offset: 54_321 - QUEUE_PAGE / 2, limit: QUEUE_PAGE }]);
    assert_eq!(app.selected, 54_321, "the selection stays where it was");
}

#[test]
fn a_shrunken_queue_clamps_the_selection() {
    let mut app = home(100_000);
    app.selected = 54_321;
    let effects = app.update(Msg::QueueLoaded(window(0, 10)));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.selected, 9);
}

#[test]
fn back_home_reads_the_window_around_the_selection_again_not_the_whole_home() {
    let mut app = home(100_000);
    app.selected = 70_000;
    app.update(Msg::PreferenceLoaded(super::screens::pref_at(70_000)));
    let effects = act(&mut app, Action::Back);
    assert_eq!(effects, vec![Effect::LoadQueue { offset: 70_000 - QUEUE_PAGE / 2, limit: QUEUE_PAGE }]);
    assert!(act(&mut app, Action::Down).is_empty(), "that window is on its way already");
    assert_eq!(act(&mut app, Action::Refresh), vec![Effect::LoadHome], "r reloads everything");
}

#[test]
fn a_failed_window_load_forgets_the_item_that_waited_for_it() {
    let mut app = home(1_000);
    app.update(Msg::PreferenceLoaded(super::screens::pref_at(QUEUE_PAGE - 1)));
    assert_eq!(app.update(Msg::PreferenceSubmitted { version: 1 }).len(), 1, "asks for the window");
    app.update(Msg::LoadFailed("cannot load your work: disk I/O error".into()));
    let effects = app.update(Msg::QueueLoaded(window(QUEUE_PAGE / 2, 1_000)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::OpenItem { .. })), "{effects:?}");
}
