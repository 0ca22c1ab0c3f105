//! Theme files: TOML walked with spans, so every error names FILE:LINE, the key and the value as written.

use super::{Role, ThemeError};
use ratatui::style::{Color, Modifier, Style};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Modifier keys of a role table.
const MODIFIERS: [(&str, Modifier); 6] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underline", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("crossed_out", Modifier::CROSSED_OUT),
];

const COLOUR_HINT: &str = "a colour: use a name like \"blue\" or \"dark_gray\", \"#1e90ff\", 0-255, or \"default\"";

/// The parsed content of one theme file.
pub(super) struct ThemeFile {
    /// `extends = "NAME"`: the theme this file overlays instead of the dark defaults.
    pub extends: Option<Parent>,
    /// What the file changes, role by role.
    pub overlays: Vec<(Role, Overlay)>,
}

/// The `extends` line of a theme file.
pub(super) struct Parent {
    /// The theme name.
    pub name: String,
    /// The value as written, for error messages.
    pub written: String,
    /// 1-based line of the value.
    pub line: usize,
}

/// Changes to one role's style: named fields replace, others are kept.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Overlay {
    /// New foreground; `Some(None)` clears it (`"default"`).
    fg: Option<Option<Color>>,
    /// New background; `Some(None)` clears it.
    bg: Option<Option<Color>>,
    /// Modifiers set to `true`.
    add: Modifier,
    /// Modifiers set to `false`.
    remove: Modifier,
}

impl Overlay {
    /// `base` with this overlay's changes.
    pub fn apply(self, base: Style) -> Style {
        let mut style = Style::new();
        style.fg = self.fg.unwrap_or(base.fg);
        style.bg = self.bg.unwrap_or(base.bg);
        style.add_modifier = base.add_modifier.union(self.add).difference(self.remove);
        style
    }
}

/// "bold, dim, …, or crossed_out", for error messages.
pub(super) fn modifier_names() -> String {
    let names: Vec<&str> = MODIFIERS.iter().map(|(name, _)| *name).collect();
    match names.split_last() {
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Where errors point.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        let offset = span.start.min(self.text.len());
        self.text.get(..offset).unwrap_or("").matches('\n').count() + 1
    }

    fn written(&self, span: &Range<usize>) -> String {
        self.text.get(span.clone()).unwrap_or("?").to_string()
    }

    fn bad_value(&self, key: String, value: &Spanned<DeValue<'_>>, expected: String) -> ThemeError {
        ThemeError::BadValue {
            path: self.path.to_path_buf(),
            line: self.line(&value.span()),
            key,
            value: self.written(&value.span()),
            expected,
        }
    }
}

/// Parses a theme file; `path` is only used in error messages.
pub(super) fn parse(text: &str, path: &Path) -> Result<ThemeFile, ThemeError> {
    let src = Source { text, path };
    let doc = DeTable::parse(text).map_err(|err| {
        let line = src.line(&err.span().unwrap_or(0..0));
        let snippet = text.lines().nth(line - 1).unwrap_or("").to_string();
        ThemeError::Syntax { path: path.to_path_buf(), line, message: err.message().trim().to_string(), snippet }
    })?;
    let mut file = ThemeFile { extends: None, overlays: Vec::new() };
    for (key, value) in doc.get_ref() {
        let name: &str = key.get_ref();
        if name == "extends" {
            let DeValue::String(parent) = value.get_ref() else {
                let hint = "a theme name in quotes, e.g. extends = \"light\"".to_string();
                return Err(src.bad_value("extends".into(), value, hint));
            };
            let line = src.line(&value.span());
            file.extends = Some(Parent { name: parent.to_string(), written: src.written(&value.span()), line });
            continue;
        }
        let Some(&role) = Role::ALL.iter().find(|r| r.name() == name) else {
            return Err(ThemeError::UnknownRole {
                path: path.to_path_buf(),
                line: src.line(&key.span()),
                role: name.to_string(),
            });
        };
        let DeValue::Table(table) = value.get_ref() else {
            let hint = format!("a table of style keys: write [{name}] and then lines like fg = \"cyan\"");
            return Err(src.bad_value(name.to_string(), value, hint));
        };
        file.overlays.push((role, overlay(&src, role, table)?));
    }
    Ok(file)
}

fn overlay(src: &Source<'_>, role: Role, table: &DeTable<'_>) -> Result<Overlay, ThemeError> {
    let mut overlay = Overlay::default();
    for (key, value) in table {
        let name: &str = key.get_ref();
        let where_ = || format!("[{}] {name}", role.name());
        match name {
            "fg" | "bg" => {
                let colour =
                    colour(value.get_ref()).ok_or_else(|| src.bad_value(where_(), value, COLOUR_HINT.into()))?;
                if name == "fg" {
                    overlay.fg = Some(colour);
                } else {
                    overlay.bg = Some(colour);
                }
            }
            _ => {
                let Some(&(_, modifier)) = MODIFIERS.iter().find(|(m, _)| *m == name) else {
                    return Err(ThemeError::UnknownKey {
                        path: src.path.to_path_buf(),
                        line: src.line(&key.span()),
                        role: role.name().to_string(),
                        key: name.to_string(),
                    });
                };
                match value.get_ref() {
                    DeValue::Boolean(true) => overlay.add.insert(modifier),
                    DeValue::Boolean(false) => overlay.remove.insert(modifier),
                    _ => return Err(src.bad_value(where_(), value, "true or false".into())),
                }
            }
        }
    }
    Ok(overlay)
}

/// A colour value: `Some(None)` for `"default"` (no colour of its own).
fn colour(value: &DeValue<'_>) -> Option<Option<Color>> {
    match value {
        DeValue::Integer(int) => {
            let n = i64::from_str_radix(int.as_str(), int.radix()).ok()?;
            u8::try_from(n).ok().map(|index| Some(Color::Indexed(index)))
        }
        DeValue::String(text) => {
            let text = text.trim();
            if text.eq_ignore_ascii_case("default") || text.eq_ignore_ascii_case("none") {
                Some(None)
            } else if text.is_empty() {
                None
            } else {
                text.parse::<Color>().ok().map(Some)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_documented_form() {
        let cases: [(&str, Option<Option<Color>>); 9] = [
            ("\"blue\"", Some(Some(Color::Blue))),
            ("\"dark_gray\"", Some(Some(Color::DarkGray))),
            ("\"bright_red\"", Some(Some(Color::LightRed))),
            ("\"#1e90ff\"", Some(Some(Color::Rgb(0x1e, 0x90, 0xff)))),
            ("208", Some(Some(Color::Indexed(208)))),
            ("\"default\"", Some(None)),
            ("256", None),
            ("\"bluish\"", None),
            ("true", None),
        ];
        for (written, expected) in cases {
            let text = format!("x = {written}");
            let doc = DeTable::parse(&text).expect("toml");
            let value = doc.get_ref().get("x").expect("x");
            assert_eq!(colour(value.get_ref()), expected, "{written}");
        }
    }

    #[test]
    fn overlay_keeps_what_it_does_not_name() {
        let base = Style::new().fg(Color::Cyan).bg(Color::Blue).add_modifier(Modifier::BOLD | Modifier::ITALIC);
        let overlay =
            Overlay { fg: Some(Some(Color::Red)), bg: Some(None), add: Modifier::DIM, remove: Modifier::BOLD };
        let want = Style::new().fg(Color::Red).add_modifier(Modifier::ITALIC | Modifier::DIM);
        assert_eq!(overlay.apply(base), want);
        assert_eq!(Overlay::default().apply(base), base);
    }
}
