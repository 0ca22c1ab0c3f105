//! The home screen of a very long queue draws only the rows that show (docs/PERFORMANCE.md,
//! `--mode queue`), and still shows the selection wherever it is.

use cloister::app::{App, Home, Identity, Keymap, Msg, QueueLine};
use cloister::ui::{Theme, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app_with_queue(len: usize, selected: usize) -> App {
    let identity = Identity { user: "alice".into(), role: "annotator".into(), session: "s".into(), read_only: false };
    let (mut app, _) = App::new(identity);
    let queue = (0..len)
        .map(|n| QueueLine {
            item_id: n as i64,
            project: "big".into(),
            item: format!("item-{n:06}"),
            stage: "annotate".into(),
            status: "pending".into(),
            kind: "transcription".into(),
            done: 0,
            total: 2,
        })
        .collect();
    app.update(Msg::HomeLoaded(Home { projects: Vec::new(), queue }));
    app.selected = selected;
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
