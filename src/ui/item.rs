//! The item screen: segment list with time codes, speakers and labels; below it the editor, or
//! QA's word diff, or a reviewer's list of versions and decisions.

use super::{Role, Theme, block};
use crate::app::word_diff::{Piece, word_diff};
use crate::app::{App, ItemView, SegmentLine, Stage, time_code};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

/// Draws an open item.
pub fn draw_item(frame: &mut Frame<'_>, area: Rect, app: &App, item: &ItemView, theme: &Theme) {
    let detail_height = match item.stage {
        Stage::Annotate => 4,
        Stage::Qa | Stage::Review => 7,
    };
    let [list_area, detail_area, audio_area] = Layout::vertical([
        Constraint::Min(3),
        Constraint::Length(detail_height),
        Constraint::Length(super::waveform::height(app)),
    ])
    .areas(area);
    let stage = match item.stage {
        Stage::Annotate => "",
        Stage::Qa => "QA · ",
        Stage::Review => "review · ",
    };
    let title = format!(
        " {stage}{} · {} · segment {}/{} ",
        item.project,
        item.external_id,
        (item.current + 1).min(item.segments.len()),
        item.segments.len()
    );
    let lines: Vec<ListItem<'_>> = item.segments.iter().map(|s| segment_row(item, s, theme)).collect();
    let focused = item.editor.is_none() && item.picker.is_none();
    let list = List::new(lines).highlight_style(theme.selection(focused)).block(block(&title, theme));
    let mut state = ListState::default().with_selected(Some(item.current));
    frame.render_stateful_widget(list, list_area, &mut state);
    match item.stage {
        Stage::Annotate => draw_editor(frame, detail_area, item, theme),
        Stage::Qa if item.editor.is_some() => draw_editor(frame, detail_area, item, theme),
        Stage::Qa => draw_diff(frame, detail_area, item, theme),
        Stage::Review => draw_versions(frame, detail_area, item, theme),
    }
    super::waveform::draw_audio(frame, audio_area, app, item, theme);
}

fn segment_row<'a>(item: &ItemView, s: &'a SegmentLine, theme: &Theme) -> ListItem<'a> {
    let mark = if s.rejection.is_some() {
        "✗"
    } else if s.submitted || s.versions.iter().any(|v| v.decision.is_some()) {
        "✓"
    } else {
        " "
    };
    let text_style = if s.context { theme.style(Role::DimmedContext) } else { theme.style(Role::Text) };
    let speaker_index = item.speakers.iter().position(|n| n == s.shown_speaker()).unwrap_or(0);
    let text = match (item.stage, s.revealed.as_ref(), s.versions.iter().find(|v| v.stage == "annotate")) {
        (_, Some(revealed), _) => revealed.clone(),
        (Stage::Qa, None, Some(version)) => version.text.clone(),
        _ => s.text.clone(),
    };
    let mut spans = vec![
        Span::styled(
            format!("{mark} {:>7}–{:<7} ", time_code(s.start_ms), time_code(s.end_ms)),
            theme.style(Role::TimeCode),
        ),
        Span::styled(format!("{:<9} ", s.shown_speaker()), theme.speaker(speaker_index)),
    ];
    for value in s.labels.values() {
        spans.push(Span::styled(format!("#{value} "), theme.style(Role::Tag)));
    }
    if !s.marked.is_empty() {
        spans.push(Span::styled(format!("pii:{} ", s.marked.len()), theme.style(Role::PiiSpan)));
    }
    spans.push(Span::styled(text, if s.revealed.is_some() { theme.warning() } else { text_style }));
    ListItem::new(Line::from(spans))
}

fn draw_editor(frame: &mut Frame<'_>, area: Rect, item: &ItemView, theme: &Theme) {
    let editor_block = if item.read_only {
        block(" read-only ", theme)
    } else if item.stage == Stage::Qa {
        block(" correcting — Ctrl-S save correction · Esc cancel ", theme)
    } else if item.editor.is_some() {
        block(" editing — Ctrl-S submit · Esc leave · Ctrl-P mark PII ", theme)
    } else {
        block(" Enter to edit · s speaker · t labels · Ctrl-S submit ", theme)
    };
    let inner = editor_block.inner(area);
    frame.render_widget(editor_block, area);
    let [text_area, info_area] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let line = item.current_segment();
    match &item.editor {
        Some(editor) => {
            let (start, end, cursor_col) = editor.visible_window(text_area.width.saturating_sub(1) as usize);
            let visible = editor.text().get(start..end).unwrap_or("");
            frame
                .render_widget(Paragraph::new(Span::styled(visible.to_string(), theme.style(Role::Editor))), text_area);
            frame.set_cursor_position(Position::new(text_area.x + cursor_col as u16, text_area.y));
        }
        None => {
            let text = line.map(|s| s.revealed.clone().unwrap_or_else(|| s.text.clone())).unwrap_or_default();
            frame.render_widget(Paragraph::new(Span::styled(text, theme.muted())), text_area);
        }
    }
    let mut info = Vec::new();
    if let Some(line) = line {
        if let Some(reason) = &line.rejection {
            info.push(Span::styled(format!("QA rejected: {reason}  "), theme.style(Role::Error)));
        }
        for m in &line.marked {
            info.push(Span::styled(format!("{} {}..{}  ", m.kind, m.start, m.end), theme.style(Role::PiiSpan)));
        }
        if item.mark_anchor.is_some() {
            info.push(Span::styled("marking PII… ", theme.warning()));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(info)), info_area);
}

/// QA: the original (masked) text against the annotator's version, word by word.
fn draw_diff(frame: &mut Frame<'_>, area: Rect, item: &ItemView, theme: &Theme) {
    let version = item.current_version();
    let count = item.current_segment().map_or(0, |l| l.versions.iter().filter(|v| v.stage == "annotate").count());
    let title = match version {
        Some(v) => {
            let decided = v.decision.as_ref().map_or(String::new(), |(d, who)| format!(" · {d} by {who}"));
            format!(
                " {} v{} ({}/{count}){decided} — A accept · R reject · Enter correct · Tab next ",
                v.author,
                v.version,
                item.version + 1
            )
        }
        None => " not annotated yet ".to_string(),
    };
    let mut lines = Vec::new();
    if let (Some(line), Some(version)) = (item.current_segment(), version) {
        let spans: Vec<Span<'_>> = word_diff(&line.text, &version.text)
            .into_iter()
            .map(|piece| match piece {
                Piece::Same(t) => Span::styled(t, theme.style(Role::Text)),
                // git's --word-diff=plain markers, so the diff reads without colour too.
                Piece::Removed(t) => Span::styled(format!("[-{t}-]"), theme.style(Role::DiffDelete)),
                Piece::Added(t) => Span::styled(format!("{{+{t}+}}"), theme.style(Role::DiffInsert)),
            })
            .collect();
        lines.push(Line::from(spans));
        if !version.labels.is_empty() {
            let tags: Vec<String> = version.labels.iter().map(|(g, v)| format!("{g}: {v}")).collect();
            lines.push(Line::styled(tags.join(" · "), theme.style(Role::Tag)));
        }
    }
    let widget = Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(&title, theme));
    frame.render_widget(widget, area);
}

/// Reviewer: every version of the current segment with its QA decision.
fn draw_versions(frame: &mut Frame<'_>, area: Rect, item: &ItemView, theme: &Theme) {
    let mut lines = Vec::new();
    if let Some(line) = item.current_segment() {
        if line.versions.is_empty() {
            lines.push(Line::styled("no annotations yet", theme.muted()));
        }
        for v in &line.versions {
            let decision = v.decision.as_ref().map_or(String::new(), |(d, who)| format!(" [{d} by {who}]"));
            lines.push(Line::from(vec![
                Span::styled(format!("{} v{}{decision}: ", v.author, v.version), theme.title()),
                Span::styled(v.text.clone(), theme.style(Role::Text)),
            ]));
        }
    }
    let widget = Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(" versions — read-only ", theme));
    frame.render_widget(widget, area);
}
