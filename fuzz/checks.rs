//! What each fuzz target checks, shared by the fuzz targets (fuzz_targets/*.rs) and by
//! tests/fuzz_corpus.rs, which replays the committed corpus through the same checks in the
//! normal test suite. Every check must hold for any input: no panic, and the stated property.
#![allow(dead_code)]

use cloister::app::Keymap;
use cloister::config::Config;
use cloister::import::{parse_manifest_bytes, parse_preferences_bytes, parse_srt, parse_vtt};
use cloister::ssh::input::{InputDecoder, STALL_TIMEOUT};
use cloister::store::NewAudio;
use cloister::ui::Theme;
use std::path::Path;
use std::time::Instant;

/// SSH input decoder: arbitrary bytes split into arbitrary packets decode to the same events as
/// the same bytes in one packet (the decoder's packet-split promise); timeouts between packets
/// never panic. The first byte seeds the packet sizes.
pub fn input_decoder(data: &[u8]) {
    let Some((&seed, bytes)) = data.split_first() else { return };
    let now = Instant::now();
    let later = now + STALL_TIMEOUT * 2;

    let mut whole = InputDecoder::new();
    let mut expected = whole.feed(bytes, now);
    expected.extend(whole.flush_timeout(later));

    let mut split = InputDecoder::new();
    let mut got = Vec::new();
    let mut rest = bytes;
    let mut size = usize::from(seed % 7) + 1;
    while !rest.is_empty() {
        let (packet, tail) = rest.split_at(size.min(rest.len()));
        got.extend(split.feed(packet, now));
        rest = tail;
        size = (size * 5 + usize::from(seed)) % 11 + 1;
    }
    got.extend(split.flush_timeout(later));
    assert_eq!(expected, got, "packet boundaries changed the decoded input");

    let mut timed = InputDecoder::new();
    let mut at = now;
    for (n, packet) in bytes.chunks(usize::from(seed % 5) + 1).enumerate() {
        let _ = timed.feed(packet, at);
        if let Some(deadline) = timed.pending_deadline()
            && n % 2 == 0
        {
            at = deadline;
            let _ = timed.flush_timeout(at);
        }
    }
}

/// Transcription manifest (JSONL): parsed and validated; every `*.wav` is the same 60 s clip,
/// so the timing checks run too.
pub fn manifest(data: &[u8]) {
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
}

/// Preference JSONL: parsed and validated.
pub fn preference(data: &[u8]) {
    if let Err(err) = parse_preferences_bytes(Path::new("fuzz.jsonl"), data) {
        let _ = err.to_string();
    }
}

/// WebVTT: parsed; cues come out in file order.
pub fn webvtt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_vtt(Path::new("fuzz.vtt"), &text) {
        Ok(cues) => assert!(cues.windows(2).all(|w| w[0].line < w[1].line)),
        Err(err) => drop(err.to_string()),
    }
}

/// SRT: parsed; cues come out in file order.
pub fn srt(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_srt(Path::new("fuzz.srt"), &text) {
        Ok(cues) => assert!(cues.windows(2).all(|w| w[0].line < w[1].line)),
        Err(err) => drop(err.to_string()),
    }
}

/// `cloister.toml` (server, audit, ui and keymap sections): parsed and validated; a valid
/// config builds its keymap.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Config::parse(text, Path::new("cloister.toml")) {
        Ok(config) => drop(Keymap::from_config(&config.keymap).help_lines()),
        Err(err) => drop(err.to_string()),
    }
}

/// Theme TOML: parsed over the dark defaults.
pub fn theme(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Theme::parse_str(text, Path::new("fuzz.toml")) {
        Ok(theme) => drop(theme.without_color()),
        Err(err) => drop(err.to_string()),
    }
}
