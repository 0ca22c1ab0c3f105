use super::*;

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CTRL;
const ALT: KeyModifiers = KeyModifiers::ALT;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

fn key(text: &str) -> Key {
    Keymap::parse_key(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn default_keymap_is_documented_behaviour() {
    let keymap = Keymap::default();
    assert_eq!(keymap.action(KeyCode::Char('j'), NONE), Some(Action::Down));
    assert_eq!(keymap.action(KeyCode::Down, NONE), Some(Action::Down));
    assert_eq!(keymap.action(KeyCode::Char('k'), NONE), Some(Action::Up));
    assert_eq!(keymap.action(KeyCode::Char('q'), NONE), Some(Action::Quit));
    assert_eq!(keymap.action(KeyCode::Esc, NONE), Some(Action::Back));
    // `?` arrives with or without Shift depending on the terminal.
    assert_eq!(keymap.action(KeyCode::Char('?'), NONE), Some(Action::Help));
    assert_eq!(keymap.action(KeyCode::Char('?'), SHIFT), Some(Action::Help));
    // Shift-j is J, which is not j.
    assert_eq!(keymap.action(KeyCode::Char('J'), SHIFT), None);
    assert_eq!(keymap.action(KeyCode::Char('j'), SHIFT), None);
    assert_eq!(keymap.action(KeyCode::Char('q'), CTRL), None);
}

#[test]
fn action_names_come_from_one_table() {
    for &action in Action::ALL {
        assert_eq!(Action::from_name(action.name()), Some(action));
        assert!(action.name().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{}", action.name());
        assert_eq!(format!("{action:?}").to_ascii_lowercase(), action.name().replace('_', ""));
        assert!(!action.describe().is_empty());
    }
    assert_eq!(Keymap::parse_action("none"), Ok(None));
    assert_eq!(Keymap::parse_action("quit"), Ok(Some(Action::Quit)));
    let err = Keymap::parse_action("Quit").expect_err("names are exact").to_string();
    assert!(
        err.contains("unknown action \"Quit\": use one of up, down, help, back, refresh, quit, open,")
            && err.ends_with("or \"none\" to unbind the key"),
        "{err}"
    );
}

#[test]
fn key_strings_parse_with_prefixes_and_names() {
    assert_eq!(key("ctrl-s"), (KeyCode::Char('s'), CTRL));
    assert_eq!(key("Ctrl-S"), (KeyCode::Char('s'), CTRL), "Ctrl-S is Ctrl-s on a terminal");
    assert_eq!(key("ctrl-shift-s"), (KeyCode::Char('S'), CTRL | SHIFT));
    assert_eq!(key("alt-x"), (KeyCode::Char('x'), ALT));
    assert_eq!(key("alt-X"), (KeyCode::Char('X'), ALT | SHIFT));
    assert_eq!(key("J"), (KeyCode::Char('J'), SHIFT));
    assert_eq!(key("shift-j"), (KeyCode::Char('J'), SHIFT));
    assert_eq!(key("?"), (KeyCode::Char('?'), NONE));
    assert_eq!(key("shift-?"), (KeyCode::Char('?'), NONE));
    assert_eq!(key("-"), (KeyCode::Char('-'), NONE));
    assert_eq!(key("ctrl--"), (KeyCode::Char('-'), CTRL));
    assert_eq!(key("space"), (KeyCode::Char(' '), NONE));
    assert_eq!(key(" "), (KeyCode::Char(' '), NONE));
    assert_eq!(key("shift-tab"), (KeyCode::Tab, SHIFT));
    assert_eq!(key("F2"), (KeyCode::F(2), NONE));
    assert_eq!(key("f12"), (KeyCode::F(12), NONE));
    assert_eq!(key("PageDown"), (KeyCode::PageDown, NONE));
    assert_eq!(key("ctrl-alt-delete"), (KeyCode::Delete, CTRL | ALT));
    assert_eq!(key("中"), (KeyCode::Char('中'), NONE));
    for bad in ["", "ctrl-", "f0", "f13", "fx", "pgeup", "super-x", "ctrl+s", "jj", "\t", "ctrl-\u{1b}"] {
        let err = Keymap::parse_key(bad).expect_err(bad).to_string();
        assert!(err.starts_with(&format!("unknown key {bad:?}: use a single character")), "{err}");
    }
}

#[test]
fn parsed_keys_match_what_terminals_send() {
    let mut keymap = Keymap::default();
    for (text, action) in [("ctrl-s", Action::Refresh), ("J", Action::Down), ("shift-tab", Action::Back)] {
        let (code, mods) = key(text);
        keymap.bind(code, mods, Some(action));
    }
    // ssh/input reports Ctrl-letters as lowercase + CTRL and uppercase letters with SHIFT.
    assert_eq!(keymap.action(KeyCode::Char('s'), CTRL), Some(Action::Refresh));
    assert_eq!(keymap.action(KeyCode::Char('J'), SHIFT), Some(Action::Down));
    // Some protocols report the unshifted letter with SHIFT; other modifiers are ignored.
    assert_eq!(keymap.action(KeyCode::Char('j'), SHIFT), Some(Action::Down));
    assert_eq!(keymap.action(KeyCode::Char('s'), CTRL | KeyModifiers::SUPER), Some(Action::Refresh));
    assert_eq!(keymap.action(KeyCode::Tab, SHIFT), Some(Action::Back));
    assert_eq!(keymap.action(KeyCode::Tab, NONE), Some(Action::NextField), "plain Tab keeps its default");
}

#[test]
fn overrides_apply_on_top_and_none_unbinds() {
    let mut keymap = Keymap::default();
    keymap.bind(KeyCode::F(1), NONE, Some(Action::Help));
    keymap.bind(KeyCode::Char('q'), NONE, None);
    keymap.bind(KeyCode::Char('c'), CTRL, None);
    keymap.bind(KeyCode::Char('j'), NONE, Some(Action::Up));
    assert_eq!(keymap.action(KeyCode::F(1), NONE), Some(Action::Help));
    assert_eq!(keymap.action(KeyCode::Char('q'), NONE), None);
    assert_eq!(keymap.action(KeyCode::Char('j'), NONE), Some(Action::Up));
    assert_eq!(keymap.action(KeyCode::Char('?'), NONE), Some(Action::Help), "untouched defaults stay");
    assert!(!keymap.help_lines().iter().any(|(_, a)| *a == Action::Quit));
}

#[test]
fn help_lines_show_modifiers_and_follow_action_order() {
    let mut keymap = Keymap::default();
    keymap.bind(KeyCode::Char('s'), CTRL, Some(Action::Quit));
    keymap.bind(KeyCode::Tab, SHIFT, Some(Action::Back));
    let lines = keymap.help_lines();
    let actions: Vec<Action> = lines.iter().map(|(_, a)| *a).collect();
    let mut sorted = actions.clone();
    sorted.sort();
    assert_eq!(actions, sorted);
    assert_eq!(keymap.keys_for(Action::Up), ["k", "↑"]);
    assert_eq!(keymap.keys_for(Action::Quit), ["q", "Ctrl-C", "Ctrl-S"]);
    assert_eq!(keymap.keys_for(Action::Back), ["Esc", "Shift-Tab"]);
}

#[test]
fn key_labels_read_naturally() {
    assert_eq!(key_label(KeyCode::Char('s'), CTRL), "Ctrl-S");
    assert_eq!(key_label(KeyCode::Char('S'), CTRL | SHIFT), "Ctrl-Shift-S");
    assert_eq!(key_label(KeyCode::Char('J'), SHIFT), "J");
    assert_eq!(key_label(KeyCode::Char('x'), ALT), "Alt-x");
    assert_eq!(key_label(KeyCode::Char(' '), NONE), "Space");
    assert_eq!(key_label(KeyCode::F(2), NONE), "F2");
    assert_eq!(key_label(KeyCode::PageDown, NONE), "PgDn");
    assert_eq!(key_label(KeyCode::Tab, SHIFT), "Shift-Tab");
    assert_eq!(key_name(KeyCode::Up), "↑");
}
