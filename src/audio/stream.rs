//! The audio channel's wire format (server → `cloister connect`), version 1. Documented in
//! docs/AUDIO.md; `fixtures/audio/frames_v1.hex` is its golden fixture.
//!
//! Every frame is `length: u32 BE` (bytes that follow) ‖ `version: u8` ‖ `kind: u8` ‖ body. All
//! integers are big-endian except PCM samples, which are `i16` little-endian, interleaved.
//! A *generation* numbers one stream (play, seek, speed or loop change start a new one); the client
//! drops frames of any generation but the current one, so a seek never plays stale audio.

/// Format version of every frame.
pub const FRAME_VERSION: u8 = 1;
/// Largest frame body accepted (length field), so a bad peer cannot make the client buffer much.
pub const MAX_FRAME: usize = 64 * 1024;
/// Slowest playback speed, in thousandths.
pub const MIN_SPEED: u16 = 500;
/// Fastest playback speed, in thousandths.
pub const MAX_SPEED: u16 = 2000;

const KIND_START: u8 = 1;
const KIND_PCM: u8 = 2;
const KIND_PAUSE: u8 = 3;
const KIND_RESUME: u8 = 4;
const KIND_END: u8 = 5;
const KIND_STOP: u8 = 6;

/// Errors reading frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The frame was written by another version of the format.
    #[error(
        "audio frame version {found} is not supported (this build reads version {FRAME_VERSION}); use a matching `cloister connect`"
    )]
    Version {
        /// The version byte found.
        found: u8,
    },
    /// The length field is out of range.
    #[error("audio frame length {length} is out of range (2..={MAX_FRAME})")]
    Length {
        /// The length field.
        length: usize,
    },
    /// The frame body is shorter than its kind needs, or has stray bytes.
    #[error("audio frame of kind {kind} has a body of {len} bytes, which does not fit that kind")]
    Body {
        /// The kind byte.
        kind: u8,
        /// The body length.
        len: usize,
    },
    /// A field holds a value outside its range.
    #[error("audio frame field {field} = {value} is out of range")]
    Field {
        /// The field name.
        field: &'static str,
        /// Its value.
        value: i64,
    },
}

/// The start of a stream: how to play the PCM frames that follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamStart {
    /// Stream number; later frames carry it.
    pub generation: u32,
    /// Samples per second per channel of the PCM that follows (the source rate).
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u8,
    /// Playback speed in thousandths (500 = 0.5×, 2000 = 2×); the client changes the rate.
    pub speed_permille: u16,
    /// The stream repeats its range until stopped.
    pub looping: bool,
    /// The segment played (store id).
    pub segment: i64,
    /// Start of the segment in the item, ms.
    pub start_ms: u32,
    /// End of the segment in the item, ms.
    pub end_ms: u32,
    /// Where in the item this stream starts, ms.
    pub from_ms: u32,
}

/// One frame of the audio channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A new stream begins: drop anything buffered from earlier streams.
    Start(StreamStart),
    /// Samples of the current stream.
    Pcm {
        /// The stream.
        generation: u32,
        /// Interleaved samples.
        samples: Vec<i16>,
    },
    /// Stop output now, keep what is buffered.
    Pause {
        /// The stream.
        generation: u32,
    },
    /// Continue output after a pause.
    Resume {
        /// The stream.
        generation: u32,
    },
    /// No more samples for this stream: play out what is buffered.
    End {
        /// The stream.
        generation: u32,
    },
    /// Drop what is buffered and play nothing.
    Stop {
        /// The stream.
        generation: u32,
    },
}

impl Frame {
    /// The stream the frame belongs to.
    pub fn generation(&self) -> u32 {
        match self {
            Frame::Start(start) => start.generation,
            Frame::Pcm { generation, .. }
            | Frame::Pause { generation }
            | Frame::Resume { generation }
            | Frame::End { generation }
            | Frame::Stop { generation } => *generation,
        }
    }

    /// The frame as bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(32);
        let kind = match self {
            Frame::Start(s) => {
                body.extend_from_slice(&s.generation.to_be_bytes());
                body.extend_from_slice(&s.sample_rate.to_be_bytes());
                body.push(s.channels);
                body.extend_from_slice(&s.speed_permille.to_be_bytes());
                body.push(u8::from(s.looping));
                body.extend_from_slice(&s.segment.to_be_bytes());
                body.extend_from_slice(&s.start_ms.to_be_bytes());
                body.extend_from_slice(&s.end_ms.to_be_bytes());
                body.extend_from_slice(&s.from_ms.to_be_bytes());
                KIND_START
            }
            Frame::Pcm { generation, samples } => {
                body.reserve(samples.len() * 2);
                body.extend_from_slice(&generation.to_be_bytes());
                for sample in samples {
                    body.extend_from_slice(&sample.to_le_bytes());
                }
                KIND_PCM
            }
            Frame::Pause { generation } => control(&mut body, *generation, KIND_PAUSE),
            Frame::Resume { generation } => control(&mut body, *generation, KIND_RESUME),
            Frame::End { generation } => control(&mut body, *generation, KIND_END),
            Frame::Stop { generation } => control(&mut body, *generation, KIND_STOP),
        };
        let mut out = Vec::with_capacity(body.len() + 6);
        out.extend_from_slice(&(body.len() as u32 + 2).to_be_bytes());
        out.push(FRAME_VERSION);
        out.push(kind);
        out.extend_from_slice(&body);
        out
    }

    /// Parses one frame from `version ‖ kind ‖ body`. `Ok(None)` for a kind this version does not
    /// know (skipped, so later additions stay compatible).
    pub fn decode(bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        let (&version, rest) = bytes.split_first().ok_or(FrameError::Length { length: bytes.len() })?;
        if version != FRAME_VERSION {
            return Err(FrameError::Version { found: version });
        }
        let (&kind, body) = rest.split_first().ok_or(FrameError::Length { length: bytes.len() })?;
        let bad = || FrameError::Body { kind, len: body.len() };
        let mut reader = Reader { bytes: body };
        let frame = match kind {
            KIND_START => {
                let start = StreamStart {
                    generation: reader.u32().ok_or_else(bad)?,
                    sample_rate: reader.u32().ok_or_else(bad)?,
                    channels: reader.u8().ok_or_else(bad)?,
                    speed_permille: reader.u16().ok_or_else(bad)?,
                    looping: reader.u8().ok_or_else(bad)? != 0,
                    segment: reader.u64().ok_or_else(bad)? as i64,
                    start_ms: reader.u32().ok_or_else(bad)?,
                    end_ms: reader.u32().ok_or_else(bad)?,
                    from_ms: reader.u32().ok_or_else(bad)?,
                };
                if !reader.bytes.is_empty() {
                    return Err(bad());
                }
                check_start(&start)?;
                Frame::Start(start)
            }
            KIND_PCM => {
                let generation = reader.u32().ok_or_else(bad)?;
                if !reader.bytes.len().is_multiple_of(2) {
                    return Err(bad());
                }
                let samples = reader.bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
                Frame::Pcm { generation, samples }
            }
            KIND_PAUSE | KIND_RESUME | KIND_END | KIND_STOP => {
                let generation = reader.u32().ok_or_else(bad)?;
                if !reader.bytes.is_empty() {
                    return Err(bad());
                }
                match kind {
                    KIND_PAUSE => Frame::Pause { generation },
                    KIND_RESUME => Frame::Resume { generation },
                    KIND_END => Frame::End { generation },
                    _ => Frame::Stop { generation },
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(frame))
    }
}

fn control(body: &mut Vec<u8>, generation: u32, kind: u8) -> u8 {
    body.extend_from_slice(&generation.to_be_bytes());
    kind
}

fn check_start(start: &StreamStart) -> Result<(), FrameError> {
    if !(1_000..=384_000).contains(&start.sample_rate) {
        return Err(FrameError::Field { field: "sample_rate", value: start.sample_rate.into() });
    }
    if !(1..=8).contains(&start.channels) {
        return Err(FrameError::Field { field: "channels", value: start.channels.into() });
    }
    if !(MIN_SPEED..=MAX_SPEED).contains(&start.speed_permille) {
        return Err(FrameError::Field { field: "speed_permille", value: start.speed_permille.into() });
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|[b]| b)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_be_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_be_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_be_bytes)
    }
}

/// Reassembles frames from channel data split anywhere; holds at most one frame of bytes.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
}

impl FrameDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds received bytes; returns the frames completed by them. After an error the stream is
    /// unusable (the caller stops listening).
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<Frame>, FrameError> {
        self.buffer.extend_from_slice(bytes);
        let mut frames = Vec::new();
        let mut used = 0;
        while let Some(header) = self.buffer.get(used..used + 4) {
            let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
            if !(2..=MAX_FRAME).contains(&length) {
                return Err(FrameError::Length { length });
            }
            let Some(frame) = self.buffer.get(used + 4..used + 4 + length) else { break };
            frames.extend(Frame::decode(frame)?);
            used += 4 + length;
        }
        self.buffer.drain(..used);
        Ok(frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> StreamStart {
        StreamStart {
            generation: 7,
            sample_rate: 16_000,
            channels: 1,
            speed_permille: 1500,
            looping: true,
            segment: 42,
            start_ms: 1_260,
            end_ms: 4_000,
            from_ms: 2_000,
        }
    }

    fn sample_frames() -> Vec<Frame> {
        vec![
            Frame::Start(start()),
            Frame::Pcm { generation: 7, samples: vec![0, 1, -1, i16::MAX, i16::MIN, 0x1234] },
            Frame::Pause { generation: 7 },
            Frame::Resume { generation: 7 },
            Frame::End { generation: 7 },
            Frame::Stop { generation: 7 },
        ]
    }

    #[test]
    fn golden_fixture_matches_the_encoder_and_decodes_back() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/audio/frames_v1.hex");
        let text = std::fs::read_to_string(path).expect("golden fixture");
        let golden: Vec<u8> = hex::decode(text.split_whitespace().collect::<String>()).expect("hex");
        let encoded: Vec<u8> = sample_frames().iter().flat_map(Frame::encode).collect();
        assert_eq!(hex::encode(&encoded), hex::encode(&golden), "format v1 changed: bump FRAME_VERSION instead");
        let mut decoder = FrameDecoder::new();
        assert_eq!(decoder.feed(&golden).expect("decodes"), sample_frames());
    }

    #[test]
    fn frames_split_anywhere_are_reassembled() {
        let bytes: Vec<u8> = sample_frames().iter().flat_map(Frame::encode).collect();
        for split in 0..bytes.len() {
            let mut decoder = FrameDecoder::new();
            let mut frames = decoder.feed(&bytes[..split]).expect("first part");
            frames.extend(decoder.feed(&bytes[split..]).expect("second part"));
            assert_eq!(frames, sample_frames(), "split at {split}");
        }
    }

    #[test]
    fn bad_frames_are_refused_with_the_value() {
        let mut frame = Frame::Pause { generation: 1 }.encode();
        frame[4] = 9;
        let err = FrameDecoder::new().feed(&frame).expect_err("version 9");
        assert!(err.to_string().contains("version 9 is not supported"), "{err}");
        let err = FrameDecoder::new().feed(&[0, 0x10, 0, 0]).expect_err("too long");
        assert_eq!(err, FrameError::Length { length: 0x0010_0000 });
        let mut short = Frame::Pause { generation: 1 }.encode();
        short.truncate(short.len() - 1);
        short[3] -= 1;
        assert_eq!(FrameDecoder::new().feed(&short), Err(FrameError::Body { kind: KIND_PAUSE, len: 3 }));
        let mut fast = start();
        fast.speed_permille = 4000;
        let err = FrameDecoder::new().feed(&Frame::Start(fast).encode()).expect_err("speed");
        assert_eq!(err, FrameError::Field { field: "speed_permille", value: 4000 });
        // Unknown kinds are skipped, not errors.
        assert_eq!(FrameDecoder::new().feed(&[0, 0, 0, 3, FRAME_VERSION, 99, 0]), Ok(vec![]));
    }
}
