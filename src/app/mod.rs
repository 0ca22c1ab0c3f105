//! Pure application state: `update(&mut self, Msg) -> Vec<Effect>`, no I/O, no async.
//! The session task turns key presses into [`Msg`]s through the [`Keymap`], runs the returned
//! [`Effect`]s, and feeds their results back as messages.

pub mod admin;
pub mod editor;
mod item;
mod keymap;

pub use item::{ItemView, SegmentLine, time_code};
pub use keymap::{Action, Keymap, KeymapError, Mode, key_label};

use editor::Editor;

/// A project the user may see, with its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLine {
    /// Project name.
    pub name: String,
    /// transcription or preference.
    pub kind: String,
    /// The user's roles there, e.g. `annotator`.
    pub roles: Vec<String>,
    /// Items in the project.
    pub items: i64,
}

/// One queue entry as shown on the home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// Item database id.
    pub item_id: i64,
    /// Project name.
    pub project: String,
    /// Item id from the import.
    pub item: String,
    /// annotate or qa.
    pub stage: String,
    /// Segments submitted by the user.
    pub done: i64,
    /// Segments in the item.
    pub total: i64,
}

/// What the home screen shows, loaded from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Home {
    /// Visible projects.
    pub projects: Vec<ProjectLine>,
    /// Assigned work.
    pub queue: Vec<QueueLine>,
}

/// Who is logged in, as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User name.
    pub user: String,
    /// Summary of roles, e.g. `annotator` or `admin`.
    pub role: String,
    /// Session id (also a watermark on screen).
    pub session: String,
    /// Reviewer-only users see a READ-ONLY badge.
    pub read_only: bool,
}

/// Messages that change the state.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key mapped to an action by the keymap.
    Action(Action),
    /// A key with no binding was pressed (it still unlocks a locked screen).
    UnboundKey,
    /// The home data arrived from the store.
    HomeLoaded(Home),
    /// Loading failed; the message is safe to show.
    LoadFailed(String),
    /// Typed text or a paste, for the editor.
    Text(String),
    /// The item the user asked for arrived from the store.
    ItemLoaded(ItemView),
    /// A segment was submitted as `version`.
    Submitted {
        /// Segment id.
        segment: i64,
        /// New version number.
        version: i64,
    },
    /// The store refused an action; the message is safe to show.
    Denied(String),
    /// Some time passed since the last edit: save the draft if it changed.
    AutosaveDue,
    /// The session was idle for the lock timeout: hide all data.
    IdleLock,
    /// The server is shutting down.
    Shutdown,
    /// The audit log cannot be written: accept no action until it recovers (fail closed).
    Frozen(String),
    /// The audit log recovered.
    Unfrozen,
    /// A result for the admin console.
    Admin(admin::AdminMsg),
}

/// Side effects the session task runs for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Load the home data from the store.
    LoadHome,
    /// Load an item of the queue.
    OpenItem {
        /// Item database id.
        item_id: i64,
        /// Its position in the queue.
        queue_index: usize,
    },
    /// Save the sealed draft of a segment.
    SaveDraft {
        /// Segment id.
        segment: i64,
        /// Current text.
        text: String,
    },
    /// Submit a new annotation version of a segment.
    Submit {
        /// Segment id.
        segment: i64,
        /// Submitted text.
        text: String,
    },
    /// Switch to the next theme and remember the choice.
    NextTheme,
    /// Record that a read-only user tried to edit (the store would refuse the write anyway).
    DeniedEdit,
    /// End the session (restore the terminal, exit status 0).
    Quit,
    /// Something the admin console asks for.
    Admin(admin::AdminEffect),
}

/// The whole state of one session's UI.
#[derive(Debug, Clone)]
pub struct App {
    /// Who is logged in.
    pub identity: Identity,
    /// Home data, once loaded.
    pub home: Option<Home>,
    /// The open item, if any (else the home screen shows).
    pub item: Option<ItemView>,
    /// Selected queue row.
    pub selected: usize,
    /// Help overlay shown.
    pub help: bool,
    /// Screen locked after idling: no data is drawn.
    pub locked: bool,
    /// A one-line message for the status bar.
    pub notice: Option<String>,
    /// The session is ending.
    pub quitting: bool,
    /// The audit log is failing: the session shows why and accepts no action (fail closed).
    pub frozen: Option<String>,
    /// The admin console, when open (an admin's home when they hold no data role).
    pub console: Option<admin::Console>,
}

impl App {
    /// A new app for `identity`; returns the effects to run first.
    pub fn new(identity: Identity) -> (Self, Vec<Effect>) {
        let app = Self {
            identity,
            home: None,
            item: None,
            selected: 0,
            help: false,
            locked: false,
            notice: None,
            quitting: false,
            frozen: None,
            console: None,
        };
        let mut app = app;
        if app.identity.role == "admin" {
            // An admin with no data role has no queue: the console is their home.
            let (console, effects) = admin::Console::open();
            app.console = Some(console);
            return (app, effects.into_iter().map(Effect::Admin).collect());
        }
        (app, vec![Effect::LoadHome])
    }

    /// Whether the user holds the admin role.
    pub fn is_admin(&self) -> bool {
        self.identity.role.split('+').any(|r| r == "admin")
    }

    /// Applies what the console decided.
    fn console_outcome(&mut self, outcome: admin::Outcome) -> Vec<Effect> {
        match outcome {
            admin::Outcome::Stay(effects) => effects.into_iter().map(Effect::Admin).collect(),
            // Admin-only users have nowhere else to go: they stay (q quits).
            admin::Outcome::Leave if self.identity.role == "admin" => Vec::new(),
            admin::Outcome::Leave => {
                self.console = None;
                vec![Effect::LoadHome]
            }
            admin::Outcome::Quit => {
                self.quitting = true;
                vec![Effect::Quit]
            }
        }
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Frozen(reason) => {
                self.frozen = Some(reason);
                return Vec::new();
            }
            Msg::Unfrozen => {
                self.frozen = None;
                return Vec::new();
            }
            // No record, no action: while frozen, keys do nothing (the session can still end).
            Msg::Action(_) | Msg::UnboundKey | Msg::Text(_) | Msg::AutosaveDue if self.frozen.is_some() => {
                return Vec::new();
            }
            _ => {}
        }
        if self.locked {
            // Any key unlocks; it does nothing else, so a stray key on return cannot act on data.
            if matches!(msg, Msg::Action(_) | Msg::UnboundKey) {
                self.locked = false;
                self.notice = None;
                return Vec::new();
            }
        }
        match msg {
            Msg::Action(action) => self.act(action),
            Msg::UnboundKey => Vec::new(),
            Msg::HomeLoaded(home) => {
                self.selected = self.selected.min(home.queue.len().saturating_sub(1));
                self.home = Some(home);
                Vec::new()
            }
            Msg::LoadFailed(message) | Msg::Denied(message) => {
                self.notice = Some(message);
                Vec::new()
            }
            Msg::Text(text) if self.console.is_some() => {
                let outcome = self.console.as_mut().map(|c| c.text(&text));
                outcome.map(|o| self.console_outcome(o)).unwrap_or_default()
            }
            Msg::Admin(result) => match self.console.as_mut() {
                Some(console) => console.loaded(result).into_iter().map(Effect::Admin).collect(),
                None => Vec::new(),
            },
            Msg::Text(text) => {
                if let Some(editor) = self.item.as_mut().and_then(|i| i.editor.as_mut()) {
                    editor.insert_str(&text);
                }
                Vec::new()
            }
            Msg::ItemLoaded(view) => {
                self.notice = None;
                self.item = Some(view);
                Vec::new()
            }
            Msg::Submitted { segment, version } => {
                if let Some(line) =
                    self.item.as_mut().and_then(|item| item.segments.iter_mut().find(|l| l.id == segment))
                {
                    line.submitted = true;
                }
                self.notice = Some(format!("submitted version {version}"));
                Vec::new()
            }
            Msg::AutosaveDue => self.save_draft(),
            // Handled before the lock check above.
            Msg::Frozen(_) | Msg::Unfrozen => Vec::new(),
            Msg::IdleLock => {
                self.locked = true;
                self.help = false;
                Vec::new()
            }
            Msg::Shutdown => {
                self.notice = Some("server is shutting down".into());
                self.quitting = true;
                vec![Effect::Quit]
            }
        }
    }

    /// The key mode: editing when a segment editor is open, and in the admin console (which
    /// takes typed letters as commands).
    pub fn mode(&self) -> Mode {
        if self.console.is_some() || self.item.as_ref().is_some_and(|i| i.editor.is_some()) {
            Mode::Edit
        } else {
            Mode::Normal
        }
    }

    /// A SaveDraft effect if the editor holds unsaved changes.
    fn save_draft(&mut self) -> Vec<Effect> {
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        let Some(segment) = item.current_segment().map(|s| s.id) else { return Vec::new() };
        match item.editor.as_mut() {
            Some(editor) if editor.is_modified() => {
                editor.mark_saved();
                vec![Effect::SaveDraft { segment, text: editor.text().to_string() }]
            }
            _ => Vec::new(),
        }
    }

    /// Leaves the editor, keeping its text on screen; returns the draft save if needed.
    fn close_editor(&mut self) -> Vec<Effect> {
        let effects = self.save_draft();
        if let Some(item) = self.item.as_mut()
            && let Some(editor) = item.editor.take()
        {
            let current = item.current;
            if let Some(line) = item.segments.get_mut(current) {
                line.text = editor.text().to_string();
            }
        }
        effects
    }

    fn open_queue_item(&mut self, index: usize) -> Vec<Effect> {
        let Some(entry) = self.home.as_ref().and_then(|h| h.queue.get(index)) else { return Vec::new() };
        self.selected = index;
        vec![Effect::OpenItem { item_id: entry.item_id, queue_index: index }]
    }

    fn act_on_item(&mut self, action: Action) -> Vec<Effect> {
        let editing = self.mode() == Mode::Edit;
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        if let Some(editor) = item.editor.as_mut() {
            let handled = match action {
                Action::Left => Some(editor.left()),
                Action::Right => Some(editor.right()),
                Action::LineStart => Some(editor.home()),
                Action::LineEnd => Some(editor.end()),
                Action::WordLeft => Some(editor.word_left()),
                Action::WordRight => Some(editor.word_right()),
                Action::Backspace => Some(editor.backspace()),
                Action::Delete => Some(editor.delete()),
                Action::DeleteWord => Some(editor.delete_word_left()),
                Action::Undo => Some(editor.undo()),
                Action::Redo => Some(editor.redo()),
                _ => None,
            };
            if handled.is_some() {
                return Vec::new();
            }
        }
        match action {
            Action::Up | Action::Down => {
                let mut effects = if editing { self.close_editor() } else { Vec::new() };
                if let Some(item) = self.item.as_mut() {
                    item.select(if action == Action::Up { -1 } else { 1 });
                }
                effects.extend(if editing { self.open_editor() } else { Vec::new() });
                effects
            }
            Action::Open => self.open_editor(),
            Action::Back if editing => self.close_editor(),
            Action::Back => {
                self.item = None;
                vec![Effect::LoadHome]
            }
            Action::Submit => {
                let Some(item) = self.item.as_mut() else { return Vec::new() };
                let (Some(segment), Some(editor)) = (item.current_segment().map(|s| s.id), item.editor.as_mut()) else {
                    return Vec::new();
                };
                editor.mark_saved();
                let text = editor.text().to_string();
                let mut effects = vec![Effect::Submit { segment, text }];
                effects.extend(self.close_editor());
                if let Some(item) = self.item.as_mut() {
                    item.select(1);
                }
                effects.extend(self.open_editor());
                effects
            }
            Action::NextItem | Action::PrevItem => {
                let mut effects = if editing { self.close_editor() } else { Vec::new() };
                let index = self.item.as_ref().map_or(0, |i| i.queue_index);
                let target = if action == Action::NextItem { index + 1 } else { index.wrapping_sub(1) };
                effects.extend(self.open_queue_item(target));
                effects
            }
            Action::Quit => {
                let mut effects = self.close_editor();
                self.quitting = true;
                effects.push(Effect::Quit);
                effects
            }
            Action::Help => {
                self.help = !self.help;
                Vec::new()
            }
            Action::Refresh => Vec::new(),
            _ => Vec::new(),
        }
    }

    fn open_editor(&mut self) -> Vec<Effect> {
        let Some(item) = self.item.as_mut() else { return Vec::new() };
        if item.read_only {
            self.notice = Some("read-only: reviewers cannot edit".into());
            return vec![Effect::DeniedEdit];
        }
        if item.current_segment().is_some_and(|s| s.context) {
            self.notice = Some("context segment: shown for reference, not assigned to you".into());
            return vec![Effect::DeniedEdit];
        }
        if item.editor.is_none()
            && let Some(line) = item.current_segment()
        {
            item.editor = Some(Editor::new(&line.text));
        }
        Vec::new()
    }

    fn act(&mut self, action: Action) -> Vec<Effect> {
        if let Some(console) = self.console.as_mut() {
            let outcome = console.act(action);
            return self.console_outcome(outcome);
        }
        if action == Action::AdminConsole && self.is_admin() && self.item.is_none() {
            let (console, effects) = admin::Console::open();
            self.console = Some(console);
            return effects.into_iter().map(Effect::Admin).collect();
        }
        if action == Action::NextTheme {
            return vec![Effect::NextTheme];
        }
        if self.item.is_some() && !(self.help && action == Action::Back) {
            return self.act_on_item(action);
        }
        match action {
            Action::Open => self.open_queue_item(self.selected),
            Action::Quit => {
                self.quitting = true;
                vec![Effect::Quit]
            }
            Action::Help => {
                self.help = !self.help;
                Vec::new()
            }
            Action::Back => {
                self.help = false;
                Vec::new()
            }
            Action::Down => {
                let len = self.home.as_ref().map_or(0, |h| h.queue.len());
                if self.selected + 1 < len {
                    self.selected += 1;
                }
                Vec::new()
            }
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Vec::new()
            }
            Action::Refresh => vec![Effect::LoadHome],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
