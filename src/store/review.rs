//! QA adjudication and read-only review: annotators' versions of segments under per-project
//! pseudonyms (blind review), QA decisions, and a reviewer's browse of a whole project.

use super::annotation::SegmentBody;
use super::content::Submission;
use super::import::PiiSpan;
use super::visibility::{gold_for, mask_text, masking_role};
use super::{Store, StoreError, now_secs};
use crate::crypto::{Aad, Sealed};
use crate::policy::{Action, Denial, Principal, Role};
use rusqlite::{OptionalExtension, params};

/// One annotator's latest version of a segment, as QA or a reviewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionView {
    /// Annotation row id.
    pub annotation: i64,
    /// `annotate` or `qa`.
    pub stage: String,
    /// Version number for this author.
    pub version: i64,
    /// The author's pseudonym in this project, e.g. `annotator-3` (never the user name).
    pub author: String,
    /// The text, masked for the viewer's role.
    pub text: String,
    /// Speaker label chosen by the author, if changed.
    pub speaker: Option<String>,
    /// Labels chosen by the author.
    pub labels: std::collections::BTreeMap<String, String>,
    /// The latest QA decision on this version: (`accept`/`reject`/`correct`, decider pseudonym).
    pub decision: Option<(String, String)>,
}

/// A QA decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QaVerdict {
    /// The annotation is right.
    Accept,
    /// The annotation goes back to its annotator, with a reason.
    Reject,
    /// QA corrects the text itself (stored as a `qa` stage annotation).
    Correct,
}

impl QaVerdict {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            QaVerdict::Accept => "accept",
            QaVerdict::Reject => "reject",
            QaVerdict::Correct => "correct",
        }
    }
}

/// What a QA decision stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QaOutcome {
    /// The project (for the audit record).
    pub project: i64,
    /// QA's corrected version, for a correction.
    pub correction: Option<Submission>,
}

impl Store {
    /// The pseudonym number of `user` in `project`, assigned on first use.
    pub fn pseudonym(&self, project: i64, user: i64) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO pseudonyms (project_id, user_id, number)
             VALUES (?1, ?2, (SELECT COALESCE(MAX(number), 0) + 1 FROM pseudonyms WHERE project_id = ?1))",
            params![project, user],
        )?;
        Ok(self.conn.query_row(
            "SELECT number FROM pseudonyms WHERE project_id = ?1 AND user_id = ?2",
            params![project, user],
            |r| r.get(0),
        )?)
    }

    /// Latest versions of a segment by every author (annotators and QA), masked for the viewer.
    /// Readable by the item's QA and by reviewers; annotators see only their own work elsewhere.
    pub fn segment_versions(&self, by: &Principal, segment: i64) -> Result<Vec<VersionView>, StoreError> {
        let (project, item): (i64, i64) =
            self.conn.query_row("SELECT project_id, item_id FROM segments WHERE id = ?1", [segment], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        self.authorize_item(by, item, Action::ReadContent)?;
        let roles = self.roles_on(by, project)?;
        if !roles.iter().any(|r| matches!(r, Role::Qa | Role::Reviewer)) {
            let role = roles.first().copied().unwrap_or(Role::Annotator);
            let denial = Denial::RoleForbids { action: Action::ReadContent, role, project };
            self.denials.denied(by, Some(project), Action::ReadContent, &denial);
            return Err(StoreError::Denied(denial));
        }
        let key = self.project_key(project)?;
        let policy = self.project_policy(project)?;
        let role = masking_role(&roles);
        let (imported, gold): (Vec<u8>, Vec<u8>) =
            self.conn
                .query_row("SELECT text, pii FROM segments WHERE id = ?1", [segment], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let imported: String =
            self.open_sealed(&key, imported, &Aad { table: "segments", row: segment, column: "text", project })?;
        let gold: Vec<u8> =
            self.open_sealed(&key, gold, &Aad { table: "segments", row: segment, column: "pii", project })?;
        let gold: Vec<PiiSpan> = serde_json::from_slice(&gold).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.id, n.author_id, n.stage, n.version, n.body FROM annotations n
             WHERE n.segment_id = ?1 AND n.version = (SELECT MAX(version) FROM annotations m
                 WHERE m.segment_id = n.segment_id AND m.author_id = n.author_id AND m.stage = n.stage)
             ORDER BY n.stage, n.created_at, n.id",
        )?;
        let rows: Vec<(i64, i64, String, i64, Vec<u8>)> = stmt
            .query_map([segment], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, author, stage, version, body) in rows {
            let body: SegmentBody =
                self.open_sealed(&key, body, &Aad { table: "annotations", row: id, column: "body", project })?;
            let prefix = if stage == "qa" { "qa" } else { "annotator" };
            let decision: Option<(String, i64)> = self
                .conn
                .query_row(
                    "SELECT decision, qa_id FROM qa_decisions WHERE annotation_id = ?1 ORDER BY id DESC LIMIT 1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let decision = match decision {
                Some((what, qa)) => Some((what, format!("qa-{}", self.pseudonym(project, qa)?))),
                None => None,
            };
            out.push(VersionView {
                annotation: id,
                author: format!("{prefix}-{}", self.pseudonym(project, author)?),
                stage,
                version,
                text: mask_text(&body.text, &gold_for(&imported, &body.text, &gold), &policy, role),
                speaker: body.speaker,
                labels: body.labels,
                decision,
            });
        }
        Ok(out)
    }

    /// Records a QA decision on an annotation. A rejection sends the item back to the annotator's
    /// queue with the (sealed) reason; a correction stores QA's text as a `qa` stage version.
    pub fn qa_decide(
        &self,
        by: &Principal,
        annotation: i64,
        verdict: QaVerdict,
        reason: &str,
        correction: Option<SegmentBody>,
    ) -> Result<QaOutcome, StoreError> {
        let row: Option<(i64, i64, Option<i64>, i64, String)> = self
            .conn
            .query_row(
                "SELECT project_id, item_id, segment_id, author_id, stage FROM annotations WHERE id = ?1",
                [annotation],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (project, item, segment, annotator, stage) =
            row.ok_or(StoreError::NotFound { what: "annotation", name: annotation.to_string() })?;
        self.authorize_item(by, item, Action::Adjudicate)?;
        if annotator == by.user_id || stage != "annotate" {
            let denial = Denial::OwnWork { item };
            self.denials.denied(by, Some(project), Action::Adjudicate, &denial);
            return Err(StoreError::Denied(denial));
        }
        self.check_segment_write(by, item, segment.unwrap_or(0), "qa")?;
        if verdict == QaVerdict::Reject && reason.trim().is_empty() {
            return Err(StoreError::Invalid {
                field: "reason",
                value: String::new(),
                reason: "a rejection needs a reason the annotator can act on".into(),
            });
        }
        let submitted = match (verdict, correction, segment) {
            (QaVerdict::Correct, Some(body), Some(segment)) => Some(self.submit(by, segment, "qa", body)?),
            (QaVerdict::Correct, _, _) => {
                return Err(StoreError::Invalid {
                    field: "correction",
                    value: annotation.to_string(),
                    reason: "a correction needs the corrected segment text".into(),
                });
            }
            _ => None,
        };
        let key = self.project_key(project)?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO qa_decisions (project_id, item_id, segment_id, qa_id, annotator_id, annotation_id, decision, reason, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, x'', ?8)",
            params![project, item, segment, by.user_id, annotator, annotation, verdict.as_str(), now_secs()],
        )?;
        let id = tx.last_insert_rowid();
        let sealed = Sealed::<String>::seal(
            &key,
            &reason.to_string(),
            &Aad { table: "qa_decisions", row: id, column: "reason", project },
        );
        tx.execute("UPDATE qa_decisions SET reason = ?1 WHERE id = ?2", params![sealed.as_bytes(), id])?;
        let status = match verdict {
            QaVerdict::Reject => "rejected",
            QaVerdict::Accept | QaVerdict::Correct => "accepted",
        };
        tx.execute(
            "UPDATE assignments SET status = ?1, updated_at = ?2 WHERE item_id = ?3 AND user_id = ?4 AND stage = 'annotate'
             AND (segment_id IS NULL OR segment_id = ?5)",
            params![status, now_secs(), item, annotator, segment],
        )?;
        tx.commit()?;
        Ok(QaOutcome { project, correction: submitted })
    }

    /// The reason of the latest rejection of the principal's own latest version of a segment.
    pub fn rejection(&self, by: &Principal, segment: i64) -> Result<Option<String>, StoreError> {
        let row: Option<(i64, i64, String, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT d.id, d.project_id, d.decision, d.reason FROM qa_decisions d
                 WHERE d.segment_id = ?1 AND d.annotator_id = ?2
                   AND d.annotation_id = (SELECT id FROM annotations WHERE segment_id = ?1 AND author_id = ?2
                                          AND stage = 'annotate' ORDER BY version DESC LIMIT 1)
                 ORDER BY d.id DESC LIMIT 1",
                params![segment, by.user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        match row {
            Some((id, project, decision, reason)) if decision == "reject" => {
                let key = self.project_key(project)?;
                let reason: String =
                    self.open_sealed(&key, reason, &Aad { table: "qa_decisions", row: id, column: "reason", project })?;
                Ok(Some(reason))
            }
            _ => Ok(None),
        }
    }
}
