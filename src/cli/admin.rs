//! Users, keys, grants and assignments from the host's command line (`cloister user|key|grant|assign`).

use super::CliError;
use super::context::Ctx;
use crate::audit::{AuditLog, Event, EventKind, NoProjectKeys};
use crate::datadir::DataDir;
use crate::policy::{Principal, Role};
use clap::Subcommand;
use russh::keys::ssh_key::{HashAlg, PublicKey};
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
    /// Register an OpenSSH public key for a user.
    Add {
        /// The user.
        user: String,
        /// The public key file (one OpenSSH line), or the line itself in quotes (over ssh: only that).
        key: String,
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
    /// Import users and keys from an OpenSSH authorized_keys file, granting them a role.
    Import {
        /// The authorized_keys file.
        file: std::path::PathBuf,
        /// annotator, qa, reviewer or admin.
        #[arg(long)]
        role: String,
        /// The project (not for admin).
        #[arg(long)]
        project: Option<String>,
        /// The user of every key (default: each key's comment up to `@`).
        #[arg(long)]
        user: Option<String>,
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

/// Reads a public key given as a file on the host or, over SSH, pasted as one OpenSSH line.
/// Returns (one-line key, SHA-256 fingerprint).
pub(crate) fn public_key_arg(ctx: &Ctx<'_>, arg: &str) -> Result<(String, String), CliError> {
    let looks_inline = ["ssh-", "ecdsa-", "sk-"].iter().any(|p| arg.trim_start().starts_with(p));
    if looks_inline {
        let key = PublicKey::from_openssh(arg.trim())
            .map_err(|e| CliError::Usage(format!("{arg:?} is not an OpenSSH public key line: {e}")))?;
        return Ok((arg.trim().to_string(), key.fingerprint(HashAlg::Sha256).to_string()));
    }
    ctx.local_only("key add USER FILE.pub")?;
    super::demo::read_public_key(std::path::Path::new(arg))
}

/// Runs `user …`.
pub fn user(ctx: &mut Ctx<'_>, command: UserCommand) -> Result<u8, CliError> {
    let (store, by) = (ctx.store, ctx.by);
    ctx.record_admin(format!("user {command:?}"))?;
    match command {
        UserCommand::Add { name, admin } => {
            store.add_user(by, &name, admin)?;
            writeln!(ctx.out, "user {name} created{}", if admin { " (admin)" } else { "" })?;
        }
        UserCommand::List => {
            for u in store.list_users(by)? {
                let flags = [(u.is_admin, "admin"), (u.disabled, "disabled")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, f)| *f)
                    .collect::<Vec<_>>()
                    .join(",");
                writeln!(ctx.out, "{}\t{}", u.name, if flags.is_empty() { "-" } else { &flags })?;
            }
        }
        UserCommand::Disable { name } => {
            store.disable_user(by, &name)?;
            writeln!(ctx.out, "user {name} disabled")?;
        }
    }
    Ok(0)
}

/// Runs `key …`.
pub fn key(ctx: &mut Ctx<'_>, command: KeyCommand) -> Result<u8, CliError> {
    let (store, by) = (ctx.store, ctx.by);
    ctx.record_admin(format!("key {command:?}"))?;
    match command {
        KeyCommand::Add { user, key, expires } => {
            let (line, fingerprint) = public_key_arg(ctx, &key)?;
            let expires = expires.as_deref().map(parse_date).transpose()?;
            store.add_key(by, &user, &fingerprint, &line, expires)?;
            writeln!(ctx.out, "key {fingerprint} added for {user}")?;
        }
        KeyCommand::List => {
            for k in store.list_keys(by)? {
                let state = if k.revoked_at.is_some() { "revoked" } else { "active" };
                writeln!(ctx.out, "{}\t{}\texpires={}\t{state}", k.user, k.fingerprint, date(k.expires_at))?;
            }
        }
        KeyCommand::Revoke { fingerprint } => {
            store.revoke_key(by, &fingerprint)?;
            writeln!(ctx.out, "key {fingerprint} revoked")?;
        }
        KeyCommand::Import { file, role, project, user } => {
            return super::keyimport::run(ctx, &file, &role, project.as_deref(), user.as_deref());
        }
    }
    Ok(0)
}

/// Runs `grant USER ROLE --project P`.
pub fn grant(ctx: &mut Ctx<'_>, user: &str, role: &str, project: Option<&str>) -> Result<u8, CliError> {
    let role = Role::parse(role).map_err(CliError::Usage)?;
    let project = match (role, project) {
        (Role::Admin, _) => "",
        (_, Some(p)) => p,
        (_, None) => return Err(CliError::Usage(format!("granting {role} needs --project NAME"))),
    };
    ctx.record_admin(format!("grant {user} {role} --project {project:?}"))?;
    ctx.store.grant(ctx.by, user, role, project)?;
    let on = if project.is_empty() { String::new() } else { format!(" on {project}") };
    writeln!(ctx.out, "granted {role} to {user}{on}")?;
    Ok(0)
}

/// Runs `assign --project P --to USER… [--overlap K]`.
pub fn assign(ctx: &mut Ctx<'_>, project: &str, to: &[String], stage: &str, overlap: usize) -> Result<u8, CliError> {
    if to.is_empty() {
        return Err(CliError::Usage("name at least one user with --to".into()));
    }
    let names: Vec<&str> = to.iter().map(String::as_str).collect();
    ctx.record_admin(format!(
        "assign --project {project} --to {} --stage {stage} --overlap {overlap}",
        names.join(" ")
    ))?;
    let made = ctx.store.assign_balanced(ctx.by, project, &names, stage, overlap)?;
    writeln!(
        ctx.out,
        "{made} assignments of {project} made at stage {stage} to {} ({overlap} per item)",
        names.join(", ")
    )?;
    Ok(0)
}
