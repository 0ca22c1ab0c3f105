//! Transcription manifest (JSONL): arbitrary bytes are parsed and validated without panicking.
//! Every `audio` field resolves to the same 60 s clip, so timing checks run too.
#![no_main]

use cloister::import::parse_manifest_bytes;
use cloister::store::NewAudio;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let clip = |name: &str| {
        if name.ends_with(".wav") {
            Ok(NewAudio { bytes: Vec::new(), sample_rate: 16_000, channels: 1, duration_ms: 60_000 })
        } else {
            Err(format!("{name:?}: not a WAV file"))
        }
    };
    if let Err(err) = parse_manifest_bytes(Path::new("fuzz.jsonl"), data, &clip, &|_, _| {}) {
        let _ = err.to_string();
    }
});
