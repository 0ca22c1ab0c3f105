//! PII detection and masking: pure functions over `&str` (no I/O, no store, no async).
//!
//! [`detect`] finds personal data in a transcript line and returns typed, non-overlapping spans
//! in Unicode scalar (char) offsets; [`mask`] replaces them according to a [`MaskPolicy`];
//! [`eval()`] measures detection against gold spans. What each detector covers, per type and
//! language, is documented in `docs/PII.md`.
//!
//! Detectors by family: `structured` (e-mail, phone, card, IBAN, SSN, IP, identifiers),
//! `dates`, `spoken` (numbers and e-mail addresses said as words), `cues` (names after
//! "my name is …" and friends, plus the per-project dictionary) and `address`. All of them read
//! an accent-folded copy of the text (see `fold`), so patterns are written without diacritics
//! and work on NFC and NFD input alike. Every regex is compiled once, on first use.

mod address;
mod cues;
mod dates;
mod eval;
mod fold;
mod mask;
mod scan;
mod spoken;
mod structured;

pub use eval::{CategoryStats, EvalRecord, EvalReport, GoldSpan, Miss, Overall, eval, parse_jsonl};
pub use mask::{MaskPolicy, MaskStyle, RoleMaskPolicy, mask, render};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Errors of PII detection set-up and evaluation input.
#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    /// The known-names dictionary could not be compiled (for example, far too many names).
    #[error("known-names dictionary: {0}")]
    Dictionary(#[source] Box<regex::Error>),
    /// A line of an evaluation file is not a valid record.
    #[error("line {line}: {message}")]
    Record {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A gold span is empty or lies outside its text.
    #[error("line {line}: span {start}..{end} is empty or outside the text ({len} chars)")]
    Span {
        /// 1-based line number.
        line: usize,
        /// Span start (char offset).
        start: usize,
        /// Span end (char offset, exclusive).
        end: usize,
        /// Length of the text in chars.
        len: usize,
    },
}

/// The kind of personal data a span holds. Serialized as the upper-case name (`"PHONE"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PiiKind {
    /// A person's name.
    Person,
    /// A telephone number, written or spoken.
    Phone,
    /// An e-mail address, written or spoken ("name dot surname at example dot com").
    Email,
    /// A payment card number (13–19 digits passing the Luhn check).
    Card,
    /// An international bank account number (passing the mod-97 check).
    Iban,
    /// A US social security number (ddd-dd-dddd).
    Ssn,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A postal address.
    Address,
    /// A date with a year (typically a date of birth).
    Date,
    /// An account, order, policy, contract or customer number.
    Number,
}

impl PiiKind {
    /// Every kind, in declaration order.
    pub const ALL: [PiiKind; 10] = [
        PiiKind::Person,
        PiiKind::Phone,
        PiiKind::Email,
        PiiKind::Card,
        PiiKind::Iban,
        PiiKind::Ssn,
        PiiKind::Ip,
        PiiKind::Address,
        PiiKind::Date,
        PiiKind::Number,
    ];

    /// The upper-case name, as in gold files and placeholders (`"PHONE"`).
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Person => "PERSON",
            PiiKind::Phone => "PHONE",
            PiiKind::Email => "EMAIL",
            PiiKind::Card => "CARD",
            PiiKind::Iban => "IBAN",
            PiiKind::Ssn => "SSN",
            PiiKind::Ip => "IP",
            PiiKind::Address => "ADDRESS",
            PiiKind::Date => "DATE",
            PiiKind::Number => "NUMBER",
        }
    }

    /// Parses an upper-case name (`"PHONE"`); `None` for anything else.
    pub fn parse(name: &str) -> Option<PiiKind> {
        PiiKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for PiiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A detected span: `text.chars()` indices `start..end` (end exclusive) hold data of `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// What the span holds.
    #[serde(rename = "type")]
    pub kind: PiiKind,
    /// First char (Unicode scalar) offset.
    pub start: usize,
    /// Char offset one past the last char.
    pub end: usize,
}

/// Detection settings: the per-project dictionary of known names.
///
/// All language lexicons (English, Spanish, German, French, Portuguese, Vietnamese, Hindi and a
/// few Chinese cues) are always active: they are small and a call may switch languages.
#[derive(Debug, Clone, Default)]
pub struct DetectOptions {
    /// Known names, compiled; `None` when there are none.
    dictionary: Option<cues::Dictionary>,
}

impl DetectOptions {
    /// Options without a names dictionary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Options with a dictionary of known names (full names match case-insensitively as whole
    /// words; each part of a multi-word name of 3+ letters also matches when capitalised).
    /// Blank entries are ignored.
    pub fn with_names<I, S>(names: I) -> Result<Self, PiiError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Ok(Self { dictionary: cues::Dictionary::new(names)? })
    }

    /// The known names, as given (trimmed, blanks dropped).
    pub fn names(&self) -> &[String] {
        self.dictionary.as_ref().map_or(&[], cues::Dictionary::names)
    }
}

/// A candidate span in byte offsets of the folded text, with the detector's rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// What it holds.
    pub kind: PiiKind,
    /// Folded byte offset of the start.
    pub start: usize,
    /// Folded byte offset of the end (exclusive).
    pub end: usize,
    /// Specificity: lower wins when candidates overlap (see [`rank`]).
    pub rank: u8,
}

/// Ranks of detectors: when spans overlap, the union is masked and labelled with the kind of the
/// most specific candidate (lowest rank, then longest).
pub(crate) mod rank {
    /// Checksummed or syntax-validated: EMAIL, CARD (Luhn), IBAN (mod-97), SSN, IP.
    pub const VALIDATED: u8 = 0;
    /// Dates with a valid day and month and a year.
    pub const DATE: u8 = 1;
    /// Written phone numbers and identifiers with a recognisable shape.
    pub const SHAPED: u8 = 2;
    /// Street addresses.
    pub const ADDRESS: u8 = 3;
    /// Names after cues or from the dictionary.
    pub const PERSON: u8 = 4;
    /// Runs of spoken digits.
    pub const SPOKEN: u8 = 5;
}

/// Finds personal data in `text`: sorted, non-overlapping spans in char offsets.
pub fn detect(text: &str, opts: &DetectOptions) -> Vec<Span> {
    let folded = fold::Folded::new(text);
    let t = folded.text();
    let mut found = Vec::new();
    structured::detect(t, &mut found);
    dates::detect(t, &mut found);
    spoken::detect(t, &mut found);
    address::detect(t, &mut found);
    cues::detect(t, opts.dictionary.as_ref(), &mut found);
    resolve(found)
        .into_iter()
        .map(|c| Span { kind: c.kind, start: folded.char_offset(c.start), end: folded.char_offset(c.end) })
        .filter(|s| s.start < s.end)
        .collect()
}

/// Detects and masks in one step: `mask(text, &detect(text, opts), policy)`.
pub fn detect_and_mask(text: &str, opts: &DetectOptions, policy: &MaskPolicy) -> String {
    mask(text, &detect(text, opts), policy)
}

/// Merges overlapping candidates: each cluster becomes one span covering the union of its
/// members, labelled with the kind of the most specific member (lowest rank, then longest).
fn resolve(mut found: Vec<Candidate>) -> Vec<Candidate> {
    found.retain(|c| c.start < c.end);
    found.sort_by_key(|c| (c.start, std::cmp::Reverse(c.end)));
    let mut out: Vec<Candidate> = Vec::new();
    let mut best: Option<Candidate> = None;
    for c in found {
        match out.last_mut() {
            Some(last) if c.start < last.end => {
                last.end = last.end.max(c.end);
                let b = best.get_or_insert(c);
                if (c.rank, std::cmp::Reverse(c.end - c.start)) < (b.rank, std::cmp::Reverse(b.end - b.start)) {
                    *b = c;
                }
                last.kind = b.kind;
                last.rank = b.rank;
            }
            _ => {
                out.push(c);
                best = Some(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(kind: PiiKind, start: usize, end: usize, rank: u8) -> Candidate {
        Candidate { kind, start, end, rank }
    }

    #[test]
    fn overlaps_merge_into_the_most_specific_kind() {
        let out = resolve(vec![
            cand(PiiKind::Phone, 0, 10, rank::SHAPED),
            cand(PiiKind::Date, 0, 10, rank::DATE),
            cand(PiiKind::Number, 20, 33, rank::SHAPED),
            cand(PiiKind::Phone, 24, 33, rank::SHAPED),
            cand(PiiKind::Person, 40, 45, rank::PERSON),
        ]);
        assert_eq!(
            out,
            vec![
                cand(PiiKind::Date, 0, 10, rank::DATE),
                cand(PiiKind::Number, 20, 33, rank::SHAPED),
                cand(PiiKind::Person, 40, 45, rank::PERSON),
            ]
        );
    }

    #[test]
    fn partial_overlaps_cover_the_union() {
        let out =
            resolve(vec![cand(PiiKind::Person, 0, 8, rank::PERSON), cand(PiiKind::Address, 5, 20, rank::ADDRESS)]);
        assert_eq!(out, vec![cand(PiiKind::Address, 0, 20, rank::ADDRESS)]);
    }

    #[test]
    fn kinds_round_trip_as_upper_case() {
        for kind in PiiKind::ALL {
            let json = serde_json::to_string(&kind).expect("serializes");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(PiiKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PiiKind::parse("CREDIT_CARD"), None);
    }

    #[test]
    fn detect_reports_char_offsets_after_astral_and_accented_text() {
        let text = "Thanks 🙏 my name is Aiyana Redcloud. Straße: jürgen.groß@example.org";
        let spans = detect(text, &DetectOptions::new());
        let chars: Vec<char> = text.chars().collect();
        let pieces: Vec<(PiiKind, String)> =
            spans.iter().map(|s| (s.kind, chars[s.start..s.end].iter().collect())).collect();
        assert_eq!(
            pieces,
            vec![
                (PiiKind::Person, "Aiyana Redcloud".to_string()),
                (PiiKind::Email, "jürgen.groß@example.org".to_string())
            ]
        );
    }
}
