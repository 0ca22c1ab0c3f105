//! The writer task: batching, sealing, chaining, checkpoints, fail-closed retries.

use super::checkpoint::{self, Checkpoint};
use super::keys::AuditKeys;
use super::record::{RECORD_VERSION, RecordRef, seal_payload};
use super::writer::{Fault, Health, Msg, Pending, Reply};
use super::{AuditError, ProjectKeys, now_ns};
use crate::config::AuditConfig;
use crate::crypto::DataKey;
use rusqlite::{Connection, TransactionBehavior, params};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Events kept in memory while writes fail; beyond this the writer stops reading the channel and
/// producers wait (backpressure) instead of anything being dropped.
const MAX_RETAINED: usize = 65_536;
const MIN_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

const INSERT: &str =
    "INSERT INTO events (seq, version, time_ns, session, user, kind, project, payload, prev_hash, hash)
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// A message admitted by the writer: events carry the key their payload will be sealed with,
/// resolved on arrival, so an event kept through a failure is sealed as it would have been.
struct Admitted {
    msg: Msg,
    key: Option<Arc<DataKey>>,
}

pub(super) struct Writer {
    conn: Connection,
    keys: AuditKeys,
    projects: Arc<dyn ProjectKeys>,
    every_events: u64,
    every: Duration,
    health: watch::Sender<Health>,
    /// When this writer last signed a checkpoint, and whether events were written since.
    last_checkpoint: Instant,
    dirty: bool,
    /// `max_page_count` at start, restored by [`Fault::Clear`].
    page_limit: i64,
}

/// Marks the log failed if the writer stops for any reason (including a panic).
struct StoppedGuard(watch::Sender<Health>);

impl Drop for StoppedGuard {
    fn drop(&mut self) {
        self.0.send_replace(Health::Failed("the audit writer has stopped".into()));
    }
}

fn answer<T>(reply: Reply<T>, result: Result<T, AuditError>) {
    // The producer may have given up waiting; the outcome stands either way.
    let _ = reply.send(result);
}

impl Writer {
    pub(super) fn new(
        conn: Connection,
        keys: AuditKeys,
        config: &AuditConfig,
        projects: Arc<dyn ProjectKeys>,
        health: watch::Sender<Health>,
    ) -> Result<Self, AuditError> {
        let page_limit = conn.pragma_query_value(None, "max_page_count", |row| row.get(0))?;
        Ok(Self {
            conn,
            keys,
            projects,
            every_events: config.checkpoint_every_events.max(1),
            every: Duration::from_secs(config.checkpoint_every_secs.max(1)),
            health,
            last_checkpoint: Instant::now(),
            dirty: false,
            page_limit,
        })
    }

    pub(super) async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        let guard = StoppedGuard(self.health.clone());
        let mut incoming = Vec::with_capacity(super::writer::BATCH);
        let mut pending: Vec<Admitted> = Vec::with_capacity(super::writer::BATCH);
        let mut backoff = MIN_BACKOFF;
        let mut open = true;
        loop {
            if pending.is_empty() {
                if !open {
                    break;
                }
                let deadline = self.dirty.then(|| self.last_checkpoint + self.every);
                tokio::select! {
                    received = rx.recv_many(&mut incoming, super::writer::BATCH) => {
                        if received == 0 {
                            open = false;
                        }
                    }
                    () = sleep_until(deadline), if deadline.is_some() => {
                        self.timed_checkpoint();
                        continue;
                    }
                }
                for msg in incoming.drain(..) {
                    self.admit(msg, &mut pending, None);
                }
                if pending.is_empty() {
                    continue;
                }
            }
            match self.write(&mut pending) {
                Ok(stop) => {
                    backoff = MIN_BACKOFF;
                    self.health.send_if_modified(|health| std::mem::replace(health, Health::Ok) != Health::Ok);
                    if stop {
                        break;
                    }
                }
                Err(error) => {
                    let reason = error.to_string();
                    tracing::error!(%reason, kept = pending.len(), "audit log write failed; retrying");
                    for admitted in &mut pending {
                        fail(admitted, &reason);
                    }
                    self.health.send_replace(Health::Failed(reason.clone()));
                    let until = Instant::now() + backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    loop {
                        let room = open && pending.len() < MAX_RETAINED;
                        tokio::select! {
                            () = tokio::time::sleep_until(until) => break,
                            msg = rx.recv(), if room => match msg {
                                Some(msg) => self.admit(msg, &mut pending, Some(&reason)),
                                None => open = false,
                            },
                        }
                    }
                }
            }
        }
        if self.dirty {
            self.timed_checkpoint();
        }
        drop(guard);
    }

    /// Takes a message in: faults apply at once; events get their sealing key (or are refused when
    /// their project has none); while failing, new events are answered with the failure at once.
    fn admit(&mut self, msg: Msg, pending: &mut Vec<Admitted>, failing: Option<&str>) {
        let key = match &msg {
            Msg::Fault(fault, _) => {
                let result = self.apply_fault(*fault);
                if let Msg::Fault(_, reply) = msg {
                    answer(reply, result);
                }
                return;
            }
            Msg::Event(Pending { project: Some(project), .. }) => match self.projects.project_key(*project) {
                Some(key) => Some(key),
                None => {
                    let project = *project;
                    if let Msg::Event(Pending { reply: Some(reply), .. }) = msg {
                        answer(reply, Err(AuditError::ProjectKeyMissing { project }));
                    }
                    return;
                }
            },
            _ => None,
        };
        let mut admitted = Admitted { msg, key };
        if let Some(reason) = failing {
            fail(&mut admitted, reason);
        }
        pending.push(admitted);
    }

    fn apply_fault(&mut self, fault: Fault) -> Result<(), AuditError> {
        let limit = match fault {
            Fault::DiskFull => 1, // SQLite raises a lower value to the current size.
            Fault::Clear => self.page_limit,
        };
        let _: i64 = self.conn.pragma_update_and_check(None, "max_page_count", limit, |row| row.get(0))?;
        Ok(())
    }

    /// Writes every pending event in one transaction, signs a checkpoint if due or asked, commits,
    /// then answers. Returns whether a shutdown was asked. On error nothing is answered or cleared.
    fn write(&mut self, pending: &mut Vec<Admitted>) -> Result<bool, AuditError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut seq, mut prev) = super::db::head(&tx)?;
        let mut seqs = Vec::with_capacity(pending.len());
        let mut wants_checkpoint = false;
        {
            let mut insert = tx.prepare_cached(INSERT)?;
            for admitted in pending.iter() {
                let event = match &admitted.msg {
                    Msg::Event(event) => event,
                    Msg::Checkpoint(_) | Msg::Shutdown(_) => {
                        wants_checkpoint = true;
                        continue;
                    }
                    Msg::Flush(_) | Msg::Fault(..) => continue,
                };
                let key = admitted.key.as_deref().unwrap_or(&self.keys.sealing);
                seq += 1;
                let payload = seal_payload(key, &event.plain, seq, event.kind, event.project);
                let record = RecordRef {
                    version: RECORD_VERSION,
                    seq,
                    time_ns: event.time_ns,
                    session: event.session.as_bytes(),
                    user: event.user.as_bytes(),
                    kind: event.kind.as_bytes(),
                    project: event.project,
                    payload: &payload,
                };
                let hash = record.hash(&prev);
                insert.execute(params![
                    super::db::seq_to_sql(seq),
                    RECORD_VERSION,
                    event.time_ns,
                    event.session,
                    event.user,
                    event.kind,
                    event.project,
                    payload,
                    &prev[..],
                    &hash[..],
                ])?;
                seqs.push(seq);
                prev = hash;
            }
        }
        let written = !seqs.is_empty();
        let last_size: i64 = tx.query_row("SELECT IFNULL(MAX(size), 0) FROM checkpoints", [], |row| row.get(0))?;
        let due = seq.saturating_sub(super::db::seq_from_sql(last_size)?) >= self.every_events;
        let mut signed: Option<Checkpoint> = None;
        if due || wants_checkpoint {
            signed = checkpoint::create(&tx, &self.keys.signing, now_ns())?;
        }
        tx.commit()?;
        if signed.is_some() {
            self.last_checkpoint = Instant::now();
            self.dirty = false;
        } else if written {
            self.dirty = true;
        }
        let mut seqs = seqs.into_iter();
        let mut stop = false;
        for admitted in pending.drain(..) {
            match admitted.msg {
                Msg::Event(event) => {
                    let assigned = seqs.next().ok_or_else(|| AuditError::Malformed("seq bookkeeping".into()));
                    if let Some(reply) = event.reply {
                        answer(reply, assigned);
                    }
                }
                Msg::Flush(reply) => answer(reply, Ok(seq)),
                Msg::Checkpoint(reply) => answer(reply, Ok(signed.clone())),
                Msg::Shutdown(reply) => {
                    answer(reply, Ok(seq));
                    stop = true;
                }
                Msg::Fault(..) => {}
            }
        }
        Ok(stop)
    }

    /// Signs a checkpoint of the head in its own transaction (the time-based schedule).
    fn timed_checkpoint(&mut self) {
        self.last_checkpoint = Instant::now();
        let result = (|| -> Result<(), AuditError> {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            checkpoint::create(&tx, &self.keys.signing, now_ns())?;
            tx.commit()?;
            Ok(())
        })();
        match result {
            Ok(()) => self.dirty = false,
            Err(error) => tracing::warn!(%error, "cannot sign an audit checkpoint; retrying later"),
        }
    }
}

/// Answers an event with the failure (once); it stays pending and is retried.
fn fail(admitted: &mut Admitted, reason: &str) {
    if let Msg::Event(Pending { reply, .. }) = &mut admitted.msg
        && let Some(reply) = reply.take()
    {
        answer(reply, Err(AuditError::WriteFailed { reason: reason.to_string() }));
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
