//! Reading an item's sealed audio, behind the audio policy: the project's `audio` switch and
//! `audio_roles`, and for annotators and QA only the segments assigned to them.

use super::{Store, StoreError, visibility::SegmentAccess};
use crate::crypto::Aad;
use crate::policy::{Action, Denial, Principal, Role};
use rusqlite::{OptionalExtension, params};
use zeroize::Zeroizing;

/// A segment the principal may hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayableSegment {
    /// Segment id.
    pub id: i64,
    /// Start in the item, ms.
    pub start_ms: i64,
    /// End in the item, ms.
    pub end_ms: i64,
}

/// An item's audio file, opened for a principal who may hear (part of) it.
pub struct ItemAudio {
    /// The project (for audit records).
    pub project: i64,
    /// The original audio file, decrypted; wiped when dropped.
    pub bytes: Zeroizing<Vec<u8>>,
    /// The segments the principal may hear; nothing else may be streamed.
    pub playable: Vec<PlayableSegment>,
}

impl std::fmt::Debug for ItemAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemAudio")
            .field("project", &self.project)
            .field("bytes", &self.bytes.len())
            .field("playable", &self.playable)
            .finish()
    }
}

impl Store {
    /// The segments of `item` the principal may hear, with the item's project. Every refusal is
    /// a typed, audited denial.
    pub fn playable_segments(&self, by: &Principal, item: i64) -> Result<(i64, Vec<PlayableSegment>), StoreError> {
        let project: i64 = self
            .conn
            .query_row("SELECT project_id FROM items WHERE id = ?1", [item], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound { what: "item", name: item.to_string() })?;
        // Admin alone, or no grant: denied (and audited) here.
        self.authorize(by, Some(project), Action::ListenAudio)?;
        let roles = self.roles_on(by, project)?;
        let policy = self.project_policy(project)?;
        let deny = |denial: Denial| {
            self.denials.denied(by, Some(project), Action::ListenAudio, &denial);
            StoreError::Denied(denial)
        };
        crate::policy::decide_audio(&roles, &policy, project).map_err(deny)?;
        if !roles.contains(&Role::Reviewer) {
            let assigned: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND +user_id = ?2)",
                params![item, by.user_id],
                |r| r.get(0),
            )?;
            if !assigned {
                return Err(deny(Denial::NoGrant { project }));
            }
        }
        // Context neighbours are shown masked; their audio would unmask them, so only assigned
        // segments (context 0) are playable.
        let visible = self.visible_segments(by, item, &roles, 0)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, start_ms, end_ms FROM segments WHERE item_id = ?1 ORDER BY position")?;
        let rows =
            stmt.query_map([item], |r| Ok(PlayableSegment { id: r.get(0)?, start_ms: r.get(1)?, end_ms: r.get(2)? }))?;
        let mut playable = Vec::new();
        for row in rows {
            let segment = row?;
            let allowed = match &visible {
                None => true,
                Some(map) => map.get(&segment.id) == Some(&SegmentAccess::Assigned),
            };
            if allowed {
                playable.push(segment);
            }
        }
        Ok((project, playable))
    }

    /// The item's audio file, decrypted, with the segments the principal may hear.
    pub fn item_audio(&self, by: &Principal, item: i64) -> Result<ItemAudio, StoreError> {
        let (project, playable) = self.playable_segments(by, item)?;
        let key = self.project_key(project)?;
        let sealed: Vec<u8> = self
            .conn
            .query_row("SELECT data FROM audio WHERE item_id = ?1", [item], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound { what: "audio of item", name: item.to_string() })?;
        let bytes: Vec<u8> =
            self.open_sealed(&key, sealed, &Aad { table: "audio", row: item, column: "data", project })?;
        Ok(ItemAudio { project, bytes: Zeroizing::new(bytes), playable })
    }
}
