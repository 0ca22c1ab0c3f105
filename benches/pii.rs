//! PII detection + masking throughput on the fixture gold set.
//!
//! Run: `cargo bench --bench pii` (figures in docs/PERFORMANCE.md, "PII masking").

use cloister::pii::{self, DetectOptions, MaskPolicy};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn gold_texts() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pii/gold.jsonl"))
        .expect("fixtures/pii/gold.jsonl");
    pii::parse_jsonl(&text).expect("valid gold file").into_iter().map(|r| r.text).collect()
}

fn bench(c: &mut Criterion) {
    let texts = gold_texts();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let opts = DetectOptions::new();
    let names = DetectOptions::with_names(["Karen Whitfield", "Daniel Okafor", "Tom Becker", "Hélène Lefèvre"])
        .expect("dictionary compiles");
    let policy = MaskPolicy::default();
    let mut group = c.benchmark_group("pii");
    group.throughput(Throughput::Elements(chars as u64));
    group.bench_function("detect_and_mask/gold", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(pii::detect_and_mask(black_box(t), &opts, &policy));
            }
        })
    });
    group.bench_function("detect_and_mask/gold+names", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(pii::detect_and_mask(black_box(t), &names, &policy));
            }
        })
    });
    group.finish();
    let line = "Hi, my name is Daniel Okafor, card 4539 1488 0343 6467, call four one five, double five five.";
    c.bench_function("pii/detect_and_mask/one_line", |b| {
        b.iter(|| black_box(pii::detect_and_mask(black_box(line), &opts, &policy)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
