//! Reading content and writing drafts and annotations, each behind the policy.

use super::annotation::{MarkedSpan, SegmentBody};
use super::import::PiiSpan;
use super::visibility::{SegmentAccess, gold_for, mask_text, masked_spans, masking_role};
use super::{Store, StoreError, now_secs};
use crate::crypto::{Aad, Sealed};
use crate::policy::{Action, Denial, Principal, Role, Visibility};
use rusqlite::{OptionalExtension, params};

/// One entry of a user's work queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// Project name.
    pub project: String,
    /// Item database id.
    pub item_id: i64,
    /// Item id from the import file.
    pub external_id: String,
    /// `annotate` or `qa`.
    pub stage: String,
    /// Assignment status.
    pub status: String,
    /// Segments in the item.
    pub segments: i64,
    /// Segments this user has submitted in the item (1 for a judged preference item).
    pub done: i64,
    /// `transcription` or `preference`: which screen opens the item.
    pub kind: String,
}

/// A segment as shown to a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentView {
    /// Database id.
    pub id: i64,
    /// Position in the item.
    pub position: i64,
    /// Start in milliseconds.
    pub start_ms: i64,
    /// End in milliseconds.
    pub end_ms: i64,
    /// Speaker label (the principal's correction, else the imported one).
    pub speaker: String,
    /// Transcript text (the latest own draft or submission, else the imported text).
    pub text: String,
    /// Labels the principal chose (group → value).
    pub labels: std::collections::BTreeMap<String, String>,
    /// PII spans the principal marked in `text`.
    pub marked: Vec<MarkedSpan>,
    /// Types of the spans masked in `text`, in order (what a reveal can choose from).
    pub masks: Vec<String>,
    /// Gold PII spans of the imported text.
    pub pii: Vec<PiiSpan>,
    /// How the policy allows this text to be shown.
    pub visibility: Visibility,
    /// Assigned, or a read-only context neighbour.
    pub access: SegmentAccess,
}

struct SegmentRow {
    project: i64,
    item: i64,
}

impl Store {
    /// Checks that the principal may act on `item` and returns its project.
    pub(crate) fn authorize_item(
        &self,
        by: &Principal,
        item: i64,
        action: Action,
    ) -> Result<(i64, Visibility), StoreError> {
        let project: i64 = self
            .conn
            .query_row("SELECT project_id FROM items WHERE id = ?1", [item], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound { what: "item", name: item.to_string() })?;
        let visibility = self.authorize(by, Some(project), action)?;
        let roles = self.roles_on(by, project)?;
        // Annotators and QA only reach items assigned to them; reviewers read the whole project.
        if !roles.contains(&Role::Reviewer) || action != Action::ReadContent {
            let assigned: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND +user_id = ?2)",
                params![item, by.user_id],
                |r| r.get(0),
            )?;
            if !assigned {
                let denial = Denial::NoGrant { project };
                self.denials.denied(by, Some(project), action, &denial);
                return Err(StoreError::Denied(denial));
            }
        }
        Ok((project, visibility))
    }

    fn segment_row(&self, segment: i64) -> Result<SegmentRow, StoreError> {
        self.conn
            .query_row("SELECT project_id, item_id FROM segments WHERE id = ?1", [segment], |r| {
                Ok(SegmentRow { project: r.get(0)?, item: r.get(1)? })
            })
            .optional()?
            .ok_or(StoreError::NotFound { what: "segment", name: segment.to_string() })
    }

    /// The segments of an item the principal may read, decrypted, with their own latest text.
    pub fn item_segments(&self, by: &Principal, item: i64) -> Result<Vec<SegmentView>, StoreError> {
        let (project, visibility) = self.authorize_item(by, item, Action::ReadContent)?;
        let key = self.project_key(project)?;
        let policy = self.project_policy(project)?;
        let roles = self.roles_on(by, project)?;
        let role = masking_role(&roles);
        let visible = self.visible_segments(by, item, &roles, policy.context)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, position, start_ms, end_ms, speaker, text, pii FROM segments WHERE item_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([item], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Vec<u8>>(5)?,
                r.get::<_, Vec<u8>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, position, start_ms, end_ms, speaker, text, pii) = row?;
            let access = match &visible {
                None => SegmentAccess::Assigned,
                Some(map) => match map.get(&id) {
                    Some(access) => *access,
                    None => continue,
                },
            };
            let text: String =
                self.open_sealed(&key, text, &Aad { table: "segments", row: id, column: "text", project })?;
            let pii: Vec<u8> =
                self.open_sealed(&key, pii, &Aad { table: "segments", row: id, column: "pii", project })?;
            // Fail closed: unreadable gold spans must not silently weaken masking.
            let pii: Vec<PiiSpan> = serde_json::from_slice(&pii).map_err(|e| StoreError::Invalid {
                field: "segments.pii",
                value: id.to_string(),
                reason: e.to_string(),
            })?;
            let (text, speaker, labels, marked, pii) = match self.own_latest(by, project, id)? {
                Some(own) => {
                    let pii = gold_for(&text, &own.text, &pii);
                    (own.text, own.speaker.unwrap_or(speaker), own.labels, own.pii, pii)
                }
                None => (text, speaker, Default::default(), Vec::new(), pii),
            };
            let masks = match (visibility, access) {
                (Visibility::Masked, SegmentAccess::Assigned) => {
                    masked_spans(&text, &pii, &policy, role).iter().map(|s| s.kind.as_str().to_string()).collect()
                }
                _ => Vec::new(),
            };
            let text = match (visibility, access) {
                (Visibility::Raw, SegmentAccess::Assigned) => text,
                // Context is always masked with everything hidden, whatever the role's policy.
                (_, SegmentAccess::Context) => mask_text(&text, &pii, &policy, "context"),
                (Visibility::Masked, _) => mask_text(&text, &pii, &policy, role),
            };
            out.push(SegmentView {
                id,
                position,
                start_ms,
                end_ms,
                speaker,
                text,
                labels,
                marked,
                masks,
                pii,
                visibility,
                access,
            });
        }
        let ids: Vec<i64> = out.iter().map(|s| s.id).collect();
        self.record_views(by, project, &ids, policy.max_segments_per_hour)?;
        Ok(out)
    }

    /// The principal's latest draft, else latest submission, of a segment.
    pub(crate) fn own_latest(
        &self,
        by: &Principal,
        project: i64,
        segment: i64,
    ) -> Result<Option<SegmentBody>, StoreError> {
        if let Some(draft) = self.draft(by, segment)? {
            return Ok(Some(draft));
        }
        let key = self.project_key(project)?;
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT id, body FROM annotations WHERE segment_id = ?1 AND author_id = ?2 ORDER BY version DESC LIMIT 1",
                params![segment, by.user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, body)| {
            self.open_sealed(&key, body, &Aad { table: "annotations", row: id, column: "body", project })
        })
        .transpose()
    }

    /// The principal's autosaved draft of a segment, if any.
    pub fn draft(&self, by: &Principal, segment: i64) -> Result<Option<SegmentBody>, StoreError> {
        let row = self.segment_row(segment)?;
        self.authorize_item(by, row.item, Action::ReadContent)?;
        let key = self.project_key(row.project)?;
        let found: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT id, body FROM drafts WHERE segment_id = ?1 AND user_id = ?2",
                params![segment, by.user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        found
            .map(|(id, body)| {
                self.open_sealed(&key, body, &Aad { table: "drafts", row: id, column: "body", project: row.project })
            })
            .transpose()
    }

    /// The project a segment belongs to (ids only, no content).
    pub fn segment_project(&self, segment: i64) -> Result<i64, StoreError> {
        Ok(self.segment_row(segment)?.project)
    }

    /// Autosaves a draft of a segment (sealed, one row per user and segment).
    pub fn save_draft(&self, by: &Principal, segment: i64, body: impl Into<SegmentBody>) -> Result<(), StoreError> {
        let body: SegmentBody = body.into();
        let row = self.segment_row(segment)?;
        self.authorize_item(by, row.item, Action::WriteAnnotation)?;
        self.check_segment_write(by, row.item, segment, "annotate")?;
        let key = self.project_key(row.project)?;
        let tx = self.conn.unchecked_transaction()?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM drafts WHERE segment_id = ?1 AND user_id = ?2",
                params![segment, by.user_id],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO drafts (project_id, item_id, segment_id, user_id, body, updated_at) VALUES (?1, ?2, ?3, ?4, x'', ?5)",
                    params![row.project, row.item, segment, by.user_id, now_secs()],
                )?;
                tx.last_insert_rowid()
            }
        };
        let sealed = Sealed::<SegmentBody>::seal(
            &key,
            &body,
            &Aad { table: "drafts", row: id, column: "body", project: row.project },
        );
        tx.execute(
            "UPDATE drafts SET body = ?1, updated_at = ?2 WHERE id = ?3",
            params![sealed.as_bytes(), now_secs(), id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Submits a new annotation version of a segment and clears the draft. Returns the version.
    pub fn submit_annotation(
        &self,
        by: &Principal,
        segment: i64,
        stage: &str,
        body: impl Into<SegmentBody>,
    ) -> Result<i64, StoreError> {
        self.submit(by, segment, stage, body).map(|s| s.version)
    }

    /// Submits a new annotation version of a segment and clears the draft.
    pub fn submit(
        &self,
        by: &Principal,
        segment: i64,
        stage: &str,
        body: impl Into<SegmentBody>,
    ) -> Result<Submission, StoreError> {
        let body: SegmentBody = body.into();
        let row = self.segment_row(segment)?;
        let action = if stage == "qa" { Action::Adjudicate } else { Action::WriteAnnotation };
        self.authorize_item(by, row.item, action)?;
        self.check_segment_write(by, row.item, segment, if stage == "qa" { "qa" } else { "annotate" })?;
        let key = self.project_key(row.project)?;
        let tx = self.conn.unchecked_transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM annotations WHERE segment_id = ?1 AND author_id = ?2 AND stage = ?3",
            params![segment, by.user_id, stage],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO annotations (project_id, item_id, segment_id, author_id, stage, version, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, x'', ?7)",
            params![row.project, row.item, segment, by.user_id, stage, version, now_secs()],
        )?;
        let id = tx.last_insert_rowid();
        let sealed = Sealed::<SegmentBody>::seal(
            &key,
            &body,
            &Aad { table: "annotations", row: id, column: "body", project: row.project },
        );
        tx.execute("UPDATE annotations SET body = ?1 WHERE id = ?2", params![sealed.as_bytes(), id])?;
        tx.execute("DELETE FROM drafts WHERE segment_id = ?1 AND user_id = ?2", params![segment, by.user_id])?;
        if stage == "annotate" {
            // A resubmission answers a rejection: the item leaves the "rejected" state once no
            // latest version of this annotator in it stands rejected.
            tx.execute(
                "UPDATE assignments SET status = 'submitted', updated_at = ?3
                 WHERE item_id = ?1 AND user_id = ?2 AND stage = 'annotate' AND status = 'rejected'
                   AND NOT EXISTS (
                     SELECT 1 FROM annotations n
                     WHERE n.item_id = ?1 AND n.author_id = ?2 AND n.stage = 'annotate'
                       AND n.version = (SELECT MAX(version) FROM annotations m WHERE m.segment_id IS n.segment_id
                                        AND m.author_id = ?2 AND m.stage = 'annotate')
                       AND (SELECT decision FROM qa_decisions d WHERE d.annotation_id = n.id
                            ORDER BY d.id DESC LIMIT 1) = 'reject')",
                params![row.item, by.user_id, now_secs()],
            )?;
        }
        tx.commit()?;
        Ok(Submission { annotation: id, version, project: row.project })
    }
}

/// A stored annotation version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submission {
    /// Annotation row id.
    pub annotation: i64,
    /// Version number (1, 2, …) for this author, segment and stage.
    pub version: i64,
    /// The project it belongs to.
    pub project: i64,
}

/// What an item screen needs to know about an item besides its segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemHeader {
    /// Item database id.
    pub id: i64,
    /// Item id from the import.
    pub external_id: String,
    /// Project name.
    pub project: String,
    /// Project id.
    pub project_id: i64,
    /// The principal may read but not write here.
    pub read_only: bool,
}

impl Store {
    /// The header of an item the principal may read.
    pub fn item_header(&self, by: &Principal, item: i64) -> Result<ItemHeader, StoreError> {
        let (project, _) = self.authorize_item(by, item, Action::ReadContent)?;
        let roles = self.roles_on(by, project)?;
        let read_only = !roles.iter().any(|r| matches!(r, Role::Annotator | Role::Qa));
        let (external_id, name): (String, String) = self.conn.query_row(
            "SELECT i.external_id, p.name FROM items i JOIN projects p ON p.id = i.project_id WHERE i.id = ?1",
            [item],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(ItemHeader { id: item, external_id, project: name, project_id: project, read_only })
    }

    /// The principal's own submitted versions of a segment at `stage`, as (version, text), oldest
    /// first (what `cloister`'s crash-safety check compares with what clients saw acknowledged).
    pub fn own_submissions(&self, by: &Principal, segment: i64, stage: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let row = self.segment_row(segment)?;
        self.authorize_item(by, row.item, Action::ReadContent)?;
        let key = self.project_key(row.project)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, version, body FROM annotations WHERE segment_id = ?1 AND author_id = ?2 AND stage = ?3 ORDER BY version",
        )?;
        let rows = stmt
            .query_map(params![segment, by.user_id, stage], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<(i64, i64, Vec<u8>)>, _>>()?;
        rows.into_iter()
            .map(|(id, version, body)| {
                let aad = Aad { table: "annotations", row: id, column: "body", project: row.project };
                let body: SegmentBody = self.open_sealed(&key, body, &aad)?;
                Ok((version, body.text))
            })
            .collect()
    }

    /// Segment ids the principal has submitted at least once in an item.
    pub fn submitted_segments(&self, by: &Principal, item: i64) -> Result<Vec<i64>, StoreError> {
        self.authorize_item(by, item, Action::ReadContent)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT segment_id FROM annotations WHERE item_id = ?1 AND author_id = ?2")?;
        let rows = stmt.query_map(params![item, by.user_id], |r| r.get::<_, Option<i64>>(0))?;
        Ok(rows.filter_map(|r| r.ok().flatten()).collect())
    }
}
