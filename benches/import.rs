//! Import throughput: parse, validate, seal and store a manifest of 100 000 segments
//! (1 000 conversations × 100 segments, each with its own decoded WAV).
//! Run: `cargo bench --bench import`

use cloister::policy::{Principal, ProjectPolicy};
use cloister::store::ProjectKind;
use criterion::{Criterion, criterion_group, criterion_main};
use std::io::Write;
use std::path::Path;

const ITEMS: usize = 1_000;
const SEGMENTS: usize = 100;

fn write_manifest(dir: &Path) -> std::path::PathBuf {
    let wav = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/invalid/overlap/a.wav");
    std::fs::copy(&wav, dir.join("a.wav")).expect("copy wav");
    let path = dir.join("manifest.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    for i in 0..ITEMS {
        let segments: Vec<String> = (0..SEGMENTS)
            .map(|s| {
                format!(
                    r#"{{"id":"c{i}-s{s}","start_ms":{},"end_ms":{},"speaker":"agent","text":"Segment {s} of call {i}: my number is four one five five five five oh one three two.","pii":[{{"type":"PHONE","start":32,"end":80}}]}}"#,
                    s * 10,
                    s * 10 + 9
                )
            })
            .collect();
        writeln!(out, r#"{{"id":"c{i}","audio":"a.wav","language":"en","segments":[{}]}}"#, segments.join(","))
            .expect("write");
    }
    out.flush().expect("flush");
    path
}

fn import(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tmp");
    let manifest = write_manifest(tmp.path());
    let mut group = c.benchmark_group("import");
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements((ITEMS * SEGMENTS) as u64));
    let mut round = 0;
    group.bench_function("manifest_100k_segments", |b| {
        b.iter(|| {
            round += 1;
            let dir = cloister::datadir::DataDir::new(tmp.path().join(format!("data{round}")));
            dir.init().expect("init");
            let store = dir.store().expect("store");
            let op = Principal::operator();
            let items = cloister::import::parse_manifest(&manifest, &|_, _| {}).expect("parse");
            store.create_project(&op, "bench", ProjectKind::Transcription, &ProjectPolicy::default()).expect("create");
            let summary = store.import_items(&op, "bench", &items, &|_| {}).expect("import");
            assert_eq!(summary.segments, ITEMS * SEGMENTS);
        })
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
