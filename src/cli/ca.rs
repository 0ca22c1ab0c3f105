//! `cloister ca trust|list|untrust`: certificate authorities whose OpenSSH user certificates log
//! their principal in.

use super::CliError;
use super::context::Ctx;
use clap::Subcommand;
use std::path::PathBuf;

/// `cloister ca …`
#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Trust a CA public key: certificates it signs log in their principal (an existing user)
    /// within their validity.
    Trust {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The CA's public key file, or (over ssh) the key line itself in quotes.
        key: String,
    },
    /// List CAs.
    List {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
    /// Stop trusting a CA; sessions using its certificates end within a second.
    Untrust {
        /// The data directory.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The CA's `SHA256:…` fingerprint as printed by `ca list`.
        fingerprint: String,
    },
}

impl CaCommand {
    /// The data directory named.
    pub fn data(&self) -> PathBuf {
        match self {
            Self::Trust { data, .. } | Self::List { data } | Self::Untrust { data, .. } => data.clone(),
        }
    }
}

/// Runs `ca …`.
pub fn run(ctx: &mut Ctx<'_>, command: CaCommand) -> Result<u8, CliError> {
    match command {
        CaCommand::Trust { key, .. } => {
            let (line, fingerprint) = super::admin::public_key_arg(ctx, &key)?;
            ctx.record_admin(format!("ca trust {fingerprint}"))?;
            ctx.store.trust_ca(ctx.by, &fingerprint, &line)?;
            writeln!(ctx.out, "CA {fingerprint} trusted: its user certificates log in their principal")?;
        }
        CaCommand::List { .. } => {
            for ca in ctx.store.list_cas(ctx.by)? {
                let state = if ca.revoked_at.is_some() { "untrusted" } else { "trusted" };
                writeln!(ctx.out, "{}\t{state}\t{}", ca.fingerprint, ca.public_key)?;
            }
        }
        CaCommand::Untrust { fingerprint, .. } => {
            ctx.record_admin(format!("ca untrust {fingerprint}"))?;
            ctx.store.untrust_ca(ctx.by, &fingerprint)?;
            writeln!(ctx.out, "CA {fingerprint} no longer trusted")?;
        }
    }
    Ok(0)
}
