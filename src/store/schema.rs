//! Schema and migrations, versioned by `PRAGMA user_version`.

use rusqlite::Connection;

/// Migrations in order; migration `i` moves the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    is_admin    INTEGER NOT NULL DEFAULT 0,
    disabled    INTEGER NOT NULL DEFAULT 0,
    theme       TEXT,
    created_at  INTEGER NOT NULL
);
CREATE TABLE user_keys (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL UNIQUE,
    public_key  TEXT NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE TABLE projects (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('transcription', 'preference')),
    policy         TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'purged')),
    retention_days INTEGER NOT NULL,
    wrapped_key    BLOB,
    created_at     INTEGER NOT NULL,
    closed_at      INTEGER,
    purged_at      INTEGER
);
CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('annotator', 'qa', 'reviewer')),
    UNIQUE (user_id, project_id, role)
);
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    position    INTEGER NOT NULL,
    language    TEXT,
    duration_ms INTEGER,
    meta        BLOB NOT NULL,
    UNIQUE (project_id, external_id)
);
CREATE TABLE audio (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    sample_rate INTEGER NOT NULL,
    channels    INTEGER NOT NULL,
    data        BLOB NOT NULL
);
CREATE TABLE segments (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    position    INTEGER NOT NULL,
    start_ms    INTEGER NOT NULL CHECK (start_ms >= 0),
    end_ms      INTEGER NOT NULL CHECK (end_ms > start_ms),
    speaker     TEXT NOT NULL,
    text        BLOB NOT NULL,
    pii         BLOB NOT NULL,
    UNIQUE (item_id, position),
    UNIQUE (project_id, external_id)
);
CREATE TABLE assignments (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    segment_id  INTEGER REFERENCES segments(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stage       TEXT NOT NULL CHECK (stage IN ('annotate', 'qa')),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'in_progress', 'submitted', 'accepted', 'rejected')),
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX assignments_unique ON assignments (item_id, IFNULL(segment_id, 0), user_id, stage);
CREATE INDEX assignments_user ON assignments (user_id, stage, status);
CREATE TABLE annotations (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    segment_id  INTEGER REFERENCES segments(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users(id),
    stage       TEXT NOT NULL CHECK (stage IN ('annotate', 'qa')),
    version     INTEGER NOT NULL CHECK (version >= 1),
    body        BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX annotations_version ON annotations (item_id, IFNULL(segment_id, 0), author_id, stage, version);
CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    item_id     INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    segment_id  INTEGER REFERENCES segments(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body        BLOB NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX drafts_unique ON drafts (item_id, IFNULL(segment_id, 0), user_id);
"#,
    r#"
CREATE TABLE segment_views (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    segment_id  INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (user_id, segment_id)
) WITHOUT ROWID;
CREATE INDEX segment_views_recent ON segment_views (user_id, first_seen);
"#,
    r#"
CREATE TABLE qa_decisions (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    item_id       INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    segment_id    INTEGER REFERENCES segments(id) ON DELETE CASCADE,
    qa_id         INTEGER NOT NULL REFERENCES users(id),
    annotator_id  INTEGER NOT NULL REFERENCES users(id),
    annotation_id INTEGER NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    decision      TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'correct')),
    reason        BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX qa_decisions_item ON qa_decisions (item_id, segment_id);
CREATE TABLE pseudonyms (
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id),
    UNIQUE (project_id, number)
) WITHOUT ROWID;
CREATE TABLE reveals (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    segment_id  INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    span_start  INTEGER NOT NULL,
    span_end    INTEGER NOT NULL,
    reason      BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX reveals_user ON reveals (user_id, created_at);
"#,
    r#"
CREATE TABLE exports (
    id               TEXT PRIMARY KEY,
    project_id       INTEGER NOT NULL REFERENCES projects(id),
    format           TEXT NOT NULL,
    out_dir          TEXT NOT NULL,
    reason           TEXT NOT NULL,
    requested_by     TEXT NOT NULL,
    requested_by_id  INTEGER NOT NULL,
    requested_at     INTEGER NOT NULL,
    approvals_needed INTEGER NOT NULL CHECK (approvals_needed IN (1, 2)),
    approved_by      TEXT,
    approved_by_id   INTEGER,
    approved_at      INTEGER,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'done', 'cancelled')),
    done_at          INTEGER,
    records          INTEGER,
    manifest_sha256  TEXT
);
CREATE INDEX exports_project ON exports (project_id, requested_at);
CREATE TABLE trusted_cas (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    public_key  TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    revoked_at  INTEGER
);
ALTER TABLE user_keys ADD COLUMN ca_fingerprint TEXT;
CREATE TABLE deletion_certificates (
    project_id  INTEGER PRIMARY KEY REFERENCES projects(id),
    issued_at   INTEGER NOT NULL,
    text        TEXT NOT NULL
);
"#,
    // v5: the home screen's queue a window at a time, in order, without sorting the whole queue.
    // Lookups of one item's assignment write `+user_id`, so that SQLite keeps to the item's index
    // instead of walking this one through the user's whole queue (17 ms a key at 100 000 items).
    r#"
CREATE INDEX assignments_queue ON assignments (user_id, project_id, item_id, stage);
CREATE INDEX items_order ON items (project_id, position);
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies connection settings and any pending migrations.
pub fn prepare(conn: &mut Connection) -> Result<(), super::StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(super::StoreError::SchemaTooNew { found: version, supported: SCHEMA_VERSION });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
