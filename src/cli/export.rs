//! `cloister export`: controlled export of a project's data with a reason, approvals where the
//! policy asks for two, a manifest of SHA-256 sums, the export id watermarked in every file, and
//! an audit record written before any file is.

use super::CliError;
use super::context::Ctx;
use crate::audit::EventKind;
use crate::store::{ExportFormat, ExportRequest};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `cloister export`: a new export, or one of its subcommands.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ExportArgs {
    /// The data directory.
    #[arg(long, default_value = "data", global = true)]
    pub data: PathBuf,
    /// What to do with existing exports.
    #[command(subcommand)]
    pub action: Option<ExportAction>,
    /// The project to export.
    #[arg(long)]
    pub project: Option<String>,
    /// jsonl, webvtt, textgrid or preference-jsonl.
    #[arg(long)]
    pub format: Option<String>,
    /// An empty (or new) folder to write into.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Why the data leaves cloister (recorded in the manifest and the audit log).
    #[arg(long)]
    pub reason: Option<String>,
    /// Seconds to wait for a second admin's approval where the policy asks for one.
    #[arg(long, default_value_t = 0)]
    pub wait: u64,
}

/// `cloister export list|approve|run`
#[derive(Debug, clap::Subcommand)]
pub enum ExportAction {
    /// List export requests, newest first.
    List,
    /// Approve another admin's pending export (over ssh: `ssh ADMIN@HOST export approve ID`).
    Approve {
        /// The export id.
        id: String,
    },
    /// Carry out an approved export.
    Run {
        /// The export id.
        id: String,
    },
}

/// Exit code of an export left waiting for approval.
pub const PENDING: u8 = 3;

/// Runs `export …`.
pub fn run(ctx: &mut Ctx<'_>, args: ExportArgs) -> Result<u8, CliError> {
    match args.action {
        Some(ExportAction::List) => list(ctx),
        Some(ExportAction::Approve { id }) => approve(ctx, &id),
        Some(ExportAction::Run { id }) => carry_out(ctx, &id),
        None => request(ctx, args),
    }
}

fn list(ctx: &mut Ctx<'_>) -> Result<u8, CliError> {
    for e in ctx.store.list_exports(ctx.by)? {
        let approved = e.approved_by.as_deref().unwrap_or("-");
        writeln!(
            ctx.out,
            "{}\t{}\t{}\t{}\trequested-by={}\tapprovals={}\tapproved-by={approved}\trecords={}\treason={:?}",
            e.id,
            e.project,
            e.format.as_str(),
            e.status,
            e.requested_by,
            e.approvals_needed,
            e.records.map_or("-".to_string(), |r| r.to_string()),
            e.reason
        )?;
    }
    Ok(0)
}

fn approve(ctx: &mut Ctx<'_>, id: &str) -> Result<u8, CliError> {
    let request = ctx.store.export_request(ctx.by, id)?;
    ctx.record(Some(request.project_id), EventKind::Admin { action: format!("export approve {id}") })?;
    let approved = ctx.store.approve_export(ctx.by, id)?;
    writeln!(ctx.out, "export {id} of {} approved; the requester can now run it", approved.project)?;
    Ok(0)
}

fn request(ctx: &mut Ctx<'_>, args: ExportArgs) -> Result<u8, CliError> {
    ctx.local_only("export")?;
    let missing = |what: &str| CliError::Usage(format!("export needs {what}"));
    let project = args.project.ok_or_else(|| missing("--project NAME"))?;
    let format = ExportFormat::parse(&args.format.ok_or_else(|| missing("--format FORMAT"))?)?;
    let out = args.out.ok_or_else(|| missing("--out DIR"))?;
    let reason = args.reason.ok_or_else(|| missing("--reason \"why\""))?;
    let out_text = out.display().to_string();
    let request = ctx.store.request_export(ctx.by, &project, format, &out_text, &reason)?;
    ctx.record(
        Some(request.project_id),
        EventKind::Admin {
            action: format!(
                "export request {} of {project} as {} to {out_text}: {reason}",
                request.id,
                format.as_str()
            ),
        },
    )?;
    if request.status == "approved" {
        return carry_out(ctx, &request.id);
    }
    writeln!(
        ctx.out,
        "export {} of {project} waits for a second admin's approval (project policy): ssh ADMIN@HOST export approve {}",
        request.id, request.id
    )?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(args.wait);
    while std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(250));
        if ctx.store.export_request(ctx.by, &request.id)?.status == "approved" {
            return carry_out(ctx, &request.id);
        }
    }
    writeln!(ctx.out, "once approved: cloister export run {}", request.id)?;
    Ok(PENDING)
}

/// Writes `bytes` to a new file only the service user can read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn prepare_folder(out: &Path) -> Result<(), CliError> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out)?;
        if entries.next().is_some() {
            return Err(CliError::Usage(format!(
                "--out {} is not empty; export into a new or empty folder",
                out.display()
            )));
        }
    } else {
        crate::datadir::create_private_dir(out)?;
    }
    Ok(())
}

fn carry_out(ctx: &mut Ctx<'_>, id: &str) -> Result<u8, CliError> {
    ctx.local_only("export run")?;
    let content = ctx.store.export_content(ctx.by, id)?;
    let request: &ExportRequest = &content.request;
    let out = PathBuf::from(&request.out_dir);
    prepare_folder(&out)?;
    let files = crate::export::render(&content, request.format);
    let records: u64 = files.iter().map(|f| f.records).sum();
    // No record, no export: the audit event precedes the first byte written.
    ctx.record(
        Some(request.project_id),
        EventKind::Export {
            what: format!("export {id} of project {} to {}: {}", request.project, request.out_dir, request.reason),
            format: request.format.as_str().into(),
            count: records,
        },
    )?;
    let mut listed = Vec::new();
    for file in &files {
        write_private(&out.join(&file.name), &file.bytes)?;
        listed.push(serde_json::json!({
            "name": file.name,
            "sha256": hex::encode(Sha256::digest(&file.bytes)),
            "bytes": file.bytes.len(),
            "records": file.records,
        }));
    }
    let approvals: Vec<&str> =
        [Some(request.requested_by.as_str()), request.approved_by.as_deref()].into_iter().flatten().collect();
    let manifest = serde_json::json!({
        "version": 1,
        "export_id": id,
        "project": request.project,
        "kind": content.kind.as_str(),
        "format": request.format.as_str(),
        "exporter": format!("{} {}", ctx.by.name, ctx.by.session),
        "approvals": approvals,
        "reason": request.reason,
        "requested_at": crate::audit::format_time(request.requested_at.saturating_mul(1_000_000_000)),
        "time": crate::audit::format_time(crate::audit::now_ns()),
        "masked": content.masked,
        "records": records,
        "files": listed,
    });
    let manifest = format!("{manifest:#}\n");
    write_private(&out.join("manifest.json"), manifest.as_bytes())?;
    let digest = hex::encode(Sha256::digest(manifest.as_bytes()));
    ctx.store.finish_export(ctx.by, id, i64::try_from(records).unwrap_or(i64::MAX), &digest)?;
    writeln!(
        ctx.out,
        "export {id}: {records} records of {} in {} file(s) written to {} (manifest.json sha256 {digest})",
        request.project,
        files.len(),
        out.display()
    )?;
    Ok(0)
}
