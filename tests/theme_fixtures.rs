//! Theme files: every shipped theme in themes/ loads, fixtures/themes/valid load, and each file in
//! fixtures/themes/invalid is rejected with an error containing the fragments of its `# expect:` lines.

#[path = "common/fixture_files.rs"]
mod fixture_files;

use cloister::ui::Theme;
use ratatui::style::{Color, Modifier, Style};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).expect("utf-8 file name")
}

fn load(dir: &Path, name: &str) -> Theme {
    Theme::load(name, dir).unwrap_or_else(|e| panic!("{name} should load from {}: {e}", dir.display()))
}

#[test]
fn every_shipped_theme_loads_and_matches_its_built_in_copy() {
    let themes = root().join("themes");
    let nowhere = root().join("fixtures/themes/none-here");
    let files = fixture_files::toml_files(&themes);
    for name in ["dark", "light", "high-contrast", "basic16"] {
        assert!(files.iter().any(|p| stem(p) == name), "themes/{name}.toml is missing");
    }
    for path in &files {
        let name = stem(path);
        assert_eq!(load(&themes, name), load(&nowhere, name), "{name}: file and built-in differ");
    }
    assert_eq!(load(&themes, "dark"), Theme::dark());
}

#[test]
fn basic16_uses_only_the_16_named_colours() {
    let named = |c: Option<Color>| {
        use Color::*;
        matches!(
            c,
            None | Some(
                Reset
                    | Black
                    | Red
                    | Green
                    | Yellow
                    | Blue
                    | Magenta
                    | Cyan
                    | Gray
                    | DarkGray
                    | LightRed
                    | LightGreen
                    | LightYellow
                    | LightBlue
                    | LightMagenta
                    | LightCyan
                    | White
            )
        )
    };
    let theme = load(&root().join("themes"), "basic16");
    for (role, style) in theme.styles() {
        assert!(named(style.fg) && named(style.bg), "basic16 [{role}] uses {style:?}");
    }
}

#[test]
fn no_color_strips_every_colour_of_every_theme() {
    let themes = root().join("themes");
    for path in fixture_files::toml_files(&themes) {
        let theme = load(&themes, stem(&path)).without_color();
        for (role, style) in theme.styles() {
            assert_eq!((style.fg, style.bg), (None, None), "{}: [{role}]", path.display());
        }
    }
}

#[test]
fn valid_fixtures_load() {
    let dir = root().join("fixtures/themes/valid");
    for path in fixture_files::toml_files(&dir) {
        load(&dir, stem(&path));
    }
    let dark = Theme::dark();
    assert_eq!(load(&dir, "empty"), dark);
    let minimal = load(&dir, "minimal");
    assert_eq!(minimal.title(), Style::new().fg(Color::Rgb(0x1e, 0x90, 0xff)).add_modifier(Modifier::BOLD));
    assert_eq!(minimal.muted(), dark.muted());
    let every = load(&dir, "every_form");
    assert_eq!(every.title(), Style::new().fg(Color::Blue).add_modifier(Modifier::ITALIC));
    assert_eq!(every.warning().fg, Some(Color::LightYellow));
    assert_eq!(every.status_bar(), Style::new().fg(Color::Reset).add_modifier(Modifier::REVERSED));
    let light = load(&root().join("themes"), "light");
    assert_eq!(load(&dir, "extends_builtin").title(), light.title());
    let extends_file = load(&dir, "extends_file");
    assert_eq!(extends_file.title(), minimal.title());
    assert_eq!(extends_file.muted(), dark.muted().add_modifier(Modifier::ITALIC));
}

#[test]
fn invalid_fixtures_are_rejected_with_file_line_key_and_value() {
    let dir = root().join("fixtures/themes/invalid");
    for path in fixture_files::toml_files(&dir) {
        let text = std::fs::read_to_string(&path).expect("read");
        let expected = fixture_files::expected_fragments(&text);
        assert!(!expected.is_empty(), "{} has no `# expect:` lines", path.display());
        let err =
            Theme::load(stem(&path), &dir).expect_err(&format!("{} must be rejected", path.display())).to_string();
        for fragment in expected {
            assert!(err.contains(fragment), "{}: error {err:?} lacks {fragment:?}", path.display());
        }
    }
}

#[test]
fn themes_doc_describes_every_role() {
    let doc = std::fs::read_to_string(root().join("docs/THEMES.md")).expect("docs/THEMES.md");
    for (role, _) in Theme::dark().styles() {
        assert!(doc.contains(&format!("`{role}`")), "docs/THEMES.md does not describe `{role}`");
    }
}
