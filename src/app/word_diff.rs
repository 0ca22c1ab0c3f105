//! Word-level diff of two texts (the original and an annotator's version) for the QA screen.

use similar::{ChangeTag, TextDiff};

/// One run of the diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// In both texts.
    Same(String),
    /// Only in the original.
    Removed(String),
    /// Only in the new version.
    Added(String),
}

/// The word diff from `old` to `new`, adjacent runs of the same kind merged. Words are Unicode
/// words, so scripts without spaces and combining marks diff sensibly.
pub fn word_diff(old: &str, new: &str) -> Vec<Piece> {
    let diff = TextDiff::configure().diff_unicode_words(old, new);
    let mut out: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match (out.last_mut(), change.tag()) {
            (Some(Piece::Same(run)), ChangeTag::Equal)
            | (Some(Piece::Removed(run)), ChangeTag::Delete)
            | (Some(Piece::Added(run)), ChangeTag::Insert) => run.push_str(text),
            (_, ChangeTag::Equal) => out.push(Piece::Same(text.to_string())),
            (_, ChangeTag::Delete) => out.push(Piece::Removed(text.to_string())),
            (_, ChangeTag::Insert) => out.push(Piece::Added(text.to_string())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_replaced_and_added_words() {
        let pieces = word_diff("my card number is [CARD]", "my new card number was [CARD]");
        assert_eq!(
            pieces,
            vec![
                Piece::Same("my ".into()),
                Piece::Added("new ".into()),
                Piece::Same("card number ".into()),
                Piece::Removed("is".into()),
                Piece::Added("was".into()),
                Piece::Same(" [CARD]".into()),
            ]
        );
    }

    #[test]
    fn identical_texts_are_one_run_and_diacritics_count() {
        assert_eq!(word_diff("xin chào", "xin chào"), vec![Piece::Same("xin chào".into())]);
        let pieces = word_diff("xin chào", "xin chao");
        assert!(pieces.contains(&Piece::Removed("chào".into())) && pieces.contains(&Piece::Added("chao".into())));
    }
}
