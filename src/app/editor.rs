//! Single-line editor state for one transcript segment: pure, no I/O.
//!
//! The text is kept as a `String` with the cursor as a byte index that is always on an extended
//! grapheme-cluster boundary (UAX #29, via `unicode-segmentation`), so every motion and deletion acts on
//! what a reader sees as one character: `e` + U+0301, a ZWJ emoji family, a flag, a Devanagari conjunct
//! such as क्ष, or a Vietnamese vowel with stacked NFD diacritics.
//!
//! Right-to-left text (Arabic, Hebrew) is stored and edited in logical order: [`Editor::left`] moves
//! to the logically previous grapheme and [`Editor::backspace`] deletes it, whatever the direction in
//! which the terminal happens to lay it out. Bidi reordering is left to the terminal; the editor never
//! reorders, mirrors or inserts direction marks.
//!
//! Display widths come from `unicode-width` per grapheme (see [`grapheme_width`]), and
//! [`Editor::visible_window`] scrolls a field horizontally without ever splitting a grapheme.

use std::collections::VecDeque;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Most undo steps kept; the oldest are dropped beyond this.
pub const UNDO_LIMIT: usize = 200;

/// Zero width joiner, which glues emoji into one ZWJ sequence.
const ZWJ: char = '\u{200D}';
/// Variation selector 16: "show the preceding character as an emoji".
const EMOJI_PRESENTATION: char = '\u{FE0F}';

/// Display width in terminal columns of one grapheme cluster.
///
/// This is `unicode-width`'s [`UnicodeWidthStr::width`] of the cluster, except that a cluster containing
/// a ZWJ or an emoji presentation selector (U+FE0F) whose first character is a visible, non-ASCII,
/// non-alphanumeric symbol counts as exactly 2. Terminals draw such a cluster (👨‍👩‍👧, ❤️‍🔥, 🏃‍♂) as
/// one wide emoji glyph, whereas summing its parts can give 3 or more for sequences that are not in
/// Unicode's recommended lists. Letters joined with a ZWJ (Devanagari half forms, Arabic joining
/// controls), keycaps such as 1️⃣ and a lone ZWJ keep the crate's width, as they are not emoji glyphs.
pub fn grapheme_width(grapheme: &str) -> usize {
    let symbol_first =
        grapheme.chars().next().is_some_and(|c| !c.is_ascii() && !c.is_alphanumeric() && c.width().unwrap_or(0) > 0);
    if symbol_first && grapheme.contains([ZWJ, EMOJI_PRESENTATION]) { 2 } else { grapheme.width() }
}

/// Display width in terminal columns of `text`: the sum of [`grapheme_width`] over its grapheme clusters.
pub fn display_width(text: &str) -> usize {
    text.graphemes(true).map(grapheme_width).sum()
}

/// Is `c` a line or paragraph break (which [`sanitize`] folds into a space)?
fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Makes typed or pasted text fit a single-line segment: each run of line breaks (`\r\n`, `\n`, `\r`,
/// NEL, U+2028, U+2029) becomes one space, each tab becomes a space, and every other control character
/// (ESC, DEL, C1 controls, ...) is dropped so nothing can reach the terminal as a control sequence.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_break = false;
    for c in text.chars() {
        if is_line_break(c) {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        } else if c == '\t' {
            out.push(' ');
            in_break = false;
        } else if !c.is_control() {
            out.push(c);
            in_break = false;
        }
    }
    out
}

/// Is `segment` (from `split_word_bound_indices`) a word, as opposed to a run of whitespace,
/// punctuation or symbols (emoji included) that word motions skip?
fn is_word(segment: &str) -> bool {
    segment.chars().any(char::is_alphanumeric)
}

/// The editor state saved by an undo step.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    text: String,
    cursor: usize,
}

/// Editing state of one transcript segment: text, grapheme-aligned cursor and undo history.
///
/// Editing methods return whether the text changed and motions whether the cursor moved, so the caller
/// knows when to redraw or autosave.
#[derive(Debug, Clone, Default)]
pub struct Editor {
    text: String,
    /// Byte index, always a grapheme boundary of `text` (or `text.len()`).
    cursor: usize,
    /// Text as last saved; [`Editor::is_modified`] compares against it.
    saved: String,
    undo: VecDeque<Snapshot>,
    redo: Vec<Snapshot>,
    /// Cursor position right after the last typed (single-grapheme) insert, while further typing at that
    /// position may join the same undo step; `None` after anything else.
    typing_at: Option<usize>,
}

impl Editor {
    /// An editor over `text` with the cursor at its end and empty history.
    ///
    /// Line breaks, tabs and control characters are normalised as in [`Editor::insert_str`]; that
    /// normalisation is not a modification, so [`Editor::is_modified`] starts out `false`.
    pub fn new(text: &str) -> Self {
        let text = sanitize(text);
        Editor { cursor: text.len(), saved: text.clone(), text, ..Editor::default() }
    }

    /// The current text, in logical order.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor as a byte index into [`Editor::text`]; always a grapheme-cluster boundary.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Display column of the cursor: the [`display_width`] of the text before it.
    pub fn cursor_col(&self) -> usize {
        display_width(&self.text[..self.cursor])
    }

    /// Whether the text differs from the text given to [`Editor::new`] or at the last
    /// [`Editor::mark_saved`]. Undoing back to the saved text makes this `false` again.
    pub fn is_modified(&self) -> bool {
        self.text != self.saved
    }

    /// Records the current text as saved (e.g. after an autosave or a submit).
    pub fn mark_saved(&mut self) {
        self.saved.clone_from(&self.text);
    }

    /// Inserts typed or pasted text at the cursor and moves the cursor after it.
    ///
    /// Each run of `\r`/`\n` becomes a single space, tabs become spaces and other control characters are
    /// dropped. Consecutive single-grapheme inserts (typing) at the cursor share one undo step; a
    /// whitespace insert, a multi-grapheme insert (paste) or any other operation in between starts a new
    /// one. If the insert joins the following text into one grapheme (say `e` typed before a lone
    /// combining accent) the cursor moves to the end of that grapheme.
    pub fn insert_str(&mut self, text: &str) -> bool {
        let clean = sanitize(text);
        if clean.is_empty() {
            self.typing_at = None;
            return false;
        }
        let typed = clean.graphemes(true).nth(1).is_none();
        let blank = clean.chars().all(char::is_whitespace);
        let coalesce = typed && !blank && self.typing_at == Some(self.cursor);
        self.checkpoint(coalesce);
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
        self.snap();
        self.typing_at = typed.then_some(self.cursor);
        true
    }

    /// Deletes the grapheme before the cursor (logically previous, also in right-to-left text).
    pub fn backspace(&mut self) -> bool {
        let start = self.prev_boundary(self.cursor);
        self.delete_range(start, self.cursor)
    }

    /// Deletes the grapheme after the cursor.
    pub fn delete(&mut self) -> bool {
        let end = self.next_boundary(self.cursor);
        self.delete_range(self.cursor, end)
    }

    /// Deletes from the start of the word before the cursor to the cursor, together with any whitespace
    /// or punctuation in between (Ctrl-W, Alt-Backspace). See [`Editor::word_left`].
    pub fn delete_word_left(&mut self) -> bool {
        let start = self.word_left_target();
        self.delete_range(start, self.cursor)
    }

    /// Moves the cursor one grapheme towards the start of the text (logical order).
    pub fn left(&mut self) -> bool {
        self.move_to(self.prev_boundary(self.cursor))
    }

    /// Moves the cursor one grapheme towards the end of the text (logical order).
    pub fn right(&mut self) -> bool {
        self.move_to(self.next_boundary(self.cursor))
    }

    /// Moves the cursor to the start of the text.
    pub fn home(&mut self) -> bool {
        self.move_to(0)
    }

    /// Moves the cursor to the end of the text.
    pub fn end(&mut self) -> bool {
        self.move_to(self.text.len())
    }

    /// Moves the cursor to the start of the word before it, skipping any whitespace, punctuation and
    /// symbols (emoji included) first. Words are UAX #29 word segments containing a letter or digit, so
    /// `don't` and `3.14` are one word and each CJK ideograph is a word of its own.
    pub fn word_left(&mut self) -> bool {
        self.move_to(self.word_left_target())
    }

    /// Moves the cursor to the end of the word after it, skipping any whitespace, punctuation and
    /// symbols first (like readline's `forward-word`). See [`Editor::word_left`] for what a word is.
    pub fn word_right(&mut self) -> bool {
        let target = self
            .text
            .split_word_bound_indices()
            .map(|(start, segment)| (start + segment.len(), segment))
            .find(|&(end, segment)| end > self.cursor && is_word(segment))
            .map_or(self.text.len(), |(end, _)| end);
        self.move_to(self.boundary_at_or_after(target))
    }

    /// Restores the text and cursor from before the last undo step. Returns `false` if there is none.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop_back() else { return false };
        let current = self.restore(previous);
        self.redo.push(current);
        true
    }

    /// Re-applies the last undone step, returning to the text and cursor as they were before that
    /// [`Editor::undo`]. Returns `false` if there is none (any edit clears redo).
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else { return false };
        let current = self.restore(next);
        self.undo.push_back(current);
        true
    }

    /// The part of the text to show in a field `width` columns wide, so that the cursor is visible:
    /// `(start_byte, end_byte, cursor_col_in_window)`.
    ///
    /// `start_byte..end_byte` lies on grapheme boundaries, contains the cursor and is at most `width`
    /// columns wide; a wide grapheme that would straddle the right edge is left out. The cursor column
    /// is always below `width` (for `width > 0`), leaving a cell for the cursor even at the end of the text.
    ///
    /// The window depends only on the text, the cursor and `width`, so drawing can take `&self`: the text
    /// shows from its start while the cursor fits, and otherwise scrolls in steps of half the field, so
    /// the view does not shift on every keystroke and the cursor sits in the right half of the field.
    pub fn visible_window(&self, width: usize) -> (usize, usize, usize) {
        if width == 0 {
            return (self.cursor, self.cursor, 0);
        }
        // (byte offset, display column, width, byte length) of each grapheme.
        let mut col = 0;
        let cells: Vec<(usize, usize, usize, usize)> = self
            .text
            .grapheme_indices(true)
            .map(|(i, g)| {
                let w = grapheme_width(g);
                col += w;
                (i, col - w, w, g.len())
            })
            .collect();
        let cursor_col = self.cursor_col();
        // Cells the cursor needs: the grapheme under it, or one for the cursor block at the end.
        let under = cells.iter().find(|&&(i, ..)| i == self.cursor).map_or(1, |&(_, _, w, _)| w.max(1));
        let (start, start_col) = if cursor_col + under <= width {
            (0, 0)
        } else {
            let step = (width / 2).max(1);
            let target = (cursor_col + under - width).div_ceil(step) * step;
            cells
                .iter()
                .find(|&&(i, c, ..)| c >= target && i <= self.cursor)
                .map_or((self.cursor, cursor_col), |&(i, c, ..)| (i, c))
        };
        let mut end = start;
        let mut used = 0;
        for &(i, _, w, len) in cells.iter().skip_while(|&&(i, ..)| i < start) {
            if used + w > width {
                break;
            }
            used += w;
            end = i + len;
        }
        (start, end, cursor_col - start_col)
    }

    /// Byte offset of the start of the word before the cursor (after skipping non-word segments), or 0.
    fn word_left_target(&self) -> usize {
        let target = self
            .text
            .split_word_bound_indices()
            .rev()
            .find(|&(start, segment)| start < self.cursor && is_word(segment))
            .map_or(0, |(start, _)| start);
        self.boundary_at_or_before(target)
    }

    /// Deletes `start..end` as one undo step; `false` if the range is empty.
    fn delete_range(&mut self, start: usize, end: usize) -> bool {
        self.typing_at = None;
        if start >= end {
            return false;
        }
        self.checkpoint(false);
        self.text.replace_range(start..end, "");
        self.cursor = start;
        self.snap();
        true
    }

    /// Moves the cursor (already on a boundary) and ends any typing run.
    fn move_to(&mut self, target: usize) -> bool {
        self.typing_at = None;
        let moved = target != self.cursor;
        self.cursor = target;
        moved
    }

    /// Before an edit: saves the current state as an undo step unless `coalesce`, and clears redo.
    fn checkpoint(&mut self, coalesce: bool) {
        if !coalesce {
            if self.undo.len() == UNDO_LIMIT {
                self.undo.pop_front();
            }
            self.undo.push_back(Snapshot { text: self.text.clone(), cursor: self.cursor });
        }
        self.redo.clear();
    }

    /// Replaces the state with `snapshot`, returning the state it replaced.
    fn restore(&mut self, snapshot: Snapshot) -> Snapshot {
        self.typing_at = None;
        let text = std::mem::replace(&mut self.text, snapshot.text);
        let cursor = std::mem::replace(&mut self.cursor, snapshot.cursor);
        Snapshot { text, cursor }
    }

    /// After an edit: if graphemes merged around the cursor (a base typed before a lone combining mark,
    /// Hangul jamo meeting after a deletion, a regional indicator pairing with its neighbour), moves the
    /// cursor to the end of the grapheme now containing it.
    fn snap(&mut self) {
        self.cursor = self.boundary_at_or_after(self.cursor);
    }

    /// Grapheme boundaries of the text, including `text.len()`.
    fn boundaries(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.text.grapheme_indices(true).map(|(i, _)| i).chain([self.text.len()])
    }

    /// The last grapheme boundary before `pos`, or 0.
    fn prev_boundary(&self, pos: usize) -> usize {
        self.boundaries().rev().find(|&b| b < pos).unwrap_or(0)
    }

    /// The first grapheme boundary after `pos`, or `text.len()`.
    fn next_boundary(&self, pos: usize) -> usize {
        self.boundaries().find(|&b| b > pos).unwrap_or(self.text.len())
    }

    /// `pos` if it is a grapheme boundary, else the next one.
    fn boundary_at_or_after(&self, pos: usize) -> usize {
        self.boundaries().find(|&b| b >= pos).unwrap_or(self.text.len())
    }

    /// `pos` if it is a grapheme boundary, else the previous one. (Word boundaries are almost always
    /// grapheme boundaries, but not inside e.g. an Arabic number sign U+0600 and its digits.)
    fn boundary_at_or_before(&self, pos: usize) -> usize {
        self.boundaries().rev().find(|&b| b <= pos).unwrap_or(0)
    }
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
