//! The admin console: users and keys (add a user, paste a key, revoke, disable), live sessions
//! (kick), projects (progress and agreement) and the audit tail. Pure state; the session runs its
//! [`AdminEffect`]s with the same command code as `cloister …` on the host and `ssh … COMMAND`.
//!
//! Keys (the console takes typed letters, so it runs in the editor's key mode): `1`–`4` tabs,
//! `↑/↓` select, `a` add user, `k` add key to the selected user (paste it, `Ctrl-S` saves), `r`
//! revoke the selected key, `d` disable the selected user, `x` end the selected session, `u`
//! reload, `y`/`n` confirm, `Esc` cancel or leave, `q` quit.

use super::keymap::Action;

/// The console's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Users and their keys.
    Users,
    /// Live sessions.
    Sessions,
    /// Projects with progress and agreement.
    Projects,
    /// The audit log's last events.
    Audit,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 4] = [Tab::Users, Tab::Sessions, Tab::Projects, Tab::Audit];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Users => "users & keys",
            Tab::Sessions => "sessions",
            Tab::Projects => "projects",
            Tab::Audit => "audit",
        }
    }
}

/// One row of the users tab: a key with its owner (or a user without keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserKeyLine {
    /// User name.
    pub user: String,
    /// `admin`, `disabled`, or `-`.
    pub flags: String,
    /// Key fingerprint, if the user has keys.
    pub fingerprint: Option<String>,
    /// Expiry date or `-`.
    pub expires: String,
    /// `active` or `revoked`.
    pub state: String,
}

/// One live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLine {
    /// Session id.
    pub id: String,
    /// User name.
    pub user: String,
    /// Client address.
    pub peer: String,
    /// Start time (RFC 3339).
    pub started: String,
}

/// Everything the console shows, loaded by [`AdminEffect::Load`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConsoleData {
    /// Users and keys.
    pub users: Vec<UserKeyLine>,
    /// Live sessions.
    pub sessions: Vec<SessionLine>,
    /// Project lines (`project list`) each followed by its agreement lines (`stats`).
    pub projects: Vec<String>,
    /// The last audit events (project payloads not shown).
    pub audit: Vec<String>,
}

/// A text form being filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A new user's name.
    AddUser(String),
    /// A pasted public key line for `user`.
    AddKey {
        /// The user.
        user: String,
        /// The key line so far.
        line: String,
    },
}

/// Results for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminMsg {
    /// Fresh data arrived.
    Loaded(ConsoleData),
    /// A command finished; its output (or error) to show.
    Done(String),
}

/// What the console asks the session to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminEffect {
    /// Load users, keys, sessions, projects with statistics, and the audit tail.
    Load,
    /// Run an admin command (the words of `cloister COMMAND…`), then reload.
    Run(Vec<String>),
}

/// The console's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    /// The tab shown.
    pub tab: Tab,
    /// Selected row in the users or sessions tab.
    pub selected: usize,
    /// Loaded data (None while loading).
    pub data: Option<ConsoleData>,
    /// An open form.
    pub form: Option<Form>,
    /// A command awaiting `y` to confirm: (question, command words).
    pub confirm: Option<(String, Vec<String>)>,
    /// The last command's output.
    pub message: Option<String>,
}

/// What the app should do after the console handled an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stay in the console; run these effects.
    Stay(Vec<AdminEffect>),
    /// Leave the console (for admins with data roles: back to their queue).
    Leave,
    /// End the session.
    Quit,
}

impl Default for Console {
    fn default() -> Self {
        Self { tab: Tab::Users, selected: 0, data: None, form: None, confirm: None, message: None }
    }
}

impl Console {
    /// A console that starts loading.
    pub fn open() -> (Self, Vec<AdminEffect>) {
        (Self::default(), vec![AdminEffect::Load])
    }

    /// Whether typed text goes to a form (the session logs the screen as a form then).
    pub fn editing(&self) -> bool {
        self.form.is_some()
    }

    fn rows(&self) -> usize {
        match (&self.data, self.tab) {
            (Some(d), Tab::Users) => d.users.len(),
            (Some(d), Tab::Sessions) => d.sessions.len(),
            _ => 0,
        }
    }

    fn selected_user(&self) -> Option<&UserKeyLine> {
        self.data.as_ref().and_then(|d| d.users.get(self.selected)).filter(|_| self.tab == Tab::Users)
    }

    /// A result arrived.
    pub fn loaded(&mut self, msg: AdminMsg) -> Vec<AdminEffect> {
        match msg {
            AdminMsg::Loaded(data) => {
                self.data = Some(data);
                self.selected = self.selected.min(self.rows().saturating_sub(1));
                Vec::new()
            }
            AdminMsg::Done(output) => {
                self.message = Some(output.trim().to_string());
                vec![AdminEffect::Load]
            }
        }
    }

    /// A key mapped to an action (in the editor's key mode).
    pub fn act(&mut self, action: Action) -> Outcome {
        if let Some(form) = &mut self.form {
            return match action {
                Action::Back => {
                    self.form = None;
                    Outcome::Stay(Vec::new())
                }
                Action::Backspace => {
                    match form {
                        Form::AddUser(name) => name.pop(),
                        Form::AddKey { line, .. } => line.pop(),
                    };
                    Outcome::Stay(Vec::new())
                }
                Action::Submit => {
                    let words = match self.form.take() {
                        Some(Form::AddUser(name)) => vec!["user".into(), "add".into(), name.trim().to_string()],
                        Some(Form::AddKey { user, line }) => {
                            vec!["key".into(), "add".into(), user, line.trim().to_string()]
                        }
                        None => return Outcome::Stay(Vec::new()),
                    };
                    Outcome::Stay(vec![AdminEffect::Run(words)])
                }
                Action::Quit => Outcome::Quit,
                _ => Outcome::Stay(Vec::new()),
            };
        }
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < self.rows() => self.selected += 1,
            Action::Back if self.confirm.is_some() => self.confirm = None,
            Action::Back | Action::AdminConsole => return Outcome::Leave,
            Action::Quit => return Outcome::Quit,
            _ => {}
        }
        Outcome::Stay(Vec::new())
    }

    /// Typed or pasted text: a form's input, else one-letter commands.
    pub fn text(&mut self, text: &str) -> Outcome {
        match &mut self.form {
            Some(Form::AddUser(name)) => {
                name.push_str(text.trim_end_matches(['\r', '\n']));
                return Outcome::Stay(Vec::new());
            }
            Some(Form::AddKey { line, .. }) => {
                line.push_str(&text.replace(['\r', '\n'], " "));
                return Outcome::Stay(Vec::new());
            }
            None => {}
        }
        if let Some((_, words)) = self.confirm.take() {
            return Outcome::Stay(if text == "y" { vec![AdminEffect::Run(words)] } else { Vec::new() });
        }
        let effects = match text {
            "1" | "2" | "3" | "4" => {
                self.tab = Tab::ALL[usize::from(text.as_bytes()[0] - b'1')];
                self.selected = 0;
                Vec::new()
            }
            "u" => vec![AdminEffect::Load],
            "q" => return Outcome::Quit,
            "a" => {
                self.tab = Tab::Users;
                self.form = Some(Form::AddUser(String::new()));
                Vec::new()
            }
            "k" => {
                if let Some(user) = self.selected_user().map(|u| u.user.clone()) {
                    self.form = Some(Form::AddKey { user, line: String::new() });
                }
                Vec::new()
            }
            "r" => {
                if let Some((user, Some(fp))) = self.selected_user().map(|u| (u.user.clone(), u.fingerprint.clone())) {
                    let question = format!("revoke key {fp} of {user}? (its sessions end) y/n");
                    self.confirm = Some((question, vec!["key".into(), "revoke".into(), fp]));
                }
                Vec::new()
            }
            "d" => {
                if let Some(user) = self.selected_user().map(|u| u.user.clone()) {
                    self.confirm = Some((
                        format!("disable user {user}? (their sessions end) y/n"),
                        vec!["user".into(), "disable".into(), user],
                    ));
                }
                Vec::new()
            }
            "x" if self.tab == Tab::Sessions => {
                if let Some(s) = self.data.as_ref().and_then(|d| d.sessions.get(self.selected)) {
                    let question = format!("end session {} of {}? y/n", s.id, s.user);
                    self.confirm = Some((question, vec!["sessions".into(), "kick".into(), s.id.clone()]));
                }
                Vec::new()
            }
            _ => Vec::new(),
        };
        Outcome::Stay(effects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ConsoleData {
        let line = |user: &str, fp: Option<&str>| UserKeyLine {
            user: user.into(),
            flags: "-".into(),
            fingerprint: fp.map(String::from),
            expires: "-".into(),
            state: "active".into(),
        };
        ConsoleData {
            users: vec![line("alice", Some("SHA256:a")), line("bob", None)],
            sessions: vec![SessionLine {
                id: "s1".into(),
                user: "alice".into(),
                peer: "p".into(),
                started: "t".into(),
            }],
            projects: vec![],
            audit: vec![],
        }
    }

    #[test]
    fn revoking_needs_confirmation_and_runs_the_command() {
        let (mut console, effects) = Console::open();
        assert_eq!(effects, vec![AdminEffect::Load]);
        console.loaded(AdminMsg::Loaded(data()));
        assert_eq!(console.text("r"), Outcome::Stay(vec![]));
        assert!(console.confirm.as_ref().is_some_and(|(q, _)| q.contains("SHA256:a")));
        assert_eq!(
            console.text("y"),
            Outcome::Stay(vec![AdminEffect::Run(vec!["key".into(), "revoke".into(), "SHA256:a".into()])])
        );
        console.text("r");
        assert_eq!(console.text("n"), Outcome::Stay(vec![]), "anything but y cancels");
        assert_eq!(console.loaded(AdminMsg::Done("key revoked".into())), vec![AdminEffect::Load]);
    }

    #[test]
    fn pasted_key_is_added_to_the_selected_user_with_ctrl_s() {
        let (mut console, _) = Console::open();
        console.loaded(AdminMsg::Loaded(data()));
        console.act(Action::Down);
        console.text("k");
        console.text("ssh-ed25519 AAAA bob@pc\n");
        console.act(Action::Backspace);
        let expected = vec!["key".to_string(), "add".into(), "bob".into(), "ssh-ed25519 AAAA bob@pc".into()];
        assert_eq!(console.act(Action::Submit), Outcome::Stay(vec![AdminEffect::Run(expected)]));
        assert!(console.form.is_none());
    }

    #[test]
    fn sessions_tab_kicks_and_escape_leaves() {
        let (mut console, _) = Console::open();
        console.loaded(AdminMsg::Loaded(data()));
        console.text("2");
        console.text("x");
        assert_eq!(
            console.text("y"),
            Outcome::Stay(vec![AdminEffect::Run(vec!["sessions".into(), "kick".into(), "s1".into()])])
        );
        assert_eq!(console.act(Action::Back), Outcome::Leave);
        assert_eq!(console.text("q"), Outcome::Quit);
    }
}
