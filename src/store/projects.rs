//! Projects: creation with a fresh wrapped data key, lookup and listing.

use super::{Store, StoreError, now_secs};
use crate::crypto::DataKey;
use crate::policy::{Action, Principal, ProjectPolicy};
use rusqlite::{OptionalExtension, params};

/// What a project annotates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectKind {
    /// Recorded conversations with segments to transcribe.
    Transcription,
    /// RLHF prompts with two responses to compare.
    Preference,
}

impl ProjectKind {
    /// Name as stored and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKind::Transcription => "transcription",
            ProjectKind::Preference => "preference",
        }
    }

    /// Parses a kind name; the error quotes the value.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "transcription" => Ok(Self::Transcription),
            "preference" => Ok(Self::Preference),
            other => Err(StoreError::Invalid {
                field: "project kind",
                value: other.into(),
                reason: "use transcription or preference".into(),
            }),
        }
    }
}

/// Lifecycle state of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectState {
    /// Accepting annotation.
    Open,
    /// Read-only; the retention clock runs.
    Closed,
    /// Key destroyed and rows deleted.
    Purged,
}

impl ProjectState {
    fn parse(text: &str) -> Self {
        match text {
            "closed" => Self::Closed,
            "purged" => Self::Purged,
            _ => Self::Open,
        }
    }

    /// Name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Purged => "purged",
        }
    }
}

/// A project with its progress counts (no content).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectRecord {
    /// Database id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Transcription or preference.
    pub kind: ProjectKind,
    /// Lifecycle state.
    pub state: ProjectState,
    /// The project's policy.
    pub policy: ProjectPolicy,
    /// Number of items.
    pub items: i64,
    /// Number of segments.
    pub segments: i64,
}

fn valid_project_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "project name",
            value: name.into(),
            reason: "use 1-64 ASCII letters, digits, `-`, `_` or `.`".into(),
        })
    }
}

impl Store {
    /// Creates a project with a fresh data key wrapped by the master key.
    pub fn create_project(
        &self,
        by: &Principal,
        name: &str,
        kind: ProjectKind,
        policy: &ProjectPolicy,
    ) -> Result<ProjectRecord, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        valid_project_name(name)?;
        policy.validate().map_err(|reason| StoreError::Invalid { field: "policy", value: name.into(), reason })?;
        let policy_json = serde_json::to_string(policy).map_err(|e| StoreError::Invalid {
            field: "policy",
            value: name.into(),
            reason: e.to_string(),
        })?;
        let tx = self.conn.unchecked_transaction()?;
        let inserted = tx.execute(
            "INSERT INTO projects (name, kind, policy, retention_days, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (name) DO NOTHING",
            params![name, kind.as_str(), policy_json, policy.retention_days, now_secs()],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists { what: "project", name: name.into() });
        }
        let id = tx.last_insert_rowid();
        let key = DataKey::generate();
        tx.execute("UPDATE projects SET wrapped_key = ?1 WHERE id = ?2", params![self.master.wrap(id, &key), id])?;
        tx.commit()?;
        self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(id, std::sync::Arc::new(key));
        self.project_by_name(name)
    }

    /// A project by name, with counts. Metadata only: no policy check beyond existence.
    pub(crate) fn project_by_name(&self, name: &str) -> Result<ProjectRecord, StoreError> {
        self.project_where("p.name = ?1", name)?.ok_or(StoreError::NotFound { what: "project", name: name.into() })
    }

    pub(crate) fn project_by_id(&self, id: i64) -> Result<ProjectRecord, StoreError> {
        self.project_where("p.id = ?1", id)?.ok_or(StoreError::NotFound { what: "project", name: id.to_string() })
    }

    /// A project's policy alone: what every item read needs, without the item and segment counts
    /// of [`ProjectRecord`], which cost a scan of the project (82% of next-item time at 100 000
    /// items, docs/PERFORMANCE.md).
    pub(crate) fn project_policy(&self, id: i64) -> Result<ProjectPolicy, StoreError> {
        let (name, policy): (String, String) = self
            .conn
            .prepare_cached("SELECT name, policy FROM projects WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(StoreError::NotFound { what: "project", name: id.to_string() })?;
        serde_json::from_str(&policy).map_err(|e| StoreError::Invalid {
            field: "stored policy",
            value: name,
            reason: e.to_string(),
        })
    }

    fn project_where(&self, filter: &str, arg: impl rusqlite::ToSql) -> Result<Option<ProjectRecord>, StoreError> {
        let sql = format!(
            "SELECT p.id, p.name, p.kind, p.state, p.policy,
                    (SELECT COUNT(*) FROM items WHERE project_id = p.id),
                    (SELECT COUNT(*) FROM segments WHERE project_id = p.id)
             FROM projects p WHERE {filter}"
        );
        let row = self
            .conn
            .query_row(&sql, [arg], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()?;
        let Some((id, name, kind, state, policy, items, segments)) = row else { return Ok(None) };
        let policy: ProjectPolicy = serde_json::from_str(&policy).map_err(|e| StoreError::Invalid {
            field: "stored policy",
            value: name.clone(),
            reason: e.to_string(),
        })?;
        Ok(Some(ProjectRecord {
            id,
            name,
            kind: ProjectKind::parse(&kind)?,
            state: ProjectState::parse(&state),
            policy,
            items,
            segments,
        }))
    }

    /// Projects the principal may see: all of them for admins, granted ones for others.
    pub fn list_projects(&self, by: &Principal) -> Result<Vec<ProjectRecord>, StoreError> {
        let ids: Vec<i64> = if by.is_admin {
            let mut stmt = self.conn.prepare("SELECT id FROM projects ORDER BY name")?;
            stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
        } else {
            let mut stmt = self.conn.prepare(
                "SELECT DISTINCT p.id FROM projects p JOIN grants g ON g.project_id = p.id WHERE g.user_id = ?1 ORDER BY p.name",
            )?;
            stmt.query_map([by.user_id], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            self.authorize(by, Some(id), Action::ListProjects)?;
            out.push(self.project_by_id(id)?);
        }
        Ok(out)
    }

    /// A project by name, if the principal may list it.
    pub fn project(&self, by: &Principal, name: &str) -> Result<ProjectRecord, StoreError> {
        let project = self.project_by_name(name)?;
        self.authorize(by, Some(project.id), Action::ListProjects)?;
        Ok(project)
    }
}
