//! Pure application state: `update(&mut self, Msg) -> Vec<Effect>`, no I/O, no async.
//! The session task turns key presses into [`Msg`]s through the [`Keymap`], runs the returned
//! [`Effect`]s, and feeds their results back as messages.

pub mod editor;
mod keymap;

pub use keymap::{Action, Keymap};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// A key mapped to an action by the keymap.
    Action(Action),
    /// A key with no binding was pressed (it still unlocks a locked screen).
    UnboundKey,
    /// The home data arrived from the store.
    HomeLoaded(Home),
    /// Loading failed; the message is safe to show.
    LoadFailed(String),
    /// The session was idle for the lock timeout: hide all data.
    IdleLock,
    /// The server is shutting down.
    Shutdown,
}

/// Side effects the session task runs for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Load the home data from the store.
    LoadHome,
    /// End the session (restore the terminal, exit status 0).
    Quit,
}

/// The whole state of one session's UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Who is logged in.
    pub identity: Identity,
    /// Home data, once loaded.
    pub home: Option<Home>,
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
}

impl App {
    /// A new app for `identity`; returns the effects to run first.
    pub fn new(identity: Identity) -> (Self, Vec<Effect>) {
        let app = Self { identity, home: None, selected: 0, help: false, locked: false, notice: None, quitting: false };
        (app, vec![Effect::LoadHome])
    }

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
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
            Msg::LoadFailed(message) => {
                self.notice = Some(message);
                Vec::new()
            }
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

    fn act(&mut self, action: Action) -> Vec<Effect> {
        match action {
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
        }
    }
}

#[cfg(test)]
mod tests;
