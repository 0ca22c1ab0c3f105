//! The database thread ("cloister-audit-db"): owns the SQLite connection and runs the jobs the
//! writer task sends it, one at a time and in order. Keeping SQLite on its own thread lets the
//! writer seal and chain the next batch while this one is being inserted and fsynced.

use super::AuditError;
use super::checkpoint::{self, Checkpoint};
use super::record::{Hash, RECORD_VERSION};
use super::writer::{Fault, Pending, Reply};
use rusqlite::{Connection, TransactionBehavior, params};
use std::sync::mpsc;
use tokio::sync::oneshot;

const INSERT: &str =
    "INSERT INTO events (seq, version, time_ns, session, user, kind, project, payload, prev_hash, hash)
                      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// An event sealed and chained by the writer, ready to insert.
pub(super) struct Sealed {
    pub seq: u64,
    pub payload: Vec<u8>,
    pub prev: Hash,
    pub hash: Hash,
}

/// One message of a batch; events carry their sealed form once prepared.
pub(super) struct Item {
    pub msg: super::writer::Msg,
    pub key: Option<std::sync::Arc<crate::crypto::DataKey>>,
    pub sealed: Option<Sealed>,
}

/// Messages the writer took in one go, in order; travels to the database thread and back.
pub(super) struct Batch {
    pub items: Vec<Item>,
    /// The head this batch was chained on.
    pub base: (u64, Hash),
    /// The head after it.
    pub tip: (u64, Hash),
    /// A checkpoint was asked for (checkpoint or shutdown message).
    pub wants_checkpoint: bool,
}

/// Why an append did not commit.
pub(super) enum AppendError {
    /// Another process appended first; re-chain on this head (not a failure).
    Moved((u64, Hash)),
    /// The write failed; nothing was committed.
    Failed(AuditError),
}

pub(super) type AppendResult = Result<Option<Checkpoint>, AppendError>;

pub(super) enum Job {
    Head(oneshot::Sender<Result<(u64, Hash), AuditError>>),
    Append(Batch, oneshot::Sender<(Batch, AppendResult)>),
    Checkpoint(oneshot::Sender<Result<Option<Checkpoint>, AuditError>>),
    Fault(Fault, Reply<()>),
}

pub(super) struct Appender {
    conn: Connection,
    signing: ed25519_dalek::SigningKey,
    every_events: u64,
    /// `max_page_count` at start, restored by [`Fault::Clear`].
    page_limit: i64,
}

impl Appender {
    pub(super) fn new(
        conn: Connection,
        signing: ed25519_dalek::SigningKey,
        every_events: u64,
    ) -> Result<Self, AuditError> {
        let page_limit = conn.pragma_query_value(None, "max_page_count", |row| row.get(0))?;
        Ok(Self { conn, signing, every_events: every_events.max(1), page_limit })
    }

    /// Runs jobs until the writer hangs up.
    pub(super) fn run(mut self, jobs: mpsc::Receiver<Job>) {
        // Receivers that stopped waiting are fine to ignore: the outcome stands either way.
        while let Ok(job) = jobs.recv() {
            match job {
                Job::Head(reply) => {
                    let _ = reply.send(super::db::head(&self.conn));
                }
                Job::Append(batch, reply) => {
                    let result = self.append(&batch);
                    let _ = reply.send((batch, result));
                }
                Job::Checkpoint(reply) => {
                    let _ = reply.send(self.checkpoint());
                }
                Job::Fault(fault, reply) => {
                    let _ = reply.send(self.apply_fault(fault));
                }
            }
        }
    }

    fn apply_fault(&mut self, fault: Fault) -> Result<(), AuditError> {
        let limit = match fault {
            Fault::DiskFull => 1, // SQLite raises a lower value to the current size.
            Fault::Clear => self.page_limit,
        };
        let _: i64 = self.conn.pragma_update_and_check(None, "max_page_count", limit, |row| row.get(0))?;
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<Option<Checkpoint>, AuditError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let signed = checkpoint::create(&tx, &self.signing, super::now_ns())?;
        tx.commit()?;
        Ok(signed)
    }

    /// Inserts a batch in one transaction if the log's head is still the batch's base, signs a
    /// checkpoint when due or asked, and commits (fsync).
    fn append(&mut self, batch: &Batch) -> AppendResult {
        let failed = AppendError::Failed;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| failed(e.into()))?;
        let head = super::db::head(&tx).map_err(failed)?;
        if head != batch.base {
            return Err(AppendError::Moved(head));
        }
        {
            let mut insert = tx.prepare_cached(INSERT).map_err(|e| failed(e.into()))?;
            for item in &batch.items {
                let (super::writer::Msg::Event(event), Some(sealed)) = (&item.msg, &item.sealed) else { continue };
                let Pending { time_ns, session, user, kind, project, .. } = event;
                insert
                    .execute(params![
                        super::db::seq_to_sql(sealed.seq),
                        RECORD_VERSION,
                        time_ns,
                        session,
                        user,
                        kind,
                        project,
                        sealed.payload,
                        &sealed.prev[..],
                        &sealed.hash[..],
                    ])
                    .map_err(|e| failed(e.into()))?;
            }
        }
        let last: i64 = tx
            .query_row("SELECT IFNULL(MAX(size), 0) FROM checkpoints", [], |row| row.get(0))
            .map_err(|e| failed(e.into()))?;
        let due = batch.tip.0.saturating_sub(super::db::seq_from_sql(last).map_err(failed)?) >= self.every_events;
        let signed = if due || batch.wants_checkpoint {
            checkpoint::create(&tx, &self.signing, super::now_ns()).map_err(failed)?
        } else {
            None
        };
        tx.commit().map_err(|e| failed(e.into()))?;
        Ok(signed)
    }
}
