//! The item screen: segment list with time codes and speakers, and the segment editor.

use super::{Role, Theme, block};
use crate::app::{App, ItemView, time_code};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph};

/// Draws an open item.
pub fn draw_item(frame: &mut Frame<'_>, area: Rect, app: &App, item: &ItemView, theme: &Theme) {
    let [list_area, editor_area, audio_area] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(3), Constraint::Length(super::waveform::height(app))])
            .areas(area);
    let title = format!(
        " {} · {} · segment {}/{} ",
        item.project,
        item.external_id,
        (item.current + 1).min(item.segments.len()),
        item.segments.len()
    );
    let lines: Vec<ListItem<'_>> = item
        .segments
        .iter()
        .map(|s| {
            let mark = if s.submitted { "✓" } else { " " };
            let text_style = if s.context { theme.style(Role::DimmedContext) } else { theme.style(Role::Text) };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{mark} {:>7}–{:<7} ", time_code(s.start_ms), time_code(s.end_ms)), theme.muted()),
                Span::styled(format!("{:<9} ", s.speaker), theme.title()),
                Span::styled(s.text.clone(), text_style),
            ]))
        })
        .collect();
    let list = List::new(lines).highlight_style(theme.selection(item.editor.is_none())).block(block(&title, theme));
    let mut state = ListState::default().with_selected(Some(item.current));
    frame.render_stateful_widget(list, list_area, &mut state);

    let editor_block = if item.read_only {
        block(" read-only ", theme)
    } else if item.editor.is_some() {
        block(" editing — Ctrl-S submit · Esc leave ", theme)
    } else {
        block(" Enter to edit ", theme)
    };
    let inner = editor_block.inner(editor_area);
    frame.render_widget(editor_block, editor_area);
    match &item.editor {
        Some(editor) => {
            let (start, end, cursor_col) = editor.visible_window(inner.width.saturating_sub(1) as usize);
            let visible = editor.text().get(start..end).unwrap_or("");
            frame.render_widget(Paragraph::new(visible.to_string()), inner);
            frame.set_cursor_position(Position::new(inner.x + cursor_col as u16, inner.y));
        }
        None => {
            let text = item.current_segment().map(|s| s.text.clone()).unwrap_or_default();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), inner);
        }
    }
    super::waveform::draw_audio(frame, audio_area, app, item, theme);
}
