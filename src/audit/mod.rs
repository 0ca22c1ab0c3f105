//! The tamper-evident audit log: every keystroke and every data access, hash-chained, sealed and
//! checkpointed with an Ed25519 signature. See docs/AUDIT.md for the formats and guarantees.
//!
//! - [`event`]: what producers record ([`Event`], [`EventKind`]).
//! - [`record`]: the stored record, its canonical bytes and hash chain, payload sealing.
//! - [`keys`]: the audit sealing key and the checkpoint signing key in DIR/keys.
//! - [`db`]: DIR/audit.db (append-only by trigger), schema migrations.
//! - [`checkpoint`]: signed checkpoints and their copyable text form.
//! - [`writer`]: [`AuditLog`], the single writer thread (batching, backpressure, fail-closed health).
//! - [`verify`]: streaming verification that names the first bad seq.
//! - [`read`]: decrypting reader behind `audit tail`, `export` and `replay`.

mod appender;
pub mod certificate;
pub mod checkpoint;
pub mod db;
pub mod event;
pub mod keys;
pub mod read;
pub mod record;
mod task;
pub mod verify;
pub mod writer;

pub use checkpoint::Checkpoint;
pub use event::{Event, EventKind, RenderMode};
pub use keys::AuditKeys;
pub use read::{AuditReader, Payload, StoredEvent};
pub use record::{HASH_LEN, RECORD_VERSION};
pub use verify::{Tamper, VerifyOptions, VerifyReport, verify};
pub use writer::{AuditLog, Fault, Health};

use crate::crypto::{CryptoError, DataKey};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// Largest plaintext payload accepted for one event (1 MiB); larger pastes must be cut by the caller.
pub const MAX_PAYLOAD: usize = 1 << 20;

/// Errors from the audit log.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// SQLite failed on the audit database.
    #[error("audit database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The audit database could not be opened.
    #[error("cannot open audit database {path}: {source} (run `cloister init --data DIR` to create it)")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The audit database was written by a newer cloister.
    #[error("audit database schema version {found} is newer than this build supports ({supported}); upgrade cloister")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// A key file could not be read, written or parsed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// Writing events failed; they are kept and retried, and the log health is `Failed` until a
    /// write succeeds. The caller must not act on the event and must not record it again.
    #[error("audit log write failed: {reason} (events are kept and retried; sessions stay frozen until it recovers)")]
    WriteFailed {
        /// What went wrong, e.g. `database or disk is full`.
        reason: String,
    },
    /// The event names a project whose data key is gone (purged or unknown), so its payload
    /// cannot be sealed. Purged projects receive no new events.
    #[error(
        "project {project} has no data key (purged or unknown): its event cannot be sealed; \
         record it without a project if it carries no project data"
    )]
    ProjectKeyMissing {
        /// The project id.
        project: i64,
    },
    /// The event is too large to record.
    #[error("audit event of {size} bytes exceeds the limit of {MAX_PAYLOAD} bytes; cut the pasted text first")]
    TooLarge {
        /// Plaintext size in bytes.
        size: usize,
    },
    /// The writer has stopped (shut down or crashed); nothing more can be recorded.
    #[error("the audit writer has stopped; restart cloister (no session may act without it)")]
    Closed,
    /// A checkpoint could not be parsed.
    #[error("checkpoint text is invalid: {reason} (expected the text printed by `cloister audit checkpoint`)")]
    CheckpointFormat {
        /// What is wrong.
        reason: String,
    },
    /// A deletion certificate could not be parsed.
    #[error("deletion certificate is invalid: {reason} (expected the file written by `cloister project purge`)")]
    CertificateFormat {
        /// What is wrong.
        reason: String,
    },
    /// A stored value is not what this build expects.
    #[error("audit database is malformed: {0}")]
    Malformed(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The payload JSON could not be encoded.
    #[error("cannot encode audit payload: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Gives the audit writer the data key of a project, so a project's payloads are sealed with it and
/// die with it when the project is purged. `None` means the project has no key (purged or unknown).
pub trait ProjectKeys: Send + Sync {
    /// The data key of `project`, if it still exists.
    fn project_key(&self, project: i64) -> Option<Arc<DataKey>>;
}

impl ProjectKeys for HashMap<i64, Arc<DataKey>> {
    fn project_key(&self, project: i64) -> Option<Arc<DataKey>> {
        self.get(&project).cloned()
    }
}

impl ProjectKeys for RwLock<HashMap<i64, Arc<DataKey>>> {
    fn project_key(&self, project: i64) -> Option<Arc<DataKey>> {
        self.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&project).cloned()
    }
}

/// No project keys at all: events with a project are refused (CLI tools that record admin events).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProjectKeys;

impl ProjectKeys for NoProjectKeys {
    fn project_key(&self, _project: i64) -> Option<Arc<DataKey>> {
        None
    }
}

/// Current time in UTC nanoseconds since the Unix epoch.
pub fn now_ns() -> i64 {
    let now = chrono::Utc::now();
    now.timestamp_nanos_opt().unwrap_or(i64::MAX)
}

/// Formats UTC nanoseconds as RFC 3339 with nanoseconds, e.g. `2026-11-30T05:09:23.000000001Z`.
pub fn format_time(time_ns: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(time_ns).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// Parses an RFC 3339 time (any offset) into UTC nanoseconds.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let time = chrono::DateTime::parse_from_rfc3339(text.trim())
        .map_err(|e| format!("{text:?} is not an RFC 3339 time like 2026-01-31T09:00:00Z ({e})"))?;
    time.timestamp_nanos_opt().ok_or_else(|| format!("{text:?} is outside the years 1677..2262"))
}
