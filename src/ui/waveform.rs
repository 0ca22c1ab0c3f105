//! The audio strip under the item: the RMS waveform with segment boundaries and the playhead,
//! and a status line (or, for plain `ssh`, the hint to use `cloister connect`). Reads only.

use super::{Role, Theme};
use crate::app::{App, AudioState, CONNECT_HINT, ItemView, Waveform, speed_label, time_code};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Longest stretch of audio one column stands for; longer items scroll to the selected segment.
const MAX_COLUMN_MS: i64 = 250;
const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII_BARS: [char; 9] = [' ', '.', ':', '-', '=', '+', '*', '#', '@'];

/// Rows the audio strip needs: waveform, markers and status once a waveform is loaded, else one.
pub fn height(app: &App) -> u16 {
    if app.playback.waveform().is_some() { 3 } else { 1 }
}

/// Draws the audio strip of `item` into `area`.
pub fn draw_audio(frame: &mut Frame<'_>, area: Rect, app: &App, item: &ItemView, theme: &Theme) {
    let line = |text: String| Paragraph::new(Span::styled(format!(" {text}"), theme.muted()));
    match &app.playback.audio {
        AudioState::None => {}
        AudioState::Loading => frame.render_widget(line("audio: loading…".into()), area),
        AudioState::Unavailable(reason) => frame.render_widget(line(reason.clone()), area),
        AudioState::Ready(waveform) => {
            let rows = area.rows().collect::<Vec<_>>();
            if let [wave, marks, status, ..] = rows.as_slice() {
                let view = View::new(waveform, item, app.playback.position_ms, wave.width);
                frame.render_widget(Paragraph::new(view.bars(waveform, item, app, theme)), *wave);
                frame.render_widget(Paragraph::new(view.marks(item, app, theme)), *marks);
                frame.render_widget(Paragraph::new(status_line(app, item, theme)), *status);
            } else if let Some(row) = rows.first() {
                frame.render_widget(Paragraph::new(status_line(app, item, theme)), *row);
            }
        }
    }
}

/// Which stretch of the item the strip shows: `columns` columns of `column_ms` from `left_ms`.
struct View {
    left_ms: i64,
    column_ms: i64,
    columns: u16,
}

impl View {
    fn new(waveform: &Waveform, item: &ItemView, position_ms: i64, columns: u16) -> Self {
        let width = i64::from(columns.max(1));
        let total = waveform.duration_ms.max(1);
        let column_ms = ((total + width - 1) / width).clamp(i64::from(waveform.bucket_ms.max(1)), MAX_COLUMN_MS);
        let window = column_ms * width;
        let latest = (total - window).max(0);
        // Anchor on the selected segment so the view does not scroll while it plays.
        let anchor = item.current_segment().map_or(position_ms, |s| s.start_ms);
        let mut left = (anchor - window / 8).clamp(0, latest);
        if !(left..left + window).contains(&position_ms) {
            left = (position_ms - window / 2).clamp(0, latest);
        }
        Self { left_ms: left, column_ms, columns }
    }

    /// The column showing `ms`, if on screen.
    fn column_of(&self, ms: i64) -> Option<u16> {
        let column = (ms - self.left_ms).div_euclid(self.column_ms);
        (0..i64::from(self.columns)).contains(&column).then_some(column as u16)
    }

    fn column_range(&self, column: u16) -> (i64, i64) {
        let start = self.left_ms + i64::from(column) * self.column_ms;
        (start, start + self.column_ms)
    }

    fn bars(&self, waveform: &Waveform, item: &ItemView, app: &App, theme: &Theme) -> Line<'static> {
        let ramp = if theme.ascii_borders() { ASCII_BARS } else { BARS };
        let selected = item.current_segment().map(|s| (s.start_ms, s.end_ms));
        let playhead = self.column_of(app.playback.position_ms);
        let bucket = i64::from(waveform.bucket_ms.max(1));
        let spans = (0..self.columns).map(|column| {
            let (from, to) = self.column_range(column);
            let buckets = waveform.levels.get((from / bucket) as usize..((to + bucket - 1) / bucket) as usize);
            // The mean keeps words and pauses apart where one column covers several buckets.
            let level = buckets
                .filter(|b| !b.is_empty())
                .map_or(0, |b| (b.iter().map(|&l| u32::from(l)).sum::<u32>() / b.len() as u32) as u8);
            let bar = ramp[(usize::from(level) * 8).div_ceil(255)];
            let style = if Some(column) == playhead {
                theme.style(Role::Selection)
            } else {
                match selected {
                    Some((start, end)) if from < end && to > start => {
                        if to <= app.playback.position_ms {
                            theme.style(Role::Progress)
                        } else {
                            theme.style(Role::Text)
                        }
                    }
                    _ => theme.muted(),
                }
            };
            Span::styled(bar.to_string(), style)
        });
        Line::from(spans.collect::<Vec<_>>())
    }

    /// Segment starts as `|`-ticks (`╷`), the selected segment's span underlined with `─`, and the
    /// playhead as `▲` (`^` on legacy terminals).
    fn marks(&self, item: &ItemView, app: &App, theme: &Theme) -> Line<'static> {
        let ascii = theme.ascii_borders();
        let mut cells: Vec<(char, Style)> = vec![(' ', Style::new()); usize::from(self.columns)];
        if let Some(segment) = item.current_segment() {
            for column in 0..self.columns {
                let (from, to) = self.column_range(column);
                if from < segment.end_ms && to > segment.start_ms {
                    cells[usize::from(column)] = (if ascii { '-' } else { '─' }, theme.style(Role::Progress));
                }
            }
        }
        for segment in &item.segments {
            if let Some(column) = self.column_of(segment.start_ms) {
                cells[usize::from(column)] = (if ascii { '|' } else { '╷' }, theme.style(Role::TimeCode));
            }
        }
        if let Some(column) = self.column_of(app.playback.position_ms) {
            cells[usize::from(column)] = (if ascii { '^' } else { '▲' }, theme.style(Role::Warning));
        }
        Line::from(cells.into_iter().map(|(c, style)| Span::styled(c.to_string(), style)).collect::<Vec<_>>())
    }
}

fn status_line(app: &App, item: &ItemView, theme: &Theme) -> Line<'static> {
    let playback = &app.playback;
    if !playback.linked {
        return Line::styled(format!(" {CONNECT_HINT}"), theme.muted());
    }
    let ascii = theme.ascii_borders();
    let state = match (playback.playing, playback.paused, ascii) {
        (true, _, false) => "▶ playing",
        (true, _, true) => "> playing",
        (false, true, false) => "‖ paused",
        (false, true, true) => "| paused",
        (false, false, false) => "■ stopped",
        (false, false, true) => "# stopped",
    };
    let mut spans = vec![
        Span::styled(format!(" {state} "), theme.title()),
        Span::styled(time_code(playback.position_ms), theme.style(Role::TimeCode)),
    ];
    if let Some(segment) = item.current_segment() {
        spans.push(Span::styled(
            format!(" in {}–{}", time_code(segment.start_ms), time_code(segment.end_ms)),
            theme.muted(),
        ));
    }
    spans.push(Span::raw(format!(" · {}", speed_label(playback.speed_permille))));
    if playback.looping {
        spans.push(Span::raw(" · loop"));
    }
    // The keys are configurable: the help overlay (`?`) lists the bound ones.
    spans.push(Span::styled("  ? keys", theme.muted()));
    Line::from(spans)
}
