//! Preference judgments: an annotator's sealed [`PreferenceBody`] on a whole item (no segment).

use super::annotation::{BODY_VERSION, PreferenceBody};
use super::content::Submission;
use super::projects::ProjectKind;
use super::{Store, StoreError, now_secs};
use crate::crypto::{Aad, Sealed};
use crate::policy::{Action, Denial, Principal};
use rusqlite::params;

impl Store {
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
        let record = self.project_by_id(project)?;
        if record.kind != ProjectKind::Preference {
            return Err(StoreError::Invalid {
                field: "item",
                value: item.to_string(),
                reason: format!("it belongs to {} project {}", record.kind.as_str(), record.name),
            });
        }
        if body.v != BODY_VERSION {
            return Err(StoreError::Invalid {
                field: "preference body version",
                value: body.v.to_string(),
                reason: format!("this build writes version {BODY_VERSION}"),
            });
        }
        for (criterion, ratings) in &body.ratings {
            if !record.policy.criteria.contains(criterion) {
                return Err(StoreError::Invalid {
                    field: "criterion",
                    value: criterion.clone(),
                    reason: format!("the project's criteria are {}", record.policy.criteria.join(", ")),
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
            "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND user_id = ?2 AND stage = 'annotate')",
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
        tx.commit()?;
        Ok(Submission { annotation: id, version, project })
    }
}
