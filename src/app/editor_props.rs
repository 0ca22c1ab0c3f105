//! Property tests of the editor: random edits on tricky text keep every invariant.

use super::*;

/// Pieces random texts are built from, with the troublesome ones well represented.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "x",
    " ",
    "  ",
    ",",
    ".",
    "'",
    "-",
    "é",
    "e",
    "\u{301}",
    "\u{302}",
    "\u{323}",
    "你",
    "好",
    "，",
    "👨\u{200D}👩\u{200D}👧",
    "\u{200D}",
    "👍",
    "🏽",
    "❤",
    "\u{FE0F}",
    "🔥",
    "🇩",
    "🇪",
    "🇩🇪",
    "क",
    "्",
    "ष",
    "ा",
    "م",
    "ر",
    "\u{64e}",
    "ש",
    "\u{5b8}",
    "\u{600}",
    "1",
    "\u{20E3}",
    "ᄀ",
    "가",
    "\u{200B}",
    "\u{202E}",
    "\u{200F}",
    "\t",
    "\n",
    "\r\n",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
];

fn tricky_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..16).prop_map(|p| p.concat())
}

#[derive(Debug, Clone)]
enum Op {
    Insert(String),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    WordLeft,
    WordRight,
    DeleteWordLeft,
    Undo,
    Redo,
    MarkSaved,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop::sample::select(PIECES).prop_map(|p| Op::Insert(p.to_owned())),
        1 => tricky_text().prop_map(Op::Insert),
        2 => Just(Op::Backspace),
        2 => Just(Op::Delete),
        3 => Just(Op::Left),
        3 => Just(Op::Right),
        1 => Just(Op::Home),
        1 => Just(Op::End),
        2 => Just(Op::WordLeft),
        2 => Just(Op::WordRight),
        1 => Just(Op::DeleteWordLeft),
        2 => Just(Op::Undo),
        1 => Just(Op::Redo),
        1 => Just(Op::MarkSaved),
    ]
}

fn apply(e: &mut Editor, op: &Op) -> Result<(), TestCaseError> {
    let (text, cursor) = (e.text.clone(), e.cursor);
    let prev = text[..cursor].graphemes(true).next_back().map_or(0, str::len);
    let next = text[cursor..].graphemes(true).next().map_or(0, str::len);
    match op {
        Op::Insert(s) => {
            e.insert_str(s);
            prop_assert_eq!(e.text(), format!("{}{}{}", &text[..cursor], sanitize(s), &text[cursor..]));
        }
        Op::Backspace => {
            prop_assert_eq!(e.backspace(), prev > 0);
            prop_assert_eq!(e.text(), format!("{}{}", &text[..cursor - prev], &text[cursor..]));
        }
        Op::Delete => {
            prop_assert_eq!(e.delete(), next > 0);
            prop_assert_eq!(e.text(), format!("{}{}", &text[..cursor], &text[cursor + next..]));
        }
        Op::Left => {
            prop_assert_eq!(e.left(), prev > 0);
            prop_assert_eq!(e.cursor, cursor - prev);
            if prev > 0 {
                e.right();
                prop_assert_eq!(e.cursor, cursor, "right undoes left");
                e.left();
            }
        }
        Op::Right => {
            prop_assert_eq!(e.right(), next > 0);
            prop_assert_eq!(e.cursor, cursor + next);
        }
        Op::Home => {
            e.home();
            prop_assert_eq!(e.cursor, 0);
        }
        Op::End => {
            e.end();
            prop_assert_eq!(e.cursor, text.len());
        }
        Op::WordLeft => {
            prop_assert_eq!(e.word_left(), cursor > 0);
            prop_assert!(e.cursor < cursor || cursor == 0);
        }
        Op::WordRight => {
            prop_assert_eq!(e.word_right(), cursor < text.len());
            prop_assert!(e.cursor > cursor || cursor == text.len());
        }
        Op::DeleteWordLeft => {
            prop_assert_eq!(e.delete_word_left(), cursor > 0);
            let kept = cursor - (text.len() - e.text.len());
            let expected = text.get(..kept).map(|head| format!("{head}{}", &text[cursor..]));
            prop_assert_eq!(Some(e.text()), expected.as_deref());
        }
        Op::Undo => {
            e.undo();
        }
        Op::Redo => {
            e.redo();
        }
        Op::MarkSaved => {
            e.mark_saved();
            prop_assert!(!e.is_modified());
        }
    }
    Ok(())
}

fn check_invariants(e: &Editor) -> Result<(), TestCaseError> {
    prop_assert!(is_grapheme_boundary(&e.text, e.cursor), "cursor {} in {:?}", e.cursor, e.text);
    prop_assert!(!e.text.contains(char::is_control), "control character in {:?}", e.text);
    prop_assert_eq!(e.cursor_col(), display_width(&e.text[..e.cursor]));
    for width in (0..=8).chain([11, 20, 80]) {
        let (start, end, col) = e.visible_window(width);
        prop_assert!(start <= e.cursor && e.cursor <= end, "window {}..{} misses cursor", start, end);
        prop_assert!(is_grapheme_boundary(&e.text, start) && is_grapheme_boundary(&e.text, end));
        prop_assert!(display_width(&e.text[start..end]) <= width, "window too wide for {}", width);
        prop_assert_eq!(col, display_width(&e.text[start..e.cursor]));
        prop_assert!(width == 0 || col < width, "cursor col {} not inside {}", col, width);
    }
    Ok(())
}

proptest! {
    #[test]
    fn random_editing_keeps_invariants(initial in tricky_text(), ops in prop::collection::vec(op(), 0..64)) {
        let mut e = Editor::new(&initial);
        let original = e.text.clone();
        prop_assert_eq!(&original, &sanitize(&initial));
        check_invariants(&e)?;
        for op in &ops {
            apply(&mut e, op)?;
            check_invariants(&e)?;
        }
        let last = e.text.clone();
        let mut undone = 0;
        while e.undo() {
            undone += 1;
            check_invariants(&e)?;
        }
        prop_assert_eq!(&e.text, &original, "undo all");
        for _ in 0..undone {
            prop_assert!(e.redo());
            check_invariants(&e)?;
        }
        prop_assert_eq!(&e.text, &last, "redo all");
    }
}
