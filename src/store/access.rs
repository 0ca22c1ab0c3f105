//! Users, their SSH keys, grants and assignments. Changing any of these needs the admin role.

use super::{Store, StoreError, now_secs};
use crate::policy::{Action, Principal, Role};
use rusqlite::{OptionalExtension, params};

/// A user as listed to admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Database id.
    pub id: i64,
    /// Login name (must equal the SSH user name).
    pub name: String,
    /// Holds the admin role.
    pub is_admin: bool,
    /// Refused at login.
    pub disabled: bool,
}

/// A user's public key as listed to admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Owner's name.
    pub user: String,
    /// SHA-256 fingerprint (`SHA256:…`).
    pub fingerprint: String,
    /// The key in OpenSSH one-line form.
    pub public_key: String,
    /// Unix seconds after which the key is refused.
    pub expires_at: Option<i64>,
    /// Unix seconds when the key was revoked.
    pub revoked_at: Option<i64>,
}

pub(crate) fn valid_user_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field: "user name",
            value: name.into(),
            reason: "use 1-32 lowercase letters, digits, `-` or `_`, starting with a letter".into(),
        })
    }
}

impl Store {
    /// Creates a user.
    pub fn add_user(&self, by: &Principal, name: &str, is_admin: bool) -> Result<UserRecord, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        valid_user_name(name)?;
        let inserted = self.conn.execute(
            "INSERT INTO users (name, is_admin, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
            params![name, is_admin, now_secs()],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists { what: "user", name: name.into() });
        }
        Ok(UserRecord { id: self.conn.last_insert_rowid(), name: name.into(), is_admin, disabled: false })
    }

    /// Looks a user up by name (admin only).
    pub fn user(&self, by: &Principal, name: &str) -> Result<UserRecord, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        self.user_by_name(name)?.ok_or(StoreError::NotFound { what: "user", name: name.into() })
    }

    /// Lists users (admin only).
    pub fn list_users(&self, by: &Principal) -> Result<Vec<UserRecord>, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let mut stmt = self.conn.prepare("SELECT id, name, is_admin, disabled FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            Ok(UserRecord { id: r.get(0)?, name: r.get(1)?, is_admin: r.get(2)?, disabled: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub(crate) fn user_by_name(&self, name: &str) -> Result<Option<UserRecord>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT id, name, is_admin, disabled FROM users WHERE name = ?1", [name], |r| {
                Ok(UserRecord { id: r.get(0)?, name: r.get(1)?, is_admin: r.get(2)?, disabled: r.get(3)? })
            })
            .optional()?)
    }

    /// Registers a public key for a user. `public_key` is one OpenSSH line; the fingerprint is
    /// computed by the caller with the SSH library.
    pub fn add_key(
        &self,
        by: &Principal,
        user: &str,
        fingerprint: &str,
        public_key: &str,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let owner = self.user_by_name(user)?.ok_or(StoreError::NotFound { what: "user", name: user.into() })?;
        let inserted = self.conn.execute(
            "INSERT INTO user_keys (user_id, fingerprint, public_key, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (fingerprint) DO NOTHING",
            params![owner.id, fingerprint, public_key, expires_at, now_secs()],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists { what: "key", name: fingerprint.into() });
        }
        Ok(())
    }

    /// Grants a data role on a project.
    pub fn grant(&self, by: &Principal, user: &str, role: Role, project: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let owner = self.user_by_name(user)?.ok_or(StoreError::NotFound { what: "user", name: user.into() })?;
        if role == Role::Admin {
            self.conn.execute("UPDATE users SET is_admin = 1 WHERE id = ?1", [owner.id])?;
            return Ok(());
        }
        let project = self.project_by_name(project)?;
        self.conn.execute(
            "INSERT INTO grants (user_id, project_id, role) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![owner.id, project.id, role.as_str()],
        )?;
        Ok(())
    }

    /// Assigns every item of `project` not yet assigned at `stage` to `users`, round-robin, so each
    /// item gets exactly one of them. Returns how many assignments were made.
    pub fn assign_round_robin(
        &self,
        by: &Principal,
        project: &str,
        users: &[&str],
        stage: &str,
    ) -> Result<usize, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        if !matches!(stage, "annotate" | "qa") {
            return Err(StoreError::Invalid {
                field: "stage",
                value: stage.into(),
                reason: "use annotate or qa".into(),
            });
        }
        let project = self.project_by_name(project)?;
        let mut ids = Vec::new();
        for name in users {
            let user = self.user_by_name(name)?.ok_or(StoreError::NotFound { what: "user", name: (*name).into() })?;
            ids.push(user.id);
        }
        if ids.is_empty() {
            return Ok(0);
        }
        let tx = self.conn.unchecked_transaction()?;
        let items: Vec<i64> = {
            let mut stmt = tx.prepare(
                "SELECT id FROM items WHERE project_id = ?1 AND id NOT IN
                 (SELECT item_id FROM assignments WHERE project_id = ?1 AND stage = ?2) ORDER BY position",
            )?;
            stmt.query_map(params![project.id, stage], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        let now = now_secs();
        let other = if stage == "qa" { "annotate" } else { "qa" };
        let mut made = 0;
        for (n, item) in items.iter().enumerate() {
            // Balanced round-robin, skipping anyone holding the other stage of this item:
            // nobody annotates and QAs the same item.
            for offset in 0..ids.len() {
                let user = ids[(n + offset) % ids.len()];
                let conflict: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND +user_id = ?2 AND stage = ?3)",
                    params![item, user, other],
                    |r| r.get(0),
                )?;
                if !conflict {
                    tx.execute(
                        "INSERT INTO assignments (project_id, item_id, user_id, stage, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![project.id, item, user, stage, now],
                    )?;
                    made += 1;
                    break;
                }
            }
        }
        tx.commit()?;
        Ok(made)
    }
}

/// Why a login was refused. Recorded for admins; the client only sees a refusal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefusal {
    /// No user has this key.
    #[error("unknown key")]
    UnknownKey,
    /// The key belongs to a different user than the SSH user name.
    #[error("key belongs to another user")]
    WrongUser,
    /// The user is disabled.
    #[error("user disabled")]
    Disabled,
    /// The key was revoked.
    #[error("key revoked")]
    Revoked,
    /// The key is past its expiry date.
    #[error("key expired")]
    Expired,
}

/// (user id, name, is_admin, disabled, expires_at, revoked_at, from a certificate) of a key's owner.
type KeyOwnerRow = (i64, String, bool, bool, Option<i64>, Option<i64>, bool);

impl Store {
    /// Checks a verified public key (by SHA-256 fingerprint) for SSH user `user` and returns the
    /// principal for a new session. Runs before authentication, so it takes no principal.
    pub fn login(
        &self,
        user: &str,
        fingerprint: &str,
        session: &str,
    ) -> Result<Result<Principal, LoginRefusal>, StoreError> {
        self.login_with(user, fingerprint, session, false)
    }

    /// [`Store::login`], for a plain key or (`certified`) a key presented inside a certificate:
    /// a key recorded from a certificate logs in only with a certificate.
    pub(crate) fn login_with(
        &self,
        user: &str,
        fingerprint: &str,
        session: &str,
        certified: bool,
    ) -> Result<Result<Principal, LoginRefusal>, StoreError> {
        let row: Option<KeyOwnerRow> = self
            .conn
            .query_row(
                // A certificate's key counts as revoked once its CA is no longer trusted.
                "SELECT u.id, u.name, u.is_admin, u.disabled, k.expires_at,
                        CASE WHEN k.ca_fingerprint IS NOT NULL AND NOT EXISTS (SELECT 1 FROM trusted_cas c
                             WHERE c.fingerprint = k.ca_fingerprint AND c.revoked_at IS NULL)
                        THEN COALESCE(k.revoked_at, 0) ELSE k.revoked_at END,
                        k.ca_fingerprint IS NOT NULL
                 FROM user_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = ?1",
                [fingerprint],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
            )
            .optional()?;
        let Some((id, name, is_admin, disabled, expires_at, revoked_at, from_certificate)) = row else {
            return Ok(Err(LoginRefusal::UnknownKey));
        };
        if from_certificate && !certified {
            return Ok(Err(LoginRefusal::UnknownKey));
        }
        let refusal = if name != user {
            Some(LoginRefusal::WrongUser)
        } else if disabled {
            Some(LoginRefusal::Disabled)
        } else if revoked_at.is_some() {
            Some(LoginRefusal::Revoked)
        } else if expires_at.is_some_and(|t| t <= now_secs()) {
            Some(LoginRefusal::Expired)
        } else {
            None
        };
        Ok(match refusal {
            Some(refusal) => Err(refusal),
            None => Ok(Principal { user_id: id, name, is_admin, session: session.to_string() }),
        })
    }

    /// Revokes a key by fingerprint.
    pub fn revoke_key(&self, by: &Principal, fingerprint: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let changed = self.conn.execute(
            "UPDATE user_keys SET revoked_at = ?1 WHERE fingerprint = ?2 AND revoked_at IS NULL",
            params![now_secs(), fingerprint],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound { what: "active key", name: fingerprint.into() });
        }
        Ok(())
    }

    /// Whether a key is still valid for its user now (checked while sessions run).
    pub fn key_is_active(&self, fingerprint: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM user_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = ?1
             AND k.revoked_at IS NULL AND u.disabled = 0 AND (k.expires_at IS NULL OR k.expires_at > ?2)
             AND (k.ca_fingerprint IS NULL OR EXISTS (SELECT 1 FROM trusted_cas c
                  WHERE c.fingerprint = k.ca_fingerprint AND c.revoked_at IS NULL)))",
            params![fingerprint, now_secs()],
            |r| r.get(0),
        )?)
    }
}

impl Store {
    /// Assigns every item of `project` to `user` at `stage` (skipping items they already hold).
    /// Returns how many assignments were made.
    pub fn assign_all(&self, by: &Principal, project: &str, user: &str, stage: &str) -> Result<usize, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let project = self.project_by_name(project)?;
        let owner = self.user_by_name(user)?.ok_or(StoreError::NotFound { what: "user", name: user.into() })?;
        Ok(self.conn.execute(
            "INSERT OR IGNORE INTO assignments (project_id, item_id, user_id, stage, updated_at)
             SELECT ?1, id, ?2, ?3, ?4 FROM items WHERE project_id = ?1",
            params![project.id, owner.id, stage, now_secs()],
        )?)
    }
}

impl Store {
    /// Disables a user: their logins are refused and live sessions end at the next key check.
    pub fn disable_user(&self, by: &Principal, name: &str) -> Result<(), StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        if self.conn.execute("UPDATE users SET disabled = 1 WHERE name = ?1", [name])? == 0 {
            return Err(StoreError::NotFound { what: "user", name: name.into() });
        }
        Ok(())
    }

    /// Lists every key with its owner, newest first.
    pub fn list_keys(&self, by: &Principal) -> Result<Vec<KeyRecord>, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let mut stmt = self.conn.prepare(
            "SELECT u.name, k.fingerprint, k.public_key, k.expires_at, k.revoked_at
             FROM user_keys k JOIN users u ON u.id = k.user_id ORDER BY u.name, k.id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(KeyRecord {
                user: r.get(0)?,
                fingerprint: r.get(1)?,
                public_key: r.get(2)?,
                expires_at: r.get(3)?,
                revoked_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl Store {
    /// The theme a user chose, if any.
    pub fn user_theme(&self, by: &Principal) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT theme FROM users WHERE id = ?1", [by.user_id], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Remembers the user's own theme choice.
    pub fn set_user_theme(&self, by: &Principal, theme: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE users SET theme = ?1 WHERE id = ?2", params![theme, by.user_id])?;
        Ok(())
    }
}

impl Store {
    /// Assigns single segments (by import id) of `project` to `user` at `stage`.
    pub fn assign_segments(
        &self,
        by: &Principal,
        project: &str,
        user: &str,
        segments: &[&str],
        stage: &str,
    ) -> Result<usize, StoreError> {
        self.authorize(by, None, Action::ManageAccess)?;
        let project = self.project_by_name(project)?;
        let owner = self.user_by_name(user)?.ok_or(StoreError::NotFound { what: "user", name: user.into() })?;
        let mut made = 0;
        for external in segments {
            made += self.conn.execute(
                "INSERT OR IGNORE INTO assignments (project_id, item_id, segment_id, user_id, stage, updated_at)
                 SELECT ?1, item_id, id, ?2, ?3, ?4 FROM segments WHERE project_id = ?1 AND external_id = ?5",
                params![project.id, owner.id, stage, now_secs(), external],
            )?;
        }
        Ok(made)
    }
}
