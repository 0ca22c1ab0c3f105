//! Drawing the admin console: tabs, the selected tab's table, a form or confirmation line, and
//! the console's keys. Reads [`Console`] only.

use super::{Theme, block};
use crate::app::admin::{Console, Form, Tab};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, ListState, Paragraph, Wrap};

/// Draws the console into `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, console: &Console, theme: &Theme) {
    let [tabs, body, prompt, keys] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(2), Constraint::Length(1)])
            .areas(area);
    let mut spans = vec![Span::styled(" admin console  ", theme.title())];
    for (n, tab) in Tab::ALL.iter().enumerate() {
        let label = format!(" {} {} ", n + 1, tab.title());
        spans.push(if *tab == console.tab { Span::styled(label, theme.selection(true)) } else { Span::raw(label) });
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), tabs);
    let rows: Vec<String> = match &console.data {
        None => vec!["loading…".into()],
        Some(data) => match console.tab {
            Tab::Users => data
                .users
                .iter()
                .map(|u| {
                    let fp = u.fingerprint.as_deref().unwrap_or("(no key)");
                    format!("{:<14} {:<9} {fp:<52} expires {:<10} {}", u.user, u.flags, u.expires, u.state)
                })
                .collect(),
            Tab::Sessions => data
                .sessions
                .iter()
                .map(|s| format!("{:<14} {:<12} {:<22} since {}", s.id, s.user, s.peer, s.started))
                .collect(),
            Tab::Projects => data.projects.clone(),
            Tab::Audit => data.audit.iter().map(|l| l.replace('\t', "  ")).collect(),
        },
    };
    let selectable = matches!(console.tab, Tab::Users | Tab::Sessions) && console.data.is_some();
    let empty = rows.is_empty();
    let items: Vec<ListItem<'_>> = if empty {
        vec![ListItem::new(Line::styled("nothing here", theme.muted()))]
    } else {
        rows.into_iter().map(ListItem::new).collect()
    };
    let list = List::new(items).highlight_style(theme.selection(true)).block(block(console.tab.title(), theme));
    let mut state = ListState::default().with_selected((selectable && !empty).then_some(console.selected));
    frame.render_stateful_widget(list, body, &mut state);
    let prompt_line = match (&console.form, &console.confirm, &console.message) {
        (Some(Form::AddUser(name)), _, _) => Line::from(vec![
            Span::styled("new user name: ", theme.title()),
            Span::raw(format!("{name}▏  (Ctrl-S saves, Esc cancels)")),
        ]),
        (Some(Form::AddKey { user, line }), _, _) => {
            let shown: String = line.chars().rev().take(60).collect::<Vec<_>>().into_iter().rev().collect();
            Line::from(vec![
                Span::styled(format!("paste a public key for {user}: "), theme.title()),
                Span::raw(format!("{shown}▏  (Ctrl-S saves)")),
            ])
        }
        (None, Some((question, _)), _) => Line::styled(question.clone(), theme.warning()),
        (None, None, Some(message)) => Line::raw(message.clone()),
        _ => Line::raw(""),
    };
    frame.render_widget(Paragraph::new(prompt_line).wrap(Wrap { trim: true }), prompt);
    let help = match console.tab {
        Tab::Users => "a add user · k add key · r revoke key · d disable user",
        Tab::Sessions => "x end session",
        Tab::Projects | Tab::Audit => "read only",
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            format!(" 1-4 tabs · ↑↓ select · {help} · u reload · Esc leave · q quit"),
            theme.muted(),
        )),
        keys,
    );
}
