//! Fuzz target `manifest`: the check is `checks::manifest` in ../checks.rs (also replayed by tests/fuzz_corpus.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::manifest(data));
