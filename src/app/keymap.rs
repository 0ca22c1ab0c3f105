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
        }
    }
}

/// A key as the keymap sees it.
pub type Key = (KeyCode, KeyModifiers);

/// The active bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<Key, Action>,
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
        ];
        Self { bindings: bindings.into_iter().collect() }
    }
}

impl Keymap {
    /// The action bound to a key, if any.
    pub fn action(&self, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        self.bindings.get(&(code, mods)).copied()
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
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Enter => "Enter".into(),
        other => format!("{other:?}"),
    }
}
