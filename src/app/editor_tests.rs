//! Tests for [`super::Editor`].

use proptest::prelude::*;
use unicode_segmentation::UnicodeSegmentation;

use super::*;

/// Editor over `marked` with the cursor where the `|` is (`|` never occurs in the scripts below).
fn ed(marked: &str) -> Editor {
    let at = marked.find('|').expect("marked text has a |");
    let mut e = Editor::new(&marked.replacen('|', "", 1));
    assert!(is_grapheme_boundary(&e.text, at), "bad test cursor in {marked:?}");
    e.cursor = at;
    e
}

/// The text with `|` at the cursor.
fn show(e: &Editor) -> String {
    format!("{}|{}", &e.text[..e.cursor], &e.text[e.cursor..])
}

fn is_grapheme_boundary(text: &str, at: usize) -> bool {
    text.is_char_boundary(at) && (at == text.len() || text.grapheme_indices(true).any(|(i, _)| i == at))
}

/// Applies `op` until it reports no movement, recording the state after each move.
fn walk(marked: &str, op: fn(&mut Editor) -> bool) -> Vec<String> {
    let mut e = ed(marked);
    let mut seen = Vec::new();
    while op(&mut e) {
        seen.push(show(&e));
        assert!(seen.len() < 100, "{marked:?} does not converge");
    }
    seen
}

fn type_chars(e: &mut Editor, text: &str) {
    for c in text.chars() {
        e.insert_str(&c.to_string());
    }
}

struct Script {
    name: &'static str,
    graphemes: &'static [&'static str],
    widths: &'static [usize],
}

impl Script {
    fn text(&self) -> String {
        self.graphemes.concat()
    }
}

const SCRIPTS: &[Script] = &[
    Script { name: "latin precomposed", graphemes: &["Ç", "a", " ", "d", "é", "j", "à"], widths: &[1; 7] },
    Script { name: "combining acute", graphemes: &["e\u{301}", "t", "e\u{301}"], widths: &[1, 1, 1] },
    Script { name: "vietnamese nfd", graphemes: &["V", "i", "e\u{302}\u{323}", "t"], widths: &[1; 4] },
    Script { name: "cjk", graphemes: &["你", "好", "，", "世", "界"], widths: &[2; 5] },
    Script { name: "zwj family", graphemes: &["a", "👨\u{200D}👩\u{200D}👧", "b"], widths: &[1, 2, 1] },
    Script { name: "flags", graphemes: &["🇩🇪", "🇫🇷"], widths: &[2, 2] },
    Script { name: "devanagari conjunct", graphemes: &["क्ष", "मा"], widths: &[2, 2] },
    Script { name: "arabic rtl", graphemes: &["سَ", "لَ", "ا", "م"], widths: &[1; 4] },
    Script { name: "hebrew rtl", graphemes: &["שָׁ", "ל", "וֹ", "ם"], widths: &[1; 4] },
    Script { name: "emoji modifiers", graphemes: &["👍🏽", "❤\u{FE0F}", "1\u{FE0F}\u{20E3}"], widths: &[2; 3] },
    Script { name: "zwj without vs16", graphemes: &["❤\u{200D}🔥", "🏃\u{200D}♂", "x"], widths: &[2, 2, 1] },
];

#[test]
fn scripts_segment_as_expected() {
    for s in SCRIPTS {
        let text = s.text();
        assert_eq!(text.graphemes(true).collect::<Vec<_>>(), s.graphemes, "{}", s.name);
        let widths: Vec<usize> = s.graphemes.iter().map(|g| grapheme_width(g)).collect();
        assert_eq!(widths, s.widths, "{}", s.name);
        assert_eq!(display_width(&text), s.widths.iter().sum::<usize>(), "{}", s.name);
    }
}

#[test]
fn right_steps_one_grapheme_and_tracks_column() {
    for s in SCRIPTS {
        let mut e = Editor::new(&s.text());
        assert!(e.home());
        let (mut at, mut col) = (0, 0);
        for (g, w) in s.graphemes.iter().zip(s.widths) {
            assert!(e.right(), "{}", s.name);
            assert_eq!(&e.text()[at..e.cursor()], *g, "{}", s.name);
            (at, col) = (e.cursor(), col + w);
            assert_eq!(e.cursor_col(), col, "{}", s.name);
        }
        assert!(!e.right(), "{}: right at the end moves", s.name);
        assert!(!e.end());
    }
}

#[test]
fn left_steps_back_one_grapheme() {
    for s in SCRIPTS {
        let mut e = Editor::new(&s.text());
        for g in s.graphemes.iter().rev() {
            let before = e.cursor();
            assert!(e.left(), "{}", s.name);
            assert_eq!(&e.text()[e.cursor()..before], *g, "{}", s.name);
        }
        assert!(!e.left(), "{}: left at the start moves", s.name);
        assert!(!e.home());
        assert!(e.end());
        assert_eq!(e.cursor(), e.text().len());
    }
}

#[test]
fn backspace_removes_the_logically_previous_grapheme() {
    for s in SCRIPTS {
        let mut e = Editor::new(&s.text());
        for n in (0..s.graphemes.len()).rev() {
            assert!(e.backspace(), "{}", s.name);
            assert_eq!(e.text(), s.graphemes[..n].concat(), "{}", s.name);
            assert_eq!(e.cursor(), e.text().len(), "{}", s.name);
        }
        assert!(!e.backspace());
    }
}

#[test]
fn delete_removes_the_next_grapheme() {
    for s in SCRIPTS {
        let mut e = Editor::new(&s.text());
        e.home();
        for n in 1..=s.graphemes.len() {
            assert!(e.delete(), "{}", s.name);
            assert_eq!(e.text(), s.graphemes[n..].concat(), "{}", s.name);
            assert_eq!(e.cursor(), 0, "{}", s.name);
        }
        assert!(!e.delete());
    }
}

#[test]
fn typing_code_point_by_code_point_builds_whole_graphemes() {
    for s in SCRIPTS {
        let text = s.text();
        let mut e = Editor::new("");
        for c in text.chars() {
            assert!(e.insert_str(&c.to_string()));
            assert_eq!(e.cursor(), e.text().len(), "{}", s.name);
        }
        assert_eq!(e.text(), text, "{}", s.name);
        assert_eq!(e.cursor_col(), s.widths.iter().sum::<usize>(), "{}", s.name);
        while e.undo() {}
        assert_eq!(e.text(), "", "{}", s.name);
    }
}

#[test]
fn insert_at_every_boundary() {
    for s in SCRIPTS {
        for k in 0..=s.graphemes.len() {
            let (before, after) = (s.graphemes[..k].concat(), s.graphemes[k..].concat());
            let mut e = ed(&format!("{before}|{after}"));
            assert!(e.insert_str("x"));
            assert_eq!(e.text(), format!("{before}x{after}"), "{} at {k}", s.name);
            assert_eq!(e.cursor(), before.len() + 1, "{} at {k}", s.name);
        }
    }
}

#[test]
fn widths() {
    let cases = [
        ("", 0),
        ("abc", 3),
        ("日本語", 6),
        ("e\u{301}", 1),
        ("Vie\u{302}\u{323}t", 4),
        ("❤\u{200D}🔥", 2),
        ("🏃\u{200D}♂", 2),
        ("👨\u{200D}👩\u{200D}👧", 2),
        ("🏳\u{FE0F}\u{200D}🌈", 2),
        ("☺\u{FE0F}", 2),
        ("1\u{FE0F}\u{20E3}", 2),
        ("x\u{FE0F}", 1),
        ("a\u{200D}", 1),
        ("क्\u{200D}ष", 2),
        ("र्\u{200D}", 1),
        ("ل\u{200D}", 1),
        ("\u{200D}", 0),
        ("\u{FE0F}", 0),
        ("\u{301}", 0),
        ("مرحبا", 5),
        ("a👨\u{200D}👩\u{200D}👧🇩🇪b", 6),
    ];
    for (text, width) in cases {
        assert_eq!(display_width(text), width, "{text:?}");
    }
}

#[test]
fn sanitizes_typed_and_pasted_text() {
    let cases = [
        ("a\r\nb", "a b"),
        ("a\nb\rc", "a b c"),
        ("a\n\n\r\nb", "a b"),
        ("a\u{85}b\u{2028}c\u{2029}d", "a b c d"),
        ("a\tb\t\tc", "a b  c"),
        ("\u{1b}[31mred\u{1b}[0m", "[31mred[0m"),
        ("a\u{7f}b\u{9b}c\u{0}", "abc"),
        ("x\n\u{1b}\ny", "x y"),
        ("\u{200F}שלום\u{200E}", "\u{200F}שלום\u{200E}"),
    ];
    for (input, expected) in cases {
        let mut e = Editor::new("");
        e.insert_str(input);
        assert_eq!(e.text(), expected, "{input:?}");
        let e = Editor::new(input);
        assert_eq!(e.text(), expected, "{input:?}");
        assert!(!e.is_modified(), "normalising in new() is not an edit: {input:?}");
    }
    let mut e = Editor::new("a");
    assert!(!e.insert_str("\u{1b}\u{7}"));
    assert!(!e.undo(), "an insert that adds nothing is no undo step");
}

#[test]
fn cursor_stays_on_a_boundary_when_graphemes_merge() {
    // A base typed before a lone combining accent joins it; the cursor goes after the pair.
    let mut e = ed("|\u{301}");
    e.insert_str("e");
    assert_eq!((e.text(), e.cursor()), ("e\u{301}", 3));
    // Deleting the `a` lets the Hangul jamo join the syllable: one grapheme, cursor after it.
    let mut e = ed("ᄀa|가");
    assert!(e.backspace());
    assert_eq!((e.text(), e.cursor()), ("ᄀ가", "ᄀ가".len()));
    let mut e = ed("ᄀ|a가");
    assert!(e.delete());
    assert_eq!((e.text(), e.cursor()), ("ᄀ가", "ᄀ가".len()));
    // A regional indicator inserted before a flag re-pairs the indicators.
    let mut e = ed("|🇩🇪🇫");
    e.insert_str("🇽");
    assert_eq!((show(&e).as_str(), e.cursor()), ("🇽🇩|🇪🇫", 8));
}

#[test]
fn word_right() {
    let cases: &[(&str, &[&str])] = &[
        ("|hello, world", &["hello|, world", "hello, world|"]),
        ("hel|lo world", &["hello| world", "hello world|"]),
        ("|don't stop 3.14", &["don't| stop 3.14", "don't stop| 3.14", "don't stop 3.14|"]),
        (
            "|Xin cha\u{300}o Vie\u{302}\u{323}t",
            &[
                "Xin| cha\u{300}o Vie\u{302}\u{323}t",
                "Xin cha\u{300}o| Vie\u{302}\u{323}t",
                "Xin cha\u{300}o Vie\u{302}\u{323}t|",
            ],
        ),
        ("|你好，世界", &["你|好，世界", "你好|，世界", "你好，世|界", "你好，世界|"]),
        ("|ok 👍 done", &["ok| 👍 done", "ok 👍 done|"]),
        ("|🇩🇪 🇫🇷", &["🇩🇪 🇫🇷|"]),
        ("|नमस्ते दुनिया", &["नमस्ते| दुनिया", "नमस्ते दुनिया|"]),
        ("|سَلَام عليكم", &["سَلَام| عليكم", "سَلَام عليكم|"]),
        ("|שָׁלוֹם, עוֹלָם", &["שָׁלוֹם|, עוֹלָם", "שָׁלוֹם, עוֹלָם|"]),
        // The word ends inside the grapheme U+0600 + 你: the cursor goes past the whole grapheme.
        ("|ab\u{600}你", &["ab\u{600}你|"]),
        ("done|", &[]),
    ];
    for (start, expected) in cases {
        assert_eq!(walk(start, Editor::word_right), *expected, "{start:?}");
    }
}

#[test]
fn word_left() {
    let cases: &[(&str, &[&str])] = &[
        ("hello, world|", &["hello, |world", "|hello, world"]),
        ("hello wo|rld", &["hello |world", "|hello world"]),
        ("don't stop 3.14|", &["don't stop |3.14", "don't |stop 3.14", "|don't stop 3.14"]),
        ("你好，世界|", &["你好，世|界", "你好，|世界", "你|好，世界", "|你好，世界"]),
        ("ok 👍 done|", &["ok 👍 |done", "|ok 👍 done"]),
        ("🇩🇪 🇫🇷|", &["|🇩🇪 🇫🇷"]),
        ("नमस्ते दुनिया|", &["नमस्ते |दुनिया", "|नमस्ते दुनिया"]),
        ("سَلَام عليكم|", &["سَلَام |عليكم", "|سَلَام عليكم"]),
        ("שָׁלוֹם, עוֹלָם|", &["שָׁלוֹם, |עוֹלָם", "|שָׁלוֹם, עוֹלָם"]),
        // A word starts inside the grapheme U+0600 + 你 (U+0600 prepends): never split the grapheme.
        ("ab\u{600}你|", &["ab|\u{600}你", "|ab\u{600}你"]),
        ("|start", &[]),
    ];
    for (start, expected) in cases {
        assert_eq!(walk(start, Editor::word_left), *expected, "{start:?}");
    }
}

#[test]
fn delete_word_left() {
    let cases = [
        ("hello, world|", "hello, |"),
        ("hello, |", "|"),
        ("hello wo|rld", "hello |rld"),
        ("ok 👍 |done", "|done"),
        ("你好|世界", "你|世界"),
        ("Xin cha\u{300}o|", "Xin |"),
        ("नमस्ते दुनिया|", "नमस्ते |"),
        ("سَلَام عليكم|", "سَلَام |"),
        ("שָׁלוֹם עוֹלָם|", "שָׁלוֹם |"),
        ("a👨\u{200D}👩\u{200D}👧 b|", "a👨\u{200D}👩\u{200D}👧 |"),
        ("  |", "|"),
    ];
    for (start, expected) in cases {
        let mut e = ed(start);
        assert!(e.delete_word_left(), "{start:?}");
        assert_eq!(show(&e), expected, "{start:?}");
        assert!(e.undo());
        assert_eq!(show(&e), start, "{start:?}");
    }
    assert!(!ed("|abc").delete_word_left());
}

#[test]
fn typing_coalesces_until_whitespace() {
    let mut e = Editor::new("");
    type_chars(&mut e, "hello world");
    assert!(e.undo());
    assert_eq!(show(&e), "hello|");
    assert!(e.undo());
    assert_eq!(show(&e), "|");
    assert!(!e.undo());
    assert!(e.redo());
    assert_eq!(show(&e), "hello|");
    assert!(e.redo());
    assert_eq!(show(&e), "hello world|");
    assert!(!e.redo());
}

#[test]
fn typing_scripts_is_one_step_per_word() {
    for word in ["你好世界", "שלום", "مرحبا", "e\u{301}te\u{301}", "क्षमा", "👨\u{200D}👩\u{200D}👧🇩🇪"]
    {
        let mut e = Editor::new("x ");
        type_chars(&mut e, word);
        assert!(e.undo(), "{word:?}");
        assert_eq!(show(&e), "x |", "{word:?}");
    }
}

#[test]
fn cursor_jumps_break_coalescing() {
    let mut e = Editor::new("");
    type_chars(&mut e, "ab");
    e.left();
    e.right();
    type_chars(&mut e, "c");
    assert!(e.undo());
    assert_eq!(show(&e), "ab|");

    let mut e = Editor::new("");
    type_chars(&mut e, "ab");
    e.home();
    type_chars(&mut e, "xy");
    assert!(e.undo());
    assert_eq!(show(&e), "|ab");
    assert!(e.undo());
    assert_eq!(show(&e), "|");
}

#[test]
fn paste_and_deletions_are_separate_steps() {
    let mut e = Editor::new("");
    type_chars(&mut e, "a");
    e.insert_str("bc");
    type_chars(&mut e, "d");
    e.backspace();
    e.backspace();
    for expected in ["abc|", "abcd|", "abc|", "a|", "|"] {
        assert!(e.undo());
        assert_eq!(show(&e), expected);
    }
    assert!(!e.undo());
}

#[test]
fn undo_restores_cursor_and_edits_clear_redo() {
    let mut e = ed("ab|cd");
    e.insert_str("x");
    e.end();
    assert!(e.undo());
    assert_eq!(show(&e), "ab|cd");
    assert!(e.redo(), "redo returns to the state undo left, cursor included");
    assert_eq!(show(&e), "abxcd|");
    e.undo();
    e.insert_str("y");
    assert!(!e.redo());
    assert_eq!(show(&e), "aby|cd");
}

#[test]
fn history_is_capped() {
    let mut e = Editor::new("");
    for _ in 0..UNDO_LIMIT + 50 {
        e.insert_str(" ");
    }
    let mut undone = 0;
    while e.undo() {
        undone += 1;
    }
    assert_eq!(undone, UNDO_LIMIT);
    assert_eq!(e.text(), " ".repeat(50));
}

#[test]
fn modified_tracks_the_saved_text() {
    let mut e = Editor::new("abc");
    assert!(!e.is_modified());
    e.insert_str("d");
    assert!(e.is_modified());
    e.undo();
    assert!(!e.is_modified());
    e.redo();
    assert!(e.is_modified());
    e.mark_saved();
    assert!(!e.is_modified());
    e.undo();
    assert!(e.is_modified());
    e.left();
    assert!(e.is_modified());
}

#[test]
fn visible_window_cases() {
    let digits = "0123456789".repeat(10);
    let long = format!("{}|{}", &digits[..25], &digits[25..]);
    let cases = [
        ("hel|lo", 10, "hello", 3),
        ("hello|", 6, "hello", 5),
        ("hello|", 5, "llo", 3),
        ("abc|", 0, "", 0),
        (long.as_str(), 20, &digits[10..30], 15),
        ("|你好世界", 5, "你好", 0),
        ("你好|世界", 5, "好世", 2),
        ("你好世|界", 4, "世界", 2),
        ("a|你", 2, "你", 0),
        ("|你", 1, "", 0),
        ("ab|👨\u{200D}👩\u{200D}👧", 3, "b👨\u{200D}👩\u{200D}👧", 1),
        ("🇩🇪🇫🇷|", 4, "🇫🇷", 2),
        ("שלום עולם|", 6, "ולם", 3),
        ("e\u{301}e\u{301}|e\u{301}", 2, "e\u{301}e\u{301}", 1),
    ];
    for (marked, width, window, col) in cases {
        let e = ed(marked);
        let (start, end, got_col) = e.visible_window(width);
        assert_eq!((&e.text()[start..end], got_col), (window, col), "{marked:?} in {width}");
    }
}

#[test]
fn visible_window_scrolls_in_half_field_steps() {
    let mut e = Editor::new(&"abcdefghij".repeat(10));
    e.home();
    let mut starts = Vec::new();
    loop {
        let (start, _, col) = e.visible_window(20);
        assert_eq!(e.text()[..start].len() % 10, 0, "start {start} not on a 10-column step");
        assert!(start == 0 || (10..20).contains(&col), "cursor col {col} outside the right half");
        starts.push(start);
        if !e.right() {
            break;
        }
    }
    starts.dedup();
    assert_eq!(starts, (0..=9).map(|k| k * 10).collect::<Vec<_>>());
}

#[path = "editor_props.rs"]
mod props;
