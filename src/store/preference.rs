//! Preference items: reading prompt and responses (masked) in a per-annotator order, and storing
//! judgments. The order is decided by a seed derived from the project's wrapped key, the item and
//! the user, so it is stable across sessions, differs between annotators and cannot be predicted.

use super::annotation::{BODY_VERSION, PreferenceBody, Side};
use super::content::Submission;
use super::import::{ItemMeta, NewPreference};
use super::projects::ProjectKind;
use super::visibility::{mask_text, masking_role};
use super::{Store, StoreError, now_secs};
use crate::crypto::{Aad, Sealed};
use crate::policy::{Action, Denial, Principal, Visibility};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

/// A preference item as one principal sees it: masked, responses in the record's own order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferenceView {
    /// Item database id.
    pub item_id: i64,
    /// Project id.
    pub project_id: i64,
    /// The prompt.
    pub prompt: String,
    /// Response `a` of the record.
    pub a: String,
    /// Response `b` of the record.
    pub b: String,
    /// The seed of this principal's order.
    pub seed: u64,
    /// Which response this principal sees first.
    pub shown_first: Side,
    /// The principal's latest judgment, if any.
    pub judgment: Option<PreferenceBody>,
}

/// Someone's judgment of a preference item, as QA and reviewers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgmentView {
    /// Annotation row id (what a QA decision names).
    pub annotation: i64,
    /// The author's pseudonym, e.g. `annotator-2`.
    pub author: String,
    /// The judgment.
    pub body: PreferenceBody,
    /// The latest QA decision on it and who made it.
    pub decision: Option<(String, String)>,
}

impl Store {
    /// Every annotator's latest judgment of a preference item, under pseudonyms; for QA and
    /// reviewers only.
    pub fn preference_judgments(&self, by: &Principal, item: i64) -> Result<Vec<JudgmentView>, StoreError> {
        let (project, _) = self.authorize_item(by, item, Action::ReadContent)?;
        let roles = self.roles_on(by, project)?;
        if !roles.iter().any(|r| matches!(r, crate::policy::Role::Qa | crate::policy::Role::Reviewer)) {
            let role = roles.first().copied().unwrap_or(crate::policy::Role::Annotator);
            let denial = Denial::RoleForbids { action: Action::ReadContent, role, project };
            self.denials.denied(by, Some(project), Action::ReadContent, &denial);
            return Err(StoreError::Denied(denial));
        }
        let key = self.project_key(project)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT n.id, n.author_id, n.body FROM annotations n
             WHERE n.item_id = ?1 AND n.segment_id IS NULL AND n.stage = 'annotate'
               AND n.version = (SELECT MAX(version) FROM annotations m WHERE m.item_id = n.item_id
                                AND m.segment_id IS NULL AND m.author_id = n.author_id AND m.stage = 'annotate')
             ORDER BY n.created_at, n.id",
        )?;
        let rows: Vec<(i64, i64, Vec<u8>)> =
            stmt.query_map([item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, author, body) in rows {
            let body: PreferenceBody =
                self.open_sealed(&key, body, &Aad { table: "annotations", row: id, column: "body", project })?;
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
            let author = format!("annotator-{}", self.pseudonym(project, author)?);
            out.push(JudgmentView { annotation: id, author, body, decision });
        }
        Ok(out)
    }

    /// The order seed of `item` for `user`: stable, per annotator and item, unpredictable without
    /// the project's key material.
    fn order_seed(&self, project: i64, item: i64, user: i64) -> Result<u64, StoreError> {
        let wrapped: Option<Vec<u8>> =
            self.conn.query_row("SELECT wrapped_key FROM projects WHERE id = ?1", [project], |r| r.get(0))?;
        let mut hash = Sha256::new();
        hash.update(b"cloister preference order v1");
        hash.update(wrapped.unwrap_or_default());
        for n in [project, item, user] {
            hash.update(n.to_le_bytes());
        }
        let digest = hash.finalize();
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&digest[..8]);
        Ok(u64::from_le_bytes(seed))
    }

    /// The prompt and both responses of a preference item, masked for the principal's role.
    pub fn preference_item(&self, by: &Principal, item: i64) -> Result<PreferenceView, StoreError> {
        let (project, visibility) = self.authorize_item(by, item, Action::ReadContent)?;
        let key = self.project_key(project)?;
        let meta: Vec<u8> = self.conn.query_row("SELECT meta FROM items WHERE id = ?1", [item], |r| r.get(0))?;
        let meta: Vec<u8> =
            self.open_sealed(&key, meta, &Aad { table: "items", row: item, column: "meta", project })?;
        let meta: ItemMeta = serde_json::from_slice(&meta).map_err(|e| StoreError::Invalid {
            field: "items.meta",
            value: item.to_string(),
            reason: e.to_string(),
        })?;
        let Some(NewPreference { prompt, prompt_pii, responses }) = meta.preference else {
            return Err(StoreError::Invalid {
                field: "item",
                value: item.to_string(),
                reason: "not a preference item".into(),
            });
        };
        let [a, b] = <[_; 2]>::try_from(responses).map_err(|_| StoreError::Invalid {
            field: "items.meta",
            value: item.to_string(),
            reason: "a preference item holds exactly two responses".into(),
        })?;
        let policy = self.project_policy(project)?;
        let role = masking_role(&self.roles_on(by, project)?);
        let show = |text: &str, pii| match visibility {
            Visibility::Raw => text.to_string(),
            Visibility::Masked => mask_text(text, pii, &policy, role),
        };
        let seed = self.order_seed(project, item, by.user_id)?;
        let judgment = self.own_judgment(by, project, item)?;
        Ok(PreferenceView {
            item_id: item,
            project_id: project,
            prompt: show(&prompt, &prompt_pii),
            a: show(&a.text, &a.pii),
            b: show(&b.text, &b.pii),
            seed,
            shown_first: if seed & 1 == 0 { Side::A } else { Side::B },
            judgment,
        })
    }

    fn own_judgment(&self, by: &Principal, project: i64, item: i64) -> Result<Option<PreferenceBody>, StoreError> {
        let key = self.project_key(project)?;
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT id, body FROM annotations WHERE item_id = ?1 AND segment_id IS NULL AND author_id = ?2
                 ORDER BY version DESC LIMIT 1",
                params![item, by.user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, body)| {
            self.open_sealed(&key, body, &Aad { table: "annotations", row: id, column: "body", project })
        })
        .transpose()
    }

    /// Submits a new version of `by`'s judgment of preference item `item`. The policy decides
    /// first (annotator role, open project); the item must be assigned to `by` at the annotate
    /// stage, and ratings must name the project's criteria with values 1–5 (0: not rated).
    pub fn submit_preference(
        &self,
        by: &Principal,
        item: i64,
        body: &PreferenceBody,
    ) -> Result<Submission, StoreError> {
        let (project, _) = self.authorize_item(by, item, Action::WriteAnnotation)?;
        // Name and kind only: the counts of `project_by_id` scan the project.
        let (name, kind): (String, String) =
            self.conn.query_row("SELECT name, kind FROM projects WHERE id = ?1", [project], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if ProjectKind::parse(&kind)? != ProjectKind::Preference {
            return Err(StoreError::Invalid {
                field: "item",
                value: item.to_string(),
                reason: format!("it belongs to {kind} project {name}"),
            });
        }
        if body.v != BODY_VERSION {
            return Err(StoreError::Invalid {
                field: "preference body version",
                value: body.v.to_string(),
                reason: format!("this build writes version {BODY_VERSION}"),
            });
        }
        let policy = self.project_policy(project)?;
        for (criterion, ratings) in &body.ratings {
            if !policy.criteria.contains(criterion) {
                return Err(StoreError::Invalid {
                    field: "criterion",
                    value: criterion.clone(),
                    reason: format!("the project's criteria are {}", policy.criteria.join(", ")),
                });
            }
            if ratings.a > 5 || ratings.b > 5 {
                return Err(StoreError::Invalid {
                    field: "rating",
                    value: format!("{criterion}: a={} b={}", ratings.a, ratings.b),
                    reason: "ratings are 1-5, or 0 for not rated".into(),
                });
            }
        }
        let assigned: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND +user_id = ?2 AND stage = 'annotate')",
            params![item, by.user_id],
            |r| r.get(0),
        )?;
        if !assigned {
            let denial = Denial::ItemNotAssigned { item };
            self.denials.denied(by, Some(project), Action::WriteAnnotation, &denial);
            return Err(StoreError::Denied(denial));
        }
        let key = self.project_key(project)?;
        let tx = self.conn.unchecked_transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM annotations
             WHERE item_id = ?1 AND segment_id IS NULL AND author_id = ?2 AND stage = 'annotate'",
            params![item, by.user_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO annotations (project_id, item_id, segment_id, author_id, stage, version, body, created_at)
             VALUES (?1, ?2, NULL, ?3, 'annotate', ?4, x'', ?5)",
            params![project, item, by.user_id, version, now_secs()],
        )?;
        let id = tx.last_insert_rowid();
        let sealed =
            Sealed::<PreferenceBody>::seal(&key, body, &Aad { table: "annotations", row: id, column: "body", project });
        tx.execute("UPDATE annotations SET body = ?1 WHERE id = ?2", params![sealed.as_bytes(), id])?;
        tx.execute(
            "UPDATE assignments SET status = 'submitted', updated_at = ?3
             WHERE item_id = ?1 AND user_id = ?2 AND stage = 'annotate'",
            params![item, by.user_id, now_secs()],
        )?;
        tx.commit()?;
        Ok(Submission { annotation: id, version, project })
    }
}
