//! Pure application state: `update(&mut self, Msg) -> Vec<Effect>`, no I/O, no async.
//! The session task turns key presses into [`Msg`]s through the [`Keymap`], runs the returned
//! [`Effect`]s, and feeds their results back as messages.

pub mod admin;
mod console;
pub mod editor;
mod item;
mod keymap;
mod picker;
mod playback;
mod preference;
mod prompt;
mod queue;
mod screens;
pub mod word_diff;

pub use item::{ItemView, Mark, SegmentEdit, SegmentLine, Stage, VersionLine, time_code};
pub use keymap::{Action, Keymap, KeymapError, Mode, key_label};
pub use picker::{PII_TYPES, Picker, PickerPurpose};
pub use playback::{AudioMsg, AudioRequest, AudioState, CONNECT_HINT, Playback, SPEEDS, Waveform, speed_label};
pub use preference::{Choice, Judgment, JudgmentLine, PrefFocus, PrefView, Side};
pub use prompt::{Prompt, PromptPurpose};
pub use queue::{QUEUE_PAGE, QueueLine, QueueWindow};

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

/// What the home screen shows, loaded from the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Home {
    /// Visible projects.
    pub projects: Vec<ProjectLine>,
    /// Assigned work: the window of it that is loaded, and its length.
    pub queue: QueueWindow,
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
    /// A window of the queue arrived from the store.
    QueueLoaded(QueueWindow),
    /// Loading failed; the message is safe to show.
    LoadFailed(String),
    /// Typed text or a paste, for the editor.
    Text(String),
    /// The item the user asked for arrived from the store.
    ItemLoaded(ItemView),
    /// The preference item the user asked for arrived from the store.
    PreferenceLoaded(PrefView),
    /// The preference judgment was stored as `version`.
    PreferenceSubmitted {
        /// New version number.
        version: i64,
    },
    /// A QA decision was stored.
    QaDecided {
        /// Segment id.
        segment: i64,
        /// Annotation decided on.
        annotation: i64,
        /// `accept`, `reject` or `correct`.
        verdict: String,
    },
    /// One masked span was revealed for a limited time.
    Revealed {
        /// Segment id.
        segment: i64,
        /// The segment text with that span unmasked.
        text: String,
        /// Seconds it may stay on screen.
        seconds: u32,
    },
    /// A reveal's time is up: mask the span again.
    RevealExpired,
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
    /// News from the audio side: channel paired, waveform loaded, playhead moved.
    Audio(AudioMsg),
    /// A result for the admin console.
    Admin(admin::AdminMsg),
}

/// Side effects the session task runs for the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Load the home data from the store.
    LoadHome,
    /// Load a window of the queue.
    LoadQueue {
        /// Index of its first entry in the whole queue.
        offset: usize,
        /// Entries to load.
        limit: usize,
    },
    /// Load an item of the queue.
    OpenItem {
        /// Item database id.
        item_id: i64,
        /// Its position in the queue.
        queue_index: usize,
        /// transcription or preference.
        kind: String,
        /// Why it is opened.
        stage: Stage,
    },
    /// Save the sealed draft of a segment.
    SaveDraft {
        /// Segment id.
        segment: i64,
        /// Current text, speaker, labels and marks.
        edit: SegmentEdit,
    },
    /// Submit a new annotation version of a segment.
    Submit {
        /// Segment id.
        segment: i64,
        /// Submitted text, speaker, labels and marks.
        edit: SegmentEdit,
    },
    /// Submit a preference judgment.
    SubmitPreference {
        /// Item id.
        item_id: i64,
        /// The judgment.
        judgment: Judgment,
        /// When the item was opened (time on task).
        opened: std::time::Instant,
    },
    /// Record a QA decision on an annotation.
    QaDecide {
        /// Segment id (0 for a preference judgment, which has no segment).
        segment: i64,
        /// Annotation id.
        annotation: i64,
        /// `accept`, `reject` or `correct`.
        verdict: String,
        /// Why (required for a rejection).
        reason: String,
        /// QA's corrected version, for `correct`.
        correction: Option<SegmentEdit>,
    },
    /// Reveal masked span `index` of a segment, with a reason.
    Reveal {
        /// Segment id.
        segment: i64,
        /// Which masked span (0-based, in text order).
        index: usize,
        /// The reason typed.
        reason: String,
    },
    /// Switch to the next theme and remember the choice.
    NextTheme,
    /// Record that a read-only user tried to edit (the store would refuse the write anyway).
    DeniedEdit,
    /// End the session (restore the terminal, exit status 0).
    Quit,
    /// Load, play, pause or stop the open item's audio.
    Audio(AudioRequest),
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
    /// The open preference item, if any.
    pub pref: Option<PrefView>,
    /// A text prompt over the screen (rationale, reason), if open.
    pub prompt: Option<Prompt>,
    /// Selected queue row (an index into the whole queue).
    pub selected: usize,
    /// Offset of the queue window asked for and not yet loaded.
    queue_requested: Option<usize>,
    /// Queue entry to open once its window is loaded.
    pending_open: Option<usize>,
    /// Help overlay shown.
    pub help: bool,
    /// First line of the help overlay shown (it scrolls with ↑/↓ on short terminals).
    pub help_scroll: u16,
    /// Screen locked after idling: no data is drawn.
    pub locked: bool,
    /// A one-line message for the status bar.
    pub notice: Option<String>,
    /// The session is ending.
    pub quitting: bool,
    /// The audit log is failing: the session shows why and accepts no action (fail closed).
    pub frozen: Option<String>,
    /// Audio of the open item and its playback.
    pub playback: Playback,
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
            pref: None,
            prompt: None,
            selected: 0,
            queue_requested: None,
            pending_open: None,
            help: false,
            help_scroll: 0,
            locked: false,
            notice: None,
            quitting: false,
            frozen: None,
            playback: Playback::default(),
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

    /// Applies one message.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Frozen(reason) => {
                self.frozen = Some(reason);
                // Plays cannot be recorded now: nothing keeps playing.
                return self.stop_audio();
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
                self.queue_requested = None;
                self.follow_queue()
            }
            Msg::QueueLoaded(window) => self.queue_loaded(window),
            Msg::LoadFailed(message) => {
                // Whatever was waiting for a window is off: a later window must not open it.
                self.pending_open = None;
                self.queue_requested = None;
                self.notice = Some(message);
                Vec::new()
            }
            Msg::Denied(message) => {
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
                if let Some(prompt) = self.prompt.as_mut() {
                    prompt.editor.insert_str(&text);
                } else if let Some(editor) = self.item.as_mut().and_then(|i| i.editor.as_mut()) {
                    editor.insert_str(&text);
                }
                Vec::new()
            }
            Msg::ItemLoaded(view) => {
                self.notice =
                    view.segments.iter().find_map(|s| s.rejection.clone()).map(|r| format!("QA rejected: {r}"));
                self.pref = None;
                self.item = Some(view);
                self.audio_item_opened()
            }
            Msg::PreferenceLoaded(view) => {
                self.notice = None;
                self.item = None;
                self.pref = Some(view);
                Vec::new()
            }
            Msg::PreferenceSubmitted { version } => {
                if let Some(pref) = self.pref.as_mut() {
                    pref.submitted = Some(version);
                }
                self.notice = Some(format!("judgment saved as version {version}"));
                let index = self.pref.as_ref().map_or(0, |p| p.queue_index);
                self.open_queue_item(index + 1)
            }
            Msg::QaDecided { segment, annotation, verdict } => self.qa_decided(segment, annotation, &verdict),
            Msg::Revealed { segment, text, seconds } => {
                if let Some(line) = self.item.as_mut().and_then(|i| i.segments.iter_mut().find(|l| l.id == segment)) {
                    line.revealed = Some(text);
                }
                self.notice = Some(format!("revealed for {seconds} s (recorded)"));
                Vec::new()
            }
            Msg::RevealExpired => {
                for line in self.item.iter_mut().flat_map(|i| i.segments.iter_mut()) {
                    line.revealed = None;
                }
                self.notice = None;
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
                self.stop_audio()
            }
            Msg::Shutdown => {
                self.notice = Some("server is shutting down".into());
                self.quitting = true;
                vec![Effect::Quit]
            }
            Msg::Audio(msg) => self.audio_update(msg),
        }
    }

    /// The key mode: editing when a segment editor or a prompt is open, and in the admin console
    /// (which takes typed letters as commands).
    pub fn mode(&self) -> Mode {
        if self.console.is_some() || self.prompt.is_some() || self.item.as_ref().is_some_and(|i| i.editor.is_some()) {
            Mode::Edit
        } else {
            Mode::Normal
        }
    }

    fn act(&mut self, action: Action) -> Vec<Effect> {
        if let Some(console) = self.console.as_mut() {
            let outcome = console.act(action);
            return self.console_outcome(outcome);
        }
        if action == Action::AdminConsole && self.is_admin() && self.item.is_none() && self.pref.is_none() {
            let (console, effects) = admin::Console::open();
            self.console = Some(console);
            return effects.into_iter().map(Effect::Admin).collect();
        }
        if action == Action::NextTheme {
            return vec![Effect::NextTheme];
        }
        if self.prompt.is_some() {
            return self.act_on_prompt(action);
        }
        if self.help && matches!(action, Action::Up | Action::Down) {
            self.help_scroll = if action == Action::Down {
                self.help_scroll.saturating_add(1)
            } else {
                self.help_scroll.saturating_sub(1)
            };
            return Vec::new();
        }
        if self.help && action == Action::Back {
            self.help = false;
            return Vec::new();
        }
        if self.pref.is_some() {
            return self.act_on_pref(action);
        }
        if self.item.is_some() {
            let before = self.item.as_ref().and_then(|i| i.current_segment()).map(|s| s.id);
            let mut effects = self.act_on_item(action);
            effects.extend(self.follow_selection(before));
            return effects;
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
                self.follow_queue()
            }
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                self.follow_queue()
            }
            Action::Refresh => vec![Effect::LoadHome],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
