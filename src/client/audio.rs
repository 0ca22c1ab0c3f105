//! The client end of the `cloister-audio` channel: frames in, audio out. [`Playout`] keeps only
//! the current stream's frames and drives an [`AudioOut`]: the speakers (feature `playback`,
//! src/client/playback.rs) or memory (tests, measurements). Nothing is ever written to disk.

use super::ClientError;
use crate::audio::stream::{Frame, FrameDecoder, StreamStart};
use russh::client::{Handle, Handler, Msg};
use russh::{ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use std::time::Instant;

/// The subsystem name the server pairs with the shell of the same connection.
pub const SUBSYSTEM: &str = "cloister-audio";

/// Where decoded audio goes.
pub trait AudioOut: Send {
    /// A new stream starts: drop anything buffered and play what follows as `start` says.
    fn start(&mut self, start: &StreamStart);
    /// Interleaved samples of the current stream.
    fn samples(&mut self, samples: &[i16]);
    /// Stop output now, keep the buffer.
    fn pause(&mut self);
    /// Continue after a pause.
    fn resume(&mut self);
    /// No more samples: play out the buffer.
    fn end(&mut self);
    /// Drop the buffer and play nothing.
    fn stop(&mut self);
}

impl<T: AudioOut + ?Sized> AudioOut for Box<T> {
    fn start(&mut self, start: &StreamStart) {
        (**self).start(start);
    }
    fn samples(&mut self, samples: &[i16]) {
        (**self).samples(samples);
    }
    fn pause(&mut self) {
        (**self).pause();
    }
    fn resume(&mut self) {
        (**self).resume();
    }
    fn end(&mut self) {
        (**self).end();
    }
    fn stop(&mut self) {
        (**self).stop();
    }
}

/// Applies frames to an [`AudioOut`], ignoring frames of streams other than the current one (a
/// seek must never play stale audio).
#[derive(Debug)]
pub struct Playout<O> {
    out: O,
    current: Option<u32>,
}

impl<O: AudioOut> Playout<O> {
    /// Plays into `out`.
    pub fn new(out: O) -> Self {
        Self { out, current: None }
    }

    /// The output.
    pub fn out(&self) -> &O {
        &self.out
    }

    /// The output, to change or take.
    pub fn out_mut(&mut self) -> &mut O {
        &mut self.out
    }

    /// Applies one frame.
    pub fn apply(&mut self, frame: &Frame) {
        if let Frame::Start(start) = frame {
            self.current = Some(start.generation);
            self.out.start(start);
            return;
        }
        if Some(frame.generation()) != self.current {
            return;
        }
        match frame {
            Frame::Pcm { samples, .. } => self.out.samples(samples),
            Frame::Pause { .. } => self.out.pause(),
            Frame::Resume { .. } => self.out.resume(),
            Frame::End { .. } => self.out.end(),
            Frame::Stop { .. } => {
                self.current = None;
                self.out.stop();
            }
            Frame::Start(_) => {}
        }
    }
}

/// What a [`MemoryOut`] saw, with the time it arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum OutEvent {
    /// A stream started.
    Start(StreamStart),
    /// This many samples arrived.
    Samples(usize),
    /// Paused.
    Pause,
    /// Resumed.
    Resume,
    /// Ended.
    End,
    /// Stopped.
    Stop,
}

/// An [`AudioOut`] that keeps the current stream's samples in memory and logs every event.
#[derive(Debug, Default)]
pub struct MemoryOut {
    /// The current stream's start.
    pub stream: Option<StreamStart>,
    /// Its samples so far.
    pub samples: Vec<i16>,
    /// Every event with its arrival time.
    pub events: Vec<(Instant, OutEvent)>,
}

impl AudioOut for MemoryOut {
    fn start(&mut self, start: &StreamStart) {
        self.stream = Some(start.clone());
        self.samples.clear();
        self.events.push((Instant::now(), OutEvent::Start(start.clone())));
    }
    fn samples(&mut self, samples: &[i16]) {
        self.samples.extend_from_slice(samples);
        self.events.push((Instant::now(), OutEvent::Samples(samples.len())));
    }
    fn pause(&mut self) {
        self.events.push((Instant::now(), OutEvent::Pause));
    }
    fn resume(&mut self) {
        self.events.push((Instant::now(), OutEvent::Resume));
    }
    fn end(&mut self) {
        self.events.push((Instant::now(), OutEvent::End));
    }
    fn stop(&mut self) {
        self.samples.clear();
        self.events.push((Instant::now(), OutEvent::Stop));
    }
}

/// An open audio channel.
pub struct AudioChannel {
    read: ChannelReadHalf,
    _write: ChannelWriteHalf<Msg>,
    decoder: FrameDecoder,
}

impl AudioChannel {
    /// Opens a session channel and asks for the audio subsystem; an error if the server refuses.
    pub async fn open<H: Handler>(handle: &Handle<H>) -> Result<Self, ClientError> {
        let channel = handle.channel_open_session().await?;
        channel.request_subsystem(true, SUBSYSTEM).await?;
        let (mut read, write) = channel.split();
        loop {
            match read.wait().await {
                Some(ChannelMsg::Success) => break,
                Some(ChannelMsg::Failure) | Some(ChannelMsg::Close) | None => {
                    return Err(ClientError::Refused(format!("subsystem {SUBSYSTEM}")));
                }
                Some(_) => {}
            }
        }
        Ok(Self { read, _write: write, decoder: FrameDecoder::new() })
    }

    /// The next frames; `Ok(None)` once the server closed the channel. Keep calling it: an
    /// unread channel would hold up the whole connection, the TUI included.
    pub async fn next(&mut self) -> Result<Option<Vec<Frame>>, ClientError> {
        loop {
            match self.read.wait().await {
                Some(ChannelMsg::Data { data }) => {
                    let frames = self.decoder.feed(&data).map_err(|e| ClientError::Audio(e.to_string()))?;
                    if !frames.is_empty() {
                        return Ok(Some(frames));
                    }
                }
                Some(ChannelMsg::Close) | Some(ChannelMsg::Eof) | None => return Ok(None),
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(generation: u32) -> Frame {
        Frame::Start(StreamStart {
            generation,
            sample_rate: 16_000,
            channels: 1,
            speed_permille: 1000,
            looping: false,
            segment: 1,
            start_ms: 0,
            end_ms: 1_000,
            from_ms: 0,
        })
    }

    #[test]
    fn only_the_current_stream_plays() {
        let mut playout = Playout::new(MemoryOut::default());
        playout.apply(&Frame::Pcm { generation: 1, samples: vec![9; 4] });
        assert!(playout.out().events.is_empty(), "samples before any start are dropped");
        playout.apply(&start(1));
        playout.apply(&Frame::Pcm { generation: 1, samples: vec![1, 2] });
        playout.apply(&start(2));
        // Late frames of the stream a seek replaced.
        playout.apply(&Frame::Pcm { generation: 1, samples: vec![7, 7] });
        playout.apply(&Frame::End { generation: 1 });
        playout.apply(&Frame::Pcm { generation: 2, samples: vec![3] });
        playout.apply(&Frame::Pause { generation: 2 });
        playout.apply(&Frame::Resume { generation: 2 });
        playout.apply(&Frame::Stop { generation: 2 });
        playout.apply(&Frame::Pcm { generation: 2, samples: vec![4] });
        let events: Vec<&OutEvent> = playout.out().events.iter().map(|(_, e)| e).collect();
        assert_eq!(events.len(), 7, "{events:?}");
        assert!(matches!(events[2], OutEvent::Start(s) if s.generation == 2));
        assert_eq!(events[3..], [&OutEvent::Samples(1), &OutEvent::Pause, &OutEvent::Resume, &OutEvent::Stop]);
        assert!(playout.out().samples.is_empty(), "stop drops the buffer");
    }
}
