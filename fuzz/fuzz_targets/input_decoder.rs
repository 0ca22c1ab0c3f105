//! Fuzz target `input_decoder`: the check is `checks::input_decoder` in ../checks.rs (also replayed by tests/fuzz_corpus.rs).
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::input_decoder(data));
