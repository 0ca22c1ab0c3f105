//! Dates with a year (dates of birth, mostly): numeric `d/m/y`, `m/d/y`, `d.m.y`, `y-m-d`, and
//! month names in English, Spanish, German, French, Portuguese and Hindi, Vietnamese
//! `ngày … tháng … năm …` and CJK `年月日`. Dates without a year are not personal enough to mask.

use super::scan::{ascii_digits, compile, glued_to_number, isolated, version_cue_before};
use super::{Candidate, PiiKind, rank};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// Month names (accent-folded) of the supported languages, longest spellings first.
const MONTHS: &str = concat!(
    "january|february|march|april|may|june|july|august|september|october|november|december|",
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|",
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|",
    "januar|janner|februar|marz|maerz|mai|juni|juli|oktober|dezember|",
    "janvier|fevrier|mars|avril|juin|juillet|aout|septembre|octobre|novembre|decembre|",
    "janeiro|fevereiro|marco|maio|junho|julho|setembro|outubro|novembro|dezembro|",
    "जनवरी|फ\u{93C}रवरी|\u{95E}रवरी|फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|सितम्बर|अक्टूबर|अक्तूबर|नवंबर|नवम्बर|दिसंबर|दिसम्बर",
);

/// Day, month name, year: "12 March 1984", "3 de agosto de 1979", "14. Februar 1975",
/// "12th of March 1984", "1er mai 1990", "15 अगस्त 1992".
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(\d{{1,2}})(?:st|nd|rd|th|er|º|°|\.)?(?:\s+(?:of|de))?\s+(?:{MONTHS})\.?(?:\s+de|,)?\s+(\d{{4}})"
    ))
});

/// Month name, day, year: "March 12th, 1984", "Mar 5 1990".
static MONTH_DAY_YEAR: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"(?i)(?:{MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})")));

/// Vietnamese "5 tháng 9 năm 1990" (folded: "5 thang 9 nam 1990").
static VIETNAMESE: LazyLock<Regex> = LazyLock::new(|| compile(r"(?i)(\d{1,2})\s+thang\s+(\d{1,2}),?\s+nam\s+(\d{4})"));

/// Chinese and Japanese "1990年5月17日".
static CJK: LazyLock<Regex> = LazyLock::new(|| compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"));

/// Numeric day and month (either order) and year: "22/11/1988", "12.03.1984", "12/3/84".
static NUMERIC_DMY: LazyLock<Regex> = LazyLock::new(|| compile(r"(\d{1,2})([./-])(\d{1,2})([./-])(\d{4}|\d{2})"));

/// Year first: "1990-05-17", "1990/5/17".
static NUMERIC_YMD: LazyLock<Regex> = LazyLock::new(|| compile(r"(\d{4})([./-])(\d{1,2})([./-])(\d{1,2})"));

/// Appends the dates found in the folded text `t`.
pub(crate) fn detect(t: &str, out: &mut Vec<Candidate>) {
    if !t.chars().any(char::is_numeric) {
        return;
    }
    let mut push = |start, end| out.push(Candidate { kind: PiiKind::Date, start, end, rank: rank::DATE });
    for caps in DAY_MONTH_YEAR.captures_iter(t) {
        if day_ok(&caps, 1) && year_ok(&caps, 2) {
            push_whole(t, &caps, &mut push);
        }
    }
    for caps in MONTH_DAY_YEAR.captures_iter(t).chain(VIETNAMESE.captures_iter(t)) {
        if day_ok(&caps, 1) && year_ok(&caps, caps.len() - 1) {
            push_whole(t, &caps, &mut push);
        }
    }
    for caps in CJK.captures_iter(t) {
        if year_ok(&caps, 1) && month_ok(&caps, 2) && day_ok(&caps, 3) {
            push_whole(t, &caps, &mut push);
        }
    }
    numeric(t, &NUMERIC_DMY, &mut push, |caps| {
        let (a, b) = (number(caps, 1), number(caps, 3));
        let four = caps.get(5).is_some_and(|y| y.as_str().len() == 4);
        let day_month = (1..=31).contains(&a) && (1..=12).contains(&b);
        let month_day = (1..=12).contains(&a) && (1..=31).contains(&b);
        // Two-digit years only with slashes: "10.4.22" is more often a version than a date.
        (day_month || month_day) && (if four { year_ok(caps, 5) } else { &caps[2] == "/" })
    });
    numeric(t, &NUMERIC_YMD, &mut push, |caps| year_ok(caps, 1) && month_ok(caps, 3) && day_ok(caps, 5));
}

/// Scans a numeric pattern whose two separators must agree and which must not be part of a
/// longer dotted or dashed number or follow a version cue.
fn numeric(t: &str, re: &Regex, push: &mut impl FnMut(usize, usize), valid: impl Fn(&Captures) -> bool) {
    for caps in re.captures_iter(t) {
        let Some(m) = caps.get(0) else { continue };
        let (s, e) = (m.start(), m.end());
        if caps[2] == caps[4]
            && isolated(t, s, e)
            && !glued_to_number(t, s, e, "./-:")
            && !version_cue_before(t, s)
            && valid(&caps)
        {
            push(s, e);
        }
    }
}

/// Pushes the whole match when it is not glued to a word or number (the patterns carry no `\b`).
fn push_whole(t: &str, caps: &Captures, push: &mut impl FnMut(usize, usize)) {
    if let Some(m) = caps.get(0).filter(|m| isolated(t, m.start(), m.end())) {
        push(m.start(), m.end());
    }
}

/// The number in capture group `i` (any script's digits), or 0.
fn number(caps: &Captures, i: usize) -> u32 {
    caps.get(i).and_then(|m| ascii_digits(m.as_str()).parse().ok()).unwrap_or(0)
}

/// Whether group `i` is a day of month.
fn day_ok(caps: &Captures, i: usize) -> bool {
    (1..=31).contains(&number(caps, i))
}

/// Whether group `i` is a month number.
fn month_ok(caps: &Captures, i: usize) -> bool {
    (1..=12).contains(&number(caps, i))
}

/// Whether group `i` is a plausible year of birth or event (1900–2099).
fn year_ok(caps: &Captures, i: usize) -> bool {
    (1900..=2099).contains(&number(caps, i))
}

#[cfg(test)]
mod tests {
    use super::super::fold::fold_str;
    use super::*;

    fn dates(text: &str) -> Vec<String> {
        let folded = fold_str(text);
        let mut out = Vec::new();
        detect(&folded, &mut out);
        out.iter().map(|c| folded[c.start..c.end].to_string()).collect()
    }

    #[test]
    fn month_names_in_several_languages() {
        assert_eq!(dates("I was born on 12 March 1984 in Leeds."), ["12 March 1984"]);
        assert_eq!(dates("I was born on March 12th, 1984."), ["March 12th, 1984"]);
        assert_eq!(dates("3 de agosto de 1979."), ["3 de agosto de 1979"]);
        assert_eq!(dates("Der 14. Februar 1975."), ["14. Februar 1975"]);
        assert_eq!(dates("Am 12. März 1984"), ["12. Marz 1984"]);
        assert_eq!(dates("Je suis née le 4 juillet 1991."), ["4 juillet 1991"]);
        assert_eq!(dates("nasci a 3 de maio de 1990"), ["3 de maio de 1990"]);
        assert_eq!(dates("Ngày 5 tháng 9 năm 1990."), ["5 thang 9 nam 1990"]);
        assert_eq!(dates("मेरी जन्मतिथि 15 अगस्त 1992 है।"), ["15 अगस्त 1992"]);
        assert_eq!(dates("生于1990年5月17日"), ["1990年5月17日"]);
    }

    #[test]
    fn numeric_forms() {
        assert_eq!(dates("Date of birth 03/12/1984, month first."), ["03/12/1984"]);
        assert_eq!(dates("Ich bin am 12.03.1984 geboren."), ["12.03.1984"]);
        assert_eq!(dates("Nací el 12/3/1984 en Sevilla."), ["12/3/1984"]);
        assert_eq!(dates("born 1990-05-17, new"), ["1990-05-17"]);
        assert_eq!(dates("on 12/3/84"), ["12/3/84"]);
    }

    #[test]
    fn not_dates() {
        for text in [
            "Open 24/7 and from 9:00 to 17:30.",
            "Please update the app to version 10.4.2 or later.",
            "version 1.2.2020",
            "32/13/1999 is not a date",
            "12.03.84 is ambiguous",
            "12/03-1984 mixes separators",
            "It was 12 March, a Monday.",
            "2.1.10.2020.5",
        ] {
            assert!(dates(text).is_empty(), "{text}: {:?}", dates(text));
        }
    }
}
