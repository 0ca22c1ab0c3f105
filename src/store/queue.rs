//! The home screen's work queue, a window at a time: assigned work first (by project, then item),
//! then the items of projects the user reviews.
//!
//! Counting and ordering touch only the assignments' and items' indexed columns; the per-row
//! counts of segments and annotations run for the rows of the window alone, so a window costs
//! the same in a queue of 100 items or 100 000.

use super::{QueueEntry, Store, StoreError};
use crate::policy::Principal;
use rusqlite::params;

/// A window of a user's work queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePage {
    /// Entries in the whole queue.
    pub total: usize,
    /// Index of `entries[0]` in the whole queue.
    pub offset: usize,
    /// The window's entries, in queue order.
    pub entries: Vec<QueueEntry>,
}

impl Store {
    /// Entries `offset..offset + limit` of the principal's queue, and its length.
    pub fn work_queue(&self, by: &Principal, offset: usize, limit: usize) -> Result<QueuePage, StoreError> {
        let assigned: usize = self.conn.query_row(
            "SELECT COUNT(*) FROM assignments a JOIN projects p ON p.id = a.project_id
             WHERE a.user_id = ?1 AND p.state = 'open'",
            [by.user_id],
            |r| r.get::<_, i64>(0),
        )? as usize;
        let reviewed: usize = self.conn.query_row(
            "SELECT COUNT(*) FROM grants g JOIN projects p ON p.id = g.project_id JOIN items i ON i.project_id = p.id
             WHERE g.user_id = ?1 AND g.role = 'reviewer' AND p.state != 'purged'",
            [by.user_id],
            |r| r.get::<_, i64>(0),
        )? as usize;
        let mut entries = Vec::new();
        if offset < assigned {
            entries = self.assigned_page(by, offset, limit.min(assigned - offset))?;
        }
        let left = limit - entries.len();
        if left > 0 && offset + entries.len() < assigned + reviewed {
            let review_offset = (offset + entries.len()).saturating_sub(assigned);
            entries.extend(self.review_page(by, review_offset, left)?);
        }
        Ok(QueuePage { total: assigned + reviewed, offset, entries })
    }

    /// The principal's whole assigned work, in queue order.
    pub fn queue(&self, by: &Principal) -> Result<Vec<QueueEntry>, StoreError> {
        self.assigned_page(by, 0, i64::MAX as usize)
    }

    fn assigned_page(&self, by: &Principal, offset: usize, limit: usize) -> Result<Vec<QueueEntry>, StoreError> {
        // The inner query orders and cuts on indexed columns; the outer one counts for the window.
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.name, a.item_id, i.external_id, a.stage, a.status,
                    (SELECT COUNT(*) FROM segments s WHERE s.item_id = a.item_id),
                    (SELECT COUNT(DISTINCT IFNULL(segment_id, 0)) FROM annotations n
                     WHERE n.item_id = a.item_id AND n.author_id = a.user_id AND n.stage = a.stage),
                    p.kind
             FROM (SELECT a.id AS id, p.name AS name, i.position AS position
                   FROM assignments a JOIN items i ON i.id = a.item_id JOIN projects p ON p.id = a.project_id
                   WHERE a.user_id = ?1 AND p.state = 'open'
                   ORDER BY p.name, i.position, a.stage LIMIT ?2 OFFSET ?3) w
             JOIN assignments a ON a.id = w.id JOIN items i ON i.id = a.item_id JOIN projects p ON p.id = a.project_id
             ORDER BY w.name, w.position, a.stage",
        )?;
        let rows = stmt.query_map(params![by.user_id, limit as i64, offset as i64], |r| {
            let kind: String = r.get(7)?;
            let segments: i64 = r.get(5)?;
            Ok(QueueEntry {
                project: r.get(0)?,
                item_id: r.get(1)?,
                external_id: r.get(2)?,
                stage: r.get(3)?,
                status: r.get(4)?,
                segments: if kind == "preference" { 1 } else { segments },
                done: r.get(6)?,
                kind,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn review_page(&self, by: &Principal, offset: usize, limit: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.name, i.id, i.external_id, p.kind,
                    (SELECT COUNT(*) FROM segments s WHERE s.item_id = i.id),
                    (SELECT COUNT(DISTINCT IFNULL(segment_id, 0)) FROM annotations n WHERE n.item_id = i.id)
             FROM (SELECT i.id AS id, p.name AS name, i.position AS position
                   FROM grants g JOIN projects p ON p.id = g.project_id JOIN items i ON i.project_id = p.id
                   WHERE g.user_id = ?1 AND g.role = 'reviewer' AND p.state != 'purged'
                   ORDER BY p.name, i.position LIMIT ?2 OFFSET ?3) w
             JOIN items i ON i.id = w.id JOIN projects p ON p.id = i.project_id
             ORDER BY w.name, w.position",
        )?;
        let rows = stmt.query_map(params![by.user_id, limit as i64, offset as i64], |r| {
            let kind: String = r.get(3)?;
            let segments: i64 = r.get(4)?;
            Ok(QueueEntry {
                project: r.get(0)?,
                item_id: r.get(1)?,
                external_id: r.get(2)?,
                stage: "review".into(),
                status: "read-only".into(),
                segments: if kind == "preference" { 1 } else { segments },
                done: r.get(5)?,
                kind,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
