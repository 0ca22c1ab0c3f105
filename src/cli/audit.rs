//! `cloister audit …`: verify, tail, export, replay and checkpoint the audit log.
//!
//! Commands that show decrypted events record an admin event first (and refuse if they cannot:
//! reading the audit log is itself an access).

use super::CliError;
use crate::audit::keys::load_public;
use crate::audit::{AuditError, AuditKeys, AuditLog, AuditReader, Checkpoint, Event, EventKind, NoProjectKeys};
use crate::audit::{VerifyOptions, checkpoint, verify};
use crate::datadir::DataDir;
use crate::policy::Principal;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// `cloister audit …`
#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain, every stored checkpoint and every readable payload; exit 0 when intact,
    /// otherwise 1 naming the first bad seq.
    Verify {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// A checkpoint saved earlier with `cloister audit checkpoint` (detects a cut or rewritten log).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Check the chain and checkpoints only, not payload authenticity (needs no secret keys).
        #[arg(long)]
        chain_only: bool,
    },
    /// Show the last events, decrypted, one a line (tab-separated).
    Tail {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// How many events.
        #[arg(short = 'n', long = "lines", default_value_t = 20)]
        lines: u64,
        /// Keep printing new events as they are written.
        #[arg(short = 'f', long)]
        follow: bool,
    },
    /// Export events, decrypted, for a SIEM.
    Export {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Only events at or after this RFC 3339 time, e.g. 2026-01-31T09:00:00Z.
        #[arg(long)]
        since: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
        format: ExportFormat,
    },
    /// Show a session's keystroke timeline: each key with the screen and segment it acted on.
    Replay {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The session id (as shown by `audit tail`).
        session: String,
    },
    /// Print the latest signed checkpoint as text to copy off the host.
    Checkpoint {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Sign a new checkpoint of the current head first.
        #[arg(long)]
        new: bool,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line.
    Jsonl,
}

/// Runs an audit command; returns the exit code.
pub fn run(command: AuditCommand) -> Result<u8, CliError> {
    match command {
        AuditCommand::Verify { data, checkpoint, chain_only } => {
            run_verify(&DataDir::new(data), checkpoint, chain_only)
        }
        AuditCommand::Tail { data, lines, follow } => {
            let dir = DataDir::new(data);
            let action = format!("audit tail -n {lines}{}", if follow { " -f" } else { "" });
            with_reader(&dir, &action, |reader| tail(reader, lines, follow))
        }
        AuditCommand::Export { data, since, format: ExportFormat::Jsonl } => {
            let dir = DataDir::new(data);
            let since_ns = match &since {
                Some(text) => crate::audit::parse_time(text).map_err(|e| CliError::Usage(format!("--since: {e}")))?,
                None => i64::MIN,
            };
            let action = format!("audit export --since {} --format jsonl", since.as_deref().unwrap_or("(start)"));
            with_reader(&dir, &action, |reader| export(reader, since_ns))
        }
        AuditCommand::Replay { data, session } => {
            let dir = DataDir::new(data);
            with_reader(&dir, &format!("audit replay {session}"), |reader| replay(reader, &session))
        }
        AuditCommand::Checkpoint { data, new } => run_checkpoint(&DataDir::new(data), new),
    }
}

fn bar(total: u64, what: &str) -> ProgressBar {
    // indicatif draws to stderr only when it is a terminal.
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {per_sec} {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// The data keys of every project that still has one (purged projects have none).
fn project_keys(dir: &DataDir) -> Result<crate::store::Keyring, CliError> {
    Ok(dir.store()?.keyring()?)
}

fn run_verify(dir: &DataDir, checkpoint_file: Option<PathBuf>, chain_only: bool) -> Result<u8, CliError> {
    let trusted = load_public(&dir.audit_signing_pub_path())?;
    let saved = match &checkpoint_file {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| AuditError::Io { path: path.clone(), source })?;
            Some(Checkpoint::parse(&text).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?)
        }
    };
    let secrets = if chain_only { None } else { Some((AuditKeys::load(&dir.audit_key_paths())?, project_keys(dir)?)) };
    let options = VerifyOptions {
        trusted_key: Some(&trusted),
        checkpoint: saved.as_ref(),
        payload_keys: secrets
            .as_ref()
            .map(|(keys, projects)| (&keys.sealing, &**projects as &dyn crate::audit::ProjectKeys)),
        threads: 0,
    };
    let progress = bar(0, "verifying");
    let report = verify(&dir.audit_db_path(), &options, &|done, total| {
        progress.set_length(total);
        progress.set_position(done);
    })?;
    progress.finish_and_clear();
    if !report.missing_triggers.is_empty() {
        eprintln!(
            "warning: append-only triggers are missing from {}: {} (someone edited the database by hand)",
            dir.audit_db_path().display(),
            report.missing_triggers.join(", ")
        );
    }
    if let Some(problem) = &report.problem {
        eprintln!("audit log is NOT intact: {problem}");
        return Ok(1);
    }
    println!(
        "audit log intact: {} events, head {}, {} stored checkpoints verified",
        report.events,
        hex::encode(report.head),
        report.checkpoints
    );
    if let Some(saved) = &saved {
        println!(
            "  matches the saved checkpoint of size {} ({})",
            saved.size,
            crate::audit::format_time(saved.time_ns)
        );
    }
    if secrets.is_some() {
        println!(
            "  payloads: {} authenticated, {} unreadable (purged projects; still covered by the chain)",
            report.payloads_opened, report.payloads_unreadable
        );
    }
    Ok(0)
}

/// Records that the operator is reading the log, then runs `body` on a decrypting reader.
fn with_reader(
    dir: &DataDir,
    action: &str,
    body: impl FnOnce(&AuditReader<'_>) -> Result<u8, CliError>,
) -> Result<u8, CliError> {
    let config = dir.config()?;
    let keys = AuditKeys::load(&dir.audit_key_paths())?;
    let projects = project_keys(dir)?;
    let log = AuditLog::open_dir(dir, &config.audit, Arc::new(NoProjectKeys))?;
    log.record_blocking(Event::by(&Principal::operator(), None, EventKind::Admin { action: action.to_string() }))?;
    log.shutdown_blocking()?;
    let reader = AuditReader::open(&dir.audit_db_path(), &keys.sealing, &*projects)?;
    body(&reader)
}

fn tail(reader: &AuditReader<'_>, lines: u64, follow: bool) -> Result<u8, CliError> {
    let mut last = reader.head()?.saturating_sub(lines);
    let mut out = std::io::stdout().lock();
    loop {
        let mut failed = None;
        reader.after(last, u64::MAX, &mut |event| {
            last = event.seq;
            if let Err(error) = writeln!(out, "{}", event.to_tail_line()) {
                failed = Some(error);
            }
            Ok(())
        })?;
        if let Some(error) = failed {
            return Err(error.into());
        }
        out.flush()?;
        if !follow {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

fn export(reader: &AuditReader<'_>, since_ns: i64) -> Result<u8, CliError> {
    let progress = bar(reader.head()?, "exporting");
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = None;
    reader.since(since_ns, &mut |event| {
        if event.seq.is_multiple_of(4096) {
            progress.set_position(event.seq);
        }
        if failed.is_none()
            && let Err(error) = writeln!(out, "{}", event.to_json_line())
        {
            failed = Some(error);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    if let Some(error) = failed {
        return Err(error.into());
    }
    out.flush()?;
    Ok(0)
}

fn replay(reader: &AuditReader<'_>, session: &str) -> Result<u8, CliError> {
    let mut start = None;
    let mut lines = Vec::new();
    let count = reader.session(session, &mut |event| {
        let start_ns = *start.get_or_insert(event.time_ns);
        if let Some(line) = event.to_replay_line(start_ns) {
            lines.push(line);
        }
        Ok(())
    })?;
    if count == 0 {
        return Err(CliError::Usage(format!(
            "no audit events for session {session:?}; session ids are in the third column of `cloister audit tail`"
        )));
    }
    let started = start.map(crate::audit::format_time).unwrap_or_default();
    println!("session {session}: {count} events from {started}; {} keys/pastes shown", lines.len());
    for line in lines {
        println!("{line}");
    }
    Ok(0)
}

fn run_checkpoint(dir: &DataDir, new: bool) -> Result<u8, CliError> {
    let path = dir.audit_db_path();
    if new {
        let config = dir.config()?;
        let log = AuditLog::open_dir(dir, &config.audit, Arc::new(NoProjectKeys))?;
        log.checkpoint_blocking()?;
        log.shutdown_blocking()?;
    }
    let conn = crate::audit::db::open_reader(&path)?;
    let (size, _) = crate::audit::db::head(&conn)?;
    let Some(latest) = checkpoint::latest(&conn)? else {
        eprintln!("no checkpoint yet ({size} events); sign one with `cloister audit checkpoint --new`");
        return Ok(1);
    };
    print!("{}", latest.to_text());
    if latest.size < size {
        eprintln!("note: {} events were written since; `--new` signs the current head", size - latest.size);
    }
    eprintln!("copy this text off the host; later: cloister audit verify --checkpoint FILE");
    Ok(0)
}
