//! Measuring detection against gold spans (definitions in `docs/PII.md`).
//!
//! * **Recall** of a category: gold spans found ÷ gold spans, where a gold span counts as found
//!   only if every one of its chars is masked by some detected span, of any kind.
//! * **Precision**: masked chars inside gold spans (of any kind) ÷ masked chars. Per category,
//!   over the chars of the detected spans of that category.
//!
//! PHONE is reported in two categories: `PHONE` (written with digits only) and `PHONE(spoken)`
//! (the span holds letters: number words, digits and words mixed); the same rule splits the
//! detected spans.

use super::{DetectOptions, PiiError, PiiKind, Span, detect};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A gold span of an evaluation record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoldSpan {
    /// The kind.
    #[serde(rename = "type")]
    pub kind: PiiKind,
    /// First char offset.
    pub start: usize,
    /// Char offset one past the last char.
    pub end: usize,
}

/// One line of an evaluation file: `{"text": "...", "pii": [{"type", "start", "end"}]}`;
/// other fields (such as `language`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalRecord {
    /// The text.
    pub text: String,
    /// Its gold spans.
    #[serde(default)]
    pub pii: Vec<GoldSpan>,
}

/// Figures for one category (a kind, or `PHONE(spoken)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryStats {
    /// `PERSON`, `PHONE`, `PHONE(spoken)`, `EMAIL`…
    pub category: String,
    /// Gold spans of this category.
    pub gold: usize,
    /// Of those, spans whose every char is masked.
    pub found: usize,
    /// `found / gold`; `None` without gold spans.
    pub recall: Option<f64>,
    /// Detected spans of this category.
    pub detected: usize,
    /// Chars in those spans.
    pub masked_chars: usize,
    /// Of those, chars inside some gold span.
    pub masked_in_gold: usize,
    /// `masked_in_gold / masked_chars`; `None` when nothing of this category was detected.
    pub precision: Option<f64>,
}

/// Figures over all categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    /// Gold spans.
    pub gold: usize,
    /// Of those, spans whose every char is masked.
    pub found: usize,
    /// `found / gold`.
    pub recall: Option<f64>,
    /// Detected spans.
    pub detected: usize,
    /// Masked chars.
    pub masked_chars: usize,
    /// Of those, chars inside some gold span.
    pub masked_in_gold: usize,
    /// `masked_in_gold / masked_chars`.
    pub precision: Option<f64>,
}

/// A gold span not fully masked, or a detected span entirely outside gold spans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Miss {
    /// 1-based record number.
    pub record: usize,
    /// Category of the span.
    pub category: String,
    /// The span's text.
    pub text: String,
}

/// The result of [`eval`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Records evaluated.
    pub records: usize,
    /// Chars in their texts.
    pub chars: usize,
    /// Per category, in kind order (`PHONE(spoken)` right after `PHONE`).
    pub categories: Vec<CategoryStats>,
    /// Over all categories.
    pub overall: Overall,
    /// Gold spans not fully masked.
    pub misses: Vec<Miss>,
    /// Detected spans with no char inside a gold span.
    pub spurious: Vec<Miss>,
}

impl EvalReport {
    /// The figures of one category, if it occurs.
    pub fn category(&self, name: &str) -> Option<&CategoryStats> {
        self.categories.iter().find(|c| c.category == name)
    }

    /// A plain-text table: one line per category, then the overall line.
    pub fn table(&self) -> String {
        let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
        let mut out = format!(
            "{:<14} {:>5} {:>6} {:>7} {:>9} {:>7} {:>9}\n",
            "type", "gold", "found", "recall", "detected", "masked", "precision"
        );
        let mut line = |name: &str, gold, found, recall, detected, masked, precision| {
            let _ = writeln!(
                out,
                "{name:<14} {gold:>5} {found:>6} {:>7} {detected:>9} {masked:>7} {:>9}",
                fmt(recall),
                fmt(precision)
            );
        };
        for c in &self.categories {
            line(&c.category, c.gold, c.found, c.recall, c.detected, c.masked_chars, c.precision);
        }
        let o = &self.overall;
        line("overall", o.gold, o.found, o.recall, o.detected, o.masked_chars, o.precision);
        out
    }
}

/// Parses JSONL evaluation records (blank lines skipped) and checks every span lies within its
/// text.
pub fn parse_jsonl(input: &str) -> Result<Vec<EvalRecord>, PiiError> {
    let mut records = Vec::new();
    for (i, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: EvalRecord =
            serde_json::from_str(line).map_err(|e| PiiError::Record { line: i + 1, message: e.to_string() })?;
        let len = record.text.chars().count();
        if let Some(bad) = record.pii.iter().find(|s| s.start >= s.end || s.end > len) {
            return Err(PiiError::Span { line: i + 1, start: bad.start, end: bad.end, len });
        }
        records.push(record);
    }
    Ok(records)
}

/// The report category of a span of `kind` holding `text`.
fn category(kind: PiiKind, text: &str) -> String {
    if kind == PiiKind::Phone && text.chars().any(char::is_alphabetic) {
        "PHONE(spoken)".to_string()
    } else {
        kind.as_str().to_string()
    }
}

/// Sort key of a category: kind order, spoken phone right after phone.
fn order(name: &str) -> (usize, bool) {
    let base = name.trim_end_matches("(spoken)");
    (PiiKind::ALL.iter().position(|k| k.as_str() == base).unwrap_or(usize::MAX), name != base)
}

/// Runs [`detect`] on every record and measures it against the gold spans.
pub fn eval(records: &[EvalRecord], opts: &DetectOptions) -> EvalReport {
    let mut stats: Vec<CategoryStats> = Vec::new();
    let mut misses = Vec::new();
    let mut spurious = Vec::new();
    let mut chars_total = 0;
    for (n, record) in records.iter().enumerate() {
        let chars: Vec<char> = record.text.chars().collect();
        chars_total += chars.len();
        let slice =
            |start: usize, end: usize| chars[start.min(chars.len())..end.min(chars.len())].iter().collect::<String>();
        let detected: Vec<Span> = detect(&record.text, opts);
        let mut masked = vec![false; chars.len()];
        for s in &detected {
            masked[s.start..s.end.min(chars.len())].fill(true);
        }
        let mut in_gold = vec![false; chars.len()];
        for g in &record.pii {
            in_gold[g.start..g.end].fill(true);
        }
        for g in &record.pii {
            let text = slice(g.start, g.end);
            let name = category(g.kind, &text);
            let found = masked[g.start..g.end].iter().all(|&m| m);
            let entry = entry(&mut stats, &name);
            entry.gold += 1;
            if found {
                entry.found += 1;
            } else {
                misses.push(Miss { record: n + 1, category: name, text });
            }
        }
        for s in &detected {
            let text = slice(s.start, s.end);
            let name = category(s.kind, &text);
            let inside = in_gold[s.start..s.end.min(chars.len())].iter().filter(|&&g| g).count();
            let entry = entry(&mut stats, &name);
            entry.detected += 1;
            entry.masked_chars += s.end - s.start;
            entry.masked_in_gold += inside;
            if inside == 0 {
                spurious.push(Miss { record: n + 1, category: name, text });
            }
        }
    }
    let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
    for c in &mut stats {
        c.recall = ratio(c.found, c.gold);
        c.precision = ratio(c.masked_in_gold, c.masked_chars);
    }
    stats.sort_by_key(|c| order(&c.category));
    let sum = |f: fn(&CategoryStats) -> usize| stats.iter().map(f).sum::<usize>();
    let (gold, found, masked_chars, masked_in_gold) =
        (sum(|c| c.gold), sum(|c| c.found), sum(|c| c.masked_chars), sum(|c| c.masked_in_gold));
    let overall = Overall {
        gold,
        found,
        recall: ratio(found, gold),
        detected: sum(|c| c.detected),
        masked_chars,
        masked_in_gold,
        precision: ratio(masked_in_gold, masked_chars),
    };
    EvalReport { records: records.len(), chars: chars_total, categories: stats, overall, misses, spurious }
}

/// The stats entry of a category, created empty on first use.
fn entry<'a>(stats: &'a mut Vec<CategoryStats>, name: &str) -> &'a mut CategoryStats {
    let i = match stats.iter().position(|c| c.category == name) {
        Some(i) => i,
        None => {
            stats.push(CategoryStats {
                category: name.to_string(),
                gold: 0,
                found: 0,
                recall: None,
                detected: 0,
                masked_chars: 0,
                masked_in_gold: 0,
                precision: None,
            });
            stats.len() - 1
        }
    };
    &mut stats[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_needs_every_char_and_precision_counts_chars() {
        let input = concat!(
            r#"{"text": "Call 415-555-0132 now", "pii": [{"type": "PHONE", "start": 5, "end": 17}]}"#,
            "\n\n",
            r#"{"text": "ring four one five five five five oh one three two", "pii": [{"type": "PHONE", "start": 5, "end": 50}], "language": "en"}"#,
            "\n",
            r#"{"text": "My name is Zed and my IP is 10.0.0.1", "pii": []}"#,
        );
        let records = parse_jsonl(input).expect("parses");
        let report = eval(&records, &DetectOptions::new());
        let phone = report.category("PHONE").expect("phone");
        assert_eq!((phone.gold, phone.found, phone.recall), (1, 1, Some(1.0)));
        let spoken = report.category("PHONE(spoken)").expect("spoken");
        assert_eq!((spoken.gold, spoken.found), (1, 1));
        let ip = report.category("IP").expect("ip");
        assert_eq!((ip.gold, ip.detected, ip.precision), (0, 1, Some(0.0)));
        assert_eq!(report.overall.masked_chars, 12 + 45 + 3 + 8);
        assert_eq!(report.overall.masked_in_gold, 57);
        assert_eq!(report.spurious.len(), 2);
        assert!(report.table().contains("overall"));
        assert_eq!(
            report.categories.iter().map(|c| c.category.as_str()).collect::<Vec<_>>(),
            ["PERSON", "PHONE", "PHONE(spoken)", "IP"]
        );
    }

    #[test]
    fn bad_input_names_the_line() {
        assert!(matches!(parse_jsonl("{\"text\": 1}"), Err(PiiError::Record { line: 1, .. })));
        let out_of_range = "\n{\"text\": \"abc\", \"pii\": [{\"type\": \"PHONE\", \"start\": 1, \"end\": 9}]}";
        assert!(matches!(parse_jsonl(out_of_range), Err(PiiError::Span { line: 2, len: 3, .. })));
        assert!(parse_jsonl("{\"text\": \"a\", \"pii\": [{\"type\": \"CREDIT\", \"start\": 0, \"end\": 1}]}").is_err());
    }
}
