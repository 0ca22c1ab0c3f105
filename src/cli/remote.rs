//! Admin commands over SSH (`ssh -p 2222 carol@host user list`): parsed with clap from the exec
//! string, run with the same code as the host's command line against the live store, audited.
//! Commands that read or write host files (purge, export run, key files) stay on the host.

use super::context::Ctx;
use super::{CliError, admin, ca, cert, export, project, report, stats};
use crate::audit::{AuditKeys, AuditReader};
use clap::{Parser, Subcommand};

/// The commands an admin may run over SSH.
#[derive(Debug, Parser)]
#[command(name = "cloister", no_binary_name = true, disable_version_flag = true)]
pub struct RemoteCli {
    /// The command.
    #[command(subcommand)]
    pub command: RemoteCommand,
}

/// `ssh ADMIN@HOST …`
#[derive(Debug, Subcommand)]
pub enum RemoteCommand {
    /// Manage users.
    User {
        /// The user command.
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// Manage keys (paste the key line in quotes: `key add bob 'ssh-ed25519 AAAA… bob@pc'`).
    Key {
        /// The key command.
        #[command(subcommand)]
        command: admin::KeyCommand,
    },
    /// Grant a role.
    Grant {
        /// The user.
        user: String,
        /// annotator, qa, reviewer or admin.
        role: String,
        /// The project (not for admin).
        #[arg(long)]
        project: Option<String>,
    },
    /// Assign items, balanced, K users per item.
    Assign {
        /// The project.
        #[arg(long)]
        project: String,
        /// The users.
        #[arg(long, num_args = 1..)]
        to: Vec<String>,
        /// annotate or qa.
        #[arg(long, default_value = "annotate")]
        stage: String,
        /// Users per item.
        #[arg(long, default_value_t = 1)]
        overlap: usize,
    },
    /// Projects: list, close (purge runs on the host).
    Project {
        /// The project command.
        #[command(subcommand)]
        command: project::ProjectCommand,
    },
    /// Agreement statistics.
    Stats {
        /// The project.
        #[arg(long)]
        project: String,
    },
    /// Compliance report.
    Report {
        /// The project.
        #[arg(long)]
        project: String,
        /// text or jsonl.
        #[arg(long, value_enum, default_value_t = report::ReportFormat::Text)]
        format: report::ReportFormat,
    },
    /// Exports: list, approve (requests and runs happen on the host).
    Export(export::ExportArgs),
    /// Trusted certificate authorities.
    Ca {
        /// The CA command.
        #[command(subcommand)]
        command: ca::CaCommand,
    },
    /// Show a project's deletion certificate.
    Cert {
        /// The project.
        project: String,
    },
    /// Live sessions: list, kick.
    Sessions {
        /// The sessions command.
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// The audit log's last events, decrypted.
    Audit {
        /// The audit command.
        #[command(subcommand)]
        command: RemoteAudit,
    },
}

/// `sessions …`
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List live sessions: id, user, peer, start.
    List,
    /// End a live session within a second.
    Kick {
        /// The session id.
        id: String,
    },
}

/// `audit …` over SSH.
#[derive(Debug, Subcommand)]
pub enum RemoteAudit {
    /// The last N events.
    Tail {
        /// How many events.
        #[arg(short = 'n', long = "lines", default_value_t = 20)]
        lines: u64,
    },
}

/// Runs a parsed remote command.
pub fn run(ctx: &mut Ctx<'_>, command: RemoteCommand) -> Result<u8, CliError> {
    match command {
        RemoteCommand::User { command } => admin::user(ctx, command),
        RemoteCommand::Key { command } => admin::key(ctx, command),
        RemoteCommand::Grant { user, role, project } => admin::grant(ctx, &user, &role, project.as_deref()),
        RemoteCommand::Assign { project, to, stage, overlap } => admin::assign(ctx, &project, &to, &stage, overlap),
        RemoteCommand::Project { command } => project::run(ctx, command),
        RemoteCommand::Stats { project } => stats::run(ctx, &project),
        RemoteCommand::Report { project, format } => report::run(ctx, &project, format),
        RemoteCommand::Export(args) => export::run(ctx, args),
        RemoteCommand::Ca { command } => ca::run(ctx, command),
        RemoteCommand::Cert { project } => cert::show(ctx, &project),
        RemoteCommand::Sessions { command } => sessions(ctx, command),
        RemoteCommand::Audit { command: RemoteAudit::Tail { lines } } => tail(ctx, lines),
    }
}

fn sessions(ctx: &mut Ctx<'_>, command: SessionsCommand) -> Result<u8, CliError> {
    let Some(live) = ctx.live else {
        return Err(CliError::Usage("live sessions exist only inside the server: run this over ssh".into()));
    };
    match command {
        SessionsCommand::List => {
            ctx.record_admin("sessions list")?;
            for s in live.list() {
                let started =
                    chrono::DateTime::from_timestamp(s.started, 0).map(|t| t.to_rfc3339()).unwrap_or_default();
                writeln!(ctx.out, "{}\t{}\t{}\t{started}", s.id, s.user, s.peer)?;
            }
        }
        SessionsCommand::Kick { id } => {
            ctx.record_admin(format!("sessions kick {id}"))?;
            if !live.kick(&id) {
                return Err(CliError::Usage(format!("no live session {id:?}; see `sessions list`")));
            }
            writeln!(ctx.out, "session {id} ends within a second")?;
        }
    }
    Ok(0)
}

/// The last `lines` events, decrypted (reading the log is recorded first).
pub fn tail(ctx: &mut Ctx<'_>, lines: u64) -> Result<u8, CliError> {
    for line in tail_lines(ctx, lines)? {
        writeln!(ctx.out, "{line}")?;
    }
    Ok(0)
}

/// The last `lines` events as `audit tail` lines (shared with the admin console). Over SSH the
/// details of events with a project are not shown: they may hold its data (a paste), and an
/// admin reads no data without a data role.
pub fn tail_lines(ctx: &mut Ctx<'_>, lines: u64) -> Result<Vec<String>, CliError> {
    ctx.record_admin(format!("audit tail -n {lines}"))?;
    let keys = AuditKeys::load(&ctx.dir.audit_key_paths())?;
    let keyring = ctx.store.keyring()?;
    let reader = AuditReader::open(&ctx.dir.audit_db_path(), &keys.sealing, &*keyring)?;
    let mut out = Vec::new();
    let remote = ctx.remote;
    reader.after(reader.head()?.saturating_sub(lines), u64::MAX, &mut |event| {
        out.push(match event.project {
            Some(project) if remote => format!(
                "{}\t{}\t{}\t{}\t{}\t{project}\t(project data not shown over ssh)",
                event.seq,
                crate::audit::format_time(event.time_ns),
                event.session,
                event.user,
                event.kind
            ),
            _ => event.to_tail_line(),
        });
        Ok(())
    })?;
    Ok(out)
}

/// Splits an exec string like a POSIX shell would (quotes, backslashes), or says why not.
pub fn split(command: &str) -> Result<Vec<String>, String> {
    shlex::split(command).ok_or_else(|| format!("cannot split {command:?}: unbalanced quotes"))
}
