//! Users, keys, grants and assignments from the host's command line (`cloister user|key|grant|assign`).

use super::CliError;
use crate::audit::{AuditLog, Event, EventKind, NoProjectKeys};
use crate::datadir::DataDir;
use crate::policy::{Principal, Role};
use clap::Subcommand;
use std::path::PathBuf;
use std::sync::Arc;

/// `cloister user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        /// Login name (must equal the SSH user name).
        name: String,
        /// Also grant the admin role.
        #[arg(long)]
        admin: bool,
    },
    /// List users.
    List,
    /// Disable a user: logins refused, live sessions end within a second.
    Disable {
        /// The user.
        name: String,
    },
}

/// `cloister key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Register an OpenSSH public key file for a user.
    Add {
        /// The user.
        user: String,
        /// The public key file (one OpenSSH line).
        file: PathBuf,
        /// Expiry date (YYYY-MM-DD, UTC midnight); refused from then on.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List keys with owner, fingerprint, expiry and revocation.
    List,
    /// Revoke a key by fingerprint; live sessions using it end within a second.
    Revoke {
        /// `SHA256:…` fingerprint as printed by `key list`.
        fingerprint: String,
    },
}

/// Parses `YYYY-MM-DD` into Unix seconds (UTC midnight).
fn parse_date(text: &str) -> Result<i64, CliError> {
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| CliError::Usage(format!("--expires {text:?} is not a date like 2027-01-31")))?;
    Ok(date.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0))
}

fn date(secs: Option<i64>) -> String {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Records an admin action in the audit log before it is carried out: no record, no action.
pub(crate) fn record_admin(dir: &DataDir, action: String) -> Result<(), CliError> {
    let config = dir.config()?;
    let log = AuditLog::open_dir(dir, &config.audit, Arc::new(NoProjectKeys))?;
    log.record_blocking(Event::by(&Principal::operator(), None, EventKind::Admin { action }))?;
    log.shutdown_blocking()?;
    Ok(())
}

/// Runs `cloister user …`.
pub fn user(data: PathBuf, command: UserCommand) -> Result<u8, CliError> {
    let dir = DataDir::new(data);
    let store = dir.store()?;
    let op = Principal::operator();
    record_admin(&dir, format!("user {command:?}"))?;
    match command {
        UserCommand::Add { name, admin } => {
            store.add_user(&op, &name, admin)?;
            println!("user {name} created{}", if admin { " (admin)" } else { "" });
        }
        UserCommand::List => {
            for u in store.list_users(&op)? {
                let flags = [(u.is_admin, "admin"), (u.disabled, "disabled")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, f)| *f)
                    .collect::<Vec<_>>()
                    .join(",");
                println!("{}\t{}", u.name, if flags.is_empty() { "-" } else { &flags });
            }
        }
        UserCommand::Disable { name } => {
            store.disable_user(&op, &name)?;
            println!("user {name} disabled");
        }
    }
    Ok(0)
}

/// Runs `cloister key …`.
pub fn key(data: PathBuf, command: KeyCommand) -> Result<u8, CliError> {
    let dir = DataDir::new(data);
    let store = dir.store()?;
    let op = Principal::operator();
    record_admin(&dir, format!("key {command:?}"))?;
    match command {
        KeyCommand::Add { user, file, expires } => {
            let (line, fingerprint) = super::demo::read_public_key(&file)?;
            let expires = expires.as_deref().map(parse_date).transpose()?;
            store.add_key(&op, &user, &fingerprint, &line, expires)?;
            println!("key {fingerprint} added for {user}");
        }
        KeyCommand::List => {
            for k in store.list_keys(&op)? {
                let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{}\t{}\texpires={}\t{state}", k.user, k.fingerprint, date(k.expires_at));
            }
        }
        KeyCommand::Revoke { fingerprint } => {
            store.revoke_key(&op, &fingerprint)?;
            println!("key {fingerprint} revoked");
        }
    }
    Ok(0)
}

/// Runs `cloister grant USER ROLE --project P`.
pub fn grant(data: PathBuf, user: &str, role: &str, project: Option<&str>) -> Result<u8, CliError> {
    let role = Role::parse(role).map_err(CliError::Usage)?;
    let project = match (role, project) {
        (Role::Admin, _) => "",
        (_, Some(p)) => p,
        (_, None) => return Err(CliError::Usage(format!("granting {role} needs --project NAME"))),
    };
    let dir = DataDir::new(data);
    let store = dir.store()?;
    record_admin(&dir, format!("grant {user} {role} --project {project:?}"))?;
    store.grant(&Principal::operator(), user, role, project)?;
    println!("granted {role} to {user}{}", if project.is_empty() { String::new() } else { format!(" on {project}") });
    Ok(0)
}

/// Runs `cloister assign --project P --to USER…`.
pub fn assign(data: PathBuf, project: &str, to: &[String], stage: &str) -> Result<u8, CliError> {
    if to.is_empty() {
        return Err(CliError::Usage("name at least one user with --to".into()));
    }
    let names: Vec<&str> = to.iter().map(String::as_str).collect();
    let dir = DataDir::new(data);
    let store = dir.store()?;
    record_admin(&dir, format!("assign --project {project} --to {} --stage {stage}", names.join(" ")))?;
    let made = store.assign_round_robin(&Principal::operator(), project, &names, stage)?;
    println!("{made} items of {project} assigned at stage {stage} to {}", names.join(", "));
    Ok(0)
}
