//! Playing the audio channel on the local sound device with rodio (feature `playback`), from
//! memory only. Each stream is a [`StreamSource`] fed by the channel; the device is opened on its
//! own thread when the first stream starts and closed when the session ends.

use super::audio::AudioOut;
use crate::audio::stream::StreamStart;
use rodio::Source;
use std::collections::VecDeque;
use std::num::NonZero;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Longest a starved stream waits for late network data before it plays silence: the device
/// then glitches once instead of inserting a gap for every late packet.
const STARVE_WAIT: Duration = Duration::from_millis(200);
/// How far output may run ahead of the wall clock. A sound card paces itself and stays within
/// its buffer; a device that takes samples faster than real time (ALSA's null or file sinks) is
/// held to real time by the [`Keeper`], so it never records or spins minutes of silence.
const MAX_LEAD: Duration = Duration::from_millis(200);
/// Most audio a stream buffers; the server sends a quarter second ahead, so this only bounds
/// memory against a misbehaving server (the oldest samples go first).
const MAX_BUFFER: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
struct State {
    samples: VecDeque<f32>,
    paused: bool,
    ended: bool,
    stopped: bool,
}

/// Samples of one stream, shared between the channel reader and the device.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    ready: Condvar,
}

impl Shared {
    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.lock().unwrap_or_else(|p| p.into_inner()));
        self.ready.notify_all();
    }
}

/// A rodio source playing one stream as it arrives.
struct StreamSource {
    shared: Arc<Shared>,
    local: VecDeque<f32>,
    channels: NonZero<u16>,
    rate: NonZero<u32>,
    starved_since: Option<Instant>,
}

impl Iterator for StreamSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if let Some(sample) = self.local.pop_front() {
            return Some(sample);
        }
        let silence = usize::from(self.channels.get());
        let mut state = self.shared.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if state.stopped {
                return None;
            }
            if state.paused {
                // Whole frames of silence keep the channels in step.
                self.local.extend(std::iter::repeat_n(0.0, silence));
                return self.local.pop_front();
            }
            if !state.samples.is_empty() {
                self.starved_since = None;
                std::mem::swap(&mut self.local, &mut state.samples);
                return self.local.pop_front();
            }
            if state.ended {
                return None;
            }
            let since = *self.starved_since.get_or_insert_with(Instant::now);
            let left = STARVE_WAIT.saturating_sub(since.elapsed());
            if left.is_zero() {
                self.local.extend(std::iter::repeat_n(0.0, silence));
                return self.local.pop_front();
            }
            state = self.shared.ready.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

impl Source for StreamSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> rodio::ChannelCount {
        self.channels
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        self.rate
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

/// Endless silence that never lets the mixer run more than [`MAX_LEAD`] ahead of real time.
struct Keeper {
    channels: NonZero<u16>,
    rate: NonZero<u32>,
    started: Instant,
    produced: u64,
}

impl Iterator for Keeper {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        self.produced += 1;
        if self.produced.is_multiple_of(512) {
            let per_second = f64::from(self.rate.get()) * f64::from(self.channels.get());
            let ahead = self.produced as f64 / per_second - self.started.elapsed().as_secs_f64();
            let lead = ahead - MAX_LEAD.as_secs_f64();
            if lead > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(lead));
            }
        }
        Some(0.0)
    }
}

impl Source for Keeper {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> rodio::ChannelCount {
        self.channels
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        self.rate
    }
    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

type Device = mpsc::Sender<Box<dyn Source + Send>>;

/// Plays streams on the default output device.
pub struct RodioOut {
    device: Option<Device>,
    current: Option<Arc<Shared>>,
    max_samples: usize,
    error: Arc<Mutex<Option<String>>>,
}

impl RodioOut {
    /// Checks that a default output device opens (it is closed again at once).
    pub fn probe() -> Result<(), String> {
        let mut sink = rodio::DeviceSinkBuilder::open_default_sink().map_err(|e| e.to_string())?;
        sink.log_on_drop(false);
        Ok(())
    }

    /// A player that opens the device when the first stream starts.
    pub fn new() -> Self {
        Self { device: None, current: None, max_samples: 0, error: Arc::new(Mutex::new(None)) }
    }

    /// Why the device could not be used, if it failed.
    pub fn error(&self) -> Option<String> {
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The device thread: opens the sink (not `Send`, so it lives there) and adds sources.
    fn device(&mut self) -> &Device {
        let error = Arc::clone(&self.error);
        self.device.get_or_insert_with(|| {
            let (tx, rx) = mpsc::channel::<Box<dyn Source + Send>>();
            std::thread::spawn(move || {
                let mut sink = match rodio::DeviceSinkBuilder::open_default_sink() {
                    Ok(sink) => sink,
                    Err(e) => {
                        *error.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                        return;
                    }
                };
                sink.log_on_drop(false);
                let config = sink.config();
                tracing::info!(
                    rate = config.sample_rate().get(),
                    channels = config.channel_count().get(),
                    format = ?config.sample_format(),
                    "audio output opened"
                );
                let (channels, rate) = (config.channel_count(), config.sample_rate());
                sink.mixer().add(Keeper { channels, rate, started: Instant::now(), produced: 0 });
                // Ends when the RodioOut is dropped; the sink closes with it.
                for source in rx {
                    sink.mixer().add(source);
                }
            });
            tx
        })
    }

    fn with_current(&self, change: impl FnOnce(&mut State)) {
        if let Some(shared) = &self.current {
            shared.update(change);
        }
    }
}

impl Default for RodioOut {
    fn default() -> Self {
        Self::new()
    }
}

impl AudioOut for RodioOut {
    fn start(&mut self, start: &StreamStart) {
        self.stop();
        let (Some(channels), Some(rate)) = (NonZero::new(u16::from(start.channels)), NonZero::new(start.sample_rate))
        else {
            return;
        };
        let shared = Arc::new(Shared::default());
        let source =
            StreamSource { shared: Arc::clone(&shared), local: VecDeque::new(), channels, rate, starved_since: None };
        // The client changes the rate: speech plays faster or slower (and higher or lower).
        let speed = f32::from(start.speed_permille) / 1000.0;
        self.max_samples = MAX_BUFFER.as_secs() as usize * start.sample_rate as usize * usize::from(start.channels);
        self.current = Some(shared);
        let _ = self.device().send(Box::new(source.speed(speed)));
    }

    fn samples(&mut self, samples: &[i16]) {
        let max = self.max_samples;
        self.with_current(|state| {
            state.samples.extend(samples.iter().map(|&s| f32::from(s) / 32_768.0));
            let over = state.samples.len().saturating_sub(max);
            state.samples.drain(..over);
        });
    }

    fn pause(&mut self) {
        self.with_current(|state| state.paused = true);
    }

    fn resume(&mut self) {
        self.with_current(|state| state.paused = false);
    }

    fn end(&mut self) {
        self.with_current(|state| state.ended = true);
    }

    fn stop(&mut self) {
        self.with_current(|state| state.stopped = true);
        self.current = None;
    }
}

impl Drop for RodioOut {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(shared: &Arc<Shared>) -> StreamSource {
        StreamSource {
            shared: Arc::clone(shared),
            local: VecDeque::new(),
            channels: NonZero::new(2).expect("2"),
            rate: NonZero::new(16_000).expect("rate"),
            starved_since: None,
        }
    }

    #[test]
    fn stream_source_plays_waits_pauses_and_ends() {
        let shared = Arc::new(Shared::default());
        let mut source = source(&shared);
        shared.update(|s| s.samples.extend([0.5, -0.5]));
        assert_eq!((source.next(), source.next()), (Some(0.5), Some(-0.5)));
        // Late data: the source waits for it rather than inserting silence.
        let feeder = Arc::clone(&shared);
        let late = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            feeder.update(|s| s.samples.push_back(0.25));
        });
        let waited = Instant::now();
        assert_eq!(source.next(), Some(0.25));
        assert!(waited.elapsed() >= Duration::from_millis(25));
        late.join().expect("feeder");
        // Paused: silence in whole frames, without waiting.
        shared.update(|s| s.paused = true);
        assert_eq!((source.next(), source.next()), (Some(0.0), Some(0.0)));
        shared.update(|s| {
            s.paused = false;
            s.ended = true;
        });
        assert_eq!(source.next(), None, "ended and drained");
        // Starved too long: silence, then data again as it comes.
        let shared = Arc::new(Shared::default());
        let mut source = self::source(&shared);
        let waited = Instant::now();
        assert_eq!(source.next(), Some(0.0));
        assert!(waited.elapsed() >= STARVE_WAIT);
        shared.update(|s| s.stopped = true);
        assert_eq!(source.next(), Some(0.0), "the rest of the silent frame");
        assert_eq!(source.next(), None, "stopped");
    }

    #[test]
    fn keeper_holds_output_to_real_time() {
        let mut keeper = Keeper {
            channels: NonZero::new(1).expect("1"),
            rate: NonZero::new(10_000).expect("rate"),
            started: Instant::now(),
            produced: 0,
        };
        let begun = Instant::now();
        // 0.5 s of samples may run 0.2 s ahead of the clock, no more.
        assert!((0..5_000).all(|_| keeper.next() == Some(0.0)));
        let took = begun.elapsed();
        assert!(took >= Duration::from_millis(280), "{took:?}");
    }
}
