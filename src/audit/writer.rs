//! [`AuditLog`]: the producers' handle on the single audit writer.
//!
//! The writer is one task on its own thread ("cloister-audit", a current-thread runtime) plus a
//! database thread ("cloister-audit-db") that owns the SQLite connection, so blocking SQLite calls
//! and fsyncs never stall the server's async workers. Producers send events through a bounded
//! channel (backpressure: a full channel makes `record` wait; nothing is dropped). The task takes
//! up to [`BATCH`] messages, seals and chains them while the previous batch is being committed,
//! the database thread inserts them in one transaction and commits (fsync), and only then is each
//! producer answered with its seq.
//!
//! Fail-closed: if a write fails, every event of that batch is answered with
//! [`AuditError::WriteFailed`] and [`Health`] flips to `Failed`. The events are kept and retried
//! with backoff (events arriving meanwhile are kept too, and answered with the same error), so
//! nothing is lost; once a write succeeds health returns to `Ok`. A producer that got an error must
//! not act on the event and must not record it again. [`AuditLog::flush`] and
//! [`AuditLog::shutdown`] wait through failures until everything before them is durable.

use super::checkpoint::Checkpoint;
use super::event::Event;
use super::keys::{AuditKeys, KeyPaths};
use super::{AuditError, MAX_PAYLOAD, ProjectKeys};
use crate::config::AuditConfig;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, watch};
use zeroize::Zeroizing;

/// Most messages the writer takes into one transaction in normal operation.
pub const BATCH: usize = 4096;
/// Capacity of the producers' channel; a full channel makes producers wait.
pub const CHANNEL_CAPACITY: usize = 2 * BATCH;

/// Whether the audit log can be written. Sessions freeze while it is `Failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Writes succeed.
    Ok,
    /// The last write failed (or the writer stopped); the reason quotes the error.
    Failed(String),
}

impl Health {
    /// True when writes succeed.
    pub fn is_ok(&self) -> bool {
        matches!(self, Health::Ok)
    }
}

/// A forced write failure, for testing the fail-closed path against real SQLite errors.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Caps the database at its current size (`PRAGMA max_page_count`): the next write that needs
    /// a new page fails with SQLITE_FULL ("database or disk is full"), exactly like a full disk.
    DiskFull,
    /// Removes the cap.
    Clear,
    /// Every later fsync of the WAL fails (simulated: a real fsync error cannot be forced here),
    /// which stops the writer for good.
    SyncFails,
}

pub(super) type Reply<T> = oneshot::Sender<Result<T, AuditError>>;
type Answer<T> = oneshot::Receiver<Result<T, AuditError>>;

/// An event on its way to the writer: details already encoded to JSON (on the producer's thread).
pub(super) struct Pending {
    pub time_ns: i64,
    pub session: Arc<str>,
    pub user: Arc<str>,
    pub kind: &'static str,
    pub project: Option<i64>,
    pub plain: Zeroizing<Vec<u8>>,
    /// Taken when answered (an error may be answered before the event becomes durable).
    pub reply: Option<Reply<u64>>,
    /// Part of a [`AuditLog::record_batch`] group, answered together at the group's end.
    pub grouped: bool,
}

pub(super) enum Msg {
    Event(Pending),
    /// Events recorded together; the writer expands it into its events and a `GroupEnd`.
    Group(Vec<Pending>, Reply<Vec<u64>>),
    /// Answers a group with its events' seqs once they are all durable.
    GroupEnd(Option<Reply<Vec<u64>>>),
    Flush(Reply<u64>),
    Checkpoint(Reply<Option<Checkpoint>>),
    Fault(Fault, Reply<()>),
    Shutdown(Reply<u64>),
}

/// The handle producers record through. Cheap to clone; the writer stops when every clone is
/// dropped (after writing what is queued) or on [`AuditLog::shutdown`].
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
    health: watch::Receiver<Health>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditLog({:?})", *self.health.borrow())
    }
}

impl AuditLog {
    /// Opens (creating if needed) the log at `path` and starts its writer thread.
    pub fn start(
        path: &Path,
        keys: AuditKeys,
        config: &AuditConfig,
        projects: Arc<dyn ProjectKeys>,
    ) -> Result<Self, AuditError> {
        let io = |source| AuditError::Io { path: path.to_path_buf(), source };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().map_err(io)?;
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let (health_tx, health) = watch::channel(Health::Ok);
        let (jobs, job_rx) = std::sync::mpsc::channel();
        let appender = super::appender::Appender::new(
            path,
            keys.signing.clone(),
            config.checkpoint_every_events,
            config.synchronous,
        )?;
        let wal_path = std::path::PathBuf::from(format!("{}-wal", path.display()));
        let task = super::task::Writer::new(jobs, wal_path, keys, config, projects, health_tx);
        std::thread::Builder::new().name("cloister-audit-db".into()).spawn(move || appender.run(job_rx)).map_err(io)?;
        std::thread::Builder::new()
            .name("cloister-audit".into())
            .spawn(move || runtime.block_on(task.run(rx)))
            .map_err(io)?;
        Ok(Self { tx, health })
    }

    /// Starts the log of a data directory: DIR/audit.db with the keys in DIR/keys.
    pub fn open_dir(
        dir: &crate::datadir::DataDir,
        config: &AuditConfig,
        projects: Arc<dyn ProjectKeys>,
    ) -> Result<Self, AuditError> {
        let keys = AuditKeys::load(&KeyPaths::in_dir(&dir.keys_dir()))?;
        Self::start(&dir.audit_db_path(), keys, config, projects)
    }

    /// Encodes an event's details (on the producer's thread) and checks its size.
    fn encode(event: Event, reply: Option<Reply<u64>>) -> Result<Pending, AuditError> {
        let kind = event.kind.name();
        let plain = Zeroizing::new(serde_json::to_vec(&event.kind)?);
        let size = plain.len() + event.session.len() + event.user.len();
        if size > MAX_PAYLOAD {
            return Err(AuditError::TooLarge { size });
        }
        let grouped = reply.is_none();
        Ok(Pending {
            time_ns: event.time_ns,
            session: event.session,
            user: event.user,
            kind,
            project: event.project,
            plain,
            reply,
            grouped,
        })
    }

    fn prepare(event: Event) -> Result<(Msg, Answer<u64>), AuditError> {
        let (reply, answer) = oneshot::channel();
        Ok((Msg::Event(Self::encode(event, Some(reply))?), answer))
    }

    fn prepare_group(events: Vec<Event>) -> Result<(Msg, Answer<Vec<u64>>), AuditError> {
        let pending = events.into_iter().map(|event| Self::encode(event, None)).collect::<Result<Vec<_>, _>>()?;
        let (reply, answer) = oneshot::channel();
        Ok((Msg::Group(pending, reply), answer))
    }

    /// Records several events together (one message, one answer): their seqs, in order, once all
    /// are durable. All or none: if one is too large or names a project without a key, none is
    /// recorded. Failures are handled as for [`AuditLog::record`].
    pub async fn record_batch(&self, events: Vec<Event>) -> Result<Vec<u64>, AuditError> {
        let (msg, answer) = Self::prepare_group(events)?;
        self.tx.send(msg).await.map_err(|_| AuditError::Closed)?;
        answer.await.map_err(|_| AuditError::Closed)?
    }

    /// [`AuditLog::record_batch`] for synchronous code.
    pub fn record_batch_blocking(&self, events: Vec<Event>) -> Result<Vec<u64>, AuditError> {
        let (msg, answer) = Self::prepare_group(events)?;
        self.tx.blocking_send(msg).map_err(|_| AuditError::Closed)?;
        answer.blocking_recv().map_err(|_| AuditError::Closed)?
    }

    /// Records an event; returns its seq once it is durable (committed and fsynced).
    /// Waits while the queue is full. On [`AuditError::WriteFailed`] the event is kept and retried,
    /// but the caller must treat the action as not allowed (fail closed).
    pub async fn record(&self, event: Event) -> Result<u64, AuditError> {
        let (msg, answer) = Self::prepare(event)?;
        self.tx.send(msg).await.map_err(|_| AuditError::Closed)?;
        answer.await.map_err(|_| AuditError::Closed)?
    }

    /// [`AuditLog::record`] for synchronous code (CLI commands, blocking threads).
    /// Panics if called from async code; use `record(..).await` there.
    pub fn record_blocking(&self, event: Event) -> Result<u64, AuditError> {
        let (msg, answer) = Self::prepare(event)?;
        self.tx.blocking_send(msg).map_err(|_| AuditError::Closed)?;
        answer.blocking_recv().map_err(|_| AuditError::Closed)?
    }

    /// Watches the log's health; sessions freeze (accept no data action) while it is `Failed`.
    pub fn health(&self) -> watch::Receiver<Health> {
        self.health.clone()
    }

    /// The current health.
    pub fn is_healthy(&self) -> bool {
        self.health.borrow().is_ok()
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Msg) -> Result<T, AuditError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(make(reply)).await.map_err(|_| AuditError::Closed)?;
        answer.await.map_err(|_| AuditError::Closed)?
    }

    fn ask_blocking<T>(&self, make: impl FnOnce(Reply<T>) -> Msg) -> Result<T, AuditError> {
        let (reply, answer) = oneshot::channel();
        self.tx.blocking_send(make(reply)).map_err(|_| AuditError::Closed)?;
        answer.blocking_recv().map_err(|_| AuditError::Closed)?
    }

    /// Waits until every event recorded before this call is durable (through failures and
    /// retries); returns the head seq.
    pub async fn flush(&self) -> Result<u64, AuditError> {
        self.ask(Msg::Flush).await
    }

    /// [`AuditLog::flush`] for synchronous code.
    pub fn flush_blocking(&self) -> Result<u64, AuditError> {
        self.ask_blocking(Msg::Flush)
    }

    /// Writes what is queued, then signs a checkpoint of the head now (`None` if the log is empty).
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, AuditError> {
        self.ask(Msg::Checkpoint).await
    }

    /// [`AuditLog::checkpoint`] for synchronous code.
    pub fn checkpoint_blocking(&self) -> Result<Option<Checkpoint>, AuditError> {
        self.ask_blocking(Msg::Checkpoint)
    }

    /// Writes everything queued, signs a final checkpoint and stops the writer; returns the head
    /// seq. Other clones of the handle get [`AuditError::Closed`] afterwards.
    pub async fn shutdown(self) -> Result<u64, AuditError> {
        self.ask(Msg::Shutdown).await
    }

    /// [`AuditLog::shutdown`] for synchronous code.
    pub fn shutdown_blocking(self) -> Result<u64, AuditError> {
        self.ask_blocking(Msg::Shutdown)
    }

    /// The storage path alone, on the calling thread: encodes, seals, chains and appends `events`
    /// in durable (fsynced) transactions of [`BATCH`], with no channel, task or reply in between.
    /// For benchmarks (`benches/audit.rs`); returns the head seq.
    #[doc(hidden)]
    pub fn append_direct(
        path: &Path,
        keys: &AuditKeys,
        projects: &dyn ProjectKeys,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<u64, AuditError> {
        use super::appender::{AppendError, Appender, Batch, Item};
        let mut appender = Appender::new(path, keys.signing.clone(), u64::MAX, crate::config::AuditSync::Full)?;
        let mut tip = appender.head()?;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let mut batch = Batch { items: Vec::with_capacity(BATCH), base: tip, tip, wants_checkpoint: false };
            for event in events.by_ref().take(BATCH) {
                let project = event.project;
                let (msg, _) = Self::prepare(event)?;
                let key = match project {
                    None => None,
                    Some(project) => {
                        Some(projects.project_key(project).ok_or(AuditError::ProjectKeyMissing { project })?)
                    }
                };
                super::task::chain(&mut batch, Item { msg, key, sealed: None }, &keys.sealing);
            }
            match appender.append(&batch) {
                Ok(_) => {
                    appender.sync_wal()?;
                    tip = batch.tip;
                }
                Err(AppendError::Moved(head)) => {
                    return Err(AuditError::Malformed(format!("another writer moved the head to {}", head.0)));
                }
                Err(AppendError::Failed(error)) => return Err(error),
            }
        }
        Ok(tip.0)
    }

    /// Forces or clears a real write failure on the writer's connection (tests only).
    #[doc(hidden)]
    pub async fn inject_fault(&self, fault: Fault) -> Result<(), AuditError> {
        self.ask(|reply| Msg::Fault(fault, reply)).await
    }
}

/// Routes the store's policy denials into the log. The store is synchronous, so this uses
/// [`AuditLog::record_blocking`]: call store methods from blocking threads (`spawn_blocking`),
/// never directly from async code. A failed record is logged through `tracing`.
impl crate::store::DenialSink for AuditLog {
    fn denied(
        &self,
        principal: &crate::policy::Principal,
        project: Option<i64>,
        action: crate::policy::Action,
        denial: &crate::policy::Denial,
    ) {
        let kind = super::EventKind::Denial { action: format!("{action:?}"), reason: denial.to_string() };
        let mut result = self.record_blocking(Event::by(principal, project, kind.clone()));
        if let Err(AuditError::ProjectKeyMissing { .. }) = result {
            // A denial about a purged project carries no project data: keep it under the audit key.
            result = self.record_blocking(Event::by(principal, None, kind));
        }
        if let Err(error) = result {
            tracing::error!(%error, user = %principal.name, "cannot audit a policy denial");
        }
    }
}
