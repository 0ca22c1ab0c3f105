//! Replays the committed fuzz corpus (fuzz/corpus/<target>/, minimised by scripts/fuzz.sh) through
//! the same checks the cargo-fuzz targets run, so CI catches regressions without libFuzzer or
//! nightly flags. Every input that once crashed a target is kept in its corpus.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus", dir.display());
    for file in &files {
        let data = std::fs::read(file).expect("read corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{target}: {} fails its check", file.display());
    }
}

#[test]
fn input_decoder_corpus() {
    replay("input_decoder", checks::input_decoder);
}

#[test]
fn manifest_corpus() {
    replay("manifest", checks::manifest);
}

#[test]
fn preference_corpus() {
    replay("preference", checks::preference);
}

#[test]
fn webvtt_corpus() {
    replay("webvtt", checks::webvtt);
}

#[test]
fn srt_corpus() {
    replay("srt", checks::srt);
}

#[test]
fn config_corpus() {
    replay("config", checks::config);
}

#[test]
fn theme_corpus() {
    replay("theme", checks::theme);
}
