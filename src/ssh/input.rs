//! Decoding of raw SSH channel bytes into key, paste and mouse events.
//!
//! [`InputDecoder`] is a small state machine in front of terminput's
//! [`Event::parse_from`], which parses only the *first* event of a buffer and
//! does not say how many bytes it used. The decoder therefore feeds terminput
//! one byte at a time from a bounded pending buffer and adds what a network
//! stream needs on top:
//!
//! * **Packet splits.** Escape sequences and UTF-8 characters split across
//!   [`InputDecoder::feed`] calls decode exactly as if they arrived whole.
//! * **Lone Esc.** `ESC` on its own is ambiguous (Esc key, or the start of a
//!   sequence whose rest is still in flight), so it is held until more bytes
//!   arrive or [`ESC_TIMEOUT`] passes. The same holds for `ESC [` and `ESC O`,
//!   which become Alt-`[` and Alt-`O` on timeout. Other incomplete escape
//!   sequences are abandoned (dropped) after [`STALL_TIMEOUT`]. An incomplete
//!   UTF-8 character has no deadline: the next byte always settles it.
//! * **`ESC ESC`** yields two Esc presses (the second one held as above), not
//!   terminput's Alt-Esc; a new `ESC` always starts a new sequence.
//! * **Bracketed paste** (`ESC[200~ … ESC[201~`) is detected here and collected
//!   in bulk without re-parsing, capped at [`PASTE_CAP`] bytes (the rest is
//!   discarded, the end marker is still honoured) and converted to text lossily.
//!   A paste that stalls for [`STALL_TIMEOUT`] is emitted as collected.
//! * **Garbage** never panics or wedges the decoder: a byte that cannot
//!   continue the pending sequence ends it and is re-read on its own; complete
//!   but unknown sequences are dropped whole.
//! * `\n` is Enter and `0x08` is Backspace (terminput would say Ctrl-J/Ctrl-H).
//!
//! Mouse and focus reports are passed through ([`Input::Mouse`],
//! [`Input::Focus`]) so the UI can opt into them; key release reports (kitty
//! protocol only) are dropped and repeats count as presses.

use std::fmt;
use std::time::{Duration, Instant};

use terminput::{Event, KeyEventKind};
pub use terminput::{KeyCode, KeyModifiers, MouseEvent};

/// How long a lone `ESC` (or `ESC [`, `ESC O`) is held waiting for the rest
/// of a sequence before it is read as the Esc key (or Alt-`[`, Alt-`O`).
pub const ESC_TIMEOUT: Duration = Duration::from_millis(30);

/// How long an unambiguous but incomplete escape sequence or bracketed paste
/// may go without new bytes before it is abandoned (paste: emitted as is).
pub const STALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Largest paste kept, in bytes; longer pastes are truncated (at a character
/// boundary) and the excess is discarded.
pub const PASTE_CAP: usize = 1 << 20;

/// Most bytes of an incomplete key sequence held outside a paste; beyond this
/// the pending bytes are discarded as garbage.
pub const MAX_PENDING: usize = 64;

const ESC: u8 = 0x1b;
const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

/// One key press: a terminput [`KeyCode`] plus [`KeyModifiers`].
///
/// Modifiers are as terminput reports them: an uppercase character carries
/// [`KeyModifiers::SHIFT`] (`A` is `Char('A')` + SHIFT), Ctrl-letters are
/// lowercase `Char` + CTRL, Alt-x is `Char('x')` + ALT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPress {
    /// The key.
    pub code: KeyCode,
    /// Modifiers held with it.
    pub mods: KeyModifiers,
}

impl KeyPress {
    /// A key press with the given modifiers.
    #[must_use]
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Self { code, mods }
    }
}

impl From<KeyCode> for KeyPress {
    fn from(code: KeyCode) -> Self {
        Self::new(code, KeyModifiers::NONE)
    }
}

/// One decoded input event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A key press.
    Key(KeyPress),
    /// A bracketed paste's text, verbatim (line breaks are usually `\r`),
    /// invalid UTF-8 replaced by U+FFFD, at most [`PASTE_CAP`] bytes.
    Paste(String),
    /// A mouse report; only sent if the UI enabled mouse reporting.
    Mouse(MouseEvent),
    /// Focus gained (`true`) or lost; only sent if the UI enabled focus reports.
    Focus(bool),
}

/// A bracketed paste being collected.
#[derive(Default)]
struct PasteState {
    buf: Vec<u8>,
    truncated: bool,
    /// How many bytes of [`PASTE_END`] the most recent input has matched.
    matched: usize,
}

impl PasteState {
    /// Appends content, keeping at most [`PASTE_CAP`] bytes.
    fn append(&mut self, bytes: &[u8]) {
        let room = PASTE_CAP.saturating_sub(self.buf.len());
        let take = bytes.len().min(room);
        self.truncated |= take < bytes.len();
        self.buf.extend_from_slice(bytes.get(..take).unwrap_or_default());
    }

    /// Consumes paste bytes up to and including the end marker. Returns how
    /// many bytes were used and whether the end marker was reached.
    fn absorb(&mut self, bytes: &[u8]) -> (usize, bool) {
        let mut used = 0;
        while let Some(rest) = bytes.get(used..).filter(|r| !r.is_empty()) {
            if self.matched == 0 {
                let Some(esc) = rest.iter().position(|&b| b == ESC) else {
                    self.append(rest);
                    return (bytes.len(), false);
                };
                self.append(rest.get(..esc).unwrap_or_default());
                self.matched = 1;
                used += esc + 1;
            } else if rest.first() == PASTE_END.get(self.matched) {
                self.matched += 1;
                used += 1;
                if self.matched == PASTE_END.len() {
                    return (used, true);
                }
            } else {
                // Not the end marker after all: the matched bytes are content;
                // the current byte is looked at again from scratch.
                let matched = std::mem::take(&mut self.matched);
                self.append(PASTE_END.get(..matched).unwrap_or_default());
            }
        }
        (used, false)
    }

    /// The collected text.
    fn finish(mut self) -> Input {
        if self.truncated {
            // Drop a character the cap cut in half rather than show U+FFFD.
            let cut = self.buf.utf8_chunks().last().map_or(0, |c| c.invalid().len());
            self.buf.truncate(self.buf.len().saturating_sub(cut));
        }
        let text = String::from_utf8(self.buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Input::Paste(text)
    }
}

/// Stateful decoder from raw SSH channel bytes to [`Input`] events.
///
/// Feed every chunk of channel data to [`feed`](Self::feed). Whenever
/// [`pending_deadline`](Self::pending_deadline) is `Some`, call
/// [`flush_timeout`](Self::flush_timeout) once that instant is reached (a
/// later `feed` also applies an expired timeout first, so results do not
/// depend on how promptly the timer fires).
#[derive(Default)]
pub struct InputDecoder {
    /// Bytes of an incomplete key sequence (never more than [`MAX_PENDING`]).
    pending: Vec<u8>,
    /// `Some` while inside a bracketed paste.
    paste: Option<PasteState>,
    /// When the most recent byte arrived.
    last_byte: Option<Instant>,
}

impl fmt::Debug for InputDecoder {
    /// Shows sizes only: pending bytes may be a password or sensitive text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputDecoder")
            .field("pending_len", &self.pending.len())
            .field("paste_len", &self.paste.as_ref().map(|p| p.buf.len()))
            .finish_non_exhaustive()
    }
}

impl InputDecoder {
    /// A decoder with nothing pending.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes a chunk of channel data that arrived at `now`, returning the
    /// events it completes, in order. Incomplete trailing bytes are kept for
    /// the next call.
    #[must_use = "the decoded events are returned, not kept"]
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Vec<Input> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        if bytes.is_empty() {
            return out;
        }
        self.last_byte = Some(now);
        let mut rest = bytes;
        while let Some((&byte, tail)) = rest.split_first() {
            if let Some(paste) = &mut self.paste {
                let (used, ended) = paste.absorb(rest);
                rest = rest.get(used..).unwrap_or_default();
                if ended && let Some(paste) = self.paste.take() {
                    out.push(paste.finish());
                }
            } else {
                self.push_byte(byte, &mut out);
                rest = tail;
            }
        }
        out
    }

    /// Emits whatever has been waiting past its deadline as of `now`: a held
    /// lone `ESC` becomes Esc once [`ESC_TIMEOUT`] has passed since it arrived.
    /// Returns nothing if no deadline has passed.
    #[must_use = "the decoded events are returned, not kept"]
    pub fn flush_timeout(&mut self, now: Instant) -> Vec<Input> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        out
    }

    /// When [`flush_timeout`](Self::flush_timeout) should next be called, or
    /// `None` if nothing is waiting on a timeout.
    #[must_use]
    pub fn pending_deadline(&self) -> Option<Instant> {
        let wait = if self.paste.is_some() {
            STALL_TIMEOUT
        } else {
            match self.pending.as_slice() {
                [ESC] | [ESC, b'[' | b'O'] => ESC_TIMEOUT,
                [ESC, ..] => STALL_TIMEOUT,
                _ => return None,
            }
        };
        self.last_byte?.checked_add(wait)
    }

    /// Resolves pending input whose deadline is at or before `now`.
    fn expire(&mut self, now: Instant, out: &mut Vec<Input>) {
        if self.pending_deadline().is_none_or(|deadline| now < deadline) {
            return;
        }
        if let Some(paste) = self.paste.take() {
            out.push(paste.finish());
        } else {
            resolve_incomplete(&std::mem::take(&mut self.pending), out);
        }
    }

    /// Adds one byte (outside a paste) and emits any event it completes.
    fn push_byte(&mut self, byte: u8, out: &mut Vec<Input>) {
        if byte == ESC && !self.pending.is_empty() {
            // ESC never continues a sequence: it starts a new one.
            resolve_incomplete(&std::mem::take(&mut self.pending), out);
        }
        self.pending.push(byte);
        match self.pending.as_slice() {
            PASTE_START => {
                self.pending.clear();
                self.paste = Some(PasteState::default());
                return;
            }
            [ESC] => return, // Esc key or start of a sequence: wait and see.
            p if mouse_zero_coordinate(p) => {
                // terminput would underflow `0 - 1` (a panic in debug builds).
                self.pending.clear();
                return;
            }
            _ => {}
        }
        match Event::parse_from(&self.pending) {
            Ok(Some(event)) => {
                let raw = std::mem::take(&mut self.pending);
                out.extend(to_input(event, &raw));
            }
            Ok(None) => match self.pending.as_slice() {
                // X10 mouse / Linux console F-key: fixed-length tail to come.
                [ESC, b'[', b'M' | b'[', ..] => {}
                // A complete control sequence terminput does not know.
                [ESC, b'[', .., last] if (0x40..=0x7e).contains(last) => self.pending.clear(),
                // A byte that cannot be part of a control sequence.
                [ESC, b'[', .., last] if !(0x20..=0x7e).contains(last) => self.reread_last(out),
                // Too long: swallow the rest up to its final byte, using a
                // stand-in prefix terminput never completes (`ESC [ ?`).
                [ESC, b'[', ..] if self.pending.len() >= MAX_PENDING => {
                    self.pending.clear();
                    self.pending.extend_from_slice(b"\x1b[?");
                }
                p if p.len() >= MAX_PENDING => self.pending.clear(),
                _ => {}
            },
            Err(_) if last_byte_belongs(&self.pending) => self.pending.clear(),
            Err(_) => self.reread_last(out),
        }
    }

    /// The last pending byte broke the sequence before it: resolve that
    /// prefix on its own, then read the byte afresh.
    fn reread_last(&mut self, out: &mut Vec<Input>) {
        let mut prefix = std::mem::take(&mut self.pending);
        if let Some(last) = prefix.pop()
            && !prefix.is_empty()
        {
            resolve_incomplete(&prefix, out);
            self.push_byte(last, out); // `pending` is empty: recurses at most once.
        }
    }
}

/// Emits what an incomplete sequence means when nothing more is coming: the
/// ambiguous prefixes are keys of their own, anything else is dropped.
fn resolve_incomplete(pending: &[u8], out: &mut Vec<Input>) {
    let key = match pending {
        [ESC] => KeyPress::from(KeyCode::Esc),
        [ESC, b'['] => KeyPress::new(KeyCode::Char('['), KeyModifiers::ALT),
        [ESC, b'O'] => KeyPress::new(KeyCode::Char('O'), KeyModifiers::ALT | KeyModifiers::SHIFT),
        _ => return,
    };
    out.push(Input::Key(key));
}

/// Whether the last byte of a sequence terminput rejected is part of that
/// (unknown) control sequence, so the whole sequence should be dropped. An
/// unknown `ESC O x` is read as Alt-O then `x`: the UI never turns on the
/// keypad mode whose `ESC O` sequences terminput lacks.
fn last_byte_belongs(pending: &[u8]) -> bool {
    match pending {
        [ESC, b'[', b'M' | b'[', _, ..] => true,
        [ESC, b'[', _, ..] => pending.last().is_some_and(|b| (0x20..=0x7e).contains(b)),
        _ => false,
    }
}

/// Whether `pending` is a complete SGR (`ESC[<b;x;yM`) or rxvt (`ESC[b;x;yM`)
/// mouse report with a zero coordinate.
fn mouse_zero_coordinate(pending: &[u8]) -> bool {
    let Some(body) = pending.strip_prefix(b"\x1b[") else {
        return false;
    };
    let Some((b'M' | b'm', params)) = body.split_last() else {
        return false;
    };
    let params = params.strip_prefix(b"<").unwrap_or(params);
    params
        .split(|&b| b == b';')
        .skip(1)
        .take(2)
        .any(|field| std::str::from_utf8(field).ok().and_then(|s| s.parse::<u16>().ok()) == Some(0))
}

/// Converts a terminput event parsed from `raw` into an [`Input`].
fn to_input(event: Event, raw: &[u8]) -> Option<Input> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Release => None,
        Event::Key(key) => {
            let (code, mods) = match raw {
                b"\n" => (KeyCode::Enter, KeyModifiers::NONE),
                b"\x1b\n" => (KeyCode::Enter, KeyModifiers::ALT),
                b"\x08" => (KeyCode::Backspace, KeyModifiers::NONE),
                b"\x1b\x08" => (KeyCode::Backspace, KeyModifiers::ALT),
                _ => (key.code, key.modifiers),
            };
            Some(Input::Key(KeyPress::new(code, mods)))
        }
        Event::Paste(text) => Some(Input::Paste(text)),
        Event::Mouse(mouse) => Some(Input::Mouse(mouse)),
        Event::FocusGained => Some(Input::Focus(true)),
        Event::FocusLost => Some(Input::Focus(false)),
        Event::Resize { .. } => None,
    }
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
