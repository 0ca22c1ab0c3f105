//! The server's live shell sessions, for admins: list them, and end one (kick) within a second.

use crate::cli::context::{LiveSession, LiveSessions};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
struct Entry {
    user: String,
    peer: String,
    started: i64,
    channels: usize,
    kicked: bool,
}

/// Live sessions by session id (one SSH connection; it may hold several shell channels).
#[derive(Debug, Default)]
pub struct LiveRegistry {
    sessions: Mutex<HashMap<String, Entry>>,
}

/// Removes a shell channel from the registry when dropped.
pub struct LiveGuard {
    registry: Arc<LiveRegistry>,
    id: String,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let mut sessions = self.registry.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = sessions.get_mut(&self.id) {
            entry.channels = entry.channels.saturating_sub(1);
            if entry.channels == 0 {
                sessions.remove(&self.id);
            }
        }
    }
}

impl LiveRegistry {
    /// Registers a shell channel of session `id`; it stays listed while the guard lives.
    pub fn register(self: &Arc<Self>, id: &str, user: &str, peer: &str) -> LiveGuard {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let entry = sessions.entry(id.to_string()).or_insert_with(|| Entry {
            user: user.to_string(),
            peer: peer.to_string(),
            started: chrono::Utc::now().timestamp(),
            channels: 0,
            kicked: false,
        });
        entry.channels += 1;
        LiveGuard { registry: Arc::clone(self), id: id.to_string() }
    }

    /// Whether an admin ended session `id` (its shells check this every housekeeping tick).
    pub fn is_kicked(&self, id: &str) -> bool {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(id).is_some_and(|e| e.kicked)
    }
}

impl LiveSessions for LiveRegistry {
    fn list(&self) -> Vec<LiveSession> {
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<LiveSession> = sessions
            .iter()
            .filter(|(_, e)| !e.kicked)
            .map(|(id, e)| LiveSession {
                id: id.clone(),
                user: e.user.clone(),
                peer: e.peer.clone(),
                started: e.started,
            })
            .collect();
        out.sort_by(|a, b| (a.started, &a.id).cmp(&(b.started, &b.id)));
        out
    }

    fn kick(&self, id: &str) -> bool {
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        match sessions.get_mut(id) {
            Some(entry) if !entry.kicked => {
                entry.kicked = true;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_until_dropped_and_kicks_once() {
        let registry = Arc::new(LiveRegistry::default());
        let first = registry.register("s1", "alice", "127.0.0.1:5");
        let second = registry.register("s1", "alice", "127.0.0.1:5");
        assert_eq!(registry.list().len(), 1, "one session, two channels");
        drop(first);
        assert_eq!(registry.list()[0].user, "alice");
        assert!(registry.kick("s1") && registry.is_kicked("s1"));
        assert!(!registry.kick("s1"), "already ended");
        assert!(registry.list().is_empty());
        drop(second);
        assert!(!registry.is_kicked("s1") && !registry.kick("nope"));
    }
}
