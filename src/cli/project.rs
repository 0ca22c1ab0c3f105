//! `cloister project list|close|purge` and `cloister retention run`: a project's lifecycle from
//! open to a certified deletion.

use super::CliError;
use super::context::Ctx;
use crate::audit::certificate::{DeletionCertificate, DeletionFacts};
use crate::audit::{AuditKeys, EventKind};
use crate::store::{ProjectRecord, ProjectState, PurgeReport};
use clap::Subcommand;
use std::path::PathBuf;

/// `cloister project …`
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// List projects: name, kind, state and counts, one a line.
    List {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Close a project: annotation and export stop, the retention clock starts.
    Close {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The project.
        name: String,
    },
    /// Purge a closed project: destroy its key, delete its rows, wipe the files, and write a
    /// signed deletion certificate.
    Purge {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The project.
        name: String,
        /// Confirm: this cannot be undone.
        #[arg(long)]
        yes: bool,
        /// Where to write the certificate (default DIR/certificates/NAME-TIME.cert).
        #[arg(long)]
        cert: Option<PathBuf>,
    },
}

/// `cloister retention …`
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Purge every closed project whose retention period (policy `retention_days`) has passed.
    Run {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Only list what is due.
        #[arg(long)]
        dry_run: bool,
    },
}

fn date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// One line of `project list`: name, kind, state, then counts and lifecycle dates.
fn list_line(ctx: &Ctx<'_>, p: &ProjectRecord) -> Result<String, CliError> {
    let mut line =
        format!("{}\t{}\t{}\titems={}\tsegments={}", p.name, p.kind.as_str(), p.state.as_str(), p.items, p.segments);
    if p.state != ProjectState::Purged {
        let (annotations, assignments, annotated) = ctx.store.project_progress(ctx.by, p.id)?;
        line.push_str(&format!("\tassignments={assignments}\tannotations={annotations}\tannotated={annotated}"));
    }
    let dates = ctx.store.project_dates(ctx.by, &p.name)?;
    match (p.state, dates.closed_at, dates.purged_at) {
        (ProjectState::Purged, _, Some(purged)) => line.push_str(&format!("\tpurged={}", date(purged))),
        (ProjectState::Closed, Some(closed), _) => {
            let due = dates.purge_due(p.policy.retention_days).unwrap_or(closed);
            line.push_str(&format!("\tclosed={}\tpurge-due={}", date(closed), date(due)));
        }
        _ => {}
    }
    Ok(line)
}

/// Runs `project list|close` (also over SSH) and `project purge` (host only).
pub fn run(ctx: &mut Ctx<'_>, command: ProjectCommand) -> Result<u8, CliError> {
    match command {
        ProjectCommand::List { .. } => {
            for project in ctx.store.list_projects(ctx.by)? {
                let line = list_line(ctx, &project)?;
                writeln!(ctx.out, "{line}")?;
            }
            Ok(0)
        }
        ProjectCommand::Close { name, .. } => {
            let project = ctx.store.project(ctx.by, &name)?;
            ctx.record_admin(format!("project close {name} (id {})", project.id))?;
            let closed = ctx.store.close_project(ctx.by, &name)?;
            let due = ctx.store.project_dates(ctx.by, &name)?.purge_due(closed.policy.retention_days).unwrap_or(0);
            writeln!(
                ctx.out,
                "project {name} closed: no more annotation or export; purge due {} (retention {} days)",
                date(due),
                closed.policy.retention_days
            )?;
            Ok(0)
        }
        ProjectCommand::Purge { name, yes, cert, .. } => {
            ctx.local_only("project purge")?;
            if !yes {
                return Err(CliError::Usage(format!(
                    "purging {name} destroys its key and every row of it for good; add --yes to confirm"
                )));
            }
            purge(ctx, &name, cert)
        }
    }
}

/// Purges one project, certifies it, and wipes the files.
fn purge(ctx: &mut Ctx<'_>, name: &str, cert_path: Option<PathBuf>) -> Result<u8, CliError> {
    let project = ctx.store.project(ctx.by, name)?;
    if project.state == ProjectState::Purged {
        // Finish an interrupted wipe; the certificate was issued the first time.
        ctx.record_admin(format!("project purge {name} (id {}): wipe again", project.id))?;
        ctx.store.wipe_deleted(ctx.by, name)?;
        writeln!(ctx.out, "project {name} was already purged; database and WAL wiped again")?;
        return Ok(0);
    }
    ctx.record_admin(format!("project purge {name} (id {})", project.id))?;
    let report = ctx.store.purge_project(ctx.by, name)?;
    let rows = report.rows.iter().map(|r| format!("{}={}", r.table, r.rows)).collect::<Vec<_>>().join(" ");
    ctx.record_admin(format!("project {name} (id {}) purged: key destroyed; rows {rows}", project.id))?;
    let certificate = certify(ctx, &report)?;
    let path = match cert_path {
        Some(path) => path,
        None => {
            let folder = ctx.dir.root.join("certificates");
            crate::datadir::create_private_dir(&folder)?;
            folder.join(format!("{name}-{}.cert", report.purged_at))
        }
    };
    std::fs::write(&path, &certificate)?;
    ctx.store.wipe_deleted(ctx.by, name)?;
    let total: i64 = report.rows.iter().map(|r| r.rows).sum();
    writeln!(ctx.out, "project {name} purged: key destroyed, {total} rows deleted, files wiped")?;
    writeln!(ctx.out, "deletion certificate: {}", path.display())?;
    writeln!(ctx.out, "check it with: cloister cert verify {}", path.display())?;
    Ok(0)
}

/// Signs a checkpoint of the log (which now holds the purge) and a certificate anchored to it.
fn certify(ctx: &mut Ctx<'_>, report: &PurgeReport) -> Result<String, CliError> {
    let checkpoint = ctx
        .audit
        .checkpoint_blocking()?
        .ok_or_else(|| CliError::Usage("the audit log is empty, so nothing can anchor the certificate".into()))?;
    let keys = AuditKeys::load(&ctx.dir.audit_key_paths())?;
    let facts = DeletionFacts {
        project: report.name.clone(),
        project_id: report.project,
        kind: report.kind.as_str().to_string(),
        created: report.created_at,
        closed: report.closed_at.unwrap_or(0),
        purged: report.purged_at,
        purged_by: format!("{} {}", ctx.by.name, ctx.by.session),
        rows: report.rows.iter().map(|r| (r.table.clone(), r.rows)).collect(),
        exports: report.exports.clone(),
        checkpoint,
    };
    let text = DeletionCertificate::sign(facts, &keys.signing).to_text();
    ctx.store.store_certificate(ctx.by, report.project, &text)?;
    Ok(text)
}

/// Runs `retention run`: purges (and certifies) every closed project past its retention period.
pub fn retention(ctx: &mut Ctx<'_>, command: RetentionCommand) -> Result<u8, CliError> {
    let RetentionCommand::Run { dry_run, .. } = command;
    ctx.local_only("retention run")?;
    let due = ctx.store.projects_due(ctx.by, chrono::Utc::now().timestamp())?;
    if due.is_empty() {
        writeln!(ctx.out, "no project is due for purge")?;
        return Ok(0);
    }
    if dry_run {
        for project in &due {
            writeln!(ctx.out, "due: {}", project.name)?;
        }
        return Ok(0);
    }
    ctx.record(None, EventKind::Admin { action: format!("retention run: {} due", due.len()) })?;
    for project in due {
        purge(ctx, &project.name, None)?;
    }
    Ok(0)
}
