//! Reveal with reason: where project policy allows it, a user unmasks one span of a segment they
//! may read, for a limited time. Each reveal is stored (reason sealed), rate-limited per hour, and
//! audited by the caller.

use super::import::PiiSpan;
use super::visibility::{SegmentAccess, gold_for, masked_spans, masking_role};
use super::{Store, StoreError, now_secs};
use crate::crypto::{Aad, Sealed};
use crate::policy::{Action, Denial, Principal};
use rusqlite::params;

/// A revealed span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revealed {
    /// The project (for the audit record).
    pub project: i64,
    /// The segment text with only this span unmasked.
    pub text: String,
    /// The span's PII type.
    pub kind: String,
    /// First char of the span in the unmasked text.
    pub start: usize,
    /// One past its last char.
    pub end: usize,
    /// Seconds the reveal may stay on screen.
    pub seconds: u32,
}

impl Store {
    /// Reveals masked span number `index` (0-based, in text order) of `segment` to the principal.
    pub fn reveal(&self, by: &Principal, segment: i64, index: usize, reason: &str) -> Result<Revealed, StoreError> {
        let (project, item): (i64, i64) =
            self.conn.query_row("SELECT project_id, item_id FROM segments WHERE id = ?1", [segment], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        self.authorize_item(by, item, Action::Reveal)?;
        let policy = self.project_policy(project)?;
        let roles = self.roles_on(by, project)?;
        let deny = |denial: Denial| {
            self.denials.denied(by, Some(project), Action::Reveal, &denial);
            Err(StoreError::Denied(denial))
        };
        if !roles.iter().any(|r| policy.reveal.roles.iter().any(|allowed| allowed == r.as_str())) {
            return deny(Denial::RevealForbidden { project });
        }
        // Context neighbours are for orientation only: never revealed.
        let visible = self.visible_segments(by, item, &roles, policy.context)?;
        if visible.as_ref().is_some_and(|v| v.get(&segment) != Some(&SegmentAccess::Assigned)) {
            return deny(Denial::NotAssigned { segment });
        }
        if reason.trim().chars().count() < 5 {
            return Err(StoreError::Invalid {
                field: "reason",
                value: reason.to_string(),
                reason: "say why you need to see it (at least 5 characters)".into(),
            });
        }
        let recent: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM reveals WHERE user_id = ?1 AND project_id = ?2 AND created_at > ?3",
            params![by.user_id, project, now_secs() - 3600],
            |r| r.get(0),
        )?;
        if recent >= i64::from(policy.reveal.per_hour) {
            return deny(Denial::RevealLimit { limit: policy.reveal.per_hour });
        }
        let key = self.project_key(project)?;
        let (text, pii): (Vec<u8>, Vec<u8>) =
            self.conn
                .query_row("SELECT text, pii FROM segments WHERE id = ?1", [segment], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let imported: String =
            self.open_sealed(&key, text, &Aad { table: "segments", row: segment, column: "text", project })?;
        let pii: Vec<u8> =
            self.open_sealed(&key, pii, &Aad { table: "segments", row: segment, column: "pii", project })?;
        let gold: Vec<PiiSpan> = serde_json::from_slice(&pii).unwrap_or_default();
        let (text, gold) = match self.own_latest(by, project, segment)? {
            Some(own) => {
                let gold = gold_for(&imported, &own.text, &gold);
                (own.text, gold)
            }
            None => (imported, gold),
        };
        let role = masking_role(&roles);
        let spans = masked_spans(&text, &gold, &policy, role);
        let Some(span) = spans.get(index).copied() else {
            return Err(StoreError::Invalid {
                field: "span",
                value: (index + 1).to_string(),
                reason: format!("the segment has {} masked spans", spans.len()),
            });
        };
        let others: Vec<crate::pii::Span> = spans.iter().copied().filter(|s| *s != span).collect();
        let shown = crate::pii::mask(&text, &others, policy.masking.for_role(role));
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO reveals (project_id, segment_id, user_id, span_start, span_end, reason, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, x'', ?6)",
            params![project, segment, by.user_id, span.start as i64, span.end as i64, now_secs()],
        )?;
        let id = tx.last_insert_rowid();
        let sealed = Sealed::<String>::seal(
            &key,
            &reason.to_string(),
            &Aad { table: "reveals", row: id, column: "reason", project },
        );
        tx.execute("UPDATE reveals SET reason = ?1 WHERE id = ?2", params![sealed.as_bytes(), id])?;
        tx.commit()?;
        Ok(Revealed {
            project,
            text: shown,
            kind: span.kind.as_str().to_string(),
            start: span.start,
            end: span.end,
            seconds: policy.reveal.seconds,
        })
    }
}
