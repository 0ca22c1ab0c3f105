//! Balanced assignment with overlap: each item gets `K` distinct users at a stage, always the
//! least-loaded eligible ones, so loads differ by at most one where conflicts allow and every
//! item has K annotators for agreement statistics.

use super::{Store, StoreError, now_secs};
use crate::policy::{Action, Principal};
use rusqlite::params;
use std::collections::HashMap;

impl Store {
    /// Tops every item of `project` up to `overlap` distinct users from `users` at `stage`
    /// (`annotate` or `qa`), choosing the least-loaded eligible user each time (ties in the order
    /// given, rotated per item). Nobody gets both stages of an item. Returns assignments made.
    pub fn assign_balanced(
        &self,
        by: &Principal,
        project: &str,
        users: &[&str],
        stage: &str,
        overlap: usize,
    ) -> Result<usize, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        if !matches!(stage, "annotate" | "qa") {
            return Err(StoreError::Invalid {
                field: "stage",
                value: stage.into(),
                reason: "use annotate or qa".into(),
            });
        }
        if overlap == 0 || overlap > users.len() {
            return Err(StoreError::Invalid {
                field: "overlap",
                value: overlap.to_string(),
                reason: format!("use 1 to {} (the number of users named)", users.len()),
            });
        }
        let project = self.project_by_name(project)?;
        let mut ids = Vec::new();
        for name in users {
            let user = self.user_by_name(name)?.ok_or(StoreError::NotFound { what: "user", name: (*name).into() })?;
            if !ids.contains(&user.id) {
                ids.push(user.id);
            }
        }
        let tx = self.conn.unchecked_transaction()?;
        let mut load: HashMap<i64, i64> = HashMap::new();
        for id in &ids {
            let n: i64 = tx.query_row(
                "SELECT COUNT(*) FROM assignments WHERE project_id = ?1 AND user_id = ?2 AND stage = ?3",
                params![project.id, id, stage],
                |r| r.get(0),
            )?;
            load.insert(*id, n);
        }
        let items: Vec<i64> = {
            let mut stmt = tx.prepare("SELECT id FROM items WHERE project_id = ?1 ORDER BY position")?;
            stmt.query_map([project.id], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        let now = now_secs();
        let mut made = 0;
        for (n, item) in items.iter().enumerate() {
            let mut holders: Vec<(i64, String)> = {
                let mut stmt = tx.prepare_cached("SELECT user_id, stage FROM assignments WHERE item_id = ?1")?;
                stmt.query_map([item], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?
            };
            let have = holders.iter().filter(|(_, s)| s == stage).count();
            for _ in have..overlap {
                // Not already holding the item at any stage: no second copy, no QA of one's own work.
                let chosen = (0..ids.len())
                    .map(|offset| ids[(n + offset) % ids.len()])
                    .filter(|u| !holders.iter().any(|(h, _)| h == u))
                    .min_by_key(|u| load.get(u).copied().unwrap_or(0));
                let Some(user) = chosen else { break };
                tx.execute(
                    "INSERT INTO assignments (project_id, item_id, user_id, stage, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![project.id, item, user, stage, now],
                )?;
                made += 1;
                *load.entry(user).or_default() += 1;
                holders.push((user, stage.to_string()));
            }
        }
        tx.commit()?;
        Ok(made)
    }
}
