//! Accent folding: the text every detector reads.
//!
//! Detectors match on a *folded* copy of the input in which precomposed Latin letters lose their
//! diacritics (`é` → `e`, `Đ` → `D`), combining diacritical marks are dropped (so NFD input folds
//! the same as NFC) and typographic apostrophes become `'`. Case, digits, spacing and every other
//! script (Devanagari vowel signs included) are kept. Patterns are therefore written once, without
//! accents, and work on NFC and NFD text alike. A byte offset into the folded text maps back to a
//! char offset into the original; an end offset includes the marks of the last char.

use std::borrow::Cow;
use std::sync::LazyLock;

/// Precomposed Latin letters, sorted by code point (generated from Unicode NFD data).
const FOLD_FROM: &str = concat!(
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄ",
    "ąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŁłŃńŅņŇň",
    "ŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕ",
    "ǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩ",
    "ȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱ",
    "ḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭ",
    "ṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẠạẢảẤấẦầẨẩẪẫẬậẮắ",
    "ẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừ",
    "ỬửỮữỰựỲỳỴỵỶỷỸỹ",
);

/// The base letter of each char of [`FOLD_FROM`], in the same order.
const FOLD_TO: &str = concat!(
    "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaA",
    "aCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhIiIiIiIiIJjKkLlLlLlLlNnNnNn",
    "OoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuU",
    "uUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEe",
    "OoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKk",
    "KkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTt",
    "TtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyAaAaAaAaAaAaAaAa",
    "AaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUu",
    "UuUuUuYyYyYyYy",
);

/// `(precomposed, base)` pairs sorted by the precomposed char, for binary search.
static TABLE: LazyLock<Vec<(char, char)>> = LazyLock::new(|| FOLD_FROM.chars().zip(FOLD_TO.chars()).collect());

/// Whether `c` is a combining diacritical mark that folding drops.
fn is_diacritic(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Folds one char: Latin letters lose diacritics, typographic apostrophes become `'`.
pub(crate) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    if matches!(c, '\u{2019}' | '\u{2018}' | '\u{2BC}') {
        return '\'';
    }
    match TABLE.binary_search_by_key(&c, |&(from, _)| from) {
        Ok(i) => TABLE[i].1,
        Err(_) => c,
    }
}

/// Folds a whole string (no offset map); used for dictionaries and lexicons.
pub(crate) fn fold_str(text: &str) -> String {
    text.chars().filter(|&c| !is_diacritic(c)).map(fold_char).collect()
}

/// The folded text plus the way back to char offsets of the original.
pub(crate) struct Folded<'a> {
    /// The folded text.
    text: Cow<'a, str>,
    /// Original char index at each folded byte offset that starts a char (and at the end);
    /// `None` when the input is ASCII, where folding is the identity and bytes are chars.
    map: Option<Vec<u32>>,
}

impl<'a> Folded<'a> {
    /// Folds `original`.
    pub(crate) fn new(original: &'a str) -> Self {
        if original.is_ascii() {
            return Self { text: Cow::Borrowed(original), map: None };
        }
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len() + 1);
        let mut index = 0u32;
        for c in original.chars() {
            if !is_diacritic(c) {
                // Every byte of the folded char maps to its original index; only the first is read.
                text.push(fold_char(c));
                map.resize(text.len(), index);
            }
            index += 1;
        }
        map.push(index);
        Self { text: Cow::Owned(text), map: Some(map) }
    }

    /// The folded text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The original char offset of a folded byte offset (a char boundary or the end).
    pub(crate) fn char_offset(&self, byte: usize) -> usize {
        match &self.map {
            None => byte,
            Some(map) => map.get(byte).copied().unwrap_or(u32::MAX) as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_keeps_other_scripts() {
        assert_eq!(fold_str("Müller-Großmann, Ibáñez, Đức, जी"), "Muller-Großmann, Ibanez, Duc, जी");
        assert_eq!(fold_str("je m’appelle"), "je m'appelle");
    }

    #[test]
    fn nfd_and_nfc_fold_alike_and_map_back() {
        let nfd = "Te\u{302}n: Nguye\u{302}\u{303}n";
        let folded = Folded::new(nfd);
        assert_eq!(folded.text(), "Ten: Nguyen");
        let start = folded.text().find("Nguyen").expect("present");
        assert_eq!(folded.char_offset(start), 6);
        // The end includes the trailing marks of the last letter.
        assert_eq!(folded.char_offset(folded.text().len()), nfd.chars().count());
        let nfc = Folded::new("Tên: Nguyễn");
        assert_eq!(nfc.text(), "Ten: Nguyen");
        assert_eq!(nfc.char_offset(nfc.text().len()), 11);
    }
}
