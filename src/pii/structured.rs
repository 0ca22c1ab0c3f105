//! Written, structured PII: e-mail, phone, card (Luhn), IBAN (mod-97), SSN, IPv4/IPv6 and
//! identifiers (account, order, policy numbers).

use super::scan::{
    ascii_digits, compile, count_digits, digit_value, glued_to_number, id_cue_before, isolated, next_char, prev_char,
    scan, version_cue_before,
};
use super::{Candidate, PiiKind, rank};
use regex::Regex;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

/// `local@domain.tld`; the local part may hold letters of any script, digits and `._%+'-`.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[\p{L}\p{N}_%+'-]+(?:\.[\p{L}\p{N}_%+'-]+)*@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}")
});

/// Digit groups of a phone number: optional `+country`, optional `(area)`, groups joined by one
/// space or dash.
static PHONE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?:\+\d{1,3}[ -]?)?(?:\(\d{1,5}\)[ -]?)?\d{1,12}(?:[ -]\d{1,12})*"));

/// 13–19 digits, optionally grouped by single spaces or dashes.
static CARD: LazyLock<Regex> = LazyLock::new(|| compile(r"\d(?:[ -]?\d){12,18}"));

/// Country code, check digits and up to 30 alphanumerics, optionally in groups.
static IBAN: LazyLock<Regex> = LazyLock::new(|| compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}"));

/// `ddd-dd-dddd`.
static SSN: LazyLock<Regex> = LazyLock::new(|| compile(r"\d{3}-\d{2}-\d{4}"));

/// Four dotted groups of 1–3 digits (validated by `Ipv4Addr`).
static IPV4: LazyLock<Regex> = LazyLock::new(|| compile(r"\d{1,3}(?:\.\d{1,3}){3}"));

/// Hex groups and colons, optionally ending in a dotted IPv4 (validated by `Ipv6Addr`).
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| compile(r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\d{1,3}(?:\.\d{1,3}){3})?"));

/// Identifiers: `#A-99812`, `#88213-B`; `BB-4471-0093`, `CLM-88172`; `POL 5521 9987`.
static IDENT: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"#[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*",
        r"|[A-Z]{1,4}-\d[\dA-Z]*(?:-[\dA-Z]+)*",
        r"|[A-Z]{2,4} \d{3,}(?: \d{3,})+",
    ))
});

/// Letters-and-digits tokens with at least five digits: identifiers when announced ("order").
static CUED_IDENT: LazyLock<Regex> = LazyLock::new(|| compile(r"[A-Za-z]{0,4}\d{5,}[A-Za-z]{0,2}"));

/// Appends the structured candidates found in the folded text `t`.
pub(crate) fn detect(t: &str, out: &mut Vec<Candidate>) {
    let has_digit = t.bytes().any(|b| b.is_ascii_digit()) || t.chars().any(char::is_numeric);
    if t.contains('@') {
        emails(t, out);
    }
    if !has_digit {
        return;
    }
    let mut push = |kind, start, end, rank| out.push(Candidate { kind, start, end, rank });
    scan(&CARD, t, |s, e| {
        if isolated(t, s, e) && !glued_to_number(t, s, e, " -.,") && luhn(&t[s..e]) {
            push(PiiKind::Card, s, e, rank::VALIDATED);
        }
    });
    scan(&IBAN, t, |s, e| {
        if let Some(end) = iban_end(t, s, e) {
            push(PiiKind::Iban, s, end, rank::VALIDATED);
        }
    });
    scan(&SSN, t, |s, e| {
        if isolated(t, s, e) && !glued_to_number(t, s, e, "-.") && ssn_ok(&t[s..e]) {
            push(PiiKind::Ssn, s, e, rank::VALIDATED);
        }
    });
    scan(&IPV4, t, |s, e| {
        if isolated(t, s, e)
            && !glued_to_number(t, s, e, ".")
            && t[s..e].parse::<Ipv4Addr>().is_ok()
            && !version_cue_before(t, s)
        {
            push(PiiKind::Ip, s, e, rank::VALIDATED);
        }
    });
    if t.contains("::") || t.matches(':').count() >= 2 {
        scan(&IPV6, t, |s, e| {
            if let Some(end) = ipv6_end(t, s, e) {
                push(PiiKind::Ip, s, end, rank::VALIDATED);
            }
        });
    }
    scan(&PHONE, t, |s, e| {
        if phone_ok(t, s, e) {
            let kind = if id_cue_before(t, s) { PiiKind::Number } else { PiiKind::Phone };
            push(kind, s, e, rank::SHAPED);
        }
    });
    scan(&IDENT, t, |s, e| {
        let digits = count_digits(&t[s..e]);
        let spaced = t[s..e].contains(' ');
        if !prev_char(t, s).is_some_and(|c| c.is_alphanumeric() || c == '#')
            && !next_char(t, e).is_some_and(char::is_alphanumeric)
            && digits >= if spaced { 6 } else { 3 }
        {
            push(PiiKind::Number, s, e, rank::SHAPED);
        }
    });
    scan(&CUED_IDENT, t, |s, e| {
        if isolated(t, s, e) && !glued_to_number(t, s, e, " -.,/") && id_cue_before(t, s) {
            push(PiiKind::Number, s, e, rank::SHAPED);
        }
    });
}

/// E-mail addresses; a leading `'`, `.` or `-` of the local part is left out.
fn emails(t: &str, out: &mut Vec<Candidate>) {
    for m in EMAIL.find_iter(t) {
        let lead = m.as_str().len() - m.as_str().trim_start_matches(['\'', '.', '-', '+', '%']).len();
        let start = m.start() + lead;
        if !next_char(t, m.end()).is_some_and(char::is_alphanumeric) {
            out.push(Candidate { kind: PiiKind::Email, start, end: m.end(), rank: rank::VALIDATED });
        }
    }
}

/// Luhn checksum over the digits of `s`, for 13–19 digits.
pub(crate) fn luhn(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(digit_value).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d })
        .sum();
    sum.is_multiple_of(10)
}

/// IBAN mod-97 check over an upper-case alphanumeric string without spaces.
pub(crate) fn iban_ok(compact: &str) -> bool {
    if !(15..=34).contains(&compact.len()) || !compact.is_ascii() {
        return false;
    }
    let (head, tail) = compact.split_at(4);
    let mut rem = 0u32;
    for c in tail.chars().chain(head.chars()) {
        rem = match c {
            '0'..='9' => (rem * 10 + (c as u32 - '0' as u32)) % 97,
            'A'..='Z' => (rem * 100 + (c as u32 - 'A' as u32 + 10)) % 97,
            _ => return false,
        };
    }
    rem == 1
}

/// The end of the longest valid IBAN starting at `s` within the candidate `s..e`, if any (the
/// pattern may run on into a following word, so shorter endings are tried too).
fn iban_end(t: &str, s: usize, e: usize) -> Option<usize> {
    if prev_char(t, s).is_some_and(char::is_alphanumeric) {
        return None;
    }
    let candidate = &t[s..e];
    let ends: Vec<usize> =
        candidate.char_indices().filter(|(_, c)| *c != ' ').map(|(i, c)| s + i + c.len_utf8()).collect();
    ends.into_iter().rev().find(|&end| {
        let compact: String = t[s..end].chars().filter(|&c| c != ' ').collect();
        !next_char(t, end).is_some_and(char::is_alphanumeric) && iban_ok(&compact)
    })
}

/// SSN rules kept: area not 000, group not 00, serial not 0000. Area 666 and 9xx are accepted
/// (test and ITIN-style numbers are still personal data in transcripts).
fn ssn_ok(s: &str) -> bool {
    let mut parts = s.split('-');
    !matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("000"), _, _) | (_, Some("00"), _) | (_, _, Some("0000"))
    )
}

/// The end of a valid IPv6 address starting at `s` (a trailing `:` or `.` may be punctuation).
fn ipv6_end(t: &str, s: usize, e: usize) -> Option<usize> {
    let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == ':');
    if glued(prev_char(t, s)) {
        return None;
    }
    let mut end = e;
    while end > s {
        let cand = &t[s..end];
        if cand.parse::<Ipv6Addr>().is_ok() && cand.chars().any(|c| c.is_ascii_digit()) && !glued(next_char(t, end)) {
            return Some(end);
        }
        match cand.chars().next_back() {
            Some(':' | '.') => end -= 1,
            _ => return None,
        }
    }
    None
}

/// Whether a phone-shaped match is a phone number: 7–15 digits, not part of a longer number,
/// not an amount (a currency sign or word next to it).
fn phone_ok(t: &str, s: usize, e: usize) -> bool {
    let digits = count_digits(&t[s..e]);
    if !(7..=15).contains(&digits) || !isolated(t, s, e) || glued_to_number(t, s, e, " -.,/:") {
        return false;
    }
    if prev_char(t, s).is_some_and(|c| c == '+' || c == '#') {
        return false;
    }
    let before = t[..s].trim_end().chars().next_back();
    let after = t[e..].trim_start();
    let currency = before.is_some_and(is_currency) || after.chars().next().is_some_and(is_currency);
    let unit = ["euro", "eur", "usd", "dollar", "pound", "dong", "rupee", "rupia", "peso", "real"]
        .iter()
        .any(|w| after.to_lowercase().starts_with(w));
    !currency && !unit && !ascii_digits(&t[s..e]).is_empty()
}

/// A currency sign.
fn is_currency(c: char) -> bool {
    matches!(c, '$' | '€' | '£' | '¥' | '₹' | '₫' | '₩' | '₽' | '₺' | '₪' | '¢')
}

/// The candidates found in `text`, with their text (tests).
#[cfg(test)]
fn kinds(text: &str) -> Vec<(PiiKind, String)> {
    let mut out = Vec::new();
    detect(text, &mut out);
    out.into_iter().map(|c| (c.kind, text[c.start..c.end].to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, kind: PiiKind, span: &str) -> bool {
        kinds(text).iter().any(|(k, s)| *k == kind && s == span)
    }

    #[test]
    fn emails() {
        assert!(has(
            "Email me at o'brien.sean+billing@example.co.uk.",
            PiiKind::Email,
            "o'brien.sean+billing@example.co.uk"
        ));
        assert!(has("mail rob.castillo@example.com.", PiiKind::Email, "rob.castillo@example.com"));
        assert!(kinds("not an email: foo@bar").is_empty());
    }

    #[test]
    fn cards_need_luhn() {
        assert!(has("card 4539 1488 0343 6467.", PiiKind::Card, "4539 1488 0343 6467"));
        assert!(has("Use 6011000000000004 for it", PiiKind::Card, "6011000000000004"));
        assert!(has("Amex 3782 822463 10005.", PiiKind::Card, "3782 822463 10005"));
        assert!(has("4716-2201-8890-7738", PiiKind::Card, "4716-2201-8890-7738"));
        assert!(kinds("The barcode reads 1234 5678 9012 3456.").is_empty());
    }

    #[test]
    fn ibans_need_mod_97() {
        assert!(has("to GB82 WEST 1234 5698 7654 32.", PiiKind::Iban, "GB82 WEST 1234 5698 7654 32"));
        assert!(has("IBAN ES7921000813610123456789, a", PiiKind::Iban, "ES7921000813610123456789"));
        assert!(has("is NL91ABNA0417164300.", PiiKind::Iban, "NL91ABNA0417164300"));
        assert!(has("PT50 0002 0123 1234 5678 9015 4 ok", PiiKind::Iban, "PT50 0002 0123 1234 5678 9015 4"));
        assert!(!kinds("GB83 WEST 1234 5698 7654 32").iter().any(|(k, _)| *k == PiiKind::Iban));
    }

    #[test]
    fn ssns() {
        assert!(has("My social is 987-65-4329.", PiiKind::Ssn, "987-65-4329"));
        assert!(!has("000-12-3456", PiiKind::Ssn, "000-12-3456"));
        assert!(!has("1987-65-4329", PiiKind::Ssn, "987-65-4329"));
    }

    #[test]
    fn ips_but_not_versions() {
        assert!(has("My router is at 192.168.0.1.", PiiKind::Ip, "192.168.0.1"));
        assert!(has("IPv6 2001:db8::7334.", PiiKind::Ip, "2001:db8::7334"));
        assert!(has(
            "2001:0db8:0000:0000:0000:ff00:0042:8329 as",
            PiiKind::Ip,
            "2001:0db8:0000:0000:0000:ff00:0042:8329"
        ));
        assert!(kinds("The router firmware is 2.1.0.7, which is the latest.").is_empty());
        assert!(kinds("Please update the app to version 10.4.2 or later.").is_empty());
        assert!(kinds("We're open from 9:00 to 17:30, or 12:30:45.").is_empty());
        assert!(kinds("Octets 300.1.1.1 are invalid").is_empty());
    }

    #[test]
    fn phones() {
        for phone in [
            "415-555-0132",
            "(020) 7946 0958",
            "+1 (415) 555-0187",
            "07700 900123",
            "+44 20 7946 0321",
            "0151 23456789",
            "+49 30 1234567",
            "91 123 45 67",
            "06 12 34 56 78",
            "+351 912 345 678",
            "९८७६५ ४३२१०",
            "138 0013 8000",
        ] {
            assert!(has(&format!("Call {phone}, thanks."), PiiKind::Phone, phone), "{phone}");
        }
    }

    #[test]
    fn not_phones() {
        for text in [
            "The premium plan costs $14.99 a month.",
            "Our call centre handled 12,500 calls in 2023.",
            "Giá gói cước là 150.000 đồng mỗi tháng.",
            "It costs 1 250 000 € in total.",
            "Press 1 for billing or 2 for technical support.",
            "Order of 3 items and 2 arrived.",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn identifiers() {
        assert!(has("Account BB-4471-0093.", PiiKind::Number, "BB-4471-0093"));
        assert!(has("Order #A-99812 hasn't", PiiKind::Number, "#A-99812"));
        assert!(has("order #88213-B never", PiiKind::Number, "#88213-B"));
        assert!(has("Policy number POL 5521 9987, please.", PiiKind::Number, "POL 5521 9987"));
        assert!(has("Meine Kundennummer ist K-771234.", PiiKind::Number, "K-771234"));
        assert!(has("My account number is 00123456.", PiiKind::Number, "00123456"));
        assert!(has("Contrato 40021877 actualizado.", PiiKind::Number, "40021877"));
        assert!(kinds("COVID-19 and #help and NY 10118").is_empty());
    }
}
