//! Spoken PII: runs of digits said as words ("four one five, double five five, oh one three
//! two"; "seis cero dos…"; "null vier eins fünf…"; "नौ आठ सात…"), digits and words mixed, and
//! e-mail addresses said aloud ("daniel dot okafor at example dot com").
//!
//! A run is a sequence of number words and digit groups joined by spaces, commas or dashes;
//! it ends at any other word or punctuation. Word lexicons: English, Spanish, German, French,
//! Portuguese, Vietnamese and Hindi. A run with at least one number word and at least 7 digits'
//! worth is a PHONE, or a NUMBER when an identifier cue precedes it ("account", "Kundennummer";
//! then 6 digits suffice), or a CARD when a card cue precedes it and the digits pass Luhn.

use super::scan::{card_cue_before, compile, id_cue_before, isolated, scan_retry, words_before};
use super::structured::luhn;
use super::{Candidate, PiiKind, rank};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// What a number word contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    /// A single digit: "five", "cinco", "fünf", "năm", "पाँच".
    Unit(u8),
    /// Ten to nineteen: two digits.
    Teen(u8),
    /// Twenty, thirty…: two digits, the second taken by a following unit ("twenty one").
    Tens(u8),
    /// "hundred": two more digits.
    Hundred,
    /// "thousand": three more digits.
    Thousand,
    /// "double", "doble", "doppel", "triple": repeat the next digit.
    Times(u8),
    /// "y", "e", "et", "and" between tens and a unit ("treinta y cuatro").
    And,
}

/// Digit words by value (index), accent-folded: English, Spanish, German, French,
/// Portuguese, Vietnamese, Hindi.
const UNITS: [&str; 10] = [
    "zero oh nought cero null zero khong शून्य",
    "one uno una eins un une um mot एक",
    "two dos zwei zwo deux dois duas hai दो",
    "three tres drei trois ba तीन",
    "four cuatro vier quatre quatro bon चार",
    "five cinco funf fuenf cinq nam पाँच पांच",
    "six seis sechs meia sau छह छः",
    "seven siete sieben sept sete bay सात",
    "eight ocho acht huit oito tam आठ",
    "nine nueve neun neuf nove chin नौ",
];

/// Ten to nineteen by value minus ten.
const TEENS: [&str; 10] = [
    "ten diez zehn dix dez",
    "eleven once elf onze",
    "twelve doce zwolf zwoelf douze doze",
    "thirteen trece dreizehn treize treze",
    "fourteen catorce vierzehn quatorze catorze",
    "fifteen quince funfzehn quinze",
    "sixteen dieciseis sechzehn seize dezasseis dezesseis",
    "seventeen diecisiete siebzehn dezassete dezessete",
    "eighteen dieciocho achtzehn dezoito",
    "nineteen diecinueve neunzehn dezanove dezenove",
];

/// Twenty to ninety by value divided by ten (the first two are unused).
const TENS: [&str; 10] = [
    "",
    "",
    "twenty veinte zwanzig vingt vinte",
    "thirty treinta dreißig dreissig trente trinta",
    "forty cuarenta vierzig quarante quarenta",
    "fifty cincuenta funfzig cinquante cinquenta",
    "sixty sesenta sechzig soixante sessenta",
    "seventy setenta siebzig",
    "eighty ochenta achtzig oitenta",
    "ninety noventa neunzig",
];

/// Number words that are also ordinary words (articles, "oh", Vietnamese "năm" = year, Hindi
/// "दो" = give): they count only next to another number word.
const WEAK: &[&str] = &[
    "oh", "one", "un", "une", "uno", "una", "um", "meia", "elf", "acht", "sept", "six", "khong", "mot", "hai", "ba",
    "bon", "nam", "sau", "bay", "tam", "chin", "एक", "दो",
];

/// The lexicon: folded lower-case word → (contribution, weak).
static LEXICON: LazyLock<HashMap<&'static str, (Word, bool)>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let weak = |w: &str| WEAK.contains(&w);
    for (value, words) in (0u8..).zip(UNITS) {
        map.extend(words.split(' ').map(|w| (w, (Word::Unit(value), weak(w)))));
    }
    for (value, words) in (10u8..).zip(TEENS) {
        map.extend(words.split(' ').map(|w| (w, (Word::Teen(value), weak(w)))));
    }
    for (value, words) in (0u8..).zip(TENS).filter(|(_, w)| !w.is_empty()) {
        map.extend(words.split(' ').map(|w| (w, (Word::Tens(value), false))));
    }
    let special = [
        ("hundred cien ciento hundert cent cem cento", Word::Hundred),
        ("thousand mil tausend mille", Word::Thousand),
        ("double doble doppel doppelt duplo", Word::Times(2)),
        ("triple dreifach triplo", Word::Times(3)),
        ("y e et and", Word::And),
    ];
    for (words, word) in special {
        map.extend(words.split(' ').map(|w| (w, (word, true))));
    }
    map
});

/// Words (letters and marks; an apostrophe between letters keeps "it's" one word) and digit
/// groups, as byte ranges. Hand-rolled: a regex costs more per match than this whole loop.
fn tokens(t: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let is_letter = |c: char| c.is_alphabetic() || is_mark(c);
    let mut chars = t.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, first) = chars.find(|&(_, c)| is_letter(c) || c.is_numeric())?;
        let digits = first.is_numeric();
        let mut end = start + first.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            let continues = if digits {
                c.is_numeric()
            } else {
                is_letter(c) || (c == '\'' && t[i + 1..].chars().next().is_some_and(is_letter))
            };
            if !continues {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        Some((start, end))
    })
}

/// Whether `c` is a combining mark (Devanagari vowel signs, for instance).
fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36F}' | '\u{900}'..='\u{903}' | '\u{93A}'..='\u{94F}' | '\u{951}'..='\u{957}' | '\u{962}'..='\u{963}')
}

/// "local (dot part)* at domain (dot part)+", with Spanish, German, French, Portuguese words.
static SPOKEN_EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"(?i)[\p{L}\p{N}][\p{L}\p{N}_]*(?:\s+(?:dot|punto|punkt|point|ponto|underscore|dash|hyphen|guion)\s+[\p{L}\p{N}_]+)*",
        r"\s+(?:at|arroba|arobase)\s+",
        r"[\p{L}\p{N}-]+(?:\s+(?:dot|punto|punkt|point|ponto)\s+[\p{L}\p{N}-]+)+",
    ))
});

/// The words that join parts of a spoken local part ("dot", "underscore"…).
static DOT_WORD: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?i)\s(?:dot|punto|punkt|point|ponto|underscore|dash|hyphen|guion)\s"));

/// The "at" words of spoken e-mail addresses.
static AT_WORD: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)\s(?:at|arroba|arobase)\s"));

/// Common top-level domains (a spoken address must end in one).
const TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "io", "co", "uk", "de", "es", "fr", "pt", "it", "nl", "be", "at", "ch", "eu",
    "us", "ca", "au", "in", "vn", "br", "mx", "ar", "info", "biz", "me", "app", "dev",
];

/// One token of the text, as far as spoken numbers are concerned.
#[derive(Debug, Clone, Copy)]
struct Token {
    /// Byte offsets in the folded text.
    start: usize,
    /// End (exclusive).
    end: usize,
    /// Its contribution, or `None` for a digit group.
    word: Option<(Word, bool)>,
}

/// Appends spoken numbers and spoken e-mail addresses found in the folded text `t`.
pub(crate) fn detect(t: &str, out: &mut Vec<Candidate>) {
    numbers(t, out);
    emails(t, out);
}

/// Spoken digit runs.
fn numbers(t: &str, out: &mut Vec<Candidate>) {
    let mut run: Vec<Token> = Vec::new();
    let mut lower = String::new();
    for (start, end) in tokens(t) {
        let text = &t[start..end];
        let word = if text.chars().all(char::is_numeric) {
            None
        } else {
            lower.clear();
            // No number word is longer than 12 chars; longer tokens cannot match.
            if text.len() <= 3 * 12 {
                lower.extend(text.chars().flat_map(char::to_lowercase));
            }
            match LEXICON.get(lower.as_str()) {
                Some(&w) => Some(w),
                None => {
                    finish(t, &run, out);
                    run.clear();
                    continue;
                }
            }
        };
        let token = Token { start, end, word };
        if run.last().is_some_and(|last| !joins(&t[last.end..token.start])) {
            finish(t, &run, out);
            run.clear();
        }
        run.push(token);
    }
    finish(t, &run, out);
}

/// Whether the text between two tokens keeps a run going: spaces with at most one comma or dash.
fn joins(gap: &str) -> bool {
    gap.chars().count() <= 4
        && gap.chars().all(|c| c.is_whitespace() || matches!(c, ',' | '-' | '–'))
        && gap.chars().filter(|&c| matches!(c, ',' | '-' | '–')).count() <= 1
}

/// Turns a finished run into a candidate when it is long enough.
fn finish(t: &str, run: &[Token], out: &mut Vec<Candidate>) {
    let run = trim(run);
    // A weak word counts only next to another number word ("oh one", not "9 năm 1990").
    let is_word = |i: usize| run.get(i).is_some_and(|tok: &Token| tok.word.is_some_and(|(w, _)| w != Word::And));
    let words = (0..run.len())
        .filter(|&i| {
            is_word(i) && (run[i].word.is_some_and(|(_, weak)| !weak) || (i > 0 && is_word(i - 1)) || is_word(i + 1))
        })
        .count();
    let (Some(first), Some(last)) = (run.first(), run.last()) else { return };
    if words == 0 {
        return;
    }
    let digits = value(t, run);
    if digits.len() < 6 {
        return;
    }
    let (start, end) = (first.start, last.end);
    let kind = if digits.len() >= 13 && card_cue_before(t, start) && luhn(&digits) {
        PiiKind::Card
    } else if id_cue_before(t, start) && digits.len() >= 6 {
        PiiKind::Number
    } else if digits.len() >= 7 {
        PiiKind::Phone
    } else {
        return;
    };
    out.push(Candidate { kind, start, end, rank: rank::SPOKEN });
}

/// Drops from both ends of a run what cannot end it: weak words next to a digit group (or
/// alone), multipliers and connectors with nothing to apply to.
fn trim(mut run: &[Token]) -> &[Token] {
    loop {
        let before = run.len();
        let weak_or_dangling = |tok: &Token, neighbour: Option<&Token>, at_end: bool| match tok.word {
            Some((Word::And, _)) => true,
            Some((Word::Times(_), _)) => at_end,
            Some((_, true)) => neighbour.is_none_or(|n| n.word.is_none()),
            _ => false,
        };
        if let Some(first) = run.first()
            && weak_or_dangling(first, run.get(1), run.len() == 1)
        {
            run = &run[1..];
        }
        if let Some(last) = run.last()
            && weak_or_dangling(last, run.len().checked_sub(2).and_then(|i| run.get(i)), true)
        {
            run = &run[..run.len() - 1];
        }
        if run.len() == before {
            return run;
        }
    }
}

/// The digits a run stands for (approximate for hundreds and thousands; exact for digit-by-digit).
fn value(t: &str, run: &[Token]) -> String {
    let mut digits = String::new();
    let mut times = 1usize;
    let mut tens_open = false;
    for tok in run {
        let open = std::mem::take(&mut tens_open);
        match tok.word {
            None => {
                let group = super::scan::ascii_digits(&t[tok.start..tok.end]);
                let n = if group.len() == 1 { times } else { 1 };
                digits.push_str(&group.repeat(n));
            }
            Some((Word::Unit(u), _)) => {
                let c = char::from(b'0' + u);
                if open && times == 1 {
                    digits.pop();
                    digits.push(c);
                } else {
                    digits.extend(std::iter::repeat_n(c, times));
                }
            }
            Some((Word::Teen(v), _)) => digits.push_str(&v.to_string().repeat(times)),
            Some((Word::Tens(v), _)) => {
                digits.push_str(&format!("{v}0"));
                tens_open = true;
            }
            Some((Word::Hundred, _)) => digits.push_str("00"),
            Some((Word::Thousand, _)) => digits.push_str("000"),
            Some((Word::Times(k), _)) => {
                times = usize::from(k);
                continue;
            }
            Some((Word::And, _)) => {
                tens_open = open;
                continue;
            }
        }
        times = 1;
    }
    digits
}

/// Spoken e-mail addresses: the domain must end in a common TLD, and the local part must have a
/// "dot" in it or an e-mail cue must come before ("my email is daniel at example dot com").
fn emails(t: &str, out: &mut Vec<Candidate>) {
    if !AT_WORD.is_match(t) {
        return;
    }
    scan_retry(&SPOKEN_EMAIL, t, |s, e| {
        let span = &t[s..e];
        let tld = span.rsplit(char::is_whitespace).next().unwrap_or_default().to_lowercase();
        let Some(at) = AT_WORD.find(span) else { return false };
        let local_has_dot = DOT_WORD.is_match(&span[..at.start() + 1]);
        let cue = words_before(t, s, 5)
            .iter()
            .any(|w| matches!(w.as_str(), "email" | "mail" | "correo" | "courriel" | "adresse" | "endereco"));
        let ok = isolated(t, s, e) && TLDS.contains(&tld.as_str()) && (local_has_dot || cue);
        if ok {
            out.push(Candidate { kind: PiiKind::Email, start: s, end: e, rank: rank::SHAPED });
        }
        ok
    });
}

#[cfg(test)]
mod tests {
    use super::super::fold::fold_str;
    use super::*;

    fn found(text: &str) -> Vec<(PiiKind, String)> {
        let folded = fold_str(text);
        let mut out = Vec::new();
        detect(&folded, &mut out);
        out.iter().map(|c| (c.kind, folded[c.start..c.end].to_string())).collect()
    }

    fn one(text: &str, kind: PiiKind, span: &str) {
        assert_eq!(found(text), vec![(kind, fold_str(span))], "{text}");
    }

    #[test]
    fn english_with_double_and_oh() {
        one(
            "four one five, double five five, oh one three two.",
            PiiKind::Phone,
            "four one five, double five five, oh one three two",
        );
        one(
            "It's oh two oh, seven nine four six, oh nine five eight.",
            PiiKind::Phone,
            "oh two oh, seven nine four six, oh nine five eight",
        );
        one(
            "Call me on 6 5 0, double five five, 0 1 9 9, any time.",
            PiiKind::Phone,
            "6 5 0, double five five, 0 1 9 9",
        );
        one(
            "Try four one five, 555, oh one three two instead.",
            PiiKind::Phone,
            "four one five, 555, oh one three two",
        );
        assert_eq!(value("double five five", &tokens_of("double five five")), "555");
    }

    #[test]
    fn other_languages() {
        one(
            "Mi móvil es el seis cero dos, uno uno dos, tres tres cuatro.",
            PiiKind::Phone,
            "seis cero dos, uno uno dos, tres tres cuatro",
        );
        one(
            "Apunte: nueve uno, 123, cuatro cinco, seis siete.",
            PiiKind::Phone,
            "nueve uno, 123, cuatro cinco, seis siete",
        );
        one(
            "Meine Nummer ist vier eins fünf, null null sieben, drei drei.",
            PiiKind::Phone,
            "vier eins fünf, null null sieben, drei drei",
        );
        one("Erreichbar bin ich unter null dreißig, 1234567.", PiiKind::Phone, "null dreißig, 1234567");
        one("Rückruf unter null vier eins fünf eins, 88 23 07.", PiiKind::Phone, "null vier eins fünf eins, 88 23 07");
        one("नौ आठ सात छह पाँच, चार तीन दो एक शून्य।", PiiKind::Phone, "नौ आठ सात छह पाँच, चार तीन दो एक शून्य");
        one(
            "mon numéro: zéro six, douze, trente-quatre, cinquante-six",
            PiiKind::Phone,
            "zéro six, douze, trente-quatre, cinquante-six",
        );
        one(
            "treinta y cuatro, noventa y uno, doce, cero",
            PiiKind::Phone,
            "treinta y cuatro, noventa y uno, doce, cero",
        );
    }

    #[test]
    fn cues_pick_number_or_card() {
        one("my account number is one two three four five six", PiiKind::Number, "one two three four five six");
        one(
            "card four five three nine one four eight eight zero three four three six four six seven",
            PiiKind::Card,
            "four five three nine one four eight eight zero three four three six four six seven",
        );
    }

    #[test]
    fn not_spoken_numbers() {
        for text in [
            "Send the new one to the office, one or two days.",
            "Ngày 5 tháng 9 năm 1990.",
            "Das kostet 49,90 Euro.",
            "I have one two three apples",
            "Bon, 06 12 34 56 78",
            "double check it",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }

    #[test]
    fn spoken_emails() {
        one(
            "It's daniel dot okafor at example dot com, all lower case.",
            PiiKind::Email,
            "daniel dot okafor at example dot com",
        );
        one("my email is daniel at example dot com", PiiKind::Email, "daniel at example dot com");
        one("It's jane underscore doe at gmail dot com.", PiiKind::Email, "jane underscore doe at gmail dot com");
        assert!(found("look at example dot com").is_empty());
        assert!(found("we met at noon dot").is_empty());
    }

    fn tokens_of(t: &str) -> Vec<Token> {
        tokens(t).map(|(start, end)| Token { start, end, word: LEXICON.get(&t[start..end]).copied() }).collect()
    }

    #[test]
    fn tokenizer_keeps_marks_and_apostrophes() {
        let t = "It's पाँच, 1234x";
        let words: Vec<&str> = tokens(t).map(|(s, e)| &t[s..e]).collect();
        assert_eq!(words, ["It's", "पाँच", "1234", "x"]);
    }
}
