//! The state of an open item: its segments, the selected one, and the editor when editing.

use super::editor::Editor;

/// One segment as the item screen shows it (text already masked where policy says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentLine {
    /// Database id.
    pub id: i64,
    /// Start in milliseconds.
    pub start_ms: i64,
    /// End in milliseconds.
    pub end_ms: i64,
    /// Speaker label.
    pub speaker: String,
    /// Text to show.
    pub text: String,
    /// Submitted versions by this user.
    pub submitted: bool,
    /// A neighbour shown for context: dimmed, masked, not editable.
    pub context: bool,
}

/// An item opened from the queue.
#[derive(Debug, Clone)]
pub struct ItemView {
    /// Item database id.
    pub item_id: i64,
    /// Item id from the import.
    pub external_id: String,
    /// Project name.
    pub project: String,
    /// Project id (for audit records).
    pub project_id: i64,
    /// Position of this item in the queue (for PgUp/PgDn).
    pub queue_index: usize,
    /// The segments.
    pub segments: Vec<SegmentLine>,
    /// Selected segment.
    pub current: usize,
    /// The editor, while editing the selected segment.
    pub editor: Option<Editor>,
    /// The user may not write here (reviewer).
    pub read_only: bool,
}

impl ItemView {
    /// The selected segment.
    pub fn current_segment(&self) -> Option<&SegmentLine> {
        self.segments.get(self.current)
    }

    /// Moves the selection by `delta`, clamped; leaves the editor.
    pub fn select(&mut self, delta: isize) {
        let last = self.segments.len().saturating_sub(1);
        self.current = self.current.saturating_add_signed(delta).min(last);
    }
}

/// Formats milliseconds as `m:ss.t`.
pub fn time_code(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{}:{:02}.{}", ms / 60_000, (ms / 1000) % 60, (ms % 1000) / 100)
}
