//! Trusted OpenSSH certificate authorities, certificate logins, and bulk import of users' keys.
//!
//! A user certificate signed by a trusted CA logs its principal in (the principal must be an
//! existing, enabled user) within the certificate's validity. The certificate's key is then
//! recorded in `user_keys` with the certificate's end as expiry and the CA's fingerprint, so
//! `key list` shows it, `key revoke` ends its sessions, and untrusting the CA ends them too.

use super::{Store, StoreError, now_secs};
use crate::policy::{Action, Principal, Role};
use rusqlite::{OptionalExtension, params};

/// A trusted CA as listed to admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRecord {
    /// SHA-256 fingerprint of the CA key.
    pub fingerprint: String,
    /// The CA key, one OpenSSH line.
    pub public_key: String,
    /// When trust was withdrawn.
    pub revoked_at: Option<i64>,
}

/// One key of an authorized_keys import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// The user it belongs to (created if missing).
    pub user: String,
    /// SHA-256 fingerprint.
    pub fingerprint: String,
    /// One OpenSSH line.
    pub public_key: String,
    /// Unix seconds after which it is refused.
    pub expires_at: Option<i64>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyImport {
    /// Users created.
    pub users_created: usize,
    /// Keys added.
    pub keys_added: usize,
    /// Keys already registered to the same user (left as they were).
    pub keys_kept: usize,
}

impl Store {
    /// Trusts a CA to sign user certificates.
    pub fn trust_ca(&self, by: &Principal, fingerprint: &str, public_key: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        self.conn.execute(
            "INSERT INTO trusted_cas (fingerprint, public_key, added_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (fingerprint) DO UPDATE SET revoked_at = NULL",
            params![fingerprint, public_key, now_secs()],
        )?;
        Ok(())
    }

    /// Withdraws trust from a CA: its certificates no longer log in, and live sessions using
    /// them end at their next key check.
    pub fn untrust_ca(&self, by: &Principal, fingerprint: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let changed = self.conn.execute(
            "UPDATE trusted_cas SET revoked_at = ?1 WHERE fingerprint = ?2 AND revoked_at IS NULL",
            params![now_secs(), fingerprint],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "trusted CA", name: fingerprint.into() });
        }
        Ok(())
    }

    /// Lists CAs, trusted or withdrawn (admin only).
    pub fn list_cas(&self, by: &Principal) -> Result<Vec<CaRecord>, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let mut stmt = self.conn.prepare("SELECT fingerprint, public_key, revoked_at FROM trusted_cas ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok(CaRecord { fingerprint: r.get(0)?, public_key: r.get(1)?, revoked_at: r.get(2)? }))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Fingerprints of the CAs trusted now. Runs before authentication, so it takes no principal.
    pub fn trusted_ca_fingerprints(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT fingerprint FROM trusted_cas WHERE revoked_at IS NULL")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Logs in user `user` with a certificate already validated against trusted CA `ca` (its
    /// signature, validity and principal). Records the certificate's key for the user, expiring
    /// when the certificate does, then checks it like any key.
    pub fn login_certificate(
        &self,
        user: &str,
        key_fingerprint: &str,
        certificate: &str,
        ca: &str,
        valid_before: i64,
        session: &str,
    ) -> Result<Result<Principal, super::LoginRefusal>, StoreError> {
        let Some(owner) = self.user_by_name(user)? else {
            return Ok(Err(super::LoginRefusal::UnknownKey));
        };
        let existing: Option<i64> = self
            .conn
            .query_row("SELECT user_id FROM user_keys WHERE fingerprint = ?1", [key_fingerprint], |r| r.get(0))
            .optional()?;
        match existing {
            Some(id) if id != owner.id => return Ok(Err(super::LoginRefusal::WrongUser)),
            // A renewed certificate of the same key moves the expiry; a revoked key stays revoked.
            Some(_) => self.conn.execute(
                "UPDATE user_keys SET expires_at = ?1, public_key = ?2, ca_fingerprint = ?3 WHERE fingerprint = ?4",
                params![valid_before, certificate, ca, key_fingerprint],
            )?,
            None => self.conn.execute(
                "INSERT INTO user_keys (user_id, fingerprint, public_key, expires_at, created_at, ca_fingerprint)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![owner.id, key_fingerprint, certificate, valid_before, now_secs(), ca],
            )?,
        };
        self.login_with(user, key_fingerprint, session, true)
    }

    /// Imports keys in one transaction: creates missing users, adds their keys and grants `role`
    /// (on `project` for data roles). All or nothing.
    pub fn import_keys(
        &self,
        by: &Principal,
        entries: &[KeyEntry],
        role: Role,
        project: Option<&str>,
    ) -> Result<KeyImport, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let project = match (role, project) {
            (Role::Admin, _) => None,
            (_, Some(name)) => Some(self.project_by_name(name)?.id),
            (_, None) => {
                return Err(StoreError::Invalid {
                    field: "project",
                    value: String::new(),
                    reason: format!("granting {role} needs --project NAME"),
                });
            }
        };
        let tx = self.conn.unchecked_transaction()?;
        let mut done = KeyImport::default();
        for entry in entries {
            super::access::valid_user_name(&entry.user)?;
            let created = tx.execute(
                "INSERT INTO users (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
                params![entry.user, now_secs()],
            )?;
            done.users_created += created;
            let user: i64 = tx.query_row("SELECT id FROM users WHERE name = ?1", [&entry.user], |r| r.get(0))?;
            let owner: Option<i64> = tx
                .query_row("SELECT user_id FROM user_keys WHERE fingerprint = ?1", [&entry.fingerprint], |r| r.get(0))
                .optional()?;
            match owner {
                Some(id) if id == user => done.keys_kept += 1,
                Some(_) => {
                    return Err(StoreError::Exists { what: "key of another user", name: entry.fingerprint.clone() });
                }
                None => {
                    tx.execute(
                        "INSERT INTO user_keys (user_id, fingerprint, public_key, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![user, entry.fingerprint, entry.public_key, entry.expires_at, now_secs()],
                    )?;
                    done.keys_added += 1;
                }
            }
            match project {
                None => tx.execute("UPDATE users SET is_admin = 1 WHERE id = ?1", [user])?,
                Some(project) => tx.execute(
                    "INSERT INTO grants (user_id, project_id, role) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                    params![user, project, role.as_str()],
                )?,
            };
        }
        tx.commit()?;
        Ok(done)
    }
}
