//! A project's lifecycle: open → closed (annotation and export stop, the retention clock starts)
//! → purged (its data key destroyed, its rows deleted, the file vacuumed and the WAL truncated, so
//! neither plaintext nor ciphertext of the project is left in any file: crypto-shred).

use super::projects::{ProjectKind, ProjectRecord, ProjectState};
use super::{Store, StoreError, now_secs};
use crate::policy::{Action, Denial, Principal};
use rusqlite::{OptionalExtension, params};

/// Rows of one table deleted by a purge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowCount {
    /// The table.
    pub table: String,
    /// Rows deleted.
    pub rows: i64,
}

/// What a purge destroyed: the facts a deletion certificate states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// Project id.
    pub project: i64,
    /// Project name.
    pub name: String,
    /// Transcription or preference.
    pub kind: ProjectKind,
    /// When the project was created (Unix seconds).
    pub created_at: i64,
    /// When it was closed.
    pub closed_at: Option<i64>,
    /// When it was purged.
    pub purged_at: i64,
    /// Rows deleted, per table, in deletion order.
    pub rows: Vec<RowCount>,
    /// Ids of the exports ever made of it.
    pub exports: Vec<String>,
}

/// Lifecycle dates of a project (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectDates {
    /// Created.
    pub created_at: i64,
    /// Closed, if it was.
    pub closed_at: Option<i64>,
    /// Purged, if it was.
    pub purged_at: Option<i64>,
}

impl ProjectDates {
    /// When `cloister retention run` purges a closed project with `retention_days`.
    pub fn purge_due(&self, retention_days: u32) -> Option<i64> {
        self.closed_at.map(|closed| closed + i64::from(retention_days) * 86_400)
    }
}

/// Tables holding a project's rows, children before parents. Any other table with a
/// `project_id` column is swept too (see [`Store::purge_project`]), so a table added later cannot
/// be forgotten; these are listed only to delete in an order the foreign keys accept.
const PROJECT_TABLES: [&str; 10] = [
    "reveals",
    "qa_decisions",
    "drafts",
    "annotations",
    "assignments",
    "pseudonyms",
    "grants",
    "audio",
    "segments",
    "items",
];

/// Tables that keep a purged project's metadata: the project row itself (name, state, dates), the
/// export log and the deletion certificate. None of them holds content.
const KEPT_TABLES: [&str; 3] = ["projects", "exports", "deletion_certificates"];

impl Store {
    /// A denial if `project`'s state forbids `action`: no work or export once it is closed.
    pub(crate) fn state_denial(&self, project: i64, action: Action) -> Result<Option<Denial>, StoreError> {
        if !matches!(action, Action::WriteAnnotation | Action::Adjudicate | Action::Export) {
            return Ok(None);
        }
        let state: Option<String> =
            self.conn.query_row("SELECT state FROM projects WHERE id = ?1", [project], |r| r.get(0)).optional()?;
        Ok(match state.as_deref() {
            Some("open") | None => None,
            Some(other) => Some(Denial::ProjectState { action, project, state: other.to_string() }),
        })
    }

    /// Lifecycle dates of a project (admin only).
    pub fn project_dates(&self, by: &Principal, name: &str) -> Result<ProjectDates, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        self.conn
            .query_row("SELECT created_at, closed_at, purged_at FROM projects WHERE name = ?1", [name], |r| {
                Ok(ProjectDates { created_at: r.get(0)?, closed_at: r.get(1)?, purged_at: r.get(2)? })
            })
            .optional()?
            .ok_or(StoreError::NotFound { what: "project", name: name.into() })
    }

    /// Closes an open project: its queue empties, writes and exports are refused, and the
    /// retention clock starts.
    pub fn close_project(&self, by: &Principal, name: &str) -> Result<ProjectRecord, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let project = self.project_by_name(name)?;
        if project.state != ProjectState::Open {
            return Err(StoreError::Invalid {
                field: "project",
                value: name.into(),
                reason: format!("it is already {}; only an open project can be closed", project.state.as_str()),
            });
        }
        self.conn.execute(
            "UPDATE projects SET state = 'closed', closed_at = ?1 WHERE id = ?2 AND state = 'open'",
            params![now_secs(), project.id],
        )?;
        self.project_by_id(project.id)
    }

    /// Closed projects whose retention period has passed at `now` (Unix seconds).
    pub fn projects_due(&self, by: &Principal, now: i64) -> Result<Vec<ProjectRecord>, StoreError> {
        let mut due = Vec::new();
        for project in self.list_projects(by)? {
            if project.state != ProjectState::Closed {
                continue;
            }
            let dates = self.project_dates(by, &project.name)?;
            if dates.purge_due(project.policy.retention_days).is_some_and(|at| at <= now) {
                due.push(project);
            }
        }
        Ok(due)
    }

    /// Purges a closed project in one transaction: destroys its wrapped data key, deletes every row
    /// it owns and clears its policy (which may name people). The project row stays, marked purged,
    /// with its dates. Call [`Store::wipe_deleted`] next so no page of it survives in any file.
    pub fn purge_project(&self, by: &Principal, name: &str) -> Result<PurgeReport, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let project = self.project_by_name(name)?;
        match project.state {
            ProjectState::Closed => {}
            ProjectState::Purged => return Err(StoreError::Purged(name.into())),
            ProjectState::Open => {
                return Err(StoreError::Invalid {
                    field: "project",
                    value: name.into(),
                    reason: format!("it is open; close it first with `cloister project close {name}`"),
                });
            }
        }
        let dates = self.project_dates(by, name)?;
        let purged_at = now_secs();
        let tx = self.conn.unchecked_transaction()?;
        let mut rows = Vec::new();
        let views = tx.execute(
            "DELETE FROM segment_views WHERE segment_id IN (SELECT id FROM segments WHERE project_id = ?1)",
            [project.id],
        )?;
        rows.push(RowCount { table: "segment_views".into(), rows: views as i64 });
        let mut tables: Vec<String> = PROJECT_TABLES.iter().map(|t| t.to_string()).collect();
        for table in tables_with_project_id(&tx)? {
            if !tables.contains(&table) && !KEPT_TABLES.contains(&table.as_str()) {
                // Unknown to this list but owned by the project: delete it before the known parents.
                tables.insert(0, table);
            }
        }
        for table in tables {
            let deleted = tx.execute(&format!("DELETE FROM \"{table}\" WHERE project_id = ?1"), [project.id])?;
            rows.push(RowCount { table, rows: deleted as i64 });
        }
        tx.execute(
            "UPDATE projects SET state = 'purged', purged_at = ?1, wrapped_key = NULL, policy = '{}' WHERE id = ?2",
            params![purged_at, project.id],
        )?;
        let exports: Vec<String> = {
            let mut stmt = tx.prepare("SELECT id FROM exports WHERE project_id = ?1 ORDER BY requested_at, id")?;
            stmt.query_map([project.id], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        tx.commit()?;
        self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&project.id);
        Ok(PurgeReport {
            project: project.id,
            name: project.name,
            kind: project.kind,
            created_at: dates.created_at,
            closed_at: dates.closed_at,
            purged_at,
            rows,
            exports,
        })
    }

    /// Rewrites the database without free pages and empties the WAL, so deleted pages (already
    /// zeroed by `secure_delete`) and older page versions in the WAL are gone from every file.
    /// `name` is the purged project, for the error message.
    pub fn wipe_deleted(&self, by: &Principal, name: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        self.conn.execute_batch("VACUUM")?;
        // Another connection reading at this moment keeps the WAL alive: retry for a while.
        for _ in 0..100 {
            let busy: i64 = self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
            if busy == 0 {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(StoreError::PurgeIncomplete {
            project: name.into(),
            reason: "another process kept reading the database, so its WAL could not be emptied; \
                     the key and rows are gone, but stop `cloister serve` and run \
                     `cloister project purge NAME --yes` again to finish the wipe"
                .into(),
        })
    }

    /// Stores the signed deletion certificate of a purged project.
    pub fn store_certificate(&self, by: &Principal, project: i64, text: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        self.conn.execute(
            "INSERT INTO deletion_certificates (project_id, issued_at, text) VALUES (?1, ?2, ?3)
             ON CONFLICT (project_id) DO UPDATE SET issued_at = excluded.issued_at, text = excluded.text",
            params![project, now_secs(), text],
        )?;
        Ok(())
    }

    /// The deletion certificate of a purged project, if one was issued.
    pub fn certificate(&self, by: &Principal, name: &str) -> Result<Option<String>, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let project = self.project_by_name(name)?;
        Ok(self
            .conn
            .query_row("SELECT text FROM deletion_certificates WHERE project_id = ?1", [project.id], |r| r.get(0))
            .optional()?)
    }

    /// Per-project progress beyond items and segments: (annotations, assignments, annotated units),
    /// where a unit is a segment, or a whole item for preference projects.
    pub fn project_progress(&self, by: &Principal, project: i64) -> Result<(i64, i64, i64), StoreError> {
        self.authorize(by, Some(project), Action::ListProjects)?;
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM annotations WHERE project_id = ?1),
                    (SELECT COUNT(*) FROM assignments WHERE project_id = ?1),
                    (SELECT COUNT(*) FROM (SELECT DISTINCT item_id, IFNULL(segment_id, 0)
                                           FROM annotations WHERE project_id = ?1))",
            [project],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}

/// Every table with a `project_id` column.
fn tables_with_project_id(tx: &rusqlite::Transaction<'_>) -> Result<Vec<String>, StoreError> {
    let mut stmt = tx.prepare(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
         AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'project_id') ORDER BY m.name",
    )?;
    let tables = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(tables)
}
