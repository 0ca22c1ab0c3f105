//! Popups over a screen: the label / PII-type picker and the one-line reason prompt.

use super::{Role, Theme, block};
use crate::app::{Picker, PickerPurpose, Prompt};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, ListState, Paragraph};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (width, height) = (width.min(area.width), height.min(area.height));
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

/// The label or PII-type picker.
pub fn draw_picker(frame: &mut Frame<'_>, area: Rect, picker: &Picker, theme: &Theme) {
    let title = match picker.purpose {
        PickerPurpose::Labels => " labels — Enter set/clear · Esc done ",
        PickerPurpose::PiiType { .. } => " PII type — Enter choose · Esc cancel ",
    };
    let rows: Vec<ListItem<'_>> = picker
        .rows
        .iter()
        .map(|(group, value)| {
            let on = picker.chosen.get(group) == Some(value);
            let mark = if on { "●" } else { "○" };
            let style = if on { theme.style(Role::Tag) } else { theme.style(Role::Text) };
            ListItem::new(Line::from(vec![
                Span::styled(format!("{mark} {group:<10} "), theme.muted()),
                Span::styled(value.clone(), style),
            ]))
        })
        .collect();
    let popup = centered(area, 44, picker.rows.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let list = List::new(rows).highlight_style(theme.selection(true)).block(block(title, theme));
    let mut state = ListState::default().with_selected(Some(picker.selected));
    frame.render_stateful_widget(list, popup, &mut state);
}

/// The reason / rationale prompt, with the cursor in it.
pub fn draw_prompt(frame: &mut Frame<'_>, area: Rect, prompt: &Prompt, theme: &Theme) {
    let popup = centered(area, area.width.saturating_sub(4).min(96), 3);
    frame.render_widget(Clear, popup);
    let title = prompt.title();
    let outer = block(&title, theme);
    let inner = outer.inner(popup);
    frame.render_widget(outer, popup);
    let (start, end, cursor_col) = prompt.editor.visible_window(inner.width.saturating_sub(1) as usize);
    let visible = prompt.editor.text().get(start..end).unwrap_or("");
    frame.render_widget(Paragraph::new(Span::styled(visible.to_string(), theme.style(Role::Editor))), inner);
    frame.set_cursor_position(Position::new(inner.x + cursor_col as u16, inner.y));
}
