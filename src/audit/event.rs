//! What producers record: an [`Event`] (who, where, when) with an [`EventKind`] (what).
//!
//! The kind's details become the record's payload: JSON of the [`EventKind`] (internally tagged
//! with `"kind"`), sealed with the project's key when the event has a project, else the audit key.
//! Add new kinds at the end; never rename a kind (its name is part of every stored record).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// How data was shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenderMode {
    /// PII masked.
    Masked,
    /// Unmasked.
    Raw,
}

impl From<crate::policy::Visibility> for RenderMode {
    fn from(visibility: crate::policy::Visibility) -> Self {
        match visibility {
            crate::policy::Visibility::Masked => RenderMode::Masked,
            crate::policy::Visibility::Raw => RenderMode::Raw,
        }
    }
}

/// What happened. Segment and annotation ids are store database ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A key press, recorded before it is acted on.
    Key {
        /// The key as text, e.g. `Ctrl-S`, `a`, `Enter`.
        key: String,
        /// The screen it acted on, e.g. `editor`.
        screen: String,
        /// The segment in focus, if any.
        segment: Option<i64>,
    },
    /// A bracketed paste; its content is sealed like every payload.
    Paste {
        /// The pasted text.
        text: String,
        /// The screen it went to.
        screen: String,
        /// The segment in focus, if any.
        segment: Option<i64>,
    },
    /// Data segments drawn to a session (ids only, never text).
    Render {
        /// The screen drawn.
        screen: String,
        /// The segments visible.
        segments: Vec<i64>,
        /// Masked or raw.
        mode: RenderMode,
    },
    /// A successful authentication.
    AuthOk {
        /// SHA-256 fingerprint of the key used.
        fingerprint: String,
        /// Peer address.
        peer: String,
    },
    /// A failed authentication attempt (the event's user is the name tried).
    AuthFail {
        /// SHA-256 fingerprint of the key offered, if any.
        fingerprint: Option<String>,
        /// Peer address.
        peer: String,
        /// Why it failed.
        reason: String,
    },
    /// A shell session started.
    SessionStart {
        /// Terminal columns.
        cols: u16,
        /// Terminal rows.
        rows: u16,
        /// The client's version string, e.g. `SSH-2.0-OpenSSH_9.9`.
        client: String,
        /// Peer address.
        peer: String,
    },
    /// A shell session ended.
    SessionEnd {
        /// Why, e.g. `client closed`, `idle timeout`.
        reason: String,
    },
    /// A draft was saved.
    Edit {
        /// Annotation or draft id.
        annotation: i64,
        /// Version number.
        version: i64,
        /// Hex SHA-256 of the content.
        sha256: String,
    },
    /// An annotation was submitted.
    Submit {
        /// Annotation id.
        annotation: i64,
        /// Version number.
        version: i64,
        /// Hex SHA-256 of the content.
        sha256: String,
    },
    /// A QA decision.
    QaDecision {
        /// The annotation decided on.
        annotation: i64,
        /// Its version.
        version: i64,
        /// `accept` or `reject`.
        decision: String,
        /// The reviewer's note, if any.
        note: Option<String>,
    },
    /// Audio played.
    AudioPlay {
        /// The segment.
        segment: i64,
        /// Start in milliseconds.
        start_ms: u64,
        /// End in milliseconds.
        end_ms: u64,
        /// Playback speed, 1.0 = normal.
        speed: f32,
    },
    /// Masked data revealed.
    Reveal {
        /// The segment.
        segment: i64,
        /// What was revealed, e.g. `PHONE 12..24`.
        what: String,
        /// The reason the user typed.
        #[serde(default)]
        reason: String,
    },
    /// Data exported.
    Export {
        /// What was exported, e.g. `annotations`, `audit log`.
        what: String,
        /// Format, e.g. `jsonl`.
        format: String,
        /// Number of records.
        count: u64,
    },
    /// An administrative action.
    Admin {
        /// The action as text, e.g. `grant alice annotator calls`.
        action: String,
    },
    /// A policy denial.
    Denial {
        /// The refused action.
        action: String,
        /// Why it was refused.
        reason: String,
    },
}

impl EventKind {
    /// Every kind name, in declaration order.
    pub const NAMES: [&'static str; 15] = [
        "key",
        "paste",
        "render",
        "auth_ok",
        "auth_fail",
        "session_start",
        "session_end",
        "edit",
        "submit",
        "qa_decision",
        "audio_play",
        "reveal",
        "export",
        "admin",
        "denial",
    ];

    /// The kind's stable name, stored in the record and bound into the payload's AAD.
    pub fn name(&self) -> &'static str {
        let index = match self {
            EventKind::Key { .. } => 0,
            EventKind::Paste { .. } => 1,
            EventKind::Render { .. } => 2,
            EventKind::AuthOk { .. } => 3,
            EventKind::AuthFail { .. } => 4,
            EventKind::SessionStart { .. } => 5,
            EventKind::SessionEnd { .. } => 6,
            EventKind::Edit { .. } => 7,
            EventKind::Submit { .. } => 8,
            EventKind::QaDecision { .. } => 9,
            EventKind::AudioPlay { .. } => 10,
            EventKind::Reveal { .. } => 11,
            EventKind::Export { .. } => 12,
            EventKind::Admin { .. } => 13,
            EventKind::Denial { .. } => 14,
        };
        Self::NAMES[index]
    }

    /// An [`EventKind::Edit`] with the SHA-256 of `content`.
    pub fn edit(annotation: i64, version: i64, content: &str) -> Self {
        EventKind::Edit { annotation, version, sha256: sha256_hex(content) }
    }

    /// An [`EventKind::Submit`] with the SHA-256 of `content`.
    pub fn submit(annotation: i64, version: i64, content: &str) -> Self {
        EventKind::Submit { annotation, version, sha256: sha256_hex(content) }
    }
}

/// Hex SHA-256 of a text.
pub fn sha256_hex(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// One event to record. The writer assigns its seq; `time_ns` is when it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// UTC nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// Session id (`cli-PID` for local commands). Shared, so a session records without allocating.
    pub session: Arc<str>,
    /// User name (for a failed authentication: the name tried).
    pub user: Arc<str>,
    /// The project the event concerns; its payload is then sealed with that project's key.
    pub project: Option<i64>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// An event happening now.
    pub fn new(session: impl Into<Arc<str>>, user: impl Into<Arc<str>>, project: Option<i64>, kind: EventKind) -> Self {
        Self { time_ns: super::now_ns(), session: session.into(), user: user.into(), project, kind }
    }

    /// An event by `principal` happening now.
    pub fn by(principal: &crate::policy::Principal, project: Option<i64>, kind: EventKind) -> Self {
        Self::new(principal.session.as_str(), principal.name.as_str(), project, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_tags() {
        let samples = [
            EventKind::Key { key: "Ctrl-S".into(), screen: "editor".into(), segment: Some(3) },
            EventKind::Render { screen: "editor".into(), segments: vec![1, 2], mode: RenderMode::Masked },
            EventKind::AuthFail { fingerprint: None, peer: "127.0.0.1:5".into(), reason: "unknown key".into() },
            EventKind::QaDecision { annotation: 1, version: 2, decision: "accept".into(), note: None },
            EventKind::AudioPlay { segment: 1, start_ms: 0, end_ms: 900, speed: 1.5 },
            EventKind::Denial { action: "ReadContent".into(), reason: "no grant".into() },
            EventKind::submit(7, 1, "hello"),
        ];
        for kind in samples {
            let json = serde_json::to_value(&kind).expect("serialises");
            assert_eq!(json["kind"], kind.name());
            let back: EventKind = serde_json::from_value(json).expect("round trip");
            assert_eq!(back, kind);
        }
    }

    #[test]
    fn submit_hashes_content() {
        let EventKind::Submit { sha256, .. } = EventKind::submit(1, 1, "abc") else { panic!("not a submit") };
        assert_eq!(sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
