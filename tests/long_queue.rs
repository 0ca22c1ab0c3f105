//! The home screen of a very long queue draws only the rows that show (docs/PERFORMANCE.md,
//! `--mode queue`), and still shows the selection wherever it is; over SSH the session loads
//! the queue a window at a time as the selection moves.

mod common;

use cloister::app::{App, Home, Identity, Keymap, Msg, QUEUE_PAGE, QueueLine, QueueWindow};
use cloister::ui::{Theme, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;

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

/// A queue of `len` entries with the window around `selected` loaded, as the session holds it.
fn app_with_queue(len: usize, selected: usize) -> App {
    let offset = QueueWindow::offset_around(selected);
    let lines = (offset..(offset + QUEUE_PAGE).min(len)).map(line).collect();
    app_with_window(QueueWindow { offset, total: len, lines }, selected)
}

fn app_with_window(queue: QueueWindow, selected: usize) -> App {
    let identity = Identity { user: "alice".into(), role: "annotator".into(), session: "s".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    app.selected = selected;
    app.update(Msg::HomeLoaded(Home { projects: Vec::new(), queue }));
    app
}

/// The screen's rows, and the row the selection highlight is on.
fn render(app: &App) -> (Vec<String>, Option<String>) {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|frame| draw(frame, app, &Theme::dark(), &Keymap::default())).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let selection = Theme::dark().selection(true);
    let mut rows = Vec::new();
    let mut highlighted = None;
    for y in 0..buffer.area.height {
        let row: String = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_string()).collect();
        let selected = |x: u16| {
            let cell = &buffer[(x, y)];
            cell.modifier.contains(selection.add_modifier)
                && (selection.bg.is_none() || cell.bg == selection.bg.unwrap_or_default())
        };
        if (2..buffer.area.width - 2).any(selected) {
            highlighted = Some(row.clone());
        }
        rows.push(row);
    }
    (rows, highlighted)
}

#[test]
fn selection_deep_in_a_long_queue_is_on_screen_and_highlighted() {
    let (rows, highlighted) = render(&app_with_queue(100_000, 54_321));
    let text = rows.join("\n");
    assert!(text.contains("item-054321"), "selected row missing:\n{text}");
    assert!(text.contains("item-054320"), "the rows before the selection fill the list:\n{text}");
    assert!(!text.contains("item-000000"), "the top of the queue is scrolled away:\n{text}");
    let highlighted = highlighted.expect("a highlighted row");
    assert!(highlighted.contains("item-054321"), "highlight on {highlighted:?}");
}

#[test]
fn first_screen_of_a_long_queue_starts_at_the_top() {
    let (rows, highlighted) = render(&app_with_queue(100_000, 3));
    let text = rows.join("\n");
    assert!(text.contains("item-000000") && text.contains("item-000003"), "{text}");
    assert!(highlighted.expect("a highlighted row").contains("item-000003"));
}

#[test]
fn last_item_of_a_long_queue_is_reachable() {
    let (rows, highlighted) = render(&app_with_queue(1_000, 999));
    assert!(rows.join("\n").contains("item-000999"));
    assert!(highlighted.expect("a highlighted row").contains("item-000999"));
}

#[test]
fn rows_of_a_window_still_loading_show_as_placeholders_and_the_title_says_where() {
    // Back home deep in the queue: the first window has arrived, the selection's has not.
    let first = QueueWindow { offset: 0, total: 100_000, lines: (0..QUEUE_PAGE).map(line).collect() };
    let (rows, highlighted) = render(&app_with_window(first, 54_321));
    let text = rows.join("\n");
    assert!(!text.contains("item-"), "no row of another window is drawn in its place:\n{text}");
    assert!(text.contains(" queue 54322/100000 "), "{text}");
    assert_eq!(highlighted.expect("a highlighted row").trim_matches(|c| c == ' ' || c == '│'), "…");
}

#[test]
fn a_queue_that_fits_has_a_plain_title() {
    let (rows, _) = render(&app_with_queue(5, 0));
    assert!(rows.join("\n").contains("┌ queue ─"), "{}", rows.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_ssh_the_selection_walks_past_the_first_window_and_opens_what_it_shows() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = common::demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let op = cloister::policy::Principal::operator();
    cloister::cli::import_synthetic(&store, "zz-long", 1_500).expect("import");
    store.grant(&op, "alice", cloister::policy::Role::Annotator, "zz-long").expect("grant");
    store.assign_all(&op, "zz-long", "alice", "annotate").expect("assign");
    let alice = common::principal(&store, "alice");
    let total = store.work_queue(&alice, 0, 0).expect("length").total;
    let target = QUEUE_PAGE + 300;
    let expected = store.work_queue(&alice, target, 2).expect("entries").entries;
    assert!(total > target + 1 && expected[0].project == "zz-long", "{total} entries");
    drop(store);
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut screen = common::ssh::Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text(&format!(" queue 1/{total} ")).await;
    // In bursts, as a held-down key arrives: windows are asked for and replaced on the way.
    for _ in 0..target / 50 {
        screen.send("j".repeat(50).as_bytes()).await;
        screen.pump(Duration::from_millis(20)).await;
    }
    screen.wait_text(&format!(" queue {}/{total} ", target + 1)).await;
    screen.wait_text(&expected[0].external_id).await;
    // Enter opens the entry shown, PgDn the one after it.
    screen.send(b"\r").await;
    screen
        .wait_for("the item opened", |t| t.contains(&expected[0].external_id) && t.contains("Segment 0 of call"))
        .await;
    screen.send(b"\x1b[6~").await;
    screen.wait_text(&expected[1].external_id).await;
    // Back home, the selection is where the item was.
    screen.send(b"\x1b").await;
    screen.wait_text(&format!(" queue {}/{total} ", target + 2)).await;
    server.shutdown().await;
}
