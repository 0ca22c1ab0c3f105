//! Controlled exports: an admin requests one with a reason; where the project policy asks for two
//! approvals a second admin approves it; only an approved request can be carried out, once, while
//! the project is open and its policy allows exports. Every step is audited by the caller.

use super::projects::ProjectKind;
use super::{Store, StoreError, now_secs};
use crate::policy::{Action, Denial, Principal};
use rusqlite::{OptionalExtension, params};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per segment (transcription) or per item (preference).
    Jsonl,
    /// One WebVTT file per conversation.
    Webvtt,
    /// One Praat TextGrid per conversation, a tier per speaker.
    Textgrid,
    /// One JSON object per preference judgment: prompt, chosen, rejected.
    PreferenceJsonl,
}

impl ExportFormat {
    /// Name as typed and stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Webvtt => "webvtt",
            Self::Textgrid => "textgrid",
            Self::PreferenceJsonl => "preference-jsonl",
        }
    }

    /// Parses a format name; the error lists the valid ones.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "jsonl" => Self::Jsonl,
            "webvtt" => Self::Webvtt,
            "textgrid" => Self::Textgrid,
            "preference-jsonl" => Self::PreferenceJsonl,
            other => {
                return Err(StoreError::Invalid {
                    field: "export format",
                    value: other.into(),
                    reason: "use jsonl, webvtt, textgrid or preference-jsonl".into(),
                });
            }
        })
    }

    /// Whether the format fits a project of `kind`.
    pub fn fits(self, kind: ProjectKind) -> bool {
        match self {
            Self::Jsonl => true,
            Self::Webvtt | Self::Textgrid => kind == ProjectKind::Transcription,
            Self::PreferenceJsonl => kind == ProjectKind::Preference,
        }
    }
}

/// An export request and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// Export id, e.g. `x-1f2e3d4c5b6a7988`; embedded in every exported file.
    pub id: String,
    /// Project name.
    pub project: String,
    /// Project id.
    pub project_id: i64,
    /// Format.
    pub format: ExportFormat,
    /// Output folder on the host.
    pub out_dir: String,
    /// Why, as the requester typed it.
    pub reason: String,
    /// Requester's user name and session.
    pub requested_by: String,
    /// Unix seconds.
    pub requested_at: i64,
    /// Approvals the policy asked for (1: the request itself; 2: one more admin).
    pub approvals_needed: u8,
    /// The second admin, once approved.
    pub approved_by: Option<String>,
    /// `pending`, `approved`, `done` or `cancelled`.
    pub status: String,
    /// Records written, once done.
    pub records: Option<i64>,
}

const COLUMNS: &str = "e.id, p.name, e.project_id, e.format, e.out_dir, e.reason, e.requested_by, e.requested_at,
                       e.approvals_needed, e.approved_by, e.status, e.records";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ExportRequest, String)> {
    let format: String = r.get(3)?;
    Ok((
        ExportRequest {
            id: r.get(0)?,
            project: r.get(1)?,
            project_id: r.get(2)?,
            format: ExportFormat::Jsonl,
            out_dir: r.get(4)?,
            reason: r.get(5)?,
            requested_by: r.get(6)?,
            requested_at: r.get(7)?,
            approvals_needed: r.get(8)?,
            approved_by: r.get(9)?,
            status: r.get(10)?,
            records: r.get(11)?,
        },
        format,
    ))
}

fn with_format((mut request, format): (ExportRequest, String)) -> Result<ExportRequest, StoreError> {
    request.format = ExportFormat::parse(&format)?;
    Ok(request)
}

impl Store {
    /// Refuses (and audits) an export of `project` that its policy or state forbids.
    fn check_exportable(&self, by: &Principal, project: i64) -> Result<super::ProjectRecord, StoreError> {
        self.authorize(by, Some(project), Action::Export)?;
        let record = self.project_by_id(project)?;
        if !record.policy.export_allowed {
            let denial = Denial::ExportNotAllowed { project };
            self.denials.denied(by, Some(project), Action::Export, &denial);
            return Err(StoreError::Denied(denial));
        }
        Ok(record)
    }

    /// Records an export request. With one approval in the policy it is approved at once.
    pub fn request_export(
        &self,
        by: &Principal,
        project: &str,
        format: ExportFormat,
        out_dir: &str,
        reason: &str,
    ) -> Result<ExportRequest, StoreError> {
        let record = self.project_by_name(project)?;
        let record = self.check_exportable(by, record.id)?;
        if !format.fits(record.kind) {
            return Err(StoreError::Invalid {
                field: "export format",
                value: format.as_str().into(),
                reason: format!("it does not fit a {} project", record.kind.as_str()),
            });
        }
        if reason.trim().len() < 4 {
            return Err(StoreError::Invalid {
                field: "reason",
                value: reason.into(),
                reason: "say why the data leaves cloister (at least a few words)".into(),
            });
        }
        let mut random = [0u8; 8];
        rand::fill(&mut random[..]);
        let id = format!("x-{}", hex::encode(random));
        let needed = record.policy.export_approvals;
        let status = if needed <= 1 { "approved" } else { "pending" };
        self.conn.execute(
            "INSERT INTO exports (id, project_id, format, out_dir, reason, requested_by, requested_by_id,
                                  requested_at, approvals_needed, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                record.id,
                format.as_str(),
                out_dir,
                reason.trim(),
                format!("{} {}", by.name, by.session),
                by.user_id,
                now_secs(),
                needed,
                status
            ],
        )?;
        self.export_request(by, &id)
    }

    /// An export request by id (admin only).
    pub fn export_request(&self, by: &Principal, id: &str) -> Result<ExportRequest, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let sql = format!("SELECT {COLUMNS} FROM exports e JOIN projects p ON p.id = e.project_id WHERE e.id = ?1");
        let row = self.conn.query_row(&sql, [id], from_row).optional()?;
        with_format(row.ok_or(StoreError::NotFound { what: "export", name: id.into() })?)
    }

    /// Export requests, newest first (admin only).
    pub fn list_exports(&self, by: &Principal) -> Result<Vec<ExportRequest>, StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        let sql = format!(
            "SELECT {COLUMNS} FROM exports e JOIN projects p ON p.id = e.project_id ORDER BY e.requested_at DESC, e.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], from_row)?;
        rows.map(|r| with_format(r?)).collect()
    }

    /// A second admin approves a pending export. The requester cannot approve their own.
    pub fn approve_export(&self, by: &Principal, id: &str) -> Result<ExportRequest, StoreError> {
        let request = self.export_request(by, id)?;
        self.check_exportable(by, request.project_id)?;
        let requester: i64 =
            self.conn.query_row("SELECT requested_by_id FROM exports WHERE id = ?1", [id], |r| r.get(0))?;
        if requester == by.user_id {
            let denial = Denial::OwnExport { export: id.into() };
            self.denials.denied(by, Some(request.project_id), Action::Export, &denial);
            return Err(StoreError::Denied(denial));
        }
        if request.status != "pending" {
            return Err(StoreError::Invalid {
                field: "export",
                value: id.into(),
                reason: format!("it is {}, not pending approval", request.status),
            });
        }
        self.conn.execute(
            "UPDATE exports SET status = 'approved', approved_by = ?1, approved_by_id = ?2, approved_at = ?3
             WHERE id = ?4 AND status = 'pending'",
            params![format!("{} {}", by.name, by.session), by.user_id, now_secs(), id],
        )?;
        self.export_request(by, id)
    }

    /// Checks that an export may be carried out now: approved, not yet done, project open and
    /// policy still allowing it.
    pub fn check_export_ready(&self, by: &Principal, id: &str) -> Result<ExportRequest, StoreError> {
        let request = self.export_request(by, id)?;
        self.check_exportable(by, request.project_id)?;
        match request.status.as_str() {
            "approved" => Ok(request),
            "pending" => Err(StoreError::Invalid {
                field: "export",
                value: id.into(),
                reason: "it waits for a second admin: `ssh ADMIN@HOST export approve ID`".into(),
            }),
            other => Err(StoreError::Invalid {
                field: "export",
                value: id.into(),
                reason: format!("it is {other}; request a new export"),
            }),
        }
    }

    /// Marks an export carried out; an export id is used once.
    pub fn finish_export(
        &self,
        by: &Principal,
        id: &str,
        records: i64,
        manifest_sha256: &str,
    ) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageProjects)?;
        self.conn.execute(
            "UPDATE exports SET status = 'done', done_at = ?1, records = ?2, manifest_sha256 = ?3
             WHERE id = ?4 AND status = 'approved'",
            params![now_secs(), records, manifest_sha256, id],
        )?;
        Ok(())
    }
}
