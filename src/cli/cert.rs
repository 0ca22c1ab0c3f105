//! `cloister cert verify|show`: check a deletion certificate, or print the one stored for a project.

use super::CliError;
use super::context::Ctx;
use crate::audit::AuditError;
use crate::audit::certificate::DeletionCertificate;
use crate::audit::keys::load_public;
use crate::datadir::DataDir;
use clap::Subcommand;
use std::path::PathBuf;

/// `cloister cert …`
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Check a deletion certificate: its signature, the audit checkpoint it embeds, and (with the
    /// data directory at hand) that the audit log still holds that checkpoint's head.
    Verify {
        /// The certificate file.
        file: PathBuf,
        /// The data directory (its audit_signing.pub and audit.db are used when present).
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The public audit signing key to trust (default DIR/keys/audit_signing.pub).
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Print the deletion certificate stored for a purged project.
    Show {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The project.
        project: String,
    },
}

/// Runs `cert verify FILE`: exit 0 when valid, 1 (with the reason on stderr) when not.
pub fn verify(file: PathBuf, data: PathBuf, key: Option<PathBuf>) -> Result<u8, CliError> {
    let dir = DataDir::new(data);
    let text = std::fs::read_to_string(&file).map_err(|source| AuditError::Io { path: file.clone(), source })?;
    let certificate = match DeletionCertificate::parse(&text) {
        Ok(certificate) => certificate,
        Err(error) => {
            eprintln!("certificate {} is NOT valid: {error}", file.display());
            return Ok(1);
        }
    };
    let trusted = load_public(&key.unwrap_or_else(|| dir.audit_signing_pub_path()))?;
    if let Err(reason) = certificate.check(&trusted) {
        eprintln!("certificate {} is NOT valid: {reason}", file.display());
        return Ok(1);
    }
    let facts = &certificate.facts;
    let total: i64 = facts.rows.iter().map(|(_, n)| n).sum();
    println!(
        "certificate valid: project {} (id {}) purged at {} by {}; {total} rows deleted; key destroyed; signed by key {}",
        facts.project,
        facts.project_id,
        chrono::DateTime::from_timestamp(facts.purged, 0).map(|t| t.to_rfc3339()).unwrap_or_default(),
        facts.purged_by,
        certificate.key_id
    );
    if dir.audit_db_path().exists() {
        let conn = crate::audit::db::open_reader(&dir.audit_db_path())?;
        let origin = crate::audit::db::origin(&conn)?;
        let checkpoint = &facts.checkpoint;
        let head = crate::audit::db::hash_at(&conn, checkpoint.size)?;
        if origin != checkpoint.origin || head != Some(checkpoint.head) {
            eprintln!(
                "certificate is signed, but the audit log in {} does not hold its checkpoint (seq {} of {}): \
                 the log was cut or replaced; run `cloister audit verify`",
                dir.root.display(),
                checkpoint.size,
                checkpoint.origin
            );
            return Ok(1);
        }
        println!("  the audit log {} agrees at seq {}", checkpoint.origin, checkpoint.size);
    }
    Ok(0)
}

/// Runs `cert show PROJECT`.
pub fn show(ctx: &mut Ctx<'_>, project: &str) -> Result<u8, CliError> {
    match ctx.store.certificate(ctx.by, project)? {
        Some(text) => {
            write!(ctx.out, "{text}")?;
            Ok(0)
        }
        None => Err(CliError::Usage(format!("project {project} has no deletion certificate (is it purged?)"))),
    }
}
