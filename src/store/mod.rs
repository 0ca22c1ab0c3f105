//! The one door to data. Every call takes the acting [`Principal`] and asks [`crate::policy`]
//! first; sensitive columns are [`Sealed`] with the project's data key and the row's identity.

mod access;
mod agreement;
mod annotation;
mod assign;
mod audio;
mod ca;
mod content;
mod export;
mod export_content;
mod import;
mod lifecycle;
mod preference;
mod projects;
mod queue;
mod report;
mod reveal;
mod review;
mod schema;
mod visibility;

pub use access::{KeyRecord, LoginRefusal, UserRecord};
pub use agreement::{AgreementStats, Measure};
pub use annotation::{BODY_VERSION, Choice, MarkedSpan, PreferenceBody, Ratings, SegmentBody, Side};
pub use audio::{ItemAudio, PlayableSegment};
pub use ca::{CaRecord, KeyEntry, KeyImport};
pub use content::{ItemHeader, QueueEntry, SegmentView, Submission};
pub use export::{ExportFormat, ExportRequest};
pub use export_content::{
    EXPORT_ROLE, ExportContent, ExportedAnnotation, ExportedItem, ExportedJudgment, ExportedSegment,
};
pub use import::{ImportSummary, NewAudio, NewItem, NewPreference, NewResponse, NewSegment, PiiSpan};
pub use lifecycle::{ProjectDates, PurgeReport, RowCount};
pub use preference::{JudgmentView, PreferenceView};
pub use projects::{ProjectKind, ProjectRecord, ProjectState};
pub use queue::QueuePage;
pub use reveal::Revealed;
pub use review::{QaOutcome, QaVerdict, VersionView};
pub use schema::SCHEMA_VERSION;
pub use visibility::SegmentAccess;

use crate::crypto::{Aad, CryptoError, DataKey, MasterKey, Plain, Sealed};
use crate::policy::{Action, Denial, Principal, Role, Visibility};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file could not be opened.
    #[error("cannot open database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer cloister.
    #[error("database schema version {found} is newer than this build supports ({supported}); upgrade cloister")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// Sealing or opening failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The policy refused the action.
    #[error("denied: {0}")]
    Denied(#[from] Denial),
    /// A named thing does not exist.
    #[error("{what} {name:?} not found")]
    NotFound {
        /// Kind of thing, e.g. `project`.
        what: &'static str,
        /// The name or id looked up.
        name: String,
    },
    /// A named thing already exists.
    #[error("{what} {name:?} already exists")]
    Exists {
        /// Kind of thing.
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// A value is not acceptable.
    #[error("invalid {field} {value:?}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// The value given.
        value: String,
        /// What is acceptable.
        reason: String,
    },
    /// The project's key was destroyed: its data is gone.
    #[error("project {0} was purged; its data no longer exists")]
    Purged(String),
    /// A purge destroyed the key and rows but could not finish wiping the files.
    #[error("purge of project {project} is incomplete: {reason}")]
    PurgeIncomplete {
        /// The project.
        project: String,
        /// What is left to do and how.
        reason: String,
    },
}

/// Receives every policy denial so it can be audited. The store calls it before returning
/// [`StoreError::Denied`].
pub trait DenialSink: Send + Sync {
    /// Records one denial.
    fn denied(&self, principal: &Principal, project: Option<i64>, action: Action, denial: &Denial);
}

/// Logs denials through `tracing` (ids only); the audit log replaces this when it is attached.
struct TraceDenials;

impl DenialSink for TraceDenials {
    fn denied(&self, principal: &Principal, project: Option<i64>, action: Action, denial: &Denial) {
        tracing::warn!(user = %principal.name, session = %principal.session, ?project, ?action, %denial, "policy denial");
    }
}

/// Makes a database file private to the service user (SQLite gives its -wal/-shm the same mode).
pub(crate) fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(error) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(path = %path.display(), %error, "cannot make the database private");
        }
    }
}

/// Current time in Unix seconds.
pub(crate) fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Unwrapped project keys, shared with the audit writer so it can seal project payloads without
/// touching the store's connection.
pub type Keyring = Arc<RwLock<HashMap<i64, Arc<DataKey>>>>;

/// The store: one SQLite connection plus the key hierarchy.
pub struct Store {
    conn: Connection,
    master: MasterKey,
    keys: Keyring,
    denials: Box<dyn DenialSink>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applying migrations.
    pub fn open(path: &Path, master: MasterKey) -> Result<Self, StoreError> {
        let mut conn =
            Connection::open(path).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        schema::prepare(&mut conn)?;
        // SQLite creates the file lazily, so only now is there a file to restrict.
        restrict_permissions(path);
        Ok(Self { conn, master, keys: Keyring::default(), denials: Box::new(TraceDenials) })
    }

    /// Routes denials to `sink` (the audit log) instead of the trace log.
    pub fn set_denial_sink(&mut self, sink: Box<dyn DenialSink>) {
        self.denials = sink;
    }

    /// The data roles `principal` holds on `project`.
    pub fn roles_on(&self, principal: &Principal, project: i64) -> Result<Vec<Role>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT role FROM grants WHERE user_id = ?1 AND project_id = ?2 ORDER BY role")?;
        let roles = stmt.query_map(params![principal.user_id, project], |row| row.get::<_, String>(0))?;
        let mut out = Vec::new();
        for role in roles {
            let role = role?;
            out.push(Role::parse(&role).map_err(|reason| StoreError::Invalid {
                field: "grants.role",
                value: role,
                reason,
            })?);
        }
        Ok(out)
    }

    /// Asks the policy; records and returns any denial.
    pub(crate) fn authorize(
        &self,
        principal: &Principal,
        project: Option<i64>,
        action: Action,
    ) -> Result<Visibility, StoreError> {
        let roles = match project {
            Some(id) => self.roles_on(principal, id)?,
            None => Vec::new(),
        };
        let mut decided = crate::policy::decide_project(principal, &roles, project.unwrap_or(0), action);
        // A closed project takes no more work and no exports; only its lifecycle moves on.
        if let (Ok(_), Some(id)) = (&decided, project)
            && let Some(denial) = self.state_denial(id, action)?
        {
            decided = Err(denial);
        }
        decided.map_err(|denial| {
            self.denials.denied(principal, project, action, &denial);
            StoreError::Denied(denial)
        })
    }

    /// The data key of a project, unwrapped once and cached.
    pub(crate) fn project_key(&self, project: i64) -> Result<Arc<DataKey>, StoreError> {
        if let Some(key) = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner()).get(&project) {
            return Ok(Arc::clone(key));
        }
        let row: Option<(Option<Vec<u8>>, String)> = self
            .conn
            .query_row("SELECT wrapped_key, name FROM projects WHERE id = ?1", [project], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let (wrapped, name) = row.ok_or(StoreError::NotFound { what: "project", name: project.to_string() })?;
        let wrapped = wrapped.ok_or(StoreError::Purged(name))?;
        let key = Arc::new(self.master.unwrap_key(project, &wrapped)?);
        self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(project, Arc::clone(&key));
        Ok(key)
    }

    /// The shared keyring, after unwrapping every live project's key into it.
    pub fn keyring(&self) -> Result<Keyring, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id FROM projects WHERE wrapped_key IS NOT NULL")?;
        let ids: Vec<i64> = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        for id in ids {
            self.project_key(id)?;
        }
        Ok(Arc::clone(&self.keys))
    }

    /// Opens a sealed column value read from row `aad`.
    pub(crate) fn open_sealed<T: Plain>(&self, key: &DataKey, bytes: Vec<u8>, aad: &Aad<'_>) -> Result<T, StoreError> {
        Ok(Sealed::<T>::from_stored(bytes).open(key, aad)?)
    }

    /// Direct access to the connection for tests and benchmarks of on-disk properties.
    #[doc(hidden)]
    pub fn raw_connection(&self) -> &Connection {
        &self.conn
    }
}
