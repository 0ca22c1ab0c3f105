//! Reading the log back decrypted: `audit tail`, `audit export` and `audit replay`.
//! Reading does not verify the chain (run `audit verify` for that); it opens each payload with the
//! key it was sealed with, and shows events of purged projects as unreadable.

use super::event::EventKind;
use super::record::{Hash, open_payload};
use super::{AuditError, ProjectKeys};
use crate::crypto::DataKey;
use rusqlite::{Connection, ToSql, params};
use std::path::Path;

/// What the payload of a stored event says, if it can be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// The decrypted details.
    Event(EventKind),
    /// Why it cannot be read, e.g. `unreadable (project purged)`.
    Unreadable(String),
}

/// Payload text of events whose project was purged.
pub const PURGED: &str = "unreadable (project purged)";

/// One decrypted event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Position in the log.
    pub seq: u64,
    /// UTC nanoseconds.
    pub time_ns: i64,
    /// Session id.
    pub session: String,
    /// User name.
    pub user: String,
    /// Kind name.
    pub kind: String,
    /// Project id.
    pub project: Option<i64>,
    /// The details.
    pub payload: Payload,
    /// The record hash.
    pub hash: Hash,
}

impl StoredEvent {
    /// The payload as JSON (a string for unreadable payloads).
    pub fn payload_json(&self) -> serde_json::Value {
        match &self.payload {
            Payload::Event(kind) => serde_json::to_value(kind).unwrap_or(serde_json::Value::Null),
            Payload::Unreadable(why) => serde_json::Value::String(why.clone()),
        }
    }

    /// One line of `audit export --format jsonl`.
    pub fn to_json_line(&self) -> String {
        serde_json::json!({
            "seq": self.seq,
            "time": super::format_time(self.time_ns),
            "session": self.session,
            "user": self.user,
            "kind": self.kind,
            "project": self.project,
            "payload": self.payload_json(),
            "hash": hex::encode(self.hash),
        })
        .to_string()
    }

    /// One line of `audit tail`: tab-separated seq, time, session, user, kind, project, details.
    pub fn to_tail_line(&self) -> String {
        let mut details = self.payload_json();
        if let Some(object) = details.as_object_mut() {
            object.remove("kind");
        }
        let project = self.project.map_or_else(|| "-".to_string(), |p| p.to_string());
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.seq,
            super::format_time(self.time_ns),
            self.session,
            self.user,
            self.kind,
            project,
            details
        )
    }

    /// One line of `audit replay`: keys and pastes with the screen and segment they acted on, and
    /// the session's start and end; `None` for other kinds. `start_ns` is the session's first event.
    pub fn to_replay_line(&self, start_ns: i64) -> Option<String> {
        let offset = (self.time_ns.saturating_sub(start_ns)) as f64 / 1e9;
        let segment = |s: &Option<i64>| s.map_or_else(|| "-".to_string(), |s| s.to_string());
        let what = match &self.payload {
            Payload::Event(EventKind::Key { key, screen, segment: seg }) => {
                format!("key {key:<12} screen={screen} segment={}", segment(seg))
            }
            Payload::Event(EventKind::Paste { text, screen, segment: seg }) => {
                format!("paste ({} chars) screen={screen} segment={}", text.chars().count(), segment(seg))
            }
            Payload::Event(EventKind::SessionStart { cols, rows, client, peer }) => {
                format!("session start {cols}x{rows} client={client:?} peer={peer}")
            }
            Payload::Event(EventKind::SessionEnd { reason }) => format!("session end ({reason})"),
            Payload::Unreadable(why) if matches!(self.kind.as_str(), "key" | "paste") => {
                format!("{} {why}", self.kind)
            }
            _ => return None,
        };
        Some(format!("+{offset:>10.3}s  seq {:<8} {what}", self.seq))
    }
}

/// A decrypting reader over DIR/audit.db.
pub struct AuditReader<'a> {
    conn: Connection,
    audit_key: &'a DataKey,
    projects: &'a dyn ProjectKeys,
}

impl<'a> AuditReader<'a> {
    /// Opens the log read-only.
    pub fn open(path: &Path, audit_key: &'a DataKey, projects: &'a dyn ProjectKeys) -> Result<Self, AuditError> {
        Ok(Self { conn: super::db::open_reader(path)?, audit_key, projects })
    }

    /// The last seq (0 when empty).
    pub fn head(&self) -> Result<u64, AuditError> {
        Ok(super::db::head(&self.conn)?.0)
    }

    /// Up to `limit` events after `seq`, in order.
    pub fn after(
        &self,
        seq: u64,
        limit: u64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), AuditError>,
    ) -> Result<u64, AuditError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.each("seq > ?1 ORDER BY seq LIMIT ?2", params![super::db::seq_to_sql(seq), limit], f)
    }

    /// Every event at or after `time_ns`, in seq order.
    pub fn since(
        &self,
        time_ns: i64,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), AuditError>,
    ) -> Result<u64, AuditError> {
        self.each("time_ns >= ?1 ORDER BY seq", params![time_ns], f)
    }

    /// Every event of a session, in seq order.
    pub fn session(
        &self,
        session: &str,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), AuditError>,
    ) -> Result<u64, AuditError> {
        self.each("session = ?1 ORDER BY seq", params![session], f)
    }

    fn each(
        &self,
        condition: &str,
        args: &[&dyn ToSql],
        f: &mut dyn FnMut(StoredEvent) -> Result<(), AuditError>,
    ) -> Result<u64, AuditError> {
        let sql =
            format!("SELECT seq, time_ns, session, user, kind, project, payload, hash FROM events WHERE {condition}");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(args)?;
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let seq = super::db::seq_from_sql(row.get(0)?)?;
            let kind: String = row.get(4)?;
            let project: Option<i64> = row.get(5)?;
            let sealed: Vec<u8> = row.get(6)?;
            let hash: Vec<u8> = row.get(7)?;
            let payload = self.decrypt(&sealed, seq, &kind, project);
            f(StoredEvent {
                seq,
                time_ns: row.get(1)?,
                session: row.get(2)?,
                user: row.get(3)?,
                kind,
                project,
                payload,
                hash: super::db::hash_from_sql(&hash, super::db::seq_to_sql(seq))?,
            })?;
            count += 1;
        }
        Ok(count)
    }

    fn decrypt(&self, sealed: &[u8], seq: u64, kind: &str, project: Option<i64>) -> Payload {
        let project_key;
        let key = match project {
            None => self.audit_key,
            Some(id) => match self.projects.project_key(id) {
                Some(key) => {
                    project_key = key;
                    &*project_key
                }
                None => return Payload::Unreadable(PURGED.into()),
            },
        };
        match open_payload(key, sealed, seq, kind, project) {
            Err(_) => Payload::Unreadable("unreadable (fails authentication: run `cloister audit verify`)".into()),
            Ok(plain) => match serde_json::from_slice::<EventKind>(&plain) {
                Ok(event) => Payload::Event(event),
                Err(e) => Payload::Unreadable(format!("undecodable ({e}; written by a newer cloister?)")),
            },
        }
    }
}
