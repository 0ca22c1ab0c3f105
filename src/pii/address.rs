//! Postal addresses: street patterns (English "42 Elm Street", French "18 rue des Écoles",
//! Spanish/Portuguese/Italian "Calle de Alcalá 123", German "Schloßstraße 7"), an optional unit
//! before ("Apt 4C,"), and locality tails after, each after a comma ("Springfield",
//! "London NW1 6XE", "28009 Madrid", "NY 10118"). After an address cue ("I live at", "my address
//! is", "vivo en", "ich wohne in der", "j'habite au", "moro na", "địa chỉ … là") any capitalised
//! street with a number is accepted, which covers languages without street-type words.

use super::scan::{compile, isolated};
use super::{Candidate, PiiKind, rank};
use regex::Regex;
use std::sync::LazyLock;

/// A capitalised word (accent-folded).
const CAPW: &str = r"\p{Lu}[\p{L}'-]*";

/// A capitalised word ending at a word boundary (only in patterns anchored with `^`, where the
/// `\b` costs nothing; elsewhere boundaries are checked on the match, see `scan::START`).
const CAPW_B: &str = r"\p{Lu}[\p{L}'-]*\b";

/// English: number, 1–3 capitalised words, street type.
static ENGLISH: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        concat!(
            r"\d{{1,5}}[A-Za-z]?\s+(?:{capw}\s+){{1,3}}",
            r"(?:(?:Street|Road|Avenue|Lane|Drive|Boulevard|Way|Court|Place|Square|Terrace|Close|Crescent|Parkway",
            r"|Highway|Row|Gardens|Grove|Mews|Walk|Hill)|(?:St|Rd|Ave|Ln|Dr|Blvd|Ct|Pl|Sq|Pkwy|Hwy)\.?)"
        ),
        capw = CAPW
    ))
});

/// French: number, street type, name.
static FRENCH: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        concat!(
            r"\d{{1,5}}(?:\s?(?:bis|ter))?,?\s+",
            r"(?i:rue|avenue|boulevard|bd|chemin|place|allee|impasse|quai|route|cours|passage)\s+",
            r"(?:(?:de la|de l'|des|du|de|d')\s*)?{capw}(?:\s+(?:(?:de la|des|du|de|d')\s*)?{capw}){{0,3}}"
        ),
        capw = CAPW
    ))
});

/// Spanish, Portuguese, Italian: street type, name, number.
static ROMANCE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        concat!(
            r"(?i:calle|c/|avenida|avda\.|paseo|plaza|camino|carrera|ronda|travesia|rua|travessa|praca|largo",
            r"|estrada|alameda|via|viale|piazza|corso)\s+",
            r"(?:(?:de la|de los|de las|del|de|da|do|dos|das|di|della)\s+)?{capw}",
            r"(?:\s+(?:(?:de la|de los|del|de|da|do|dos|das|di)\s+)?{capw}){{0,3}},?\s+(?:n\.?º\s*)?\d{{1,5}}[A-Za-z]?"
        ),
        capw = CAPW
    ))
});

/// German: "Hauptstraße 5", "Berliner Straße 12a".
static GERMAN: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        concat!(
            r"(?:\p{{Lu}}[\p{{L}}-]*(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad)",
            r"|{capw}\s+(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer))\s+\d{{1,4}}[a-z]?"
        ),
        capw = CAPW
    ))
});

/// A unit right before a street: "Apt 4C, ".
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?:^|[^\p{L}\p{N}_])((?:Apt|Apartment|Flat|Suite|Unit|Ste|Piso|Wohnung)\.?\s+[A-Za-z0-9-]{1,6},?\s+)$")
});

/// One locality after a comma: state and ZIP, postcode and city, UK postcode, or city
/// (optionally with a UK postcode).
static TAIL: LazyLock<Regex> = LazyLock::new(|| {
    let uk = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b";
    compile(&format!(
        r"^,\s*(?:[A-Z]{{2}}\s+\d{{5}}(?:-\d{{4}})?\b|\d{{4,5}}\s+{CAPW_B}(?:[\s-]{CAPW_B}){{0,2}}|{uk}|({CAPW_B}(?:[\s-]{CAPW_B}){{0,2}})(?:\s+{uk})?)"
    ))
});

/// Cues after which a capitalised street with a number is an address.
static CUE: LazyLock<Regex> = LazyLock::new(|| {
    compile(concat!(
        r"(?:^|[^\p{L}\p{N}_'])(?i:(?:i live at|i live on|i live in|i'm at|my address is|my new address is|new address|address is",
        r"|vivo en|mi direccion es|mi domicilio es|ich wohne in|ich wohne im|ich wohne am|ich wohne|meine adresse ist",
        r"|j'habite|mon adresse est|moro em|moro na|moro no|a minha morada e|meu endereco e",
        r"|dia chi(?: cua (?:toi|em|anh|chi))?(?: van)? la|toi song o|nha toi o))",
        r"\s+(?:(?:the|la|el|der|die|dem|au|a|no|na|em)\s+)?",
    ))
});

/// After a cue: optional number, capitalised words (particles between), optional number.
static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"^(?:\d{{1,5}}[A-Za-z]?\s+)?{CAPW_B}(?:\s+(?:(?:de la|de|del|da|do|des|du|von|van)\s+)?{CAPW_B}){{0,4}}(?:,?\s+\d{{1,5}}[A-Za-z]?\b)?"
    ))
});

/// Words that cannot start a locality ("…, I think", "…, thanks").
const NOT_A_PLACE: &[&str] = &[
    "i", "i'm", "i've", "the", "and", "but", "please", "thanks", "thank", "near", "yes", "no", "ok", "okay", "sorry",
    "bitte", "danke", "gracias", "merci", "obrigado", "obrigada",
];

/// Appends the addresses found in the folded text `t`.
pub(crate) fn detect(t: &str, out: &mut Vec<Candidate>) {
    if !t.chars().any(char::is_numeric) {
        return;
    }
    for re in [&*ENGLISH, &*FRENCH, &*ROMANCE, &*GERMAN] {
        for m in re.find_iter(t).filter(|m| isolated(t, m.start(), m.end())) {
            let unit = UNIT.captures(&t[..m.start()]).and_then(|c| c.get(1));
            push(out, unit.map_or(m.start(), |u| u.start()), tails(t, m.end()));
        }
    }
    for cue in CUE.find_iter(t) {
        if let Some(m) = GENERIC.find(&t[cue.end()..]) {
            let (start, street_end) = (cue.end(), cue.end() + m.end());
            let end = tails(t, street_end);
            if t[start..end].chars().any(char::is_numeric) {
                push(out, start, end);
            }
        }
    }
}

/// Pushes an address candidate.
fn push(out: &mut Vec<Candidate>, start: usize, end: usize) {
    out.push(Candidate { kind: PiiKind::Address, start, end, rank: rank::ADDRESS });
}

/// Extends an address over up to three comma-separated localities; returns the new end.
fn tails(t: &str, mut end: usize) -> usize {
    for _ in 0..3 {
        let Some(caps) = TAIL.captures(&t[end..]) else { break };
        let city_word = caps.get(1).and_then(|c| c.as_str().split_whitespace().next()).map(str::to_lowercase);
        if city_word.is_some_and(|w| NOT_A_PLACE.contains(&w.as_str())) {
            break;
        }
        end += caps.get(0).map_or(0, |m| m.end());
    }
    end
}

#[cfg(test)]
mod tests {
    use super::super::fold::fold_str;
    use super::*;

    fn addresses(text: &str) -> Vec<String> {
        let folded = fold_str(text);
        let mut out = Vec::new();
        detect(&folded, &mut out);
        let mut found: Vec<String> = out.iter().map(|c| folded[c.start..c.end].to_string()).collect();
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn street_patterns() {
        assert_eq!(addresses("Send the new one to 42 Elm Street, Springfield."), ["42 Elm Street, Springfield"]);
        assert_eq!(addresses("I live at 42 Elm Street, Springfield, near the school."), ["42 Elm Street, Springfield"]);
        assert_eq!(addresses("I live at 221B Baker Street, London NW1 6XE."), ["221B Baker Street, London NW1 6XE"]);
        assert_eq!(
            addresses("Ship it to Apt 4C, 350 Fifth Avenue, New York, NY 10118."),
            ["Apt 4C, 350 Fifth Avenue, New York, NY 10118"]
        );
        assert_eq!(addresses("Vivo en la Calle de Alcalá 123, 28009 Madrid."), ["Calle de Alcala 123, 28009 Madrid"]);
        assert_eq!(addresses("Ich wohne in der Schloßstraße 7, 12163 Berlin."), ["Schloßstraße 7, 12163 Berlin"]);
        assert_eq!(addresses("j'habite au 18 rue des Écoles, 75005 Paris."), ["18 rue des Ecoles, 75005 Paris"]);
        assert_eq!(
            addresses("new address 7 Harbour Road, Portsmouth PO1 3AX."),
            ["7 Harbour Road, Portsmouth PO1 3AX"]
        );
    }

    #[test]
    fn cue_with_generic_street() {
        assert_eq!(addresses("Địa chỉ vẫn là 25 Lý Thường Kiệt, Hà Nội phải không?"), ["25 Ly Thuong Kiet, Ha Noi"]);
        assert!(addresses("I live in Springfield, near 3 schools.").is_empty());
    }

    #[test]
    fn not_addresses() {
        for text in [
            "I placed an order of 3 items and only 2 arrived.",
            "Press 1 for billing or 2 for technical support.",
            "I was born on 12 March 1984 in Leeds.",
            "Give it 2 to 3 minutes.",
        ] {
            assert!(addresses(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn tails_stop_at_non_places() {
        assert_eq!(addresses("It's 42 Elm Street, I think."), ["42 Elm Street"]);
    }
}
