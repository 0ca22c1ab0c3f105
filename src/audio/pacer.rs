//! Pacing a stream in real time: which samples go next ([`Cursor`]) and how far the listener has
//! got ([`Clock`]). Pure: time is passed in, so the rules are tested without waiting.

use super::Decoded;
use std::time::{Duration, Instant};

/// Where a stream is in a segment of decoded audio. Frames are counted per channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    start: usize,
    end: usize,
    from: usize,
    next: usize,
    looping: bool,
    sent: u64,
    done: bool,
}

impl Cursor {
    /// A stream of `[start_ms, end_ms)` of `audio` beginning at `from_ms` (clamped into the range).
    pub fn new(audio: &Decoded, start_ms: u32, end_ms: u32, from_ms: u32, looping: bool) -> Self {
        let frames = audio.samples.len() / usize::from(audio.channels.max(1));
        let at = |ms: u32| ((u64::from(ms) * u64::from(audio.sample_rate) / 1000) as usize).min(frames);
        let (start, end) = (at(start_ms), at(end_ms));
        let end = end.max(start);
        let from = at(from_ms).clamp(start, end);
        Self { start, end, from, next: from, looping, sent: 0, done: start == end }
    }

    /// Frames handed out so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// True once a non-looping stream has handed out its last frame.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Up to `max_frames` frames of interleaved `i16` samples; empty when done.
    pub fn next_chunk(&mut self, audio: &Decoded, max_frames: usize) -> Vec<i16> {
        let channels = usize::from(audio.channels.max(1));
        let mut out = Vec::with_capacity(max_frames.min(self.end - self.start) * channels);
        let mut left = max_frames;
        while left > 0 && !self.done {
            if self.next >= self.end {
                if self.looping {
                    self.next = self.start;
                } else {
                    self.done = true;
                    break;
                }
            }
            let take = left.min(self.end - self.next);
            let samples = audio.samples.get(self.next * channels..(self.next + take) * channels).unwrap_or(&[]);
            out.extend(samples.iter().map(|&s| (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16));
            self.next += take;
            self.sent += take as u64;
            left -= take;
            if self.next >= self.end && !self.looping {
                self.done = true;
            }
        }
        out
    }

    /// The item position (frame) reached after `played` frames of this stream.
    pub fn frame_after(&self, played: u64) -> usize {
        let len = (self.end - self.start) as u64;
        let offset = (self.from - self.start) as u64 + played;
        if self.looping && len > 0 {
            self.start + (offset % len) as usize
        } else {
            self.start + offset.min(len) as usize
        }
    }
}

/// How many frames the listener has played: real time × rate, paused and stalled as told.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
    origin_frames: f64,
    frames_per_sec: f64,
    paused: bool,
}

impl Clock {
    /// A clock at frame 0 at `now`, advancing `sample_rate × speed` frames per second.
    pub fn new(now: Instant, sample_rate: u32, speed_permille: u16) -> Self {
        let frames_per_sec = f64::from(sample_rate) * f64::from(speed_permille) / 1000.0;
        Self { origin: now, origin_frames: 0.0, frames_per_sec, paused: false }
    }

    /// Frames played by `now`, never more than `sent`: when the stream fell behind (the channel
    /// had no room), the listener waited, so the clock waits too.
    pub fn played(&mut self, now: Instant, sent: u64) -> u64 {
        let mut frames = self.origin_frames;
        if !self.paused {
            frames += now.saturating_duration_since(self.origin).as_secs_f64() * self.frames_per_sec;
        }
        if frames > sent as f64 {
            self.origin = now;
            self.origin_frames = sent as f64;
            frames = sent as f64;
        }
        frames as u64
    }

    /// Stops the clock at `now`.
    pub fn pause(&mut self, now: Instant, sent: u64) {
        if !self.paused {
            self.origin_frames = self.played(now, sent) as f64;
            self.origin = now;
            self.paused = true;
        }
    }

    /// Restarts the clock at `now`.
    pub fn resume(&mut self, now: Instant) {
        if self.paused {
            self.origin = now;
            self.paused = false;
        }
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Frames in `duration` at this clock's rate.
    pub fn frames_in(&self, duration: Duration) -> u64 {
        (duration.as_secs_f64() * self.frames_per_sec).ceil() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(frames: usize, rate: u32) -> Decoded {
        Decoded { sample_rate: rate, channels: 1, samples: (0..frames).map(|i| i as f32 / 32_767.0).collect() }
    }

    #[test]
    fn cursor_streams_the_range_from_the_start_point_and_stops() {
        let audio = ramp(2_000, 1_000);
        let mut cursor = Cursor::new(&audio, 100, 400, 250, false);
        let first = cursor.next_chunk(&audio, 100);
        assert_eq!(first.first(), Some(&250));
        assert_eq!(first.len(), 100);
        let rest = cursor.next_chunk(&audio, 1_000);
        assert_eq!(rest.len(), 50, "stops at 400 ms");
        assert_eq!(rest.last(), Some(&399));
        assert!(cursor.is_done());
        assert!(cursor.next_chunk(&audio, 10).is_empty());
        assert_eq!(cursor.frame_after(0), 250);
        assert_eq!(cursor.frame_after(10_000), 400, "clamped at the end");
    }

    #[test]
    fn looping_cursor_wraps_to_the_segment_start() {
        let audio = ramp(2_000, 1_000);
        let mut cursor = Cursor::new(&audio, 100, 200, 150, true);
        let chunk = cursor.next_chunk(&audio, 120);
        assert_eq!(chunk[49], 199);
        assert_eq!(chunk[50], 100, "wrapped");
        assert_eq!(chunk.len(), 120);
        assert!(!cursor.is_done());
        assert_eq!(cursor.frame_after(50), 100);
        assert_eq!(cursor.frame_after(175), 125);
        let mut empty = Cursor::new(&audio, 300, 300, 300, true);
        assert!(empty.is_done() && empty.next_chunk(&audio, 10).is_empty(), "an empty range never spins");
    }

    #[test]
    fn clock_follows_speed_pauses_and_stalls() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut clock = Clock::new(t0, 16_000, 2000);
        assert_eq!(clock.played(at(100), 1_000_000), 3_200, "2× speed");
        clock.pause(at(100), 1_000_000);
        assert_eq!(clock.played(at(900), 1_000_000), 3_200, "paused");
        clock.resume(at(900));
        assert_eq!(clock.played(at(1_000), 1_000_000), 6_400);
        // Only 7 000 frames could be sent: the listener waits at 7 000, then goes on from there.
        assert_eq!(clock.played(at(2_000), 7_000), 7_000);
        assert_eq!(clock.played(at(2_050), 1_000_000), 8_600);
        assert_eq!(clock.frames_in(Duration::from_millis(250)), 8_000);
    }
}
