//! The layout of a data directory and its creation (`cloister init`).

use crate::config::{CONFIG_FILE, Config, ConfigError};
use crate::crypto::{CryptoError, MasterKey, write_secret_file};
use russh::keys::ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey};
use std::path::{Path, PathBuf};

/// Errors setting up or opening a data directory.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// A directory or file could not be created.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The directory was never initialised.
    #[error("{0} is not a cloister data directory (no cloister.toml); run `cloister init --data {0}`")]
    NotInitialised(PathBuf),
    /// A key could not be generated, encoded or loaded.
    #[error("{path}: {reason}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Key handling failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The database could not be opened.
    #[error(transparent)]
    Store(Box<crate::store::StoreError>),
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The audit keys or database could not be set up.
    #[error(transparent)]
    Audit(Box<crate::audit::AuditError>),
}

fn audit_err(error: crate::audit::AuditError) -> DataDirError {
    DataDirError::Audit(Box::new(error))
}

/// Paths inside a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// The directory itself.
    pub root: PathBuf,
}

/// What `init` created (false: it already existed and was kept).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitReport {
    /// cloister.toml was written.
    pub config: bool,
    /// The host key was generated.
    pub host_key: bool,
    /// The master key was generated.
    pub master_key: bool,
    /// An audit key (sealing, signing or its public half) was generated.
    pub audit_keys: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io { path: path.to_path_buf(), source }
}

/// Creates a directory (and parents) with mode 0700.
pub fn create_private_dir(path: &Path) -> Result<(), DataDirError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io(path))
}

/// Generates an Ed25519 key pair at `path` (OpenSSH format, 0600) and `path.pub`.
/// Returns the SHA-256 fingerprint. Refuses to overwrite.
pub fn generate_ed25519(path: &Path, comment: &str) -> Result<String, DataDirError> {
    let key_err = |reason: String| DataDirError::Key { path: path.to_path_buf(), reason };
    let mut key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| key_err(e.to_string()))?;
    key.set_comment(comment);
    let private = key.to_openssh(LineEnding::LF).map_err(|e| key_err(e.to_string()))?;
    write_secret_file(path, private.as_bytes())?;
    let public = key.public_key().to_openssh().map_err(|e| key_err(e.to_string()))?;
    let pub_path = path.with_extension("pub");
    std::fs::write(&pub_path, format!("{public}\n")).map_err(io(&pub_path))?;
    Ok(key.public_key().fingerprint(HashAlg::Sha256).to_string())
}

impl DataDir {
    /// A data directory at `root` (not touched yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// DIR/cloister.toml
    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }
    /// DIR/keys
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }
    /// DIR/keys/host_ed25519
    pub fn host_key_path(&self) -> PathBuf {
        self.keys_dir().join("host_ed25519")
    }
    /// DIR/keys/master.key
    pub fn master_key_path(&self) -> PathBuf {
        self.keys_dir().join("master.key")
    }
    /// DIR/cloister.db
    pub fn db_path(&self) -> PathBuf {
        self.root.join("cloister.db")
    }
    /// DIR/audit.db
    pub fn audit_db_path(&self) -> PathBuf {
        self.root.join("audit.db")
    }
    /// DIR/keys/audit.key (seals audit payloads of events without a project)
    pub fn audit_key_path(&self) -> PathBuf {
        self.audit_key_paths().sealing
    }
    /// DIR/keys/audit_signing.key (signs audit checkpoints)
    pub fn audit_signing_key_path(&self) -> PathBuf {
        self.audit_key_paths().signing
    }
    /// DIR/keys/audit_signing.pub (verifies audit checkpoints)
    pub fn audit_signing_pub_path(&self) -> PathBuf {
        self.audit_key_paths().public
    }
    /// The three audit key files.
    pub fn audit_key_paths(&self) -> crate::audit::keys::KeyPaths {
        crate::audit::keys::KeyPaths::in_dir(&self.keys_dir())
    }

    /// Creates whatever is missing; never overwrites an existing key or config.
    pub fn init(&self) -> Result<InitReport, DataDirError> {
        let mut report = InitReport::default();
        create_private_dir(&self.root)?;
        create_private_dir(&self.keys_dir())?;
        let config = self.config_path();
        if !config.exists() {
            std::fs::write(&config, Config::default_file_text()).map_err(io(&config))?;
            report.config = true;
        }
        let host = self.host_key_path();
        if !host.exists() {
            generate_ed25519(&host, "cloister host key")?;
            report.host_key = true;
        }
        let master = self.master_key_path();
        if !master.exists() {
            MasterKey::create(&master)?;
            report.master_key = true;
        }
        report.audit_keys = crate::audit::AuditKeys::create_missing(&self.audit_key_paths()).map_err(audit_err)?;
        drop(crate::audit::db::open_writer(&self.audit_db_path()).map_err(audit_err)?);
        drop(self.store()?);
        Ok(report)
    }

    /// Loads the configuration; the directory must have been initialised.
    pub fn config(&self) -> Result<Config, DataDirError> {
        let path = self.config_path();
        if !path.exists() {
            return Err(DataDirError::NotInitialised(self.root.clone()));
        }
        Ok(Config::load(&path)?)
    }

    /// Loads the master key.
    pub fn master_key(&self) -> Result<MasterKey, DataDirError> {
        Ok(MasterKey::load(&self.master_key_path())?)
    }

    /// Opens the store.
    pub fn store(&self) -> Result<crate::store::Store, DataDirError> {
        if !self.config_path().exists() {
            return Err(DataDirError::NotInitialised(self.root.clone()));
        }
        crate::store::Store::open(&self.db_path(), self.master_key()?).map_err(|e| DataDirError::Store(Box::new(e)))
    }
}
