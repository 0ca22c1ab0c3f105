//! DIR/audit.db: schema, migrations (`PRAGMA user_version`) and connection settings.
//!
//! Tables are append-only by trigger: UPDATE and DELETE abort; `checkpoints` and `meta` also refuse
//! `INSERT OR REPLACE`. `events` has no INSERT trigger: any trigger there makes SQLite open a
//! statement journal for every insert, which costs about a quarter of the append rate, so an
//! `INSERT OR REPLACE` over an existing event is not refused, only detected (its hash or link
//! breaks). Triggers only stop honest mistakes and casual edits; anyone who can write the file can
//! drop them. The hash chain and signed checkpoints detect everything else.

use super::AuditError;
use super::record::{HASH_LEN, Hash};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;

/// Migrations in order; migration `i` moves the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    version   INTEGER NOT NULL,
    time_ns   INTEGER NOT NULL,
    session   TEXT NOT NULL,
    user      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    project   INTEGER,
    payload   BLOB NOT NULL,
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
);
CREATE TABLE checkpoints (
    size      INTEGER PRIMARY KEY CHECK (size >= 1),
    time_ns   INTEGER NOT NULL,
    head      BLOB NOT NULL,
    key_id    TEXT NOT NULL,
    signature BLOB NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE of events refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE from events refused'); END;
CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints
    WHEN EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size)
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: a checkpoint of this size exists'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE of checkpoints refused'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE from checkpoints refused'); END;
CREATE TRIGGER meta_no_replace BEFORE INSERT ON meta
    WHEN EXISTS (SELECT 1 FROM meta WHERE name = NEW.name)
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: meta values are set once'); END;
CREATE TRIGGER meta_no_update BEFORE UPDATE ON meta
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE of meta refused'); END;
CREATE TRIGGER meta_no_delete BEFORE DELETE ON meta
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE from meta refused'); END;
"#];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Names of the append-only triggers; `verify` warns when any is missing.
pub const TRIGGERS: [&str; 8] = [
    "events_no_update",
    "events_no_delete",
    "checkpoints_no_replace",
    "checkpoints_no_update",
    "checkpoints_no_delete",
    "meta_no_replace",
    "meta_no_update",
    "meta_no_delete",
];

/// Columns of `events` in canonical order, for SELECTs.
pub const EVENT_COLUMNS: &str = "seq, version, time_ns, session, user, kind, project, payload, prev_hash, hash";

fn open_error(path: &Path) -> impl FnOnce(rusqlite::Error) -> AuditError + '_ {
    move |source| AuditError::Open { path: path.to_path_buf(), source }
}

/// Opens (creating if needed) the audit database for writing: WAL, `synchronous = FULL` (every
/// commit is fsynced before a producer is told it is durable), migrations applied, origin set.
pub fn open_writer(path: &Path) -> Result<Connection, AuditError> {
    let mut conn = Connection::open(path).map_err(open_error(path))?;
    crate::store::restrict_permissions(path);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // A larger page cache. WAL checkpoints (copying the WAL back into the database file) are mostly
    // done by a [`Checkpointer`] thread, so commits mostly only append to the WAL; the automatic
    // checkpoint at 40 MB of WAL then finds little left to copy, and restarts the WAL.
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// A background thread that runs a PASSIVE WAL checkpoint every [`Checkpointer::EVERY`]; it never
/// blocks the writer. Stops when dropped.
pub struct Checkpointer {
    _stop: std::sync::mpsc::Sender<()>,
}

impl Checkpointer {
    /// How often the WAL is copied back.
    pub const EVERY: std::time::Duration = std::time::Duration::from_millis(200);

    /// Starts checkpointing the database at `path` (which must exist).
    pub fn start(path: &Path) -> Result<Self, AuditError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(open_error(path))?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("cloister-audit-ckpt".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Self::EVERY) {
                    if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        tracing::debug!(%error, "audit WAL checkpoint skipped");
                    }
                }
            })
            .map_err(|source| AuditError::Io { path: path.to_path_buf(), source })?;
        Ok(Self { _stop: stop })
    }
}

/// Opens an existing audit database read-only (verify, tail, export, replay).
pub fn open_reader(path: &Path) -> Result<Connection, AuditError> {
    if !path.exists() {
        return Err(AuditError::Open {
            path: path.to_path_buf(),
            source: rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some("file does not exist".into()),
            ),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(open_error(path))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Read pages straight from the page cache instead of copying each one (verify reads them all).
    // The file is append-only and never truncated, so the mapping stays valid.
    let _: i64 = conn.pragma_update_and_check(None, "mmap_size", 1i64 << 34, |row| row.get(0))?;
    let version = user_version(&conn)?;
    if version > SCHEMA_VERSION {
        return Err(AuditError::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
    }
    Ok(conn)
}

fn user_version(conn: &Connection) -> Result<i64, AuditError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

fn migrate(conn: &mut Connection) -> Result<(), AuditError> {
    let version = user_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(AuditError::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(usize::try_from(version).unwrap_or(0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if index == 0 {
            let mut random = [0u8; 8];
            rand::fill(&mut random[..]);
            tx.execute(
                "INSERT INTO meta (name, value) VALUES ('origin', ?1)",
                [format!("cloister-{}", hex::encode(random))],
            )?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The log's origin: a stable id chosen when the database was created, e.g. `cloister-1f2e…`.
pub fn origin(conn: &Connection) -> Result<String, AuditError> {
    conn.query_row("SELECT value FROM meta WHERE name = 'origin'", [], |row| row.get(0))
        .optional()?
        .ok_or_else(|| AuditError::Malformed("meta has no origin".into()))
}

/// The last record's seq and hash (`(0, GENESIS)` for an empty log).
pub fn head(conn: &Connection) -> Result<(u64, Hash), AuditError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match row {
        None => Ok((0, super::record::GENESIS)),
        Some((seq, hash)) => Ok((seq_from_sql(seq)?, hash_from_sql(&hash, seq)?)),
    }
}

/// The hash stored for `seq`, if the row exists.
pub fn hash_at(conn: &Connection, seq: u64) -> Result<Option<Hash>, AuditError> {
    let hash: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM events WHERE seq = ?1")?
        .query_row([seq_to_sql(seq)], |row| row.get(0))
        .optional()?;
    hash.map(|h| hash_from_sql(&h, seq_to_sql(seq))).transpose()
}

/// Which append-only triggers are missing (empty when all are in place).
pub fn missing_triggers(conn: &Connection) -> Result<Vec<&'static str>, AuditError> {
    let mut stmt = conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1")?;
    let mut missing = Vec::new();
    for name in TRIGGERS {
        if !stmt.exists([name])? {
            missing.push(name);
        }
    }
    Ok(missing)
}

/// A seq read from SQLite.
pub fn seq_from_sql(seq: i64) -> Result<u64, AuditError> {
    u64::try_from(seq).map_err(|_| AuditError::Malformed(format!("negative seq {seq}")))
}

/// A seq for SQLite (seqs never exceed `i64::MAX`).
pub fn seq_to_sql(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A hash read from SQLite.
pub fn hash_from_sql(bytes: &[u8], seq: i64) -> Result<Hash, AuditError> {
    bytes
        .try_into()
        .map_err(|_| AuditError::Malformed(format!("hash of seq {seq} is {} bytes, not {HASH_LEN}", bytes.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_refuse_update_delete_and_replace() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.db");
        let conn = open_writer(&path).expect("open");
        let insert = |seq: i64| {
            conn.execute(
                "INSERT INTO events (seq, version, time_ns, session, user, kind, project, payload, prev_hash, hash)
                 VALUES (?1, 1, 0, 's', 'u', 'key', NULL, x'00', zeroblob(32), zeroblob(32))",
                [seq],
            )
        };
        insert(1).expect("first insert");
        insert(2).expect("second insert");
        for (sql, what) in [
            ("UPDATE events SET user = 'mallory' WHERE seq = 1", "UPDATE"),
            ("DELETE FROM events WHERE seq = 2", "DELETE"),
            ("UPDATE meta SET value = 'x'", "UPDATE"),
            ("INSERT OR REPLACE INTO meta VALUES ('origin', 'x')", "set once"),
        ] {
            let error = conn.execute(sql, []).expect_err(sql).to_string();
            assert!(error.contains("append-only") && error.contains(what), "{sql}: {error}");
        }
        assert_eq!(head(&conn).expect("head").0, 2);
        assert!(missing_triggers(&conn).expect("triggers").is_empty());
        drop(conn);
        let again = open_writer(&path).expect("reopen keeps origin");
        let reader = open_reader(&path).expect("reader");
        assert_eq!(origin(&again).expect("origin"), origin(&reader).expect("origin"));
    }
}
