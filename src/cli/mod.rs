//! Command-line interface: clap definitions and dispatch.

mod admin;
mod audit;
pub(crate) mod demo;
mod import;
mod loadtest;
mod loadtest_items;
mod loadtest_sshd;
mod pii;
mod serve;

pub use demo::{CALLS_PROJECT, DEMO_USERS, PREFS_PROJECT, read_public_key, setup as demo_setup};
pub use import::{import_into, read_items};

use crate::datadir::{DataDir, DataDirError};
use crate::import::ImportError;
use crate::policy::Principal;
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
    /// Assign a project's unassigned items round-robin to users.
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
    /// Manage projects.
    Project {
        /// The project command.
        #[command(subcommand)]
        command: ProjectCommand,
    },
}

/// `cloister project …`
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// List projects: name, kind, state and counts, one a line.
    List {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
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
        Command::User { data, command } => admin::user(data, command),
        Command::Key { data, command } => admin::key(data, command),
        Command::Grant { data, user, role, project } => admin::grant(data, &user, &role, project.as_deref()),
        Command::Assign { data, project, to, stage } => admin::assign(data, &project, &to, &stage),
        Command::Loadtest(args) => loadtest::run(args),
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
        Command::Project { command: ProjectCommand::List { data } } => {
            let store = DataDir::new(data).store()?;
            for p in store.list_projects(&Principal::operator())? {
                println!(
                    "{}\t{}\t{}\titems={}\tsegments={}",
                    p.name,
                    p.kind.as_str(),
                    p.state.as_str(),
                    p.items,
                    p.segments
                );
            }
            Ok(0)
        }
    }
}

/// Parses a project kind from the command line.
fn parse_kind(text: &str) -> Result<ProjectKind, CliError> {
    ProjectKind::parse(text).map_err(|e| CliError::Usage(e.to_string()))
}
