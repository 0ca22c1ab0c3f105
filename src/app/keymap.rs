//! Key bindings: (key) → [`Action`]. Defaults below, overridden by `[keymap]` in cloister.toml
//! (`"ctrl-s" = "submit"`, `"x" = "none"` to unbind); key and action syntax in docs/CONFIG.md.

#[cfg(test)]
mod tests;

use crate::config::KeymapConfig;
use std::collections::HashMap;
use terminput::{KeyCode, KeyModifiers};

/// Errors in key names and action names (from `[keymap]`); each quotes the bad value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// The key is not one the keymap understands.
    #[error(
        "unknown key {key:?}: use a single character, space, enter, esc, tab, backspace, delete, insert, up, down, \
         left, right, home, end, pageup, pagedown or f1-f12, optionally after ctrl-, alt- and shift-"
    )]
    UnknownKey {
        /// The key as written.
        key: String,
    },
    /// The action name matches no [`Action`].
    #[error("unknown action {action:?}: use one of {}, or \"none\" to unbind the key", action_names())]
    UnknownAction {
        /// The action as written.
        action: String,
    },
}

/// Declares [`Action`] from one table: `Variant = "config_name", "help text";`. Adding an action is
/// one line here plus its arm in `App::update`.
macro_rules! actions {
    ($($variant:ident = $name:literal, $describe:literal;)*) => {
        /// What a key does.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $(#[doc = $describe] $variant,)*
        }

        impl Action {
            /// Every action, in help-overlay order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The name used in `[keymap]`: the variant in snake_case.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => $name,)* }
            }

            /// One line for the help overlay.
            pub fn describe(self) -> &'static str {
                match self { $(Action::$variant => $describe,)* }
            }
        }
    };
}

actions! {
    Up = "up", "move up";
    Down = "down", "move down";
    Help = "help", "show/hide this help";
    Back = "back", "close / leave";
    Refresh = "refresh", "reload";
    Quit = "quit", "quit";
    Open = "open", "open item / edit segment";
    Submit = "submit", "submit segment, go to next";
    NextItem = "next_item", "next item";
    PrevItem = "prev_item", "previous item";
    PlayPause = "play_pause", "play / pause audio";
    SeekBack = "seek_back", "audio: back 2 s";
    SeekForward = "seek_forward", "audio: forward 2 s";
    LoopSegment = "loop_segment", "audio: loop the segment on/off";
    Slower = "slower", "audio: slower (down to 0.5×)";
    Faster = "faster", "audio: faster (up to 2×)";
    Left = "left", "editor: cursor left";
    Right = "right", "editor: cursor right";
    LineStart = "line_start", "editor: start of text";
    LineEnd = "line_end", "editor: end of text";
    WordLeft = "word_left", "editor: word left";
    WordRight = "word_right", "editor: word right";
    Backspace = "backspace", "editor: delete before cursor";
    Delete = "delete", "editor: delete after cursor";
    DeleteWord = "delete_word", "editor: delete word before cursor";
    Undo = "undo", "editor: undo";
    Redo = "redo", "editor: redo";
    NextTheme = "next_theme", "switch to the next theme (remembered)";
    Speaker = "speaker", "change the segment's speaker";
    Labels = "labels", "choose the segment's labels";
    MarkPii = "mark_pii", "editor: mark PII (press at its start, then at its end)";
    Reveal = "reveal", "reveal one masked span, with a reason";
    PreferFirst = "prefer_first", "preference: response 1 is better";
    PreferSecond = "prefer_second", "preference: response 2 is better";
    PreferTie = "prefer_tie", "preference: tie";
    PreferBothBad = "prefer_both_bad", "preference: both are bad";
    RateUp = "rate_up", "preference: raise the selected rating";
    RateDown = "rate_down", "preference: lower the selected rating";
    NextField = "next_field", "next pane, version or choice";
    QaAccept = "qa_accept", "QA: accept the annotator's version";
    QaReject = "qa_reject", "QA: reject with a reason (back to the annotator)";
    Confirm = "confirm", "confirm a reason or rationale";
}

/// Which set of bindings applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Browsing: queue and segment lists; `[keymap]` overrides apply here.
    Normal,
    /// Editing a segment's text: printable keys insert text, so only these keys act.
    Edit,
}

impl Action {
    /// The action with this `[keymap]` name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// A key as the keymap sees it.
pub type Key = (KeyCode, KeyModifiers);

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
            ((KeyCode::Esc, none), Action::Back),
            ((KeyCode::Char('r'), none), Action::Refresh),
            ((KeyCode::Char('q'), none), Action::Quit),
            ((KeyCode::Char('c'), KeyModifiers::CTRL), Action::Quit),
            ((KeyCode::Enter, none), Action::Open),
            ((KeyCode::PageDown, none), Action::NextItem),
            ((KeyCode::PageUp, none), Action::PrevItem),
            ((KeyCode::Char(' '), none), Action::PlayPause),
            ((KeyCode::Left, none), Action::SeekBack),
            ((KeyCode::Right, none), Action::SeekForward),
            ((KeyCode::Char('l'), none), Action::LoopSegment),
            ((KeyCode::Char('['), none), Action::Slower),
            ((KeyCode::Char(']'), none), Action::Faster),
            ((KeyCode::Char('T'), KeyModifiers::SHIFT), Action::NextTheme),
            ((KeyCode::Char('s'), KeyModifiers::CTRL), Action::Submit),
            ((KeyCode::Char('s'), none), Action::Speaker),
            ((KeyCode::Char('t'), none), Action::Labels),
            ((KeyCode::Char('v'), none), Action::Reveal),
            ((KeyCode::Char('1'), none), Action::PreferFirst),
            ((KeyCode::Char('2'), none), Action::PreferSecond),
            ((KeyCode::Char('='), none), Action::PreferTie),
            ((KeyCode::Char('x'), none), Action::PreferBothBad),
            ((KeyCode::Char('+'), none), Action::RateUp),
            ((KeyCode::Char('-'), none), Action::RateDown),
            ((KeyCode::Tab, none), Action::NextField),
            ((KeyCode::Char('A'), KeyModifiers::SHIFT), Action::QaAccept),
            ((KeyCode::Char('R'), KeyModifiers::SHIFT), Action::QaReject),
        ];
        let (ctrl, alt) = (KeyModifiers::CTRL, KeyModifiers::ALT);
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
            ((KeyCode::Char('b'), alt), Action::WordLeft),
            ((KeyCode::Char('f'), alt), Action::WordRight),
            ((KeyCode::Backspace, none), Action::Backspace),
            ((KeyCode::Delete, none), Action::Delete),
            ((KeyCode::Char('w'), ctrl), Action::DeleteWord),
            ((KeyCode::Backspace, alt), Action::DeleteWord),
            ((KeyCode::Char('z'), ctrl), Action::Undo),
            ((KeyCode::Char('y'), ctrl), Action::Redo),
            ((KeyCode::Char('p'), ctrl), Action::PlayPause),
            ((KeyCode::Char('c'), ctrl), Action::Quit),
            ((KeyCode::PageDown, none), Action::NextItem),
            ((KeyCode::PageUp, none), Action::PrevItem),
            ((KeyCode::Char('t'), ctrl), Action::MarkPii),
            ((KeyCode::Enter, none), Action::Confirm),
            ((KeyCode::Tab, none), Action::NextField),
        ];
        let table = |pairs: &[(Key, Action)]| -> HashMap<Key, Action> {
            pairs.iter().map(|&((code, mods), action)| (normalize(code, mods), action)).collect()
        };
        Self { bindings: table(&bindings), edit: table(&edit) }
    }
}

impl Keymap {
    /// The defaults with the `[keymap]` overrides of the config applied.
    pub fn from_config(config: &KeymapConfig) -> Self {
        let mut keymap = Self::default();
        for binding in config.bindings() {
            keymap.bind(binding.code, binding.mods, binding.action);
        }
        keymap
    }

    /// Binds a key to an action, or unbinds it with `None`.
    pub fn bind(&mut self, code: KeyCode, mods: KeyModifiers, action: Option<Action>) {
        let key = normalize(code, mods);
        match action {
            Some(action) => self.bindings.insert(key, action),
            None => self.bindings.remove(&key),
        };
    }

    /// The action bound to a key, if any. Shift on a symbol (`?` typed as Shift-/) does not matter.
    pub fn action(&self, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        self.bindings.get(&normalize(code, mods)).copied()
    }

    /// The action bound to a key in `mode`, if any.
    pub fn action_in(&self, mode: Mode, code: KeyCode, mods: KeyModifiers) -> Option<Action> {
        match mode {
            Mode::Normal => self.action(code, mods),
            Mode::Edit => self.edit.get(&normalize(code, mods)).copied(),
        }
    }

    /// Bindings sorted for the help overlay: (key label, action), in [`Action::ALL`] order.
    pub fn help_lines(&self) -> Vec<(String, Action)> {
        sorted_lines(&self.bindings)
    }

    /// Edit-mode bindings for the help overlay: (key label, action), in [`Action::ALL`] order.
    pub fn edit_help_lines(&self) -> Vec<(String, Action)> {
        sorted_lines(&self.edit)
    }

    /// The labels of every key bound to `action`, plainest first (for status-bar hints).
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.help_lines().into_iter().filter(|(_, a)| *a == action).map(|(label, _)| label).collect()
    }

    /// Parses a key as written in `[keymap]`, e.g. `ctrl-s`, `J`, `shift-tab`, `f2`, `space`.
    pub fn parse_key(text: &str) -> Result<Key, KeymapError> {
        let unknown = || KeymapError::UnknownKey { key: text.to_string() };
        let mut mods = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            let prefix = [("ctrl-", KeyModifiers::CTRL), ("alt-", KeyModifiers::ALT), ("shift-", KeyModifiers::SHIFT)]
                .into_iter()
                .find(|(p, _)| lower.starts_with(p) && rest.len() > p.len());
            let Some((prefix, modifier)) = prefix else { break };
            mods |= modifier;
            rest = rest.get(prefix.len()..).ok_or_else(unknown)?;
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            // Terminals send Ctrl-s and Ctrl-S alike, so `ctrl-S` means Ctrl-s unless shift- is written.
            (Some(c), None) if !c.is_control() && mods == KeyModifiers::CTRL => KeyCode::Char(c.to_ascii_lowercase()),
            (Some(c), None) if !c.is_control() => KeyCode::Char(c),
            _ => named_key(&rest.to_ascii_lowercase()).ok_or_else(unknown)?,
        };
        Ok(normalize(code, mods))
    }

    /// Parses an action as written in `[keymap]`; `"none"` gives `None` (unbind).
    pub fn parse_action(text: &str) -> Result<Option<Action>, KeymapError> {
        if text == "none" {
            return Ok(None);
        }
        Action::from_name(text).map(Some).ok_or_else(|| KeymapError::UnknownAction { action: text.to_string() })
    }
}

/// Named keys in `[keymap]`.
fn named_key(name: &str) -> Option<KeyCode> {
    let code = match name {
        "space" => KeyCode::Char(' '),
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        _ => {
            let n: u8 = name.strip_prefix('f')?.parse().ok()?;
            return (1..=12).contains(&n).then_some(KeyCode::F(n));
        }
    };
    Some(code)
}

/// One spelling per key: a letter is uppercase exactly when Shift is held (as terminals report
/// `A`), Shift on other characters is dropped (`?` arrives with or without it), and modifiers
/// other than Ctrl, Alt and Shift are ignored.
pub fn normalize(code: KeyCode, mods: KeyModifiers) -> Key {
    let mods = mods & (KeyModifiers::CTRL | KeyModifiers::ALT | KeyModifiers::SHIFT);
    match code {
        KeyCode::Char(c) if c.is_uppercase() || (c.is_lowercase() && mods.contains(KeyModifiers::SHIFT)) => {
            let upper = c.to_uppercase().next().filter(|_| c.to_uppercase().count() == 1).unwrap_or(c);
            (KeyCode::Char(upper), mods | KeyModifiers::SHIFT)
        }
        KeyCode::Char(c) if c != ' ' => (KeyCode::Char(c), mods - KeyModifiers::SHIFT),
        _ => (code, mods),
    }
}

/// (key label, action) of a binding table, in [`Action::ALL`] order, plainest key first.
fn sorted_lines(bindings: &HashMap<Key, Action>) -> Vec<(String, Action)> {
    let mut lines: Vec<(Action, u8, String)> = bindings
        .iter()
        .map(|(&(code, mods), &action)| (action, label_rank(code, mods), key_label(code, mods)))
        .collect();
    lines.sort();
    lines.into_iter().map(|(action, _, label)| (label, action)).collect()
}

/// A short human name for a key code.
pub fn key_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

/// A key with its modifiers for people, e.g. `Ctrl-S`, `Alt-x`, `Shift-Tab`, `J`.
pub fn key_label(code: KeyCode, mods: KeyModifiers) -> String {
    let ctrl = mods.contains(KeyModifiers::CTRL);
    let letter = matches!(code, KeyCode::Char(c) if c.is_alphabetic());
    let mut label = String::new();
    if ctrl {
        label.push_str("Ctrl-");
    }
    if mods.contains(KeyModifiers::ALT) {
        label.push_str("Alt-");
    }
    // An uppercase letter already says Shift, except after Ctrl, where letters are shown uppercase.
    if mods.contains(KeyModifiers::SHIFT) && (!letter || ctrl) {
        label.push_str("Shift-");
    }
    match code {
        KeyCode::Char(c) if letter && ctrl => label.extend(c.to_uppercase()),
        _ => label.push_str(&key_name(code)),
    }
    label
}

/// Plain keys before modified ones in the help overlay.
fn label_rank(code: KeyCode, mods: KeyModifiers) -> u8 {
    let named = !matches!(code, KeyCode::Char(_));
    u8::from(mods.intersects(KeyModifiers::CTRL | KeyModifiers::ALT)) * 2 + u8::from(named)
}

fn action_names() -> String {
    Action::ALL.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
}
