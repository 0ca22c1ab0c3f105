//! Audio on the host, in memory only: decoding (rodio with decode-only features), the waveform
//! envelope, real-time pacing and the audio channel's frame format.

pub mod pacer;
pub mod stream;
pub mod waveform;

use rodio::Source;
use std::io::Cursor;
use zeroize::Zeroize;

/// Errors decoding audio.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The bytes are not a supported audio format.
    #[error("not a supported audio file (WAV expected): {0}")]
    Format(String),
    /// The file decodes to no samples.
    #[error("audio file holds no samples")]
    Empty,
}

/// Decoded audio: interleaved f32 samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// Interleaved samples in [-1, 1].
    pub samples: Vec<f32>,
}

impl Drop for Decoded {
    // Decoded speech is as sensitive as the sealed file it came from: wipe it when done.
    fn drop(&mut self) {
        self.samples.zeroize();
    }
}

impl Decoded {
    /// Duration in whole milliseconds, rounded up.
    pub fn duration_ms(&self) -> i64 {
        let frames = self.samples.len() as u64 / u64::from(self.channels.max(1));
        (frames * 1000).div_ceil(u64::from(self.sample_rate.max(1))) as i64
    }
}

/// Decodes a whole file held in memory.
pub fn decode(bytes: &[u8]) -> Result<Decoded, AudioError> {
    // The decoder owns its copy of the file; Zeroizing wipes it when the decoder is dropped.
    let copy: zeroize::Zeroizing<Vec<u8>> = zeroize::Zeroizing::new(bytes.to_vec());
    let decoder = rodio::Decoder::new(Cursor::new(copy)).map_err(|e| AudioError::Format(e.to_string()))?;
    let sample_rate = decoder.sample_rate().get();
    let channels = decoder.channels().get();
    let samples: Vec<f32> = decoder.collect();
    if samples.is_empty() {
        return Err(AudioError::Empty);
    }
    Ok(Decoded { sample_rate, channels, samples })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fixture_and_rejects_text() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/calls/audio/call-en-001.wav"))
            .expect("fixture");
        let audio = decode(&bytes).expect("decodes");
        assert_eq!((audio.sample_rate, audio.channels), (16_000, 1));
        assert!(audio.duration_ms() > 5_000 && audio.duration_ms() < 30_000, "{}", audio.duration_ms());
        assert!(decode(b"this is not audio at all, just text").is_err());
    }
}
