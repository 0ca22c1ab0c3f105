//! Shared set-up for the audit integration tests.
#![allow(dead_code)]

use cloister::audit::{AuditKeys, AuditLog, Event, EventKind, ProjectKeys};
use cloister::config::AuditConfig;
use cloister::crypto::DataKey;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// Fixed key bytes, so tests can reload the same keys.
pub const SEAL: [u8; 32] = [0x11; 32];
pub const SIGN: [u8; 32] = [0x22; 32];

pub type Projects = RwLock<HashMap<i64, Arc<DataKey>>>;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub projects: Arc<Projects>,
}

impl Fixture {
    /// A temp dir with projects 1 and 2 keyed.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.db");
        let mut map = HashMap::new();
        for project in [1, 2] {
            map.insert(project, Arc::new(DataKey::from_bytes(Zeroizing::new([project as u8; 32]))));
        }
        Self { dir, path, projects: Arc::new(RwLock::new(map)) }
    }

    pub fn keys() -> AuditKeys {
        AuditKeys::from_bytes(SEAL, SIGN)
    }

    pub fn start(&self, every_events: u64) -> AuditLog {
        let config =
            AuditConfig { checkpoint_every_events: every_events, checkpoint_every_secs: 3600, ..Default::default() };
        let projects: Arc<dyn ProjectKeys> = self.projects.clone();
        AuditLog::start(&self.path, Self::keys(), &config, projects).expect("start audit log")
    }

    pub fn purge(&self, project: i64) {
        self.projects.write().expect("lock").remove(&project);
    }

    pub fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open db")
    }

    /// Drops the append-only triggers, as an attacker with file access would.
    pub fn drop_triggers(&self, conn: &rusqlite::Connection) {
        for name in cloister::audit::db::TRIGGERS {
            conn.execute_batch(&format!("DROP TRIGGER IF EXISTS {name}")).expect("drop trigger");
        }
    }
}

/// A key event of session `s{n % 7}` on project 1, 2 or none.
pub fn key_event(n: u64) -> Event {
    let project = match n % 3 {
        0 => None,
        p => Some(p as i64),
    };
    let kind = EventKind::Key { key: format!("k{n}"), screen: "editor".into(), segment: Some(n as i64) };
    Event::new(format!("s{}", n % 7), format!("user{}", n % 5), project, kind)
}

/// Records events `from..to` from 64 concurrent producers; returns their seqs.
pub async fn record_concurrently(log: &AuditLog, from: u64, to: u64) -> Vec<u64> {
    let mut tasks = tokio::task::JoinSet::new();
    for producer in 0..64u64 {
        let log = log.clone();
        tasks.spawn(async move {
            let mut seqs = Vec::new();
            let mut n = from + producer;
            while n < to {
                seqs.push(log.record(key_event(n)).await.expect("record"));
                n += 64;
            }
            seqs
        });
    }
    let mut seqs = Vec::new();
    while let Some(done) = tasks.join_next().await {
        seqs.extend(done.expect("producer task"));
    }
    seqs.sort_unstable();
    seqs
}

/// Writes `count` events one by one through a fresh log and shuts it down, so stored checkpoints
/// fall exactly on multiples of `every_events` (plus a final one).
pub fn write_events(fixture: &Fixture, count: u64, every_events: u64) {
    let log = fixture.start(every_events);
    for n in 0..count {
        log.record_blocking(key_event(n)).expect("record");
    }
    log.shutdown_blocking().expect("shutdown");
}
