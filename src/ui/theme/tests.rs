use super::*;
use std::fs;

fn no_dir() -> PathBuf {
    PathBuf::from("/nonexistent/cloister-themes")
}

fn is_basic16(color: Option<Color>) -> bool {
    !matches!(color, Some(Color::Rgb(..) | Color::Indexed(_)))
}

#[test]
fn dark_file_spells_out_the_built_in_defaults() {
    assert_eq!(Theme::load("dark", &no_dir()).expect("dark"), Theme::dark());
    let text = builtin_text("dark").expect("built in");
    for role in Role::ALL {
        assert!(text.contains(&format!("[{}]", role.name())), "themes/dark.toml lacks [{}]", role.name());
    }
}

#[test]
fn every_built_in_loads_and_differs_from_the_others() {
    let themes: Vec<Theme> =
        BUILTIN_THEMES.iter().map(|(name, _)| Theme::load(name, &no_dir()).expect("built-in loads")).collect();
    for (i, a) in themes.iter().enumerate() {
        for b in themes.iter().skip(i + 1) {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn thin_client_themes_use_only_the_16_ansi_colours() {
    for name in ["basic16", "high-contrast"] {
        let theme = Theme::load(name, &no_dir()).expect("loads");
        for (role, style) in theme.styles() {
            assert!(is_basic16(style.fg) && is_basic16(style.bg), "{name}: [{role}] uses {style:?}");
        }
    }
}

#[test]
fn without_color_keeps_modifiers_and_keeps_roles_visible() {
    for (name, _) in BUILTIN_THEMES {
        let plain = Theme::load(name, &no_dir()).expect("loads").without_color();
        for (role, style) in plain.styles() {
            assert_eq!((style.fg, style.bg), (None, None), "{name}: [{role}] still has colour");
        }
        assert!(plain.selection(true).add_modifier.contains(Modifier::REVERSED), "{name}");
        assert!(plain.status_bar().add_modifier.contains(Modifier::REVERSED), "{name}");
        assert!(plain.style(Role::DiffDelete).add_modifier.contains(Modifier::CROSSED_OUT), "{name}");
    }
    assert!(Theme::dark().without_color().title().add_modifier.contains(Modifier::BOLD));
    assert_eq!(Theme::dark().without_color().muted(), Style::new().add_modifier(Modifier::DIM));
}

#[test]
fn a_file_overlays_only_what_it_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("mine.toml"), "[title]\nfg = \"#1e90ff\"\n\n[muted]\nitalic = true\n").expect("write");
    let mine = Theme::load("mine", dir.path()).expect("loads");
    let dark = Theme::dark();
    assert_eq!(mine.title(), Style::new().fg(Color::Rgb(0x1e, 0x90, 0xff)).add_modifier(Modifier::BOLD));
    assert_eq!(mine.muted(), dark.muted().add_modifier(Modifier::ITALIC));
    assert_eq!(mine.status_bar(), dark.status_bar());
}

#[test]
fn a_file_overrides_the_built_in_and_may_extend_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("light.toml"), "extends = \"light\"\n[warning]\nfg = \"red\"\n").expect("write");
    let light = Theme::load("light", &no_dir()).expect("built-in");
    let mine = Theme::load("light", dir.path()).expect("file");
    assert_eq!(mine.warning(), light.warning().fg(Color::Red));
    assert_eq!(mine.title(), light.title());
}

#[test]
fn extends_cycles_and_unknown_parents_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.toml"), "extends = \"b\"\n").expect("write");
    fs::write(dir.path().join("b.toml"), "extends = \"a\"\n").expect("write");
    fs::write(dir.path().join("c.toml"), "\n\nextends = \"nope\"\n").expect("write");
    let err = Theme::load("a", dir.path()).expect_err("cycle").to_string();
    assert!(err.contains("a → b → a"), "{err}");
    let err = Theme::load("c", dir.path()).expect_err("unknown parent").to_string();
    assert!(err.contains("c.toml:3: extends = \"nope\" is not a theme to extend: theme `nope` not found"), "{err}");
}

#[test]
fn names_that_could_leave_the_folder_are_refused() {
    for name in ["../etc/passwd", "", "a/b", "x.toml", "dark theme"] {
        let err = Theme::load(name, &no_dir()).expect_err(name);
        assert!(matches!(err, ThemeError::BadName { .. }), "{name}: {err}");
    }
    let err = Theme::load("solarized", &no_dir()).expect_err("missing").to_string();
    assert!(
        err.contains("theme `solarized` not found") && err.contains("dark, light, high-contrast, basic16"),
        "{err}"
    );
}

#[test]
fn available_lists_built_ins_and_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("solarized.toml"), "").expect("write");
    fs::write(dir.path().join("dark.toml"), "").expect("write");
    fs::write(dir.path().join("notes.txt"), "").expect("write");
    fs::write(dir.path().join("bad name.toml"), "").expect("write");
    assert_eq!(Theme::available(dir.path()), ["basic16", "dark", "high-contrast", "light", "solarized"]);
}

#[test]
fn meanings_map_to_roles() {
    let theme = Theme::dark();
    assert_eq!(theme.selection(false), theme.style(Role::SelectionUnfocused));
    assert_eq!(theme.border(true), theme.style(Role::BorderFocused));
    assert_eq!(theme.speaker(0), theme.speaker(2));
    assert_ne!(theme.speaker(0), theme.speaker(1));
    assert_eq!(theme.with_ascii_borders(true).border_set().top_left, "+");
    assert_eq!(theme.border_set(), border::PLAIN);
}
