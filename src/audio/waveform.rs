//! The RMS envelope drawn as the item's waveform: one level per [`BUCKET_MS`] of audio.

use super::Decoded;

/// Milliseconds of audio per envelope bucket.
pub const BUCKET_MS: u32 = 20;
/// Quietest level shown, in dB below the loudest bucket; quieter buckets draw as silence.
const FLOOR_DB: f32 = 48.0;

/// RMS per [`BUCKET_MS`] over all channels, on a dB scale relative to the loudest bucket:
/// 255 is the loudest, 0 is [`FLOOR_DB`] below it or silence.
pub fn rms_envelope(audio: &Decoded) -> Vec<u8> {
    let channels = usize::from(audio.channels.max(1));
    let frames_per_bucket = (audio.sample_rate as usize * BUCKET_MS as usize / 1000).max(1);
    let rms: Vec<f32> = audio
        .samples
        .chunks(frames_per_bucket * channels)
        .map(|chunk| (chunk.iter().map(|s| s * s).sum::<f32>() / chunk.len() as f32).sqrt())
        .collect();
    let loudest = rms.iter().copied().fold(0.0_f32, f32::max);
    if loudest <= f32::EPSILON {
        return vec![0; rms.len()];
    }
    rms.iter()
        .map(|&value| {
            let db = 20.0 * (value.max(f32::MIN_POSITIVE) / loudest).log10();
            (((db + FLOOR_DB) / FLOOR_DB).clamp(0.0, 1.0) * 255.0).round() as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(amplitudes: &[f32], rate: u32) -> Decoded {
        let per = (rate * BUCKET_MS / 1000) as usize;
        let samples = amplitudes
            .iter()
            .flat_map(|&a| (0..per).map(move |i| a * (i as f32 * 0.3).sin() * std::f32::consts::SQRT_2))
            .collect();
        Decoded { sample_rate: rate, channels: 1, samples }
    }

    #[test]
    fn loudest_bucket_is_full_and_quieter_ones_scale_in_db() {
        let envelope = rms_envelope(&tone(&[1.0, 0.1, 0.0, 0.5], 16_000));
        assert_eq!(envelope.len(), 4);
        assert_eq!(envelope[0], 255);
        // -20 dB of a 48 dB range: 28/48 of full scale.
        assert!((envelope[1] as i32 - 149).abs() <= 2, "{envelope:?}");
        assert_eq!(envelope[2], 0);
        assert!((envelope[3] as i32 - 223).abs() <= 2, "{envelope:?}");
        assert_eq!(rms_envelope(&tone(&[0.0, 0.0], 8_000)), vec![0, 0], "silence stays flat");
    }

    #[test]
    fn fixture_envelope_has_speech_and_pauses() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/calls/audio/call-en-001.wav"))
            .expect("fixture");
        let audio = super::super::decode(&bytes).expect("decodes");
        let envelope = rms_envelope(&audio);
        let expected = (audio.duration_ms() as usize).div_ceil(BUCKET_MS as usize);
        assert!(envelope.len().abs_diff(expected) <= 1, "{} buckets for {} ms", envelope.len(), audio.duration_ms());
        assert!(envelope.iter().filter(|&&l| l > 128).count() > envelope.len() / 4, "speech is loud");
        assert!(envelope.iter().any(|&l| l < 64), "pauses are quiet");
    }
}
