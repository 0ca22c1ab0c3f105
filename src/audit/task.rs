//! The writer task: takes producers' messages, seals and chains them into batches, hands each batch
//! to the database thread ([`super::appender`]), and answers producers once it is committed.
//!
//! Two batches are in play: one being committed and the next being built (sealed and chained on
//! the first one's tip), so sealing overlaps with SQLite and fsync. If a commit fails, both go back
//! to the front of the queue, every waiting producer is told, health flips to `Failed`, and after a
//! backoff the queue is re-chained on the real head and retried. If another process appended
//! meanwhile (e.g. a CLI command), the batch is simply re-chained on the new head.

use super::appender::{AppendError, AppendResult, Batch, Item, Job, Sealed};
use super::checkpoint::Checkpoint;
use super::keys::AuditKeys;
use super::record::{Hash, RECORD_VERSION, RecordRef, seal_payload};
use super::writer::{BATCH, Health, Msg, Pending, Reply};
use super::{AuditError, ProjectKeys};
use crate::config::AuditConfig;
use crate::crypto::DataKey;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

/// Events kept in memory while writes fail; beyond this the writer stops reading the channel and
/// producers wait (backpressure) instead of anything being dropped.
const MAX_RETAINED: usize = 65_536;
const MIN_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub(super) struct Writer {
    jobs: std::sync::mpsc::Sender<Job>,
    /// DIR/audit.db-wal, fsynced here before producers are answered (the connection commits with
    /// `synchronous = NORMAL`, so the next batch is inserted while this one is being synced).
    wal_path: std::path::PathBuf,
    wal: Option<Arc<std::fs::File>>,
    /// [`Fault::SyncFails`] was injected.
    sync_fails: bool,
    /// `audit.synchronous = full`: fsync the WAL before answering (else answer once committed).
    durable: bool,
    sealing: DataKey,
    projects: Arc<dyn ProjectKeys>,
    every: Duration,
    health: watch::Sender<Health>,
    /// When a checkpoint was last signed, and whether events were written since.
    last_checkpoint: Instant,
    dirty: bool,
    /// The reason of the current failure, while retrying.
    failing: Option<String>,
    backoff: Duration,
    /// Seqs of the group being committed (groups are contiguous in the queue and commit in order).
    group_seqs: Vec<u64>,
}

/// Marks the log failed if the writer stops for any reason (including a panic), keeping the
/// reason of an earlier failure.
struct StoppedGuard(watch::Sender<Health>);

impl Drop for StoppedGuard {
    fn drop(&mut self) {
        self.0.send_if_modified(|health| {
            let ok = health.is_ok();
            if ok {
                *health = Health::Failed("the audit writer has stopped".into());
            }
            ok
        });
    }
}

/// Batches committed to the WAL but not yet fsynced, with the checkpoint each signed.
type Committed = Vec<(Batch, Option<Checkpoint>)>;

/// An fsync of the WAL in progress and the batches it makes durable.
struct Syncing {
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    batches: Committed,
}

async fn wait_sync(syncing: &mut Option<Syncing>) -> std::io::Result<()> {
    match syncing {
        Some(syncing) => (&mut syncing.task).await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
        None => std::future::pending().await,
    }
}

fn answer<T>(reply: Reply<T>, result: Result<T, AuditError>) {
    // The producer may have given up waiting; the outcome stands either way.
    let _ = reply.send(result);
}

/// The database thread is gone: nothing more can be written.
struct Gone;

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

async fn wait_for(in_flight: &mut Option<oneshot::Receiver<(Batch, AppendResult)>>) -> Option<(Batch, AppendResult)> {
    match in_flight {
        Some(receiver) => receiver.await.ok(),
        None => std::future::pending().await,
    }
}

impl Writer {
    pub(super) fn new(
        jobs: std::sync::mpsc::Sender<Job>,
        wal_path: std::path::PathBuf,
        keys: AuditKeys,
        config: &AuditConfig,
        projects: Arc<dyn ProjectKeys>,
        health: watch::Sender<Health>,
    ) -> Self {
        Self {
            jobs,
            wal_path,
            wal: None,
            sync_fails: false,
            durable: config.synchronous == crate::config::AuditSync::Full,
            sealing: keys.sealing,
            projects,
            every: Duration::from_secs(config.checkpoint_every_secs.max(1)),
            health,
            last_checkpoint: Instant::now(),
            dirty: false,
            failing: None,
            backoff: MIN_BACKOFF,
            group_seqs: Vec::new(),
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Job) -> Result<T, Gone> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(make(reply)).map_err(|_| Gone)?;
        answer.await.map_err(|_| Gone)
    }

    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        let _guard = StoppedGuard(self.health.clone());
        let mut queue: VecDeque<Item> = VecDeque::new();
        let mut incoming = Vec::with_capacity(BATCH);
        let mut in_flight = None;
        let mut next: Option<Batch> = None;
        let mut tip: Option<(u64, Hash)> = None;
        let mut retry_at: Option<Instant> = None;
        let mut unsynced: Committed = Vec::new();
        let mut syncing: Option<Syncing> = None;
        let mut open = true;
        loop {
            if retry_at.is_none() && !queue.is_empty() && next.as_ref().is_none_or(|b| b.items.len() < BATCH) {
                let base = match tip {
                    Some(tip) => tip,
                    None => match self.ask(Job::Head).await {
                        Ok(Ok(head)) => head,
                        Ok(Err(error)) => {
                            retry_at = Some(self.fail(error, &mut queue, None));
                            continue;
                        }
                        Err(Gone) => break,
                    },
                };
                let batch = next.get_or_insert_with(|| Batch {
                    items: Vec::with_capacity(BATCH),
                    base,
                    tip: base,
                    wants_checkpoint: false,
                });
                self.extend(batch, &mut queue);
                tip = Some(batch.tip);
            }
            if in_flight.is_none()
                && let Some(batch) = next.take()
            {
                let (reply, answer) = oneshot::channel();
                if self.jobs.send(Job::Append(batch, reply)).is_err() {
                    break;
                }
                in_flight = Some(answer);
            }
            let idle =
                in_flight.is_none() && next.is_none() && queue.is_empty() && syncing.is_none() && unsynced.is_empty();
            if idle && !open {
                break;
            }
            let checkpoint_at = (idle && self.dirty).then(|| self.last_checkpoint + self.every);
            // Keep reading producers while failing (to tell them at once), else only a little ahead.
            let limit = if self.failing.is_some() { MAX_RETAINED } else { 2 * BATCH };
            let room = open && queue.len() < limit;
            tokio::select! {
                done = wait_for(&mut in_flight), if in_flight.is_some() => {
                    in_flight = None;
                    let Some((batch, result)) = done else { break };
                    match result {
                        Ok(signed) => {
                            self.recovered();
                            if !self.durable {
                                if self.committed(batch, signed) {
                                    break;
                                }
                            } else {
                                unsynced.push((batch, signed));
                                if syncing.is_none() {
                                    syncing = Some(self.start_sync(std::mem::take(&mut unsynced)));
                                }
                            }
                        }
                        Err(AppendError::Moved(head)) => {
                            requeue(&mut queue, batch, next.take());
                            tip = Some(head);
                        }
                        Err(AppendError::Failed(error)) => {
                            retry_at = Some(self.fail(error, &mut queue, Some((batch, next.take()))));
                            tip = None;
                        }
                    }
                }
                synced = wait_sync(&mut syncing), if syncing.is_some() => {
                    let batches = syncing.take().map(|s| s.batches).unwrap_or_default();
                    if let Err(error) = synced {
                        self.poisoned(&error, batches, std::mem::take(&mut unsynced));
                        break;
                    }
                    let mut stop = false;
                    for (batch, signed) in batches {
                        stop |= self.committed(batch, signed);
                    }
                    if stop {
                        break;
                    }
                    if !unsynced.is_empty() {
                        syncing = Some(self.start_sync(std::mem::take(&mut unsynced)));
                    }
                }
                received = rx.recv_many(&mut incoming, BATCH), if room => {
                    if received == 0 {
                        open = false;
                    }
                    for msg in incoming.drain(..) {
                        self.admit(msg, &mut queue);
                    }
                }
                () = sleep_until(retry_at), if retry_at.is_some() => retry_at = None,
                () = sleep_until(checkpoint_at), if checkpoint_at.is_some() => self.timed_checkpoint().await,
            }
        }
        if self.dirty && self.failing.is_none() {
            self.timed_checkpoint().await;
        }
    }

    /// Takes a message in: faults go straight to the database thread; events get their sealing
    /// key, or are refused when their project has none; while failing, events are told at once.
    fn admit(&mut self, mut msg: Msg, queue: &mut VecDeque<Item>) {
        let key = match msg {
            Msg::Fault(super::writer::Fault::SyncFails, reply) => {
                self.sync_fails = true;
                return answer(reply, Ok(()));
            }
            Msg::Fault(fault, reply) => {
                if let Err(std::sync::mpsc::SendError(Job::Fault(_, reply))) = self.jobs.send(Job::Fault(fault, reply))
                {
                    answer(reply, Err(AuditError::Closed));
                }
                return;
            }
            Msg::Group(events, reply) => {
                let mut items = Vec::with_capacity(events.len() + 1);
                for event in events {
                    let key = match event.project {
                        None => None,
                        Some(project) => match self.projects.project_key(project) {
                            Some(key) => Some(key),
                            None => return answer(reply, Err(AuditError::ProjectKeyMissing { project })),
                        },
                    };
                    items.push(Item { msg: Msg::Event(event), key, sealed: None });
                }
                items.push(Item { msg: Msg::GroupEnd(Some(reply)), key: None, sealed: None });
                for mut item in items {
                    if let Some(reason) = &self.failing {
                        tell_failure(&mut item, reason);
                    }
                    queue.push_back(item);
                }
                return;
            }
            Msg::Event(Pending { project: Some(project), ref mut reply, .. }) => {
                match self.projects.project_key(project) {
                    Some(key) => Some(key),
                    None => {
                        if let Some(reply) = reply.take() {
                            answer(reply, Err(AuditError::ProjectKeyMissing { project }));
                        }
                        return;
                    }
                }
            }
            _ => None,
        };
        let mut item = Item { msg, key, sealed: None };
        if let Some(reason) = &self.failing {
            tell_failure(&mut item, reason);
        }
        queue.push_back(item);
    }

    /// Seals and chains queued messages onto `batch`, up to [`BATCH`].
    fn extend(&self, batch: &mut Batch, queue: &mut VecDeque<Item>) {
        let room = BATCH.saturating_sub(batch.items.len()).min(queue.len());
        for item in queue.drain(..room) {
            chain(batch, item, &self.sealing);
        }
    }

    /// A batch committed: writes work again.
    fn recovered(&mut self) {
        if self.failing.take().is_some() {
            tracing::info!("audit log writes again");
            self.health.send_replace(Health::Ok);
        }
        self.backoff = MIN_BACKOFF;
    }

    /// Starts an fsync of the WAL that makes `batches` durable.
    fn start_sync(&mut self, batches: Committed) -> Syncing {
        let wal = match &self.wal {
            Some(wal) => Ok(Arc::clone(wal)),
            None => std::fs::OpenOptions::new().write(true).open(&self.wal_path).map(Arc::new),
        };
        if let Ok(wal) = &wal {
            self.wal = Some(Arc::clone(wal));
        }
        let fails = self.sync_fails;
        let task = tokio::task::spawn_blocking(move || {
            if fails {
                return Err(std::io::Error::other("injected fault: fsync fails"));
            }
            wal?.sync_data()
        });
        Syncing { task, batches }
    }

    /// The WAL could not be fsynced: committed events may not be durable, and after a failed fsync
    /// the kernel may already have dropped them, so retrying cannot prove anything. Fail closed for
    /// good: tell every waiting producer and stop; an operator checks the disk and restarts.
    fn poisoned(&mut self, error: &std::io::Error, syncing: Committed, unsynced: Committed) {
        let reason = format!(
            "cannot fsync {}: {error}; events since the last successful sync may be lost — check the disk, run \
             `cloister audit verify`, then restart cloister",
            self.wal_path.display()
        );
        tracing::error!(%reason, "audit log stopped");
        for (batch, _) in syncing.into_iter().chain(unsynced) {
            for mut item in batch.items {
                tell_failure(&mut item, &reason);
            }
        }
        self.health.send_replace(Health::Failed(reason.clone()));
        self.failing = Some(reason);
    }

    /// Answers everyone in a durable batch; returns whether a shutdown was asked.
    fn committed(&mut self, batch: Batch, signed: Option<Checkpoint>) -> bool {
        if signed.is_some() {
            self.last_checkpoint = Instant::now();
            self.dirty = false;
        } else if batch.tip != batch.base {
            self.dirty = true;
        }
        let head = batch.tip.0;
        let mut stop = false;
        for item in batch.items {
            match item.msg {
                Msg::Event(event) => match (event.reply, item.sealed) {
                    (Some(reply), Some(sealed)) => answer(reply, Ok(sealed.seq)),
                    (None, Some(sealed)) if event.grouped => self.group_seqs.push(sealed.seq),
                    _ => {}
                },
                Msg::GroupEnd(reply) => {
                    let seqs = std::mem::take(&mut self.group_seqs);
                    if let Some(reply) = reply {
                        answer(reply, Ok(seqs));
                    }
                }
                Msg::Flush(reply) => answer(reply, Ok(head)),
                Msg::Checkpoint(reply) => answer(reply, Ok(signed.clone())),
                Msg::Shutdown(reply) => {
                    answer(reply, Ok(head));
                    stop = true;
                }
                Msg::Fault(..) | Msg::Group(..) => {}
            }
        }
        stop
    }

    /// Records a failure: the failed batches go back to the front of the queue, every waiting
    /// producer is told, health flips to `Failed`. Returns when to retry.
    fn fail(
        &mut self,
        error: AuditError,
        queue: &mut VecDeque<Item>,
        batches: Option<(Batch, Option<Batch>)>,
    ) -> Instant {
        let reason = error.to_string();
        if let Some((batch, next)) = batches {
            requeue(queue, batch, next);
        }
        tracing::error!(%reason, kept = queue.len(), "audit log write failed; retrying");
        for item in queue.iter_mut() {
            tell_failure(item, &reason);
        }
        self.health.send_replace(Health::Failed(reason.clone()));
        self.failing = Some(reason);
        let retry_at = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        retry_at
    }

    /// Signs a checkpoint of the head (the time-based schedule).
    async fn timed_checkpoint(&mut self) {
        self.last_checkpoint = Instant::now();
        match self.ask(Job::Checkpoint).await {
            Ok(Ok(_)) => self.dirty = false,
            Ok(Err(error)) => tracing::warn!(%error, "cannot sign an audit checkpoint; retrying later"),
            Err(Gone) => {}
        }
    }
}

/// Seals an event (with its project's key, else the audit key) and chains it onto `batch`.
pub(super) fn chain(batch: &mut Batch, mut item: Item, sealing: &DataKey) {
    match &item.msg {
        Msg::Event(event) => {
            let key = item.key.as_deref().unwrap_or(sealing);
            let (prev_seq, prev) = batch.tip;
            let seq = prev_seq + 1;
            let payload = seal_payload(key, &event.plain, seq, event.kind, event.project);
            let hash = RecordRef {
                version: RECORD_VERSION,
                seq,
                time_ns: event.time_ns,
                session: event.session.as_bytes(),
                user: event.user.as_bytes(),
                kind: event.kind.as_bytes(),
                project: event.project,
                payload: &payload,
            }
            .hash(&prev);
            item.sealed = Some(Sealed { seq, payload, prev, hash });
            batch.tip = (seq, hash);
        }
        Msg::Checkpoint(_) | Msg::Shutdown(_) => batch.wants_checkpoint = true,
        Msg::Flush(_) | Msg::Fault(..) | Msg::Group(..) | Msg::GroupEnd(_) => {}
    }
    batch.items.push(item);
}

/// Puts uncommitted batches back at the front of the queue, in order, to be re-chained.
fn requeue(queue: &mut VecDeque<Item>, batch: Batch, next: Option<Batch>) {
    let mut items = batch.items;
    if let Some(next) = next {
        items.extend(next.items);
    }
    for mut item in items.into_iter().rev() {
        item.sealed = None;
        queue.push_front(item);
    }
}

/// Answers an event with the failure (once); it stays queued and is retried.
fn tell_failure(item: &mut Item, reason: &str) {
    let failed = || AuditError::WriteFailed { reason: reason.to_string() };
    match &mut item.msg {
        Msg::Event(Pending { reply, .. }) => {
            if let Some(reply) = reply.take() {
                answer(reply, Err(failed()));
            }
        }
        Msg::GroupEnd(reply) => {
            if let Some(reply) = reply.take() {
                answer(reply, Err(failed()));
            }
        }
        _ => {}
    }
}
