//! `[keymap]` in cloister.toml: fixtures/keymap/valid load and change the keymap as written;
//! each file in fixtures/keymap/invalid is rejected with the fragments of its `# expect:` lines.

#[path = "common/fixture_files.rs"]
mod fixture_files;

use cloister::app::{Action, Keymap};
use cloister::config::Config;
use std::path::{Path, PathBuf};
use terminput::{KeyCode, KeyModifiers};

fn files(dir: &str) -> Vec<PathBuf> {
    fixture_files::fixture_files("keymap", dir)
}

fn keymap(name: &str) -> Keymap {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keymap/valid").join(name);
    let config = Config::load(&path).unwrap_or_else(|e| panic!("{name} should load: {e}"));
    Keymap::from_config(&config.keymap)
}

#[test]
fn valid_keymaps_load() {
    for path in files("valid") {
        Config::load(&path).unwrap_or_else(|e| panic!("{} should load: {e}", path.display()));
    }
    assert_eq!(keymap("empty.toml"), Keymap::default());
}

#[test]
fn overrides_change_only_what_they_name() {
    let none = KeyModifiers::NONE;
    let keymap = keymap("overrides.toml");
    assert_eq!(keymap.action(KeyCode::F(1), none), Some(Action::Help));
    assert_eq!(keymap.action(KeyCode::Char('?'), none), None);
    assert_eq!(keymap.action(KeyCode::Char('q'), KeyModifiers::CTRL), Some(Action::Quit));
    assert_eq!(keymap.action(KeyCode::Char('q'), none), None);
    assert_eq!(keymap.action(KeyCode::Char('J'), KeyModifiers::SHIFT), Some(Action::Down));
    assert_eq!(keymap.action(KeyCode::Char('K'), KeyModifiers::SHIFT), Some(Action::Up));
    assert_eq!(keymap.action(KeyCode::Char('r'), KeyModifiers::ALT), Some(Action::Refresh));
    assert_eq!(keymap.action(KeyCode::Char('s'), KeyModifiers::CTRL), Some(Action::Refresh));
    assert_eq!(keymap.action(KeyCode::Tab, KeyModifiers::SHIFT), Some(Action::Back));
    assert_eq!(keymap.action(KeyCode::Char('-'), KeyModifiers::CTRL), Some(Action::Back));
    // Defaults the file does not mention.
    assert_eq!(keymap.action(KeyCode::Char('j'), none), Some(Action::Down));
    assert_eq!(keymap.action(KeyCode::Esc, none), Some(Action::Back));
}

#[test]
fn invalid_keymaps_are_rejected_with_file_key_and_value() {
    for path in files("invalid") {
        let text = std::fs::read_to_string(&path).expect("read");
        let expected = fixture_files::expected_fragments(&text);
        assert!(!expected.is_empty(), "{} has no `# expect:` lines", path.display());
        let err = Config::load(&path).expect_err(&format!("{} must be rejected", path.display())).to_string();
        for fragment in expected {
            assert!(err.contains(fragment), "{}: error {err:?} lacks {fragment:?}", path.display());
        }
    }
}

#[test]
fn config_doc_lists_every_action() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/CONFIG.md")).expect("doc");
    for action in Action::ALL {
        assert!(doc.contains(&format!("`{}`", action.name())), "docs/CONFIG.md does not list `{}`", action.name());
    }
}
