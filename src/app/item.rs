//! The state of an open item: its segments, the selected one, and the editor when editing.

use super::editor::Editor;
use super::picker::Picker;
use std::collections::BTreeMap;

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
    /// The speaker as corrected by this user, if changed.
    pub speaker_override: Option<String>,
    /// Labels chosen (group → value).
    pub labels: BTreeMap<String, String>,
    /// PII spans marked by this user in `text`.
    pub marked: Vec<Mark>,
    /// Types of the masked spans in `text`, in order (what a reveal can choose from).
    pub masks: Vec<String>,
    /// The text with one span revealed, while the reveal lasts.
    pub revealed: Option<String>,
    /// Why QA rejected this user's latest version, if it did.
    pub rejection: Option<String>,
    /// Other people's versions (QA and reviewers), under pseudonyms.
    pub versions: Vec<VersionLine>,
}

impl SegmentLine {
    /// A segment line with nothing but its id, times, speaker and text.
    pub fn new(id: i64, start_ms: i64, end_ms: i64, speaker: &str, text: &str) -> Self {
        Self {
            id,
            start_ms,
            end_ms,
            speaker: speaker.into(),
            text: text.into(),
            submitted: false,
            context: false,
            speaker_override: None,
            labels: BTreeMap::new(),
            marked: Vec::new(),
            masks: Vec::new(),
            revealed: None,
            rejection: None,
            versions: Vec::new(),
        }
    }

    /// The speaker to show: the correction, else the imported one.
    pub fn shown_speaker(&self) -> &str {
        self.speaker_override.as_deref().unwrap_or(&self.speaker)
    }

    /// What saving this line stores, with `text` as its text.
    pub fn edit(&self, text: &str) -> SegmentEdit {
        SegmentEdit {
            text: text.to_string(),
            speaker: self.speaker_override.clone(),
            labels: self.labels.clone(),
            marked: self.marked.clone(),
        }
    }
}

/// A PII span marked by the annotator (char offsets into the text, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// PII type, e.g. `PERSON`.
    pub kind: String,
    /// First char.
    pub start: usize,
    /// One past the last char.
    pub end: usize,
}

/// What a draft or submission of a segment stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentEdit {
    /// The text.
    pub text: String,
    /// A corrected speaker.
    pub speaker: Option<String>,
    /// Labels (group → value).
    pub labels: BTreeMap<String, String>,
    /// Marked PII spans.
    pub marked: Vec<Mark>,
}

/// Someone's version of a segment, as QA and reviewers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionLine {
    /// Annotation id (what a QA decision names).
    pub annotation: i64,
    /// Pseudonym, e.g. `annotator-2`.
    pub author: String,
    /// `annotate` or `qa`.
    pub stage: String,
    /// Version number.
    pub version: i64,
    /// Text (masked).
    pub text: String,
    /// Labels chosen.
    pub labels: BTreeMap<String, String>,
    /// Latest QA decision and who made it, e.g. (`accept`, `qa-1`).
    pub decision: Option<(String, String)>,
}

/// Why an item was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stage {
    /// Transcribe and label assigned segments.
    #[default]
    Annotate,
    /// Adjudicate annotators' versions.
    Qa,
    /// Read only.
    Review,
}

impl Stage {
    /// From a queue line's stage name.
    pub fn parse(name: &str) -> Self {
        match name {
            "qa" => Stage::Qa,
            "review" => Stage::Review,
            _ => Stage::Annotate,
        }
    }
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
    /// Annotate, QA or review.
    pub stage: Stage,
    /// The project's label schema: (group, values).
    pub label_schema: Vec<(String, Vec<String>)>,
    /// Speakers of the item, for `s` to cycle through.
    pub speakers: Vec<String>,
    /// The label or PII-type picker, when open.
    pub picker: Option<Picker>,
    /// Where a PII mark started (char offset in the editor), between the two presses.
    pub mark_anchor: Option<usize>,
    /// Which version of the current segment QA acts on (when several annotators overlap).
    pub version: usize,
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
        self.version = 0;
        self.mark_anchor = None;
    }

    /// A new item view with default screen state.
    pub fn new(item_id: i64, external_id: &str, project: &str, project_id: i64, segments: Vec<SegmentLine>) -> Self {
        Self {
            item_id,
            external_id: external_id.into(),
            project: project.into(),
            project_id,
            queue_index: 0,
            segments,
            current: 0,
            editor: None,
            read_only: false,
            stage: Stage::Annotate,
            label_schema: Vec::new(),
            speakers: Vec::new(),
            picker: None,
            mark_anchor: None,
            version: 0,
        }
    }

    /// The version of the current segment QA acts on.
    pub fn current_version(&self) -> Option<&VersionLine> {
        let line = self.current_segment()?;
        line.versions.iter().filter(|v| v.stage == "annotate").nth(self.version)
    }
}

/// Formats milliseconds as `m:ss.t`.
pub fn time_code(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{}:{:02}.{}", ms / 60_000, (ms / 1000) % 60, (ms % 1000) / 100)
}
