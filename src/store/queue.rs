//! The home screen's work queue, a window at a time: assigned work first (by project, then item),
//! then the items of projects the user reviews.
//!
//! The queue is cut into one part per project (in name order); a window is read from each
//! part it overlaps straight off an index (`assignments_queue`, `items_order`), so nothing sorts
//! the whole queue, and the per-row counts of segments and annotations run for the window's rows
//! alone. Within a project assigned work is in item id order, which is the items' order: import
//! gives both ids and positions in increasing order (`store::import`).

use super::{QueueEntry, Store, StoreError};
use crate::policy::Principal;
use rusqlite::params;

/// The principal's queue in one project.
struct Part {
    project: i64,
    len: usize,
    review: bool,
}

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
        let parts = self.queue_parts(by)?;
        let total = parts.iter().map(|p| p.len).sum();
        let (mut skip, mut left) = (offset, limit);
        let mut entries = Vec::new();
        for part in &parts {
            if left == 0 {
                break;
            }
            if skip >= part.len {
                skip -= part.len;
                continue;
            }
            let take = left.min(part.len - skip);
            if part.review {
                entries.extend(self.reviewed_rows(part.project, skip, take)?);
            } else {
                entries.extend(self.assigned_rows(by, part.project, skip, take)?);
            }
            (skip, left) = (0, left - take);
        }
        Ok(QueuePage { total, offset, entries })
    }

    /// The principal's whole assigned work, in queue order.
    pub fn queue(&self, by: &Principal) -> Result<Vec<QueueEntry>, StoreError> {
        let mut out = Vec::new();
        for part in self.queue_parts(by)?.iter().filter(|p| !p.review) {
            out.extend(self.assigned_rows(by, part.project, 0, part.len)?);
        }
        Ok(out)
    }

    /// The queue's parts in order: assigned work per open project, then reviewed projects.
    fn queue_parts(&self, by: &Principal) -> Result<Vec<Part>, StoreError> {
        let mut assigned = self.conn.prepare_cached(
            "SELECT p.id, (SELECT COUNT(*) FROM assignments a WHERE a.user_id = ?1 AND a.project_id = p.id)
             FROM projects p WHERE p.state = 'open' ORDER BY p.name",
        )?;
        let rows = assigned.query_map([by.user_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        let mut parts = Vec::new();
        for row in rows {
            let (project, len) = row?;
            if len > 0 {
                parts.push(Part { project, len: len as usize, review: false });
            }
        }
        let mut reviewed = self.conn.prepare_cached(
            "SELECT p.id, (SELECT COUNT(*) FROM items i WHERE i.project_id = p.id)
             FROM grants g JOIN projects p ON p.id = g.project_id
             WHERE g.user_id = ?1 AND g.role = 'reviewer' AND p.state != 'purged' ORDER BY p.name",
        )?;
        let rows = reviewed.query_map([by.user_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (project, len) = row?;
            parts.push(Part { project, len: len as usize, review: true });
        }
        Ok(parts)
    }

    fn assigned_rows(
        &self,
        by: &Principal,
        project: i64,
        skip: usize,
        take: usize,
    ) -> Result<Vec<QueueEntry>, StoreError> {
        // The inner query walks the index to the window; the outer one counts for its rows only.
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.name, a.item_id, i.external_id, a.stage, a.status,
                    (SELECT COUNT(*) FROM segments s WHERE s.item_id = a.item_id),
                    (SELECT COUNT(DISTINCT IFNULL(segment_id, 0)) FROM annotations n
                     WHERE n.item_id = a.item_id AND n.author_id = a.user_id AND n.stage = a.stage),
                    p.kind
             FROM (SELECT id FROM assignments WHERE user_id = ?1 AND project_id = ?2
                   ORDER BY item_id, stage LIMIT ?3 OFFSET ?4) w
             JOIN assignments a ON a.id = w.id JOIN items i ON i.id = a.item_id JOIN projects p ON p.id = a.project_id
             ORDER BY a.item_id, a.stage",
        )?;
        let rows = stmt.query_map(params![by.user_id, project, take as i64, skip as i64], |r| {
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

    fn reviewed_rows(&self, project: i64, skip: usize, take: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.name, i.id, i.external_id, p.kind,
                    (SELECT COUNT(*) FROM segments s WHERE s.item_id = i.id),
                    (SELECT COUNT(DISTINCT IFNULL(segment_id, 0)) FROM annotations n WHERE n.item_id = i.id)
             FROM (SELECT id FROM items WHERE project_id = ?1 ORDER BY position LIMIT ?2 OFFSET ?3) w
             JOIN items i ON i.id = w.id JOIN projects p ON p.id = i.project_id
             ORDER BY i.position",
        )?;
        let rows = stmt.query_map(params![project, take as i64, skip as i64], |r| {
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
