//! Preference JSONL: arbitrary bytes are parsed and validated without panicking.
#![no_main]

use cloister::import::parse_preferences_bytes;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Err(err) = parse_preferences_bytes(Path::new("fuzz.jsonl"), data) {
        let _ = err.to_string();
    }
});
