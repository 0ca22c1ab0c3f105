//! Where an admin command runs. The same command code serves the host's command line (the local
//! operator, output to stdout) and SSH exec commands and the console (a logged-in admin, output to
//! the channel): both give it a [`Ctx`] with the store, the acting principal and the audit log.

use super::CliError;
use crate::audit::{AuditLog, Event, EventKind};
use crate::datadir::DataDir;
use crate::policy::Principal;
use crate::store::Store;
use std::io::Write;
use std::path::PathBuf;

/// A live session as an admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSession {
    /// Session id.
    pub id: String,
    /// User name.
    pub user: String,
    /// Client address.
    pub peer: String,
    /// Unix seconds when it started.
    pub started: i64,
}

/// The server's live sessions: listing and ending them.
pub trait LiveSessions: Send + Sync {
    /// Sessions open now, oldest first.
    fn list(&self) -> Vec<LiveSession>;
    /// Ends every channel of session `id` within a second; false if there is no such session.
    fn kick(&self, id: &str) -> bool;
}

/// Everything an admin command needs.
pub struct Ctx<'a> {
    /// The data directory.
    pub dir: &'a DataDir,
    /// The store (policy inside).
    pub store: &'a Store,
    /// Who acts: the local operator, or the admin logged in over SSH.
    pub by: &'a Principal,
    /// The audit log every action is recorded in before it is carried out.
    pub audit: &'a AuditLog,
    /// Where output goes.
    pub out: &'a mut dyn Write,
    /// The server's sessions, when running inside the server.
    pub live: Option<&'a dyn LiveSessions>,
    /// Over SSH: host files are neither read nor written (keys are pasted, exports stay local).
    pub remote: bool,
}

impl Ctx<'_> {
    /// Records an admin action before it is carried out: no record, no action.
    pub fn record_admin(&self, action: impl Into<String>) -> Result<(), CliError> {
        self.record(None, EventKind::Admin { action: action.into() })
    }

    /// Records an event by the acting principal.
    pub fn record(&self, project: Option<i64>, kind: EventKind) -> Result<(), CliError> {
        if let Some(project) = project {
            // The audit writer seals with the store's keyring: make sure this project's key is in
            // it (a project imported after the server started is loaded on first use).
            let _ = self.store.project_key(project);
        }
        self.audit.record_blocking(Event::by(self.by, project, kind))?;
        Ok(())
    }

    /// Refuses an action that only makes sense on the host (reads or writes host files).
    pub fn local_only(&self, what: &str) -> Result<(), CliError> {
        if self.remote {
            return Err(CliError::Usage(format!(
                "{what} reads or writes files on the host: run it there as `cloister {what} …`"
            )));
        }
        Ok(())
    }
}

/// Runs `body` as the local operator on DIR: the store with every project key, the audit log
/// (policy denials go to it too), and stdout.
pub fn local(data: PathBuf, body: impl FnOnce(&mut Ctx<'_>) -> Result<u8, CliError>) -> Result<u8, CliError> {
    let dir = DataDir::new(data);
    let config = dir.config()?;
    let mut store = dir.store()?;
    let keyring = store.keyring()?;
    let audit = AuditLog::open_dir(&dir, &config.audit, keyring)?;
    store.set_denial_sink(Box::new(audit.clone()));
    let by = Principal::operator();
    let mut stdout = std::io::stdout().lock();
    let result = body(&mut Ctx {
        dir: &dir,
        store: &store,
        by: &by,
        audit: &audit,
        out: &mut stdout,
        live: None,
        remote: false,
    });
    drop(store);
    let flushed = audit.shutdown_blocking();
    let code = result?;
    flushed?;
    Ok(code)
}
