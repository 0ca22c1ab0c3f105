//! Command-line interface: clap definitions and dispatch.

mod admin;
mod audit;
mod ca;
mod cert;
mod connect;
pub mod context;
pub(crate) mod demo;
mod export;
mod import;
mod keyimport;
mod loadtest;
mod loadtest_audio;
mod loadtest_items;
mod loadtest_session;
mod loadtest_sshd;
mod pii;
mod project;
pub mod remote;
mod report;
mod serve;
pub mod stats;

pub use demo::{CALLS_PROJECT, DEMO_USERS, PREFS_PROJECT, read_public_key, setup as demo_setup};
pub use import::{import_into, read_items};
pub use loadtest_items::import_synthetic;

use crate::datadir::{DataDir, DataDirError};
use crate::import::ImportError;
use crate::store::{ProjectKind, StoreError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Errors a command reports to the user.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Setting up or opening the data directory failed.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An import file is invalid.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),
    /// The SSH server failed.
    #[error(transparent)]
    Ssh(#[from] crate::ssh::SshError),
    /// Writing output failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The audit log failed or refused.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// `cloister connect` failed: host key, login or connection.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
}

/// cloister: annotate sensitive speech and RLHF data over SSH, with nothing leaving the host.
#[derive(Debug, Parser)]
#[command(name = "cloister", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a data directory: config, host key, master key and databases (never overwrites keys).
    Init {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Set up a demo (fixtures, users alice/quinn/bob/carol with keys) and serve it.
    Demo {
        /// The data directory (created or reused).
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:2222")]
        listen: std::net::SocketAddr,
        /// The fixtures folder to import.
        #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))]
        fixtures: PathBuf,
        /// Set up only; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve the TUI over SSH until SIGINT/SIGTERM.
    Serve {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Address to listen on (default: server.listen from cloister.toml).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
    },
    /// Connect to a server like `ssh`, and listen to the session's audio (docs/AUDIO.md).
    Connect(connect::ConnectArgs),
    /// Measure latency, bytes per key and memory per session against a fresh server.
    Loadtest(loadtest::LoadArgs),
    /// Import a dataset into a project (created if missing). All-or-nothing.
    Import(import::ImportArgs),
    /// Manage users.
    User {
        /// The data directory.
        #[arg(long, default_value = "data", global = true)]
        data: PathBuf,
        /// The user command.
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// Manage users' SSH keys.
    Key {
        /// The data directory.
        #[arg(long, default_value = "data", global = true)]
        data: PathBuf,
        /// The key command.
        #[command(subcommand)]
        command: admin::KeyCommand,
    },
    /// Grant a role: annotator, qa or reviewer on a project, or admin.
    Grant {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The user.
        user: String,
        /// annotator, qa, reviewer or admin.
        role: String,
        /// The project (not for admin).
        #[arg(long)]
        project: Option<String>,
    },
    /// Assign a project's items to users, balanced, with K users per item (`--overlap K`).
    Assign {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The project.
        #[arg(long)]
        project: String,
        /// The users.
        #[arg(long, num_args = 1..)]
        to: Vec<String>,
        /// annotate or qa.
        #[arg(long, default_value = "annotate")]
        stage: String,
        /// Users per item (for agreement statistics); the least-loaded users are chosen.
        #[arg(long, default_value_t = 1)]
        overlap: usize,
    },
    /// Agreement on overlapping work (Cohen's kappa, Krippendorff's alpha, WER) and position bias.
    Stats {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The project.
        #[arg(long)]
        project: String,
    },
    /// Detect and mask PII (`pii mask`), or measure detection on a gold file (`pii eval`).
    Pii {
        /// The PII command.
        #[command(subcommand)]
        command: pii::PiiCommand,
    },
    /// Verify, read and checkpoint the tamper-evident audit log.
    Audit {
        /// The audit command.
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Manage projects: list, close, purge.
    Project {
        /// The project command.
        #[command(subcommand)]
        command: project::ProjectCommand,
    },
    /// Purge closed projects whose retention period has passed.
    Retention {
        /// The retention command.
        #[command(subcommand)]
        command: project::RetentionCommand,
    },
    /// Export a project's data (admins, where the policy allows), or list/approve/run exports.
    Export(export::ExportArgs),
    /// Compliance report of a project from the verified audit log: access, reveals, exports,
    /// sessions, denials.
    Report {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The project.
        #[arg(long)]
        project: String,
        /// text or jsonl.
        #[arg(long, value_enum, default_value_t = report::ReportFormat::Text)]
        format: report::ReportFormat,
    },
    /// Trust OpenSSH certificate authorities for user certificates.
    Ca {
        /// The CA command.
        #[command(subcommand)]
        command: ca::CaCommand,
    },
    /// Check or show deletion certificates.
    Cert {
        /// The certificate command.
        #[command(subcommand)]
        command: cert::CertCommand,
    },
}

/// Runs a parsed command; returns the process exit code.
pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Init { data } => {
            let dir = DataDir::new(data);
            let report = dir.init()?;
            let said = |created: bool| if created { "created" } else { "kept (already present)" };
            println!("data directory {}", dir.root.display());
            println!("  cloister.toml        {}", said(report.config));
            println!("  keys/host_ed25519    {}", said(report.host_key));
            println!("  keys/master.key      {}", said(report.master_key));
            println!("  keys/audit*          {}", said(report.audit_keys));
            Ok(0)
        }
        Command::Demo { data, listen, fixtures, no_serve } => {
            demo::run(&DataDir::new(data), listen, &fixtures, no_serve)
        }
        Command::Import(args) => import::run(args),
        Command::User { data, command } => context::local(data, |ctx| admin::user(ctx, command)),
        Command::Key { data, command: admin::KeyCommand::Import { file, role, project, user } } => {
            context::local(data, |ctx| keyimport::run(ctx, &file, &role, project.as_deref(), user.as_deref()))
        }
        Command::Key { data, command } => context::local(data, |ctx| admin::key(ctx, command)),
        Command::Grant { data, user, role, project } => {
            context::local(data, |ctx| admin::grant(ctx, &user, &role, project.as_deref()))
        }
        Command::Assign { data, project, to, stage, overlap } => {
            context::local(data, |ctx| admin::assign(ctx, &project, &to, &stage, overlap))
        }
        Command::Stats { data, project } => context::local(data, |ctx| stats::run(ctx, &project)),
        Command::Loadtest(args) => loadtest::run(args),
        Command::Connect(args) => connect::run(args),
        Command::Serve { data, listen } => {
            let dir = DataDir::new(data);
            let listen = match listen {
                Some(addr) => addr,
                None => dir.config()?.server.listen,
            };
            serve::run(&dir, listen)
        }
        Command::Pii { command } => pii::run(command),
        Command::Audit { command } => audit::run(command),
        Command::Project { command } => {
            let data = match &command {
                project::ProjectCommand::List { data }
                | project::ProjectCommand::Close { data, .. }
                | project::ProjectCommand::Purge { data, .. } => data.clone(),
            };
            context::local(data, |ctx| project::run(ctx, command))
        }
        Command::Retention { command } => {
            let project::RetentionCommand::Run { data, .. } = &command;
            context::local(data.clone(), |ctx| project::retention(ctx, command))
        }
        Command::Report { data, project, format } => context::local(data, |ctx| report::run(ctx, &project, format)),
        Command::Ca { command } => context::local(command.data(), |ctx| ca::run(ctx, command)),
        Command::Export(args) => context::local(args.data.clone(), |ctx| export::run(ctx, args)),
        Command::Cert { command: cert::CertCommand::Verify { file, data, key } } => cert::verify(file, data, key),
        Command::Cert { command: cert::CertCommand::Show { data, project } } => {
            context::local(data, |ctx| cert::show(ctx, &project))
        }
    }
}

/// Parses a project kind from the command line.
fn parse_kind(text: &str) -> Result<ProjectKind, CliError> {
    ProjectKind::parse(text).map_err(|e| CliError::Usage(e.to_string()))
}
