//! Key bindings: (key) → [`Action`]. Defaults below; overridable from config.

use std::collections::HashMap;
use terminput::{KeyCode, KeyModifiers};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Show or hide the help overlay.
    Help,
    /// Close an overlay or leave the current mode.
    Back,
    /// Reload data from the store.
    Refresh,
    /// End the session.
    Quit,
    /// Open the selected item, or edit the selected segment.
    Open,
    /// Submit the edited segment as a new version and move to the next one.
    Submit,
    /// Go to the next item in the queue.
    NextItem,
    /// Go to the previous item in the queue.
    PrevItem,
    /// Play or pause the audio (outside the editor).
    PlayPause,
    /// Editor: cursor one grapheme left.
    Left,
    /// Editor: cursor one grapheme right.
    Right,
    /// Editor: cursor to the start.
    LineStart,
    /// Editor: cursor to the end.
    LineEnd,
    /// Editor: cursor one word left.
    WordLeft,
    /// Editor: cursor one word right.
    WordRight,
    /// Editor: delete the grapheme before the cursor.
    Backspace,
    /// Editor: delete the grapheme after the cursor.
    Delete,
    /// Editor: delete the word before the cursor.
    DeleteWord,
    /// Editor: undo.
    Undo,
    /// Editor: redo.
    Redo,
}

impl Action {
    /// One line for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Help => "show/hide this help",
            Action::Back => "close / leave",
            Action::Refresh => "reload",
            Action::Quit => "quit",
            Action::Open => "open item / edit segment",
            Action::Submit => "submit segment, go to next",
            Action::NextItem => "next item",
            Action::PrevItem => "previous item",
            Action::PlayPause => "play / pause audio",
            Action::Left => "cursor left",
            Action::Right => "cursor right",
            Action::LineStart => "start of text",
            Action::LineEnd => "end of text",
            Action::WordLeft => "word left",
            Action::WordRight => "word right",
            Action::Backspace => "delete before cursor",
            Action::Delete => "delete after cursor",
            Action::DeleteWord => "delete word before cursor",
            Action::Undo => "undo",
            Action::Redo => "redo",
        }
    }
}

/// A key as the keymap sees it.
pub type Key = (KeyCode, KeyModifiers);

/// Which set of bindings applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Browsing: queue and segment lists.
    Normal,
    /// Editing a segment's text: printable keys insert text.
    Edit,
}

/// The active bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<Key, Action>,
    edit: HashMap<Key, Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        let none = KeyModifiers::NONE;
        let bindings = [
            ((KeyCode::Up, none), Action::Up),
            ((KeyCode::Char('k'), none), Action::Up),
            ((KeyCode::Down, none), Action::Down),
            ((KeyCode::Char('j'), none), Action::Down),
            ((KeyCode::Char('?'), none), Action::Help),
            ((KeyCode::Char('?'), KeyModifiers::SHIFT), Action::Help),
            ((KeyCode::Esc, none), Action::Back),
            ((KeyCode::Char('r'), none), Action::Refresh),
            ((KeyCode::Char('q'), none), Action::Quit),
            ((KeyCode::Char('c'), KeyModifiers::CTRL), Action::Quit),
            ((KeyCode::Enter, none), Action::Open),
            ((KeyCode::PageDown, none), Action::NextItem),
            ((KeyCode::PageUp, none), Action::PrevItem),
            ((KeyCode::Char(' '), none), Action::PlayPause),
        ];
        let ctrl = KeyModifiers::CTRL;
        let edit = [
            ((KeyCode::Esc, none), Action::Back),
            ((KeyCode::Char('s'), ctrl), Action::Submit),
            ((KeyCode::Up, none), Action::Up),
            ((KeyCode::Down, none), Action::Down),
            ((KeyCode::Left, none), Action::Left),
            ((KeyCode::Right, none), Action::Right),
            ((KeyCode::Home, none), Action::LineStart),
            ((KeyCode::End, none), Action::LineEnd),
            ((KeyCode::Char('a'), ctrl), Action::LineStart),
            ((KeyCode::Char('e'), ctrl), Action::LineEnd),
            ((KeyCode::Left, ctrl), Action::WordLeft),
            ((KeyCode::Right, ctrl), Action::WordRight),
            ((KeyCode::Char('b'), KeyModifiers::ALT), Action::WordLeft),
            ((KeyCode::Char('f'), KeyModifiers::ALT), Action::WordRight),
            ((KeyCode::Backspace, none), Action::Backspace),
            ((KeyCode::Delete, none), Action::Delete),
            ((KeyCode::Char('w'), ctrl), Action::DeleteWord),
            ((KeyCode::Backspace, KeyModifiers::ALT), Action::DeleteWord),
            ((KeyCode::Char('z'), ctrl), Action::Undo),
            ((KeyCode::Char('y'), ctrl), Action::Redo),
            ((KeyCode::Char('c'), ctrl), Action::Quit),
            ((KeyCode::PageDown, none), Action::NextItem),
            ((KeyCode::PageUp, none), Action::PrevItem),
        ];
        Self { bindings: bindings.into_iter().collect(), edit: edit.into_iter().collect() }
    }
}

impl Keymap {
    /// The action bound to a key in normal mode, if any.
    pub fn action(&self, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        self.bindings.get(&(code, mods)).copied()
    }

    /// The action bound to a key in `mode`, if any.
    pub fn action_in(&self, mode: Mode, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        match mode {
            Mode::Normal => self.action(code, mods),
            Mode::Edit => self.edit.get(&(code, mods)).copied(),
        }
    }

    /// Bindings sorted for the help overlay: (key text, action).
    pub fn help_lines(&self) -> Vec<(String, Action)> {
        let mut lines: Vec<(String, Action)> = self
            .bindings
            .iter()
            .filter(|((_, m), _)| *m == KeyModifiers::NONE)
            .map(|((c, _), a)| (key_name(*c), *a))
            .collect();
        lines.sort_by(|a, b| (a.1 as u8, &a.0).cmp(&(b.1 as u8, &b.0)));
        lines
    }
}

/// A short human name for a key code.
pub fn key_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    }
}
