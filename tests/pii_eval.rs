//! The PII detector measured on the fixture gold set (fixtures/pii/gold.jsonl), with the
//! thresholds of docs/PII.md: recall ≥ 0.98 for structured types, ≥ 0.9 for spoken numbers,
//! names, addresses and identifiers; precision ≥ 0.9 per detected category and overall.

use cloister::pii::{self, DetectOptions, EvalReport};

fn report() -> EvalReport {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pii/gold.jsonl")).expect("gold file");
    let records = pii::parse_jsonl(&text).expect("valid gold file");
    assert_eq!(records.len(), 223);
    pii::eval(&records, &DetectOptions::new())
}

#[test]
fn recall_per_type_meets_the_targets() {
    let report = report();
    println!("{}", report.table());
    let targets = [
        ("EMAIL", 0.98),
        ("PHONE", 0.98),
        ("CARD", 0.98),
        ("IBAN", 0.98),
        ("SSN", 0.98),
        ("IP", 0.98),
        ("DATE", 0.98),
        ("PHONE(spoken)", 0.9),
        ("PERSON", 0.9),
        ("ADDRESS", 0.9),
        ("NUMBER", 0.9),
    ];
    for (category, target) in targets {
        let stats = report.category(category).unwrap_or_else(|| panic!("no {category} in the gold set"));
        assert!(stats.gold > 0, "{category} has gold spans");
        let recall = stats.recall.expect("gold spans present");
        assert!(recall >= target, "{category}: recall {recall:.3} < {target} (missed: {:?})", report.misses);
    }
    assert!(report.overall.recall.expect("gold spans") >= 0.98);
}

#[test]
fn precision_stays_high() {
    let report = report();
    for stats in &report.categories {
        if let Some(precision) = stats.precision {
            assert!(precision >= 0.9, "{}: precision {precision:.3} (spurious: {:?})", stats.category, report.spurious);
        }
    }
    let overall = report.overall.precision.expect("something masked");
    assert!(overall >= 0.95, "overall precision {overall:.3}");
}

#[test]
fn negative_rows_stay_untouched() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pii/gold.jsonl")).expect("gold file");
    let records = pii::parse_jsonl(&text).expect("valid gold file");
    let opts = DetectOptions::new();
    let flagged: Vec<(String, Vec<pii::Span>)> = records
        .iter()
        .filter(|r| r.pii.is_empty())
        .map(|r| (r.text.clone(), pii::detect(&r.text, &opts)))
        .filter(|(_, spans)| !spans.is_empty())
        .collect();
    // Prices, times, counts, versions (2.1.0.7), a Luhn-invalid 16-digit barcode, placeholders.
    assert!(flagged.is_empty(), "rows without PII were masked: {flagged:?}");
}

#[test]
fn every_gold_string_disappears_when_masked() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pii/gold.jsonl")).expect("gold file");
    let records = pii::parse_jsonl(&text).expect("valid gold file");
    let opts = DetectOptions::new();
    let policy = pii::MaskPolicy::default();
    let mut leaked = Vec::new();
    for r in &records {
        let masked = pii::detect_and_mask(&r.text, &opts, &policy);
        for g in &r.pii {
            let raw: String = r.text.chars().skip(g.start).take(g.end - g.start).collect();
            if masked.contains(&raw) {
                leaked.push(raw);
            }
        }
    }
    // The one known miss is a bare sentence-initial "Tom," without any cue (see docs/PII.md);
    // the dictionary of known names covers it.
    assert_eq!(leaked, ["Tom"]);
    let with_names = DetectOptions::with_names(["Tom Becker"]).expect("compiles");
    let report = pii::eval(&records, &with_names);
    assert_eq!(report.category("PERSON").and_then(|c| c.recall), Some(1.0));
}
