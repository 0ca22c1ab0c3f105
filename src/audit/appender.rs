//! The database thread ("cloister-audit-db"): owns the SQLite connection and runs the jobs the
//! writer task sends it, one at a time and in order. Keeping SQLite on its own thread lets the
//! writer seal and chain the next batch while this one is being inserted and fsynced.

use super::AuditError;
use super::checkpoint::{self, Checkpoint};
use super::record::{Hash, RECORD_VERSION};
use super::writer::{Fault, Pending, Reply};
use rusqlite::{Connection, TransactionBehavior};
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Rows per INSERT statement: one statement per row costs about 10% more (statement set-up and
/// reset per row).
const ROWS_PER_INSERT: usize = 16;
const COLUMNS: usize = 10;

fn insert_sql(rows: usize) -> String {
    let one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    format!("INSERT INTO events ({}) VALUES {}", super::db::EVENT_COLUMNS, vec![one; rows].join(", "))
}

/// Binds `rows` to an INSERT of as many rows and runs it.
fn bind_rows(stmt: &mut rusqlite::CachedStatement<'_>, rows: &[(&Pending, &Sealed)]) -> rusqlite::Result<()> {
    for (row, (event, sealed)) in rows.iter().enumerate() {
        let at = row * COLUMNS;
        stmt.raw_bind_parameter(at + 1, super::db::seq_to_sql(sealed.seq))?;
        stmt.raw_bind_parameter(at + 2, RECORD_VERSION)?;
        stmt.raw_bind_parameter(at + 3, event.time_ns)?;
        stmt.raw_bind_parameter(at + 4, &*event.session)?;
        stmt.raw_bind_parameter(at + 5, &*event.user)?;
        stmt.raw_bind_parameter(at + 6, event.kind)?;
        stmt.raw_bind_parameter(at + 7, event.project)?;
        stmt.raw_bind_parameter(at + 8, &sealed.payload)?;
        stmt.raw_bind_parameter(at + 9, &sealed.prev[..])?;
        stmt.raw_bind_parameter(at + 10, &sealed.hash[..])?;
    }
    stmt.raw_execute()?;
    Ok(())
}

/// Inserts the batch's events, [`ROWS_PER_INSERT`] per statement.
fn insert_rows(tx: &Connection, batch: &Batch) -> rusqlite::Result<()> {
    let rows: Vec<(&Pending, &Sealed)> = batch
        .items
        .iter()
        .filter_map(|item| match (&item.msg, &item.sealed) {
            (super::writer::Msg::Event(event), Some(sealed)) => Some((event, sealed)),
            _ => None,
        })
        .collect();
    let mut many = tx.prepare_cached(&insert_sql(ROWS_PER_INSERT))?;
    let mut one = tx.prepare_cached(&insert_sql(1))?;
    let full = rows.len() - rows.len() % ROWS_PER_INSERT;
    for group in rows[..full].chunks(ROWS_PER_INSERT) {
        bind_rows(&mut many, group)?;
    }
    for row in rows[full..].chunks(1) {
        bind_rows(&mut one, row)?;
    }
    Ok(())
}

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
    /// Copies the WAL into the database in the background while this thread appends.
    _checkpointer: super::db::Checkpointer,
    /// The WAL, opened on first sync.
    wal_path: std::path::PathBuf,
    wal: Option<std::fs::File>,
    /// `audit.synchronous = full`: fsync the WAL after a commit nobody else syncs.
    durable: bool,
}

impl Appender {
    pub(super) fn new(
        path: &std::path::Path,
        signing: ed25519_dalek::SigningKey,
        every_events: u64,
        sync: crate::config::AuditSync,
    ) -> Result<Self, AuditError> {
        // Commits never fsync themselves (`open_writer` sets `synchronous = NORMAL`): with `full`
        // (default) the writer fsyncs the WAL before answering; `normal` leaves it to WAL
        // checkpoints (see CONFIG.md).
        let conn = super::db::open_writer(path)?;
        let page_limit = conn.pragma_query_value(None, "max_page_count", |row| row.get(0))?;
        let checkpointer = super::db::Checkpointer::start(path)?;
        let wal_path = std::path::PathBuf::from(format!("{}-wal", path.display()));
        Ok(Self {
            conn,
            signing,
            every_events: every_events.max(1),
            page_limit,
            _checkpointer: checkpointer,
            wal_path,
            wal: None,
            durable: sync == crate::config::AuditSync::Full,
        })
    }

    /// The log's head.
    pub(super) fn head(&self) -> Result<(u64, Hash), AuditError> {
        super::db::head(&self.conn)
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
            Fault::SyncFails => return Ok(()), // handled by the writer task
        };
        let _: i64 = self.conn.pragma_update_and_check(None, "max_page_count", limit, |row| row.get(0))?;
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<Option<Checkpoint>, AuditError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let signed = checkpoint::create(&tx, &self.signing, super::now_ns())?;
        tx.commit()?;
        if self.durable {
            self.sync_wal()?;
        }
        Ok(signed)
    }

    /// Fsyncs the WAL (commits use `synchronous = NORMAL`; durability comes from this sync).
    pub(super) fn sync_wal(&mut self) -> Result<(), AuditError> {
        let io = |source| AuditError::Io { path: self.wal_path.clone(), source };
        if self.wal.is_none() {
            self.wal = Some(std::fs::OpenOptions::new().write(true).open(&self.wal_path).map_err(io)?);
        }
        match &self.wal {
            Some(wal) => wal.sync_data().map_err(io),
            None => Ok(()),
        }
    }

    /// Inserts a batch in one transaction if the log's head is still the batch's base, signs a
    /// checkpoint when due or asked, and commits (fsync).
    pub(super) fn append(&mut self, batch: &Batch) -> AppendResult {
        let failed = AppendError::Failed;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| failed(e.into()))?;
        let head = super::db::head(&tx).map_err(failed)?;
        if head != batch.base {
            return Err(AppendError::Moved(head));
        }
        insert_rows(&tx, batch).map_err(|e| failed(e.into()))?;
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
