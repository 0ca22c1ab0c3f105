//! The bounded path from a session's Terminal to the SSH channel.
//!
//! ratatui writes a frame into [`FrameWriter`]; `flush` hands the frame to the writer task through
//! a small bounded queue without ever waiting. When the queue is full (the client is not reading)
//! the frame is dropped and the session redraws everything once there is room again, so memory
//! stays bounded and a slow client never slows the others. The writer task sends only as much as
//! the client's channel window allows, so russh never buffers an unbounded backlog either.

use bytes::Bytes;
use russh::ChannelId;
use russh::server::Handle;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::{Notify, mpsc};

/// Frames queued per session before frames are dropped.
pub const FRAME_QUEUE: usize = 4;
/// Window credit assumed before the client's first window adjustment.
const INITIAL_CREDIT: u64 = 1 << 20;

/// Bytes the client's channel window still accepts; updated by the handler on window adjusts.
#[derive(Debug)]
pub struct WindowCredit {
    credit: AtomicU64,
    notify: Notify,
}

impl Default for WindowCredit {
    fn default() -> Self {
        Self { credit: AtomicU64::new(INITIAL_CREDIT), notify: Notify::new() }
    }
}

impl WindowCredit {
    /// The client adjusted its window to `size` bytes.
    pub fn set(&self, size: u32) {
        self.credit.store(u64::from(size), Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Takes `len` bytes of credit if the window has them now; never waits (the audio stream
    /// skips a tick instead, so it can never queue more than the client accepts).
    pub fn try_take(&self, len: u64) -> bool {
        self.credit.fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(len)).is_ok()
    }

    async fn take(&self, len: u64) {
        loop {
            let notified = self.notify.notified();
            let current = self.credit.load(Ordering::Acquire);
            if current > 0 {
                self.credit.store(current.saturating_sub(len), Ordering::Release);
                return;
            }
            notified.await;
        }
    }
}

/// Counters shared between a session and its writer.
#[derive(Debug, Default)]
pub struct OutputStats {
    /// Bytes handed to the SSH channel.
    pub bytes_sent: AtomicU64,
    /// Frames dropped because the client was not reading.
    pub frames_dropped: AtomicU64,
    /// Frames queued but not yet handed to the channel.
    pub in_flight: AtomicU64,
}

/// The `std::io::Write` that ratatui's backend writes into.
pub struct FrameWriter {
    buffer: Vec<u8>,
    /// The channel was found closed and said so once; later frames have nowhere to go.
    closed: bool,
    queue: mpsc::Sender<Bytes>,
    stale: Arc<AtomicBool>,
    stats: Arc<OutputStats>,
}

impl FrameWriter {
    /// Starts the writer task for `channel`; returns the writer ratatui uses and the session's
    /// control of it.
    pub fn spawn(
        handle: Handle,
        channel: ChannelId,
        credit: Arc<WindowCredit>,
        stats: Arc<OutputStats>,
    ) -> (Self, FrameControl) {
        let (queue, mut frames) = mpsc::channel::<Bytes>(FRAME_QUEUE);
        let sent = Arc::clone(&stats);
        tokio::spawn(async move {
            while let Some(frame) = frames.recv().await {
                credit.take(frame.len() as u64).await;
                let len = frame.len() as u64;
                if handle.data(channel, frame).await.is_err() {
                    break;
                }
                sent.bytes_sent.fetch_add(len, Ordering::Relaxed);
                sent.in_flight.fetch_sub(1, Ordering::AcqRel);
            }
        });
        let stale = Arc::new(AtomicBool::new(false));
        let control = FrameControl { queue: queue.clone(), stale: Arc::clone(&stale), stats: Arc::clone(&stats) };
        (Self { buffer: Vec::with_capacity(4096), closed: false, queue, stale, stats }, control)
    }
}

/// The session's view of its writer: stale-frame state and queue room.
pub struct FrameControl {
    queue: mpsc::Sender<Bytes>,
    stale: Arc<AtomicBool>,
    stats: Arc<OutputStats>,
}

impl FrameControl {
    /// True after a frame was dropped: the screen must be redrawn in full.
    pub fn is_stale(&self) -> bool {
        self.stale.load(Ordering::Acquire)
    }

    /// True when a frame can be queued now.
    pub fn has_room(&self) -> bool {
        self.queue.capacity() > 0
    }

    /// Marks the screen as redrawn in full.
    pub fn mark_fresh(&self) {
        self.stale.store(false, Ordering::Release);
    }

    /// Waits (up to 2 s) until every queued frame was handed to the channel, so the exit status
    /// follows the last frame.
    pub async fn drain(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
        while self.stats.in_flight.load(Ordering::Acquire) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }
}

impl std::io::Write for FrameWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let frame = Bytes::from(std::mem::take(&mut self.buffer));
        self.stats.in_flight.fetch_add(1, Ordering::AcqRel);
        match self.queue.try_send(frame) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.stats.in_flight.fetch_sub(1, Ordering::AcqRel);
                self.stale.store(true, Ordering::Release);
                self.stats.frames_dropped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.stats.in_flight.fetch_sub(1, Ordering::AcqRel);
                // Reported once; after that (e.g. ratatui restoring the cursor when the terminal
                // is dropped, which would print the error to the server's stderr) it is dropped.
                if std::mem::replace(&mut self.closed, true) {
                    return Ok(());
                }
                Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the SSH channel is closed"))
            }
        }
    }
}
