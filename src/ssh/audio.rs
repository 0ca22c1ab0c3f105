//! The `cloister-audio` subsystem channel: one streamer task per channel, paired through the
//! connection's [`AudioHub`] with the shell session of the same connection. The streamer sends
//! frames (src/audio/stream.rs) paced in real time with a small lookahead, and never more than
//! the client's window accepts, so the audio channel can never hold up the TUI channel.

use super::output::WindowCredit;
use crate::audio::Decoded;
use crate::audio::pacer::{Clock, Cursor};
use crate::audio::stream::{Frame, MAX_FRAME, StreamStart};
use russh::ChannelId;
use russh::server::Handle;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Name of the subsystem `cloister connect` opens next to its shell.
pub const SUBSYSTEM: &str = "cloister-audio";
/// How often the streamer sends and reports the playhead.
const TICK: Duration = Duration::from_millis(20);
/// Audio sent ahead of the listener: enough to ride out network jitter, small enough that the
/// channel never holds more than a quarter second.
const LOOKAHEAD: Duration = Duration::from_millis(250);
/// Smallest playhead change worth a redraw.
const REPORT_MS: i64 = 100;
/// Commands queued for a streamer; keys are human-paced, so a full queue means it is stuck.
const COMMAND_QUEUE: usize = 16;

/// Where the listener is, as the streamer reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Playhead {
    /// The stream (generation) reported on.
    pub generation: u32,
    /// Position in the item, ms.
    pub ms: i64,
    /// The stream played to its end.
    pub finished: bool,
}

/// A stream to start.
#[derive(Debug, Clone)]
pub struct PlayOrder {
    /// Generation of the frames (the app's stream number).
    pub generation: u32,
    /// The decoded item audio.
    pub audio: Arc<Decoded>,
    /// The segment.
    pub segment: i64,
    /// Segment start, ms.
    pub start_ms: u32,
    /// Segment end, ms.
    pub end_ms: u32,
    /// Start point, ms.
    pub from_ms: u32,
    /// Speed in thousandths.
    pub speed_permille: u16,
    /// Repeat the segment.
    pub looping: bool,
}

/// What a session asks of the streamer.
#[derive(Debug, Clone)]
pub enum StreamCommand {
    /// Start a stream (replacing any other).
    Play(PlayOrder),
    /// Pause the stream.
    Pause,
    /// Resume the paused stream.
    Resume,
    /// Stop the stream; the client drops what it buffered.
    Stop,
}

/// A live audio channel as the session sees it.
#[derive(Debug, Clone)]
pub struct AudioLink {
    /// Commands to the streamer.
    pub commands: mpsc::Sender<StreamCommand>,
    /// The streamer's latest playhead.
    pub playhead: watch::Receiver<Playhead>,
    id: u64,
}

/// Pairs a connection's audio channel with its shell session(s).
#[derive(Debug, Clone)]
pub struct AudioHub {
    link: Arc<watch::Sender<Option<AudioLink>>>,
}

impl Default for AudioHub {
    fn default() -> Self {
        Self { link: Arc::new(watch::channel(None).0) }
    }
}

static NEXT_LINK: AtomicU64 = AtomicU64::new(1);

impl AudioHub {
    /// The current link and its changes, for a session.
    pub fn subscribe(&self) -> watch::Receiver<Option<AudioLink>> {
        self.link.subscribe()
    }

    /// True while an audio channel is open.
    pub fn is_linked(&self) -> bool {
        self.link.borrow().is_some()
    }

    /// Starts the streamer of a newly opened audio channel; it runs until the channel or the
    /// connection ends.
    pub fn start(&self, handle: Handle, channel: ChannelId, credit: Arc<WindowCredit>) -> tokio::task::JoinHandle<()> {
        self.start_with(SshOutlet { handle, channel }, credit)
    }

    /// Starts a streamer writing to `outlet` (the SSH channel, or a test's recorder).
    fn start_with<O: Outlet>(&self, outlet: O, credit: Arc<WindowCredit>) -> tokio::task::JoinHandle<()> {
        let (commands, receiver) = mpsc::channel(COMMAND_QUEUE);
        let (playhead_tx, playhead) = watch::channel(Playhead::default());
        let id = NEXT_LINK.fetch_add(1, Ordering::Relaxed);
        self.link.send_replace(Some(AudioLink { commands, playhead, id }));
        let hub = self.clone();
        tokio::spawn(async move {
            let mut streamer = Streamer { outlet, credit, playhead: playhead_tx, active: None };
            streamer.run(receiver).await;
            hub.clear(id);
        })
    }

    /// Forgets link `id` (its channel closed), unless a newer one replaced it.
    pub fn clear(&self, id: u64) {
        self.link.send_if_modified(|link| {
            let ours = link.as_ref().is_some_and(|l| l.id == id);
            if ours {
                *link = None;
            }
            ours
        });
    }

    /// Forgets whatever link is current (its channel closed).
    pub fn clear_current(&self) {
        let id = self.link.borrow().as_ref().map(|l| l.id);
        if let Some(id) = id {
            self.clear(id);
        }
    }
}

struct Active {
    order: PlayOrder,
    cursor: Cursor,
    clock: Clock,
    end_sent: bool,
    reported_ms: i64,
}

/// Where a streamer's frames go.
trait Outlet: Send + Sync + 'static {
    /// Hands over one frame's bytes; false once the channel is gone.
    fn send(&self, bytes: Vec<u8>) -> impl std::future::Future<Output = bool> + Send;
}

/// The SSH channel: `Handle::data` hands the bytes to the connection's session loop.
struct SshOutlet {
    handle: Handle,
    channel: ChannelId,
}

impl Outlet for SshOutlet {
    async fn send(&self, bytes: Vec<u8>) -> bool {
        self.handle.data(self.channel, bytes).await.is_ok()
    }
}

struct Streamer<O> {
    outlet: O,
    credit: Arc<WindowCredit>,
    playhead: watch::Sender<Playhead>,
    active: Option<Active>,
}

impl<O: Outlet> Streamer<O> {
    async fn run(&mut self, mut commands: mpsc::Receiver<StreamCommand>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let sending = self.active.as_ref().is_some_and(|a| !a.clock.is_paused());
            let alive = tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.apply(command).await,
                    None => false,
                },
                _ = tick.tick(), if sending => self.pump().await,
            };
            if !alive {
                break;
            }
        }
    }

    /// Sends a frame; false once the channel is gone.
    async fn send(&self, frame: &Frame) -> bool {
        self.outlet.send(frame.encode()).await
    }

    async fn apply(&mut self, command: StreamCommand) -> bool {
        let now = Instant::now();
        match command {
            StreamCommand::Play(order) => {
                let audio = &order.audio;
                let start = Frame::Start(StreamStart {
                    generation: order.generation,
                    sample_rate: audio.sample_rate,
                    channels: audio.channels.clamp(1, 8) as u8,
                    speed_permille: order.speed_permille,
                    looping: order.looping,
                    segment: order.segment,
                    start_ms: order.start_ms,
                    end_ms: order.end_ms,
                    from_ms: order.from_ms,
                });
                let cursor = Cursor::new(audio, order.start_ms, order.end_ms, order.from_ms, order.looping);
                let clock = Clock::new(now, audio.sample_rate, order.speed_permille);
                self.active = Some(Active { order, cursor, clock, end_sent: false, reported_ms: -1 });
                self.send(&start).await && self.pump().await
            }
            StreamCommand::Pause | StreamCommand::Resume => {
                let Some(active) = self.active.as_mut() else { return true };
                let generation = active.order.generation;
                let frame = if matches!(command, StreamCommand::Pause) {
                    active.clock.pause(now, active.cursor.sent());
                    Frame::Pause { generation }
                } else {
                    active.clock.resume(now);
                    Frame::Resume { generation }
                };
                self.send(&frame).await && self.pump().await
            }
            StreamCommand::Stop => match self.active.take() {
                Some(active) => self.send(&Frame::Stop { generation: active.order.generation }).await,
                None => true,
            },
        }
    }

    /// Reports the playhead and tops the client up to the lookahead; false once the channel is gone.
    async fn pump(&mut self) -> bool {
        let Some(active) = self.active.as_mut() else { return true };
        let now = Instant::now();
        let audio = Arc::clone(&active.order.audio);
        let played = active.clock.played(now, active.cursor.sent());
        let rate = i64::from(audio.sample_rate.max(1));
        let ms = active.cursor.frame_after(played) as i64 * 1000 / rate;
        let finished = active.cursor.is_done() && played >= active.cursor.sent();
        if finished || (ms - active.reported_ms).abs() >= REPORT_MS {
            active.reported_ms = ms;
            self.playhead.send_replace(Playhead { generation: active.order.generation, ms, finished });
        }
        if finished {
            self.active = None;
            return true;
        }
        // Paused: the client keeps what it has; nothing more until it resumes.
        if active.clock.is_paused() {
            return true;
        }
        let generation = active.order.generation;
        let channels = usize::from(audio.channels.max(1));
        let max_frames = (MAX_FRAME - 16) / (2 * channels);
        let target = played + active.clock.frames_in(LOOKAHEAD);
        let mut frames = Vec::new();
        while !active.cursor.is_done() && active.cursor.sent() < target {
            let want = ((target - active.cursor.sent()) as usize).min(max_frames);
            // No window left: skip this tick; the clock waits for what could not be sent.
            if !self.credit.try_take((want * channels * 2 + 10) as u64) {
                break;
            }
            let samples = active.cursor.next_chunk(&audio, want);
            if samples.is_empty() {
                break;
            }
            frames.push(Frame::Pcm { generation, samples });
        }
        if active.cursor.is_done() && !active.end_sent {
            active.end_sent = true;
            frames.push(Frame::End { generation });
        }
        for frame in &frames {
            if !self.send(frame).await {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::stream::FrameDecoder;
    use std::sync::Mutex;

    /// Records what the streamer sent, with the time it was sent.
    #[derive(Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<(Instant, Frame)>>>);

    impl Outlet for Recorder {
        async fn send(&self, bytes: Vec<u8>) -> bool {
            let frames = FrameDecoder::new().feed(&bytes).expect("valid frame");
            self.0.lock().expect("lock").extend(frames.into_iter().map(|f| (Instant::now(), f)));
            true
        }
    }

    impl Recorder {
        fn pcm_samples(&self) -> usize {
            let frames = self.0.lock().expect("lock");
            frames.iter().map(|(_, f)| if let Frame::Pcm { samples, .. } = f { samples.len() } else { 0 }).sum()
        }
        fn has(&self, pred: impl Fn(&Frame) -> bool) -> bool {
            self.0.lock().expect("lock").iter().any(|(_, f)| pred(f))
        }
    }

    fn order() -> PlayOrder {
        let audio = Decoded { sample_rate: 16_000, channels: 1, samples: vec![0.25; 16_000 * 5] };
        PlayOrder {
            generation: 3,
            audio: Arc::new(audio),
            segment: 1,
            start_ms: 0,
            end_ms: 5_000,
            from_ms: 0,
            speed_permille: 2000,
            looping: true,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_window_stops_samples_not_commands_and_the_lead_stays_bounded() {
        let hub = AudioHub::default();
        let recorder = Recorder::default();
        let credit = Arc::new(WindowCredit::default());
        credit.set(0);
        let _task = hub.start_with(recorder.clone(), Arc::clone(&credit));
        let link = hub.subscribe().borrow().clone().expect("linked");
        link.commands.try_send(StreamCommand::Play(order())).expect("play");
        tokio::time::sleep(Duration::from_millis(300)).await;
        // The client's window is full: the stream starts but no samples are queued for it …
        assert!(recorder.has(|f| matches!(f, Frame::Start(s) if s.generation == 3)));
        assert_eq!(recorder.pcm_samples(), 0);
        // … the listener is waiting, so the playhead waits too …
        assert_eq!(link.playhead.borrow().ms, 0);
        // … and commands still go through at once.
        link.commands.try_send(StreamCommand::Pause).expect("pause");
        link.commands.try_send(StreamCommand::Resume).expect("resume");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(recorder.has(|f| matches!(f, Frame::Pause { generation: 3 })));
        assert!(recorder.has(|f| matches!(f, Frame::Resume { generation: 3 })));
        // The window opens: samples flow, never more than the lookahead ahead of real time (2×).
        let opened = Instant::now();
        credit.set(1 << 20);
        tokio::time::sleep(Duration::from_millis(600)).await;
        let sent = recorder.pcm_samples() as f64;
        let allowed = (opened.elapsed() + LOOKAHEAD + TICK).as_secs_f64() * 32_000.0;
        assert!(sent > 0.0 && sent <= allowed, "sent {sent} samples, at most {allowed} allowed");
        assert!(link.playhead.borrow().ms > 0, "the playhead moves once samples flow");
        link.commands.try_send(StreamCommand::Stop).expect("stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(recorder.has(|f| matches!(f, Frame::Stop { generation: 3 })));
        let after = recorder.pcm_samples();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(recorder.pcm_samples(), after, "nothing after stop");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_link_goes_away_with_its_channel() {
        let hub = AudioHub::default();
        let task = hub.start_with(Recorder::default(), Arc::new(WindowCredit::default()));
        assert!(hub.is_linked());
        let mut links = hub.subscribe();
        hub.clear_current();
        assert!(links.has_changed().expect("open") && links.borrow_and_update().is_none());
        task.abort();
    }
}
