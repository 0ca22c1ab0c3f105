//! Fuzz target `theme`: the check is `checks::theme` in ../checks.rs (also replayed by tests/fuzz_corpus.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::theme(data));
