//! Metadata a compliance report needs from the store: segment and item import ids by database
//! id (admin only; no content).

use super::{Store, StoreError};
use crate::policy::{Action, Principal};
use std::collections::HashMap;

impl Store {
    /// Segment database id → import id (e.g. `call-en-001-s03`) for one project. Empty once the
    /// project is purged: reports then show database ids.
    pub fn segment_names(&self, by: &Principal, project: i64) -> Result<HashMap<i64, String>, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let mut stmt = self.conn.prepare("SELECT id, external_id FROM segments WHERE project_id = ?1")?;
        let rows = stmt.query_map([project], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
