//! Semantic styles. Call sites ask for a meaning (`theme.selection(true)`, `theme.style(Role::DiffInsert)`),
//! never a colour. Themes are TOML files (themes/*.toml, docs/THEMES.md) that overlay the built-in dark
//! defaults role by role, gitui style: a file only names what it changes.
//!
//! With NO_COLOR ([`Theme::without_color`]) every colour goes but modifiers stay, and each role adds the
//! modifiers that keep it distinguishable without colour (selection reversed, muted text dim, …).

mod file;
#[cfg(test)]
mod tests;

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;
use std::path::{Path, PathBuf};

/// The built-in themes, compiled in so a fresh install works without a themes folder.
pub const BUILTIN_THEMES: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
    ("basic16", include_str!("../../themes/basic16.toml")),
];

/// How deep `extends = "…"` chains may go before the theme is refused as a cycle.
const MAX_EXTENDS_DEPTH: usize = 8;

/// Errors loading a theme; the parse errors quote FILE:LINE, the key and the bad value.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// The theme name could escape the themes folder or is empty.
    #[error("theme name {name:?} is invalid: use letters, digits, `-` and `_`")]
    BadName {
        /// The name as given.
        name: String,
    },
    /// Neither `themes_dir/NAME.toml` nor a built-in theme of that name exists.
    #[error(
        "theme `{name}` not found: no file {} and no built-in of that name (built-ins: {})",
        .path.display(),
        builtin_names()
    )]
    NotFound {
        /// The requested name.
        name: String,
        /// The file that was looked for.
        path: PathBuf,
    },
    /// The theme file exists but could not be read.
    #[error("cannot read theme {path}: {source}")]
    Read {
        /// The theme file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{path}:{line}: {message}\n  | {snippet}\n  (see docs/THEMES.md)")]
    Syntax {
        /// The theme file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What the TOML parser says.
        message: String,
        /// The offending line of the file.
        snippet: String,
    },
    /// A top-level key that is neither a role nor `extends`.
    #[error("{path}:{line}: unknown role [{role}]: use one of {}", role_names())]
    UnknownRole {
        /// The theme file.
        path: PathBuf,
        /// 1-based line of the role.
        line: usize,
        /// The unknown name as written.
        role: String,
    },
    /// A key inside a role that is not a style key.
    #[error("{path}:{line}: [{role}] {key} is not a style key: use fg, bg, {}", file::modifier_names())]
    UnknownKey {
        /// The theme file.
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
        /// The role it appears in.
        role: String,
        /// The unknown key as written.
        key: String,
    },
    /// A known key with a value it cannot take.
    #[error("{path}:{line}: {key} = {value} is not {expected}")]
    BadValue {
        /// The theme file.
        path: PathBuf,
        /// 1-based line of the value.
        line: usize,
        /// Where the value sits, e.g. `[title] fg` or `extends`.
        key: String,
        /// The value exactly as written in the file.
        value: String,
        /// What would be valid, with an example.
        expected: String,
    },
    /// `extends` chains loop or nest too deeply.
    #[error("theme `{name}` extends in a cycle ({chain}): make one of them stand alone")]
    Cycle {
        /// The theme being loaded when the cycle was found.
        name: String,
        /// The chain of names, e.g. `a → b → a`.
        chain: String,
    },
}

macro_rules! roles {
    ($(#[doc = $doc:literal] $variant:ident = $name:literal, $dark:expr, $mono:expr;)*) => {
        /// What a piece of text means. Each role has one style per theme.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role {
            $(#[doc = $doc] $variant,)*
        }

        impl Role {
            /// Every role, in the order of docs/THEMES.md.
            pub const ALL: &'static [Role] = &[$(Role::$variant),*];

            /// The section name in theme files, e.g. `diff_insert`.
            pub fn name(self) -> &'static str {
                match self { $(Role::$variant => $name,)* }
            }

            /// What the role is used for.
            pub fn describe(self) -> &'static str {
                match self { $(Role::$variant => $doc.trim(),)* }
            }

            /// The built-in dark style.
            fn dark(self) -> Style {
                match self { $(Role::$variant => $dark,)* }
            }

            /// Modifiers added when colours are off, so the role stays visible.
            fn mono(self) -> Modifier {
                match self { $(Role::$variant => $mono,)* }
            }
        }
    };
}

const fn fg(color: Color) -> Style {
    Style::new().fg(color)
}

const fn on(fg: Color, bg: Color) -> Style {
    Style::new().fg(fg).bg(bg)
}

const NONE: Modifier = Modifier::empty();
const BOLD: Modifier = Modifier::BOLD;
const DIM: Modifier = Modifier::DIM;
const ITALIC: Modifier = Modifier::ITALIC;
const UNDERLINED: Modifier = Modifier::UNDERLINED;
const REVERSED: Modifier = Modifier::REVERSED;
const CROSSED_OUT: Modifier = Modifier::CROSSED_OUT;

// One line per role: `Variant = "name in theme files", dark default style, modifiers added without colour;`.
// A new role also needs its section in themes/dark.toml (tested) and a row in docs/THEMES.md (tested).
roles! {
    /// Ordinary text.
    Text = "text", Style::new(), NONE;
    /// Block and pane titles.
    Title = "title", fg(Color::Cyan).add_modifier(BOLD), BOLD;
    /// Borders of panes without focus.
    Border = "border", fg(Color::Indexed(240)), NONE;
    /// The border of the pane with focus.
    BorderFocused = "border_focused", fg(Color::Cyan), BOLD;
    /// Secondary text: hints, counts, empty-list notes.
    Muted = "muted", fg(Color::Indexed(245)), DIM;
    /// The selected row of the focused list.
    Selection = "selection", Style::new().add_modifier(BOLD.union(REVERSED)), BOLD.union(REVERSED);
    /// The selected row of a list without focus.
    SelectionUnfocused = "selection_unfocused", on(Color::White, Color::Indexed(238)), REVERSED;
    /// The status bar at the bottom.
    StatusBar = "status_bar", on(Color::White, Color::Blue), REVERSED;
    /// Key names in the help overlay and the status bar.
    KeyHint = "key_hint", fg(Color::Yellow).add_modifier(BOLD), BOLD;
    /// Confirmations: saved, submitted.
    Success = "success", fg(Color::Green), BOLD;
    /// Notices that need attention.
    Warning = "warning", fg(Color::Yellow).add_modifier(BOLD), BOLD;
    /// Errors and denials.
    Error = "error", fg(Color::LightRed).add_modifier(BOLD), BOLD.union(UNDERLINED);
    /// The READ-ONLY badge of reviewer sessions.
    ReadOnlyBadge = "read_only_badge", on(Color::Black, Color::Yellow).add_modifier(BOLD), BOLD.union(REVERSED);
    /// Other badges: stage, DRAFT, role.
    Badge = "badge", on(Color::Black, Color::Cyan), REVERSED;
    /// Progress bars and counts of done work.
    Progress = "progress", fg(Color::Green), NONE;
    /// The segment open in the editor, in the segment list.
    CurrentSegment = "current_segment", on(Color::White, Color::Indexed(236)).add_modifier(BOLD), BOLD;
    /// Neighbouring segments shown for context.
    DimmedContext = "dimmed_context", fg(Color::Indexed(242)), DIM;
    /// Segment start and end times.
    TimeCode = "time_code", fg(Color::Indexed(110)), NONE;
    /// Speaker labels (first, third, … speaker).
    Speaker = "speaker", fg(Color::LightCyan).add_modifier(BOLD), BOLD;
    /// Speaker labels (second, fourth, … speaker).
    SpeakerAlt = "speaker_alt", fg(Color::LightMagenta).add_modifier(BOLD), BOLD.union(ITALIC);
    /// Segment tags from the label schema.
    Tag = "tag", fg(Color::Magenta), ITALIC;
    /// Text in the editor.
    Editor = "editor", Style::new(), NONE;
    /// Masked personal data, e.g. `[PHONE]`.
    PiiMask = "pii_mask", on(Color::Indexed(250), Color::Indexed(238)), REVERSED;
    /// A PII span marked by the annotator, in the editor.
    PiiSpan = "pii_span", fg(Color::LightMagenta).add_modifier(UNDERLINED), UNDERLINED;
    /// Words the annotator added (QA diff).
    DiffInsert = "diff_insert", fg(Color::LightGreen).add_modifier(UNDERLINED), UNDERLINED.union(BOLD);
    /// Words the annotator removed (QA diff).
    DiffDelete = "diff_delete", fg(Color::LightRed).add_modifier(CROSSED_OUT), CROSSED_OUT;
    /// The chosen option: preference A/B/tie, a Likert rating.
    Choice = "choice", on(Color::Black, Color::Green).add_modifier(BOLD), BOLD.union(REVERSED);
    /// The session watermark.
    Watermark = "watermark", fg(Color::Indexed(238)).add_modifier(ITALIC), DIM;
}

/// Number of roles (size of the style table).
const ROLE_COUNT: usize = Role::ALL.len();

/// The styles of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    styles: [Style; ROLE_COUNT],
    ascii: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

impl Theme {
    /// The default dark theme (also the base every theme file overlays).
    pub fn dark() -> Self {
        let mut styles = [Style::new(); ROLE_COUNT];
        for &role in Role::ALL {
            styles[role as usize] = role.dark();
        }
        Self { styles, ascii: false }
    }

    /// Loads `themes_dir/NAME.toml`, or the built-in theme NAME when there is no such file.
    pub fn load(name: &str, themes_dir: &Path) -> Result<Self, ThemeError> {
        let mut chain = Vec::new();
        Self::load_chain(name, Some(themes_dir), &mut chain)
    }

    /// Parses one theme file's text over the dark defaults; `extends` may only name a built-in.
    /// `path` only names the file in errors (entry point of the fuzz target).
    pub fn parse_str(text: &str, path: &Path) -> Result<Self, ThemeError> {
        Self::from_text(text, path, None, &mut Vec::new())
    }

    /// `dir`: the themes folder; None looks only among the built-ins.
    fn load_chain(name: &str, dir: Option<&Path>, chain: &mut Vec<String>) -> Result<Self, ThemeError> {
        check_name(name)?;
        let seen = chain.iter().any(|n| n == name);
        if chain.len() >= MAX_EXTENDS_DEPTH || (seen && builtin_text(name).is_none()) {
            chain.push(name.to_string());
            return Err(ThemeError::Cycle { name: chain[0].clone(), chain: chain.join(" → ") });
        }
        let path = dir.unwrap_or(Path::new("")).join(format!("{name}.toml"));
        // A file overrides the built-in of the same name, and may extend that built-in.
        let (text, path) = if !seen && dir.is_some() && path.is_file() {
            let text =
                std::fs::read_to_string(&path).map_err(|source| ThemeError::Read { path: path.clone(), source })?;
            (std::borrow::Cow::Owned(text), path)
        } else if let Some(text) = builtin_text(name) {
            (std::borrow::Cow::Borrowed(text), PathBuf::from(format!("themes/{name}.toml (built-in)")))
        } else {
            return Err(ThemeError::NotFound { name: name.to_string(), path });
        };
        chain.push(name.to_string());
        Self::from_text(&text, &path, dir, chain)
    }

    fn from_text(text: &str, path: &Path, dir: Option<&Path>, chain: &mut Vec<String>) -> Result<Self, ThemeError> {
        let parsed = file::parse(text, path)?;
        let mut theme = match parsed.extends {
            None => Self::dark(),
            Some(parent) => Self::load_chain(&parent.name, dir, chain).map_err(|err| match err {
                ThemeError::NotFound { .. } | ThemeError::BadName { .. } => ThemeError::BadValue {
                    path: path.to_path_buf(),
                    line: parent.line,
                    key: "extends".into(),
                    value: parent.written.clone(),
                    expected: format!("a theme to extend: {err}"),
                },
                other => other,
            })?,
        };
        for (role, overlay) in parsed.overlays {
            theme.styles[role as usize] = overlay.apply(theme.styles[role as usize]);
        }
        Ok(theme)
    }

    /// Names a user may choose: the built-ins and every valid `themes_dir/NAME.toml`, sorted.
    pub fn available(themes_dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = BUILTIN_THEMES.iter().map(|(name, _)| name.to_string()).collect();
        if let Ok(entries) = std::fs::read_dir(themes_dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "toml")
                    && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
                    && check_name(stem).is_ok()
                {
                    names.push(stem.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Turns colours off (NO_COLOR was requested): keeps modifiers and adds the ones each role
    /// needs to stay distinguishable.
    pub fn without_color(mut self) -> Self {
        for &role in Role::ALL {
            let style = self.styles[role as usize];
            self.styles[role as usize] = Style::new().add_modifier(style.add_modifier | role.mono());
        }
        self
    }

    /// Uses ASCII borders for legacy terminals.
    pub fn with_ascii_borders(mut self, ascii: bool) -> Self {
        self.ascii = ascii;
        self
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        self.styles[role as usize]
    }

    /// Every role's name and style, in [`Role::ALL`] order.
    pub fn styles(&self) -> impl Iterator<Item = (&'static str, Style)> + '_ {
        Role::ALL.iter().map(|&role| (role.name(), self.style(role)))
    }

    /// Block titles.
    pub fn title(&self) -> Style {
        self.style(Role::Title)
    }

    /// The selected row; `focused` when its pane has focus.
    pub fn selection(&self, focused: bool) -> Style {
        self.style(if focused { Role::Selection } else { Role::SelectionUnfocused })
    }

    /// Pane borders; `focused` for the pane with focus.
    pub fn border(&self, focused: bool) -> Style {
        self.style(if focused { Role::BorderFocused } else { Role::Border })
    }

    /// Speaker labels, alternating between two styles by speaker number.
    pub fn speaker(&self, index: usize) -> Style {
        self.style(if index.is_multiple_of(2) { Role::Speaker } else { Role::SpeakerAlt })
    }

    /// Secondary text.
    pub fn muted(&self) -> Style {
        self.style(Role::Muted)
    }

    /// The status bar.
    pub fn status_bar(&self) -> Style {
        self.style(Role::StatusBar)
    }

    /// Notices that need attention.
    pub fn warning(&self) -> Style {
        self.style(Role::Warning)
    }

    /// Whether borders are drawn with ASCII characters.
    pub fn ascii_borders(&self) -> bool {
        self.ascii
    }

    /// Border characters.
    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            }
        } else {
            border::PLAIN
        }
    }
}

fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN_THEMES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

fn builtin_names() -> String {
    BUILTIN_THEMES.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

fn role_names() -> String {
    Role::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
}

/// Theme names become file names: only letters, digits, `-` and `_`, at most 64 characters.
fn check_name(name: &str) -> Result<(), ThemeError> {
    let ok =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err(ThemeError::BadName { name: name.to_string() }) }
}
