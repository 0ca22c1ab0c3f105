//! Drawing: `draw(frame, &App, &Theme)` only reads the state.

mod admin;
mod item;
mod overlay;
mod preference;
mod theme;
mod waveform;

pub use theme::{BUILTIN_THEMES, Role, Theme, ThemeError};

use crate::app::{App, Keymap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme, keymap: &Keymap) {
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());
    if let Some(reason) = &app.frozen {
        draw_frozen(frame, body, reason, theme);
    } else if app.locked {
        draw_locked(frame, body, theme);
    } else if let Some(console) = &app.console {
        admin::draw(frame, body, console, theme);
    } else {
        match (&app.item, &app.pref) {
            (Some(item), _) => {
                item::draw_item(frame, body, app, item, theme);
                if let Some(picker) = &item.picker {
                    overlay::draw_picker(frame, body, picker, theme);
                }
            }
            (None, Some(pref)) => preference::draw_preference(frame, body, pref, theme),
            (None, None) => draw_home(frame, body, app, theme),
        }
        if let Some(prompt) = &app.prompt {
            overlay::draw_prompt(frame, body, prompt, theme);
        }
        if app.help {
            draw_help(frame, body, app, theme, keymap);
        }
    }
    draw_status(frame, status, app, theme);
}

pub(crate) fn block<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_set(theme.border_set()).title(Span::styled(title, theme.title()))
}

fn draw_locked(frame: &mut Frame<'_>, area: Rect, theme: &Theme) {
    let text = Paragraph::new(vec![
        Line::raw(""),
        Line::styled("Session locked after inactivity.", theme.warning()),
        Line::raw("Press any key to continue."),
    ])
    .centered()
    .block(block(" locked ", theme));
    frame.render_widget(text, area);
}

fn draw_frozen(frame: &mut Frame<'_>, area: Rect, reason: &str, theme: &Theme) {
    let text = Paragraph::new(vec![
        Line::raw(""),
        Line::styled("The audit log cannot be written: this session is frozen.", theme.warning()),
        Line::raw("Nothing you do can be recorded, so nothing is accepted until it recovers."),
        Line::styled(reason.to_string(), theme.muted()),
    ])
    .centered()
    .wrap(Wrap { trim: true })
    .block(block(" frozen ", theme));
    frame.render_widget(text, area);
}

fn draw_home(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let [top, queue_area] = Layout::vertical([Constraint::Length(6), Constraint::Min(3)]).areas(area);
    let mut lines = vec![Line::from(vec![
        Span::styled("Welcome, ", theme.muted()),
        Span::styled(app.identity.user.clone(), theme.title()),
        Span::styled(format!("  ({})", app.identity.role), theme.muted()),
    ])];
    match &app.home {
        None => lines.push(Line::styled("loading…", theme.muted())),
        Some(home) if home.projects.is_empty() => {
            lines.push(Line::raw("No projects yet: ask an admin for a grant."));
        }
        Some(home) => {
            for p in home.projects.iter().take(3) {
                let roles = if p.roles.is_empty() { "admin".to_string() } else { p.roles.join(", ") };
                lines.push(Line::raw(format!("{}  {} · {} items · {}", p.name, p.kind, p.items, roles)));
            }
            if home.projects.len() > 3 {
                lines.push(Line::styled(format!("… and {} more", home.projects.len() - 3), theme.muted()));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(" cloister ", theme)), top);
    // Only the rows that can show are built: formatting every row of a 100 000-item queue cost
    // ~250 ms per key (docs/PERFORMANCE.md). The window keeps the selection on screen, as the
    // List would; past the first screen the selection stays on the bottom row.
    let rows = usize::from(queue_area.height.saturating_sub(2)).max(1);
    let skip = app.selected.saturating_sub(rows - 1);
    let queue = app.home.as_ref().map(|h| &h.queue);
    let shown = queue.map_or(0, |q| q.len().saturating_sub(skip).min(rows));
    let items: Vec<ListItem<'_>> = (skip..skip + shown)
        .map(|index| match queue.and_then(|q| q.get(index)) {
            Some(q) => {
                let status = if q.status == "rejected" { "rejected — see QA's reason" } else { "" };
                ListItem::new(format!(
                    "{:<14} {:<18} {:<11} {:<8} {:>3}/{:<3} {status}",
                    q.project, q.item, q.kind, q.stage, q.done, q.total
                ))
            }
            // Its window of the queue is on its way from the store.
            None => ListItem::new(Line::styled("…", theme.muted())),
        })
        .collect();
    let empty = items.is_empty();
    // Where the selection is, once the queue no longer fits on the screen.
    let title = match queue {
        Some(q) if q.len() > rows => format!(" queue {}/{} ", app.selected + 1, q.len()),
        _ => " queue ".to_string(),
    };
    let list = List::new(items).highlight_style(theme.selection(true)).block(block(&title, theme));
    let mut state = ListState::default().with_selected(if empty { None } else { Some(app.selected - skip) });
    frame.render_stateful_widget(list, queue_area, &mut state);
    if empty && app.home.is_some() {
        let inner = queue_area.inner(ratatui::layout::Margin { horizontal: 2, vertical: 1 });
        frame.render_widget(Paragraph::new(Line::styled("Nothing assigned to you.", theme.muted())), inner);
    }
}

fn draw_help(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme, keymap: &Keymap) {
    // One line per action with all its keys, so every binding fits; ↑/↓ scroll when it does not.
    let grouped = |pairs: Vec<(String, crate::app::Action)>| {
        let mut out: Vec<(String, crate::app::Action)> = Vec::new();
        for (key, action) in pairs {
            match out.last_mut() {
                Some((keys, last)) if *last == action => {
                    keys.push_str(", ");
                    keys.push_str(&key);
                }
                _ => out.push((key, action)),
            }
        }
        out
    };
    let line = |(key, action): (String, crate::app::Action)| {
        Line::from(vec![Span::styled(format!("{key:>14}  "), theme.title()), Span::raw(action.describe())])
    };
    let mut lines: Vec<Line<'_>> = grouped(keymap.help_lines()).into_iter().map(line).collect();
    lines.push(Line::styled("while editing a segment:", theme.muted()));
    lines.extend(grouped(keymap.edit_help_lines()).into_iter().map(line));
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 72.min(area.width);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let hidden = (lines.len() as u16 + 2).saturating_sub(height);
    let title = if hidden > 0 { " help — ↑/↓ scroll · ? to close " } else { " help — ? to close " };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).scroll((app.help_scroll.min(hidden), 0)).block(block(title, theme)),
        popup,
    );
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let mut spans =
        vec![Span::raw(format!(" {} · {} · session {} ", app.identity.user, app.identity.role, app.identity.session))];
    if app.identity.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.style(Role::ReadOnlyBadge)));
    }
    if let Some(notice) = &app.notice {
        spans.push(Span::styled(format!(" {notice} "), theme.warning()));
    }
    spans.push(Span::raw(" ?:help q:quit"));
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.status_bar()), area);
}
