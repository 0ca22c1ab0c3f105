//! The home screen's queue, held as a window of rows around the selection.
//!
//! A queue of 100 000 items held whole cost about 33 MB and half a second per session at every
//! return to the home screen (docs/PERFORMANCE.md); a window of [`QUEUE_PAGE`] rows and the
//! total keep both bounded whatever the queue's length.

use super::{App, Effect};

/// Rows of the queue loaded at once.
pub const QUEUE_PAGE: usize = 400;
/// A new window is asked for when the selection comes this close to an edge of the loaded one.
const QUEUE_MARGIN: usize = 100;

/// One queue entry as shown on the home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// Item database id.
    pub item_id: i64,
    /// Project name.
    pub project: String,
    /// Item id from the import.
    pub item: String,
    /// annotate, qa or review.
    pub stage: String,
    /// Assignment status, e.g. `rejected`.
    pub status: String,
    /// transcription or preference.
    pub kind: String,
    /// Segments submitted by the user.
    pub done: i64,
    /// Segments in the item.
    pub total: i64,
}

/// A window of the whole queue: `lines[0]` is entry `offset` of `total`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueWindow {
    /// Index in the whole queue of the first loaded row.
    pub offset: usize,
    /// Entries in the whole queue.
    pub total: usize,
    /// The loaded rows.
    pub lines: Vec<QueueLine>,
}

impl From<Vec<QueueLine>> for QueueWindow {
    /// The whole queue, all loaded.
    fn from(lines: Vec<QueueLine>) -> Self {
        Self { offset: 0, total: lines.len(), lines }
    }
}

impl QueueWindow {
    /// Entries in the whole queue.
    pub fn len(&self) -> usize {
        self.total
    }

    /// The queue has no entries.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Entry `index` of the whole queue, if it is loaded.
    pub fn get(&self, index: usize) -> Option<&QueueLine> {
        index.checked_sub(self.offset).and_then(|i| self.lines.get(i))
    }

    /// The window to load so that `index` sits in its middle.
    pub fn offset_around(index: usize) -> usize {
        index.saturating_sub(QUEUE_PAGE / 2)
    }

    /// `index` is close enough to an edge of the loaded rows that more of the queue lies past it.
    fn near_edge(&self, index: usize) -> bool {
        let end = self.offset + self.lines.len();
        let low = self.offset > 0 && index < self.offset + QUEUE_MARGIN;
        let high = end < self.total && index + QUEUE_MARGIN >= end;
        low || high
    }
}

impl App {
    /// A new window of the queue arrived: it replaces the loaded rows, and an item that waited
    /// for it opens.
    pub(super) fn queue_loaded(&mut self, window: QueueWindow) -> Vec<Effect> {
        let Some(home) = self.home.as_mut() else { return Vec::new() };
        home.queue = window;
        self.queue_requested = None;
        self.selected = self.selected.min(home.queue.len().saturating_sub(1));
        match self.pending_open.take() {
            Some(index) => self.open_queue_item(index),
            None => self.follow_queue(),
        }
    }

    /// Asks for the window around the selection when it nears the edge of the loaded rows.
    pub(super) fn follow_queue(&mut self) -> Vec<Effect> {
        let Some(home) = self.home.as_ref() else { return Vec::new() };
        let wanted = self.selected;
        let loaded = home.queue.get(wanted).is_some();
        if loaded && !home.queue.near_edge(wanted) {
            return Vec::new();
        }
        if wanted >= home.queue.len() {
            return Vec::new();
        }
        let offset = QueueWindow::offset_around(wanted);
        if offset == home.queue.offset && loaded {
            return Vec::new();
        }
        // One window on its way at a time: when it arrives, the selection is looked at again.
        if self.queue_requested.is_some_and(|asked| (asked..asked + QUEUE_PAGE).contains(&wanted)) {
            return Vec::new();
        }
        self.queue_requested = Some(offset);
        vec![Effect::LoadQueue { offset, limit: QUEUE_PAGE }]
    }

    /// Back on the home screen: the queue's window around the selection is read again (progress
    /// and status changed); the project lines are not, as the whole home was (`r` reloads it).
    pub(super) fn back_home(&mut self) -> Vec<Effect> {
        if self.home.is_none() {
            return vec![Effect::LoadHome];
        }
        let offset = QueueWindow::offset_around(self.selected);
        self.queue_requested = Some(offset);
        vec![Effect::LoadQueue { offset, limit: QUEUE_PAGE }]
    }

    /// Opens entry `index` of the queue, loading its window first when it is not loaded.
    pub(super) fn open_queue_item(&mut self, index: usize) -> Vec<Effect> {
        let Some(queue) = self.home.as_ref().map(|h| &h.queue) else { return Vec::new() };
        let Some(entry) = queue.get(index) else {
            if index >= queue.len() {
                return Vec::new();
            }
            self.pending_open = Some(index);
            self.selected = index;
            return self.follow_queue();
        };
        let effect = Effect::OpenItem {
            item_id: entry.item_id,
            queue_index: index,
            kind: entry.kind.clone(),
            stage: super::Stage::parse(&entry.stage),
        };
        self.selected = index;
        let mut effects = vec![effect];
        effects.extend(self.follow_queue());
        effects
    }
}
