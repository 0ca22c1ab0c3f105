//! Small helpers shared by the detectors: scanning with retries, neighbouring chars, digits and
//! the context words before a match.

use regex::Regex;

/// A consumed left word boundary: start of text or a char that is not a letter, digit or `_`.
///
/// Patterns avoid `\b`: a Unicode word boundary makes the regex engine give up its fast lazy DFA
/// on non-ASCII text. Patterns consume this boundary (and use a capture group for the span) or
/// check [`isolated`] on the match instead.
pub(crate) const START: &str = r"(?:^|[^\p{L}\p{N}_])";

/// A consumed right word boundary (see [`START`]).
pub(crate) const END: &str = r"(?:[^\p{L}\p{N}_]|$)";

/// Compiles a pattern that is a compile-time constant of this module.
pub(crate) fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("PII patterns are constants covered by the unit tests")
}

/// Calls `check(start, end)` for each match of `re` in `t`, leftmost first, non-overlapping.
/// Right for numbers and streets, whose matches `check` may reject: a match starting inside a
/// rejected one would be glued to it and rejected too (see [`scan_retry`] otherwise).
pub(crate) fn scan(re: &Regex, t: &str, mut check: impl FnMut(usize, usize)) {
    for m in re.find_iter(t) {
        check(m.start(), m.end());
    }
}

/// Like [`scan`], but when `accept` rejects a match the search resumes one char after its start,
/// so a valid match that begins inside a rejected one is still found (spoken e-mail addresses:
/// "write to me at john dot smith at gmail dot com").
pub(crate) fn scan_retry(re: &Regex, t: &str, mut accept: impl FnMut(usize, usize) -> bool) {
    let mut pos = 0;
    while pos <= t.len() {
        let Some(m) = re.find_at(t, pos) else { break };
        if m.end() > m.start() && accept(m.start(), m.end()) {
            pos = m.end();
        } else {
            pos = next_boundary(t, m.start());
        }
    }
}

/// The byte offset of the char after the one at `i` (or `t.len() + 1` at the end).
pub(crate) fn next_boundary(t: &str, i: usize) -> usize {
    i + t[i..].chars().next().map_or(1, char::len_utf8)
}

/// The char before byte offset `i`.
pub(crate) fn prev_char(t: &str, i: usize) -> Option<char> {
    t[..i].chars().next_back()
}

/// The char at byte offset `i`.
pub(crate) fn next_char(t: &str, i: usize) -> Option<char> {
    t[i..].chars().next()
}

/// Whether `start..end` is not glued to a letter or digit on either side. CJK ideographs and
/// kana do not glue: those scripts write numbers and names without spaces ("电话是138…").
pub(crate) fn isolated(t: &str, start: usize, end: usize) -> bool {
    !prev_char(t, start).is_some_and(glues) && !next_char(t, end).is_some_and(glues)
}

/// Whether `c` would continue a word or number it touches.
pub(crate) fn glues(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// Whether `c` is a CJK ideograph or Japanese kana.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// Whether the number at `start..end` continues a longer number on either side, through one of
/// `joiners` (e.g. `.` in `2.1.0.7`, or a space in a longer group of digits).
pub(crate) fn glued_to_number(t: &str, start: usize, end: usize, joiners: &str) -> bool {
    let before = t[..start].chars().rev().take(2).collect::<Vec<_>>();
    let after = t[end..].chars().take(2).collect::<Vec<_>>();
    let glued = |pair: &[char]| pair.len() == 2 && joiners.contains(pair[0]) && pair[1].is_numeric();
    glued(&before) || glued(&after)
}

/// Number of decimal digits (any script).
pub(crate) fn count_digits(s: &str) -> usize {
    s.chars().filter(|c| c.is_numeric()).count()
}

/// The value of a decimal digit in ASCII or a common Indic, Arabic, Thai or full-width script.
pub(crate) fn digit_value(c: char) -> Option<u32> {
    const ZEROS: [u32; 15] =
        [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xE50, 0xED0, 0xFF10];
    let cp = c as u32;
    ZEROS.iter().find(|&&zero| (zero..zero + 10).contains(&cp)).map(|zero| cp - zero)
}

/// The ASCII digits of `s` (any script converted), skipping everything else.
pub(crate) fn ascii_digits(s: &str) -> String {
    s.chars().filter_map(digit_value).filter_map(|d| char::from_digit(d, 10)).collect()
}

/// Up to `n` words before byte offset `i`, nearest first, lower-cased, stopping at the start of
/// the clause (`.`, `!`, `?`, `;`, `:` or a newline) and looking back at most 120 bytes.
pub(crate) fn words_before(t: &str, i: usize, n: usize) -> Vec<String> {
    let mut from = i.saturating_sub(120);
    while !t.is_char_boundary(from) {
        from += 1;
    }
    let head = &t[from..i];
    // The danda (।) is three bytes: step over the whole separator, not one byte.
    let clause_start = head
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, '.' | '!' | '?' | ';' | ':' | '\n' | '।'))
        .map_or(0, |(p, c)| p + c.len_utf8());
    head[clause_start..]
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .rev()
        .take(n)
        .map(str::to_lowercase)
        .collect()
}

/// Words that announce an identifier rather than a phone number ("account", "Kundennummer"…).
const ID_CUES: &[&str] = &[
    "account",
    "acct",
    "order",
    "policy",
    "contract",
    "claim",
    "customer",
    "member",
    "membership",
    "invoice",
    "reference",
    "ref",
    "ticket",
    "case",
    "booking",
    "reservation",
    "tracking",
    "cuenta",
    "pedido",
    "contrato",
    "poliza",
    "cliente",
    "factura",
    "referencia",
    "expediente",
    "reserva",
    "konto",
    "bestellung",
    "vertrag",
    "rechnung",
    "police",
    "auftrag",
    "aktenzeichen",
    "referenz",
    "compte",
    "commande",
    "contrat",
    "facture",
    "dossier",
    "client",
    "conta",
    "encomenda",
    "apolice",
    "fatura",
];

/// German compounds on `-nummer` that name a phone number, not an identifier.
const PHONE_NUMMER: &[&str] = &["telefon", "handy", "ruf", "mobil", "festnetz", "fax", "durchwahl"];

/// Whether one of the few words before `i` announces an identifier (account, order, contract…).
pub(crate) fn id_cue_before(t: &str, i: usize) -> bool {
    words_before(t, i, 4).iter().any(|w| {
        ID_CUES.contains(&w.as_str())
            || w.strip_suffix("nummer")
                .is_some_and(|stem| !stem.is_empty() && !PHONE_NUMMER.iter().any(|p| stem.ends_with(p)))
    })
}

/// Whether one of the few words before `i` announces a card number.
pub(crate) fn card_cue_before(t: &str, i: usize) -> bool {
    words_before(t, i, 4).iter().any(|w| {
        matches!(w.as_str(), "card" | "tarjeta" | "karte" | "kreditkarte" | "carte" | "cartao" | "visa" | "mastercard")
            || w.starts_with("kartennummer")
    })
}

/// Whether one of the few words before `i` says a version number follows (firmware, version…).
pub(crate) fn version_cue_before(t: &str, i: usize) -> bool {
    words_before(t, i, 3).iter().any(|w| {
        matches!(
            w.as_str(),
            "version" | "firmware" | "v" | "ver" | "build" | "release" | "versao" | "software" | "patch" | "kernel"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_of_other_scripts() {
        assert_eq!(ascii_digits("९८७६५ ४३२१०"), "9876543210");
        assert_eq!(count_digits("+1 (415) 555-0187"), 11);
        assert_eq!(digit_value('x'), None);
    }

    #[test]
    fn context_words() {
        let t = "Hello. My account number is 00123456";
        assert_eq!(words_before(t, t.len() - 8, 2), vec!["is", "number"]);
        assert!(id_cue_before(t, t.len() - 8));
        assert!(id_cue_before("Meine Kundennummer ist ", 23));
        assert!(!id_cue_before("Meine Telefonnummer ist ", 24));
        assert!(version_cue_before("The router firmware is ", 23));
    }

    #[test]
    fn glue() {
        assert!(glued_to_number("2.1.0.7", 2, 7, "."));
        assert!(!glued_to_number("at 192.168.0.1.", 3, 14, "."));
    }

    #[test]
    fn scan_retries_inside_a_rejected_match() {
        let re = compile(r"\d+");
        let mut seen = Vec::new();
        scan_retry(&re, "12345", |s, e| {
            seen.push((s, e));
            s == 2
        });
        assert_eq!(seen, vec![(0, 5), (1, 5), (2, 5)]);
    }
}

#[cfg(test)]
mod clause_tests {
    use super::words_before;

    #[test]
    fn words_before_steps_over_multibyte_clause_marks() {
        let text = "0𖠽।yட{ｱ&𖮇n";
        assert_eq!(words_before(text, text.len(), 3), vec!["𖮇n".to_string(), "ｱ".to_string(), "yட".to_string()]);
        assert_eq!(words_before("मेरा नाम। राम है", "मेरा नाम। राम है".len(), 2), vec!["है", "राम"]);
    }
}
