//! SRT transcripts: arbitrary text is parsed without panicking; cues come out in file order.
#![no_main]

use cloister::import::parse_srt;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse_srt(Path::new("fuzz.srt"), &text) {
        Ok(cues) => assert!(cues.windows(2).all(|w| w[0].line < w[1].line)),
        Err(err) => drop(err.to_string()),
    }
});
