//! Semantic styles. Call sites ask for a meaning (`theme.selection(true)`), never a colour.
//! With NO_COLOR every style is plain apart from bold/reverse, which carry no colour.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// The styles of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    no_color: bool,
    ascii: bool,
    accent: Color,
    muted: Color,
    warning: Color,
    status_bg: Color,
}

impl Default for Theme {
    fn default() -> Self {
        Self::dark()
    }
}

impl Theme {
    /// The default dark theme.
    pub fn dark() -> Self {
        Self {
            no_color: false,
            ascii: false,
            accent: Color::Cyan,
            muted: Color::DarkGray,
            warning: Color::Yellow,
            status_bg: Color::Blue,
        }
    }

    /// Turns colours off (NO_COLOR was requested).
    pub fn without_color(mut self) -> Self {
        self.no_color = true;
        self
    }

    /// Uses ASCII borders for legacy terminals.
    pub fn with_ascii_borders(mut self, ascii: bool) -> Self {
        self.ascii = ascii;
        self
    }

    fn fg(&self, color: Color) -> Style {
        if self.no_color { Style::default() } else { Style::default().fg(color) }
    }

    /// Block titles.
    pub fn title(&self) -> Style {
        self.fg(self.accent).add_modifier(Modifier::BOLD)
    }

    /// The selected row; `focused` when its pane has focus.
    pub fn selection(&self, focused: bool) -> Style {
        let style = Style::default().add_modifier(Modifier::REVERSED);
        if focused { style.add_modifier(Modifier::BOLD) } else { style }
    }

    /// Secondary text.
    pub fn muted(&self) -> Style {
        if self.no_color { Style::default().add_modifier(Modifier::DIM) } else { self.fg(self.muted) }
    }

    /// The status bar.
    pub fn status_bar(&self) -> Style {
        if self.no_color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().bg(self.status_bg).fg(Color::White)
        }
    }

    /// Badges such as READ-ONLY and notices that need attention.
    pub fn warning(&self) -> Style {
        self.fg(self.warning).add_modifier(Modifier::BOLD)
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
