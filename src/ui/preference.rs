//! The preference screen: prompt on top, the two responses side by side when the terminal is wide
//! enough (stacked when not), each scrollable; ratings, choice and rationale below.

use super::{Role, Theme, block};
use crate::app::{Choice, PrefFocus, PrefView, Stage};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Side by side from this width on.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 100;

/// Draws an open preference item.
pub fn draw_preference(frame: &mut Frame<'_>, area: Rect, pref: &PrefView, theme: &Theme) {
    let ratings_height = if pref.stage == Stage::Annotate {
        pref.criteria.len() as u16 + 4
    } else {
        (pref.judgments.len() as u16 * 2).clamp(1, 8) + 2
    };
    let prompt_height = if area.height >= 30 { 6 } else { 4 };
    let [prompt_area, responses_area, bottom_area] =
        Layout::vertical([Constraint::Length(prompt_height), Constraint::Min(4), Constraint::Length(ratings_height)])
            .areas(area);
    let title = format!(" {} · {} · prompt ", pref.project, pref.external_id);
    frame.render_widget(
        Paragraph::new(pref.prompt.clone()).wrap(Wrap { trim: false }).block(block(&title, theme)),
        prompt_area,
    );
    let [first_area, second_area] = if area.width >= SIDE_BY_SIDE_MIN_WIDTH {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(responses_area)
    } else {
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(responses_area)
    };
    for (index, (text, pane)) in [(&pref.first, first_area), (&pref.second, second_area)].into_iter().enumerate() {
        let focused = matches!((index, pref.focus), (0, PrefFocus::First) | (1, PrefFocus::Second));
        let chosen = pref.choice_label() == Some(if index == 0 { "response 1" } else { "response 2" });
        let title = format!(" response {}{} ", index + 1, if chosen { " ✓ preferred" } else { "" });
        let widget = Paragraph::new(text.clone())
            .wrap(Wrap { trim: false })
            .scroll((pref.scroll[index], 0))
            .block(block(&title, theme).border_style(theme.border(focused)));
        frame.render_widget(widget, pane);
    }
    if pref.stage == Stage::Annotate {
        draw_bottom(frame, bottom_area, pref, theme);
    } else {
        draw_judgments(frame, bottom_area, pref, theme);
    }
}

/// QA and reviewers: each annotator's judgment under a pseudonym, in this viewer's screen terms.
fn draw_judgments(frame: &mut Frame<'_>, area: Rect, pref: &PrefView, theme: &Theme) {
    let mut lines = Vec::new();
    if pref.judgments.is_empty() {
        lines.push(Line::styled("not judged yet", theme.muted()));
    }
    for j in &pref.judgments {
        let decision = j.decision.as_ref().map_or(String::new(), |(d, who)| format!(" [{d} by {who}]"));
        lines.push(Line::from(vec![
            Span::styled(format!("{}{decision}: ", j.author), theme.title()),
            Span::styled(j.choice.clone(), theme.style(Role::Choice)),
            Span::styled(format!("  {} · {} s", j.ratings, j.seconds), theme.muted()),
        ]));
        lines.push(Line::styled(format!("  “{}”", j.rationale), theme.style(Role::Text)));
    }
    let title = if pref.stage == Stage::Qa {
        " judgments — A accept · R reject with a reason "
    } else {
        " judgments — read-only "
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(title, theme)), area);
}

fn stars(value: u8) -> String {
    (1..=5).map(|n| if n <= value { '●' } else { '○' }).collect()
}

fn draw_bottom(frame: &mut Frame<'_>, area: Rect, pref: &PrefView, theme: &Theme) {
    let ratings_focused = pref.focus == PrefFocus::Ratings;
    let mut lines = Vec::new();
    for (index, (criterion, (first, second))) in pref.criteria.iter().zip(&pref.ratings).enumerate() {
        let cell = |row: usize, value: u8| {
            let selected = ratings_focused && pref.rating_row == row;
            let style = if selected { theme.selection(true) } else { theme.style(Role::Text) };
            Span::styled(format!(" {} ", stars(value)), style)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{criterion:<14}"), theme.title()),
            Span::styled("1:", theme.muted()),
            cell(index * 2, *first),
            Span::styled("  2:", theme.muted()),
            cell(index * 2 + 1, *second),
        ]));
    }
    let option = |key: &'static str, label: &'static str, on: bool| {
        Span::styled(format!(" [{key}] {label} "), if on { theme.style(Role::Choice) } else { theme.muted() })
    };
    let chosen = pref.choice_label();
    lines.push(Line::from(vec![
        Span::styled("choice        ", theme.title()),
        option("1", "response 1", chosen == Some("response 1")),
        option("2", "response 2", chosen == Some("response 2")),
        option("=", "tie", pref.choice == Some(Choice::Tie)),
        option("x", "both bad", pref.choice == Some(Choice::BothBad)),
    ]));
    let rationale = if pref.rationale.is_empty() { "(Enter to write why)".to_string() } else { pref.rationale.clone() };
    lines.push(Line::from(vec![
        Span::styled("rationale     ", theme.title()),
        Span::styled(rationale, if pref.rationale.is_empty() { theme.muted() } else { theme.style(Role::Text) }),
    ]));
    let title = match (pref.read_only, pref.submitted) {
        (true, _) => " judgment — read-only ".to_string(),
        (false, Some(v)) => format!(" judgment — saved as version {v} "),
        (false, None) => " judgment — Tab focus · ↑/↓ move · +/- rate · Ctrl-S submit ".to_string(),
    };
    frame.render_widget(
        Paragraph::new(lines).block(block(&title, theme).border_style(theme.border(ratings_focused))),
        area,
    );
}
