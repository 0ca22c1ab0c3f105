//! The audit keys in DIR/keys:
//!
//! - `audit.key` (0600): `cloister-audit-key v1\n<64 hex>\n`, the AES-256 key that seals payloads of
//!   events without a project.
//! - `audit_signing.key` (0600): `cloister-audit-signing-key v1\n<64 hex>\n`, the Ed25519 secret seed
//!   that signs checkpoints.
//! - `audit_signing.pub`: `cloister-audit-signing-pub v1\n<64 hex>\n`, its public key; copy it (or
//!   just its key id) off the host together with checkpoints.
//!
//! A key id is the first 8 bytes of SHA-256(public key), in hex.

use super::AuditError;
use crate::crypto::{CryptoError, DataKey, generate_secret, write_secret_file};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

const SEAL_HEADER: &str = "cloister-audit-key v1";
const SIGN_HEADER: &str = "cloister-audit-signing-key v1";
const PUB_HEADER: &str = "cloister-audit-signing-pub v1";

/// The three key files of a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPaths {
    /// DIR/keys/audit.key
    pub sealing: PathBuf,
    /// DIR/keys/audit_signing.key
    pub signing: PathBuf,
    /// DIR/keys/audit_signing.pub
    pub public: PathBuf,
}

impl KeyPaths {
    /// The key files inside `keys_dir`.
    pub fn in_dir(keys_dir: &Path) -> Self {
        Self {
            sealing: keys_dir.join("audit.key"),
            signing: keys_dir.join("audit_signing.key"),
            public: keys_dir.join("audit_signing.pub"),
        }
    }
}

/// The audit sealing key and the checkpoint signing key.
pub struct AuditKeys {
    /// Seals payloads of events without a project.
    pub sealing: DataKey,
    /// Signs checkpoints.
    pub signing: SigningKey,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKeys(signing key {})", key_id(&self.signing.verifying_key()))
    }
}

/// The id of a checkpoint signing key: hex of the first 8 bytes of SHA-256(public key).
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

impl AuditKeys {
    /// Keys from raw bytes (tests and benchmarks).
    pub fn from_bytes(sealing: [u8; 32], signing: [u8; 32]) -> Self {
        Self { sealing: DataKey::from_bytes(Zeroizing::new(sealing)), signing: SigningKey::from_bytes(&signing) }
    }

    /// Fresh random keys, not stored anywhere (tests and benchmarks).
    pub fn generate() -> Self {
        Self { sealing: DataKey::from_bytes(generate_secret()), signing: SigningKey::from_bytes(&generate_secret()) }
    }

    /// The public half of the signing key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Creates whichever key files are missing; never overwrites a secret key. Returns whether
    /// anything was created. A missing `.pub` is rewritten from the secret key.
    pub fn create_missing(paths: &KeyPaths) -> Result<bool, AuditError> {
        let mut created = false;
        if !paths.sealing.exists() {
            write_key(&paths.sealing, SEAL_HEADER, &generate_secret())?;
            created = true;
        }
        if !paths.signing.exists() {
            write_key(&paths.signing, SIGN_HEADER, &generate_secret())?;
            if paths.public.exists() {
                std::fs::remove_file(&paths.public).map_err(|source| io(&paths.public, source))?;
            }
            created = true;
        }
        if !paths.public.exists() {
            let seed = read_key(&paths.signing, SIGN_HEADER, true)?;
            let public = SigningKey::from_bytes(&seed).verifying_key();
            let text = format!("{PUB_HEADER}\n{}\n", hex::encode(public.as_bytes()));
            std::fs::write(&paths.public, text).map_err(|source| io(&paths.public, source))?;
            created = true;
        }
        Ok(created)
    }

    /// Loads both secret keys.
    pub fn load(paths: &KeyPaths) -> Result<Self, AuditError> {
        let sealing = read_key(&paths.sealing, SEAL_HEADER, true)?;
        let signing = read_key(&paths.signing, SIGN_HEADER, true)?;
        Ok(Self { sealing: DataKey::from_bytes(sealing), signing: SigningKey::from_bytes(&signing) })
    }
}

/// Loads the public checkpoint key (what a verifier needs; no secret).
pub fn load_public(path: &Path) -> Result<VerifyingKey, AuditError> {
    let bytes = read_key(path, PUB_HEADER, false)?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| {
        AuditError::Crypto(CryptoError::KeyFormat {
            path: path.to_path_buf(),
            reason: format!("not an Ed25519 key: {e}"),
        })
    })
}

fn io(path: &Path, source: std::io::Error) -> AuditError {
    AuditError::Io { path: path.to_path_buf(), source }
}

fn write_key(path: &Path, header: &str, secret: &[u8; 32]) -> Result<(), AuditError> {
    let text = Zeroizing::new(format!("{header}\n{}\n", hex::encode(secret)));
    Ok(write_secret_file(path, text.as_bytes())?)
}

fn read_key(path: &Path, header: &str, secret: bool) -> Result<Zeroizing<[u8; 32]>, AuditError> {
    let crypto_io = |source| CryptoError::KeyIo { path: path.to_path_buf(), source };
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_err(crypto_io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::KeyPermissions { path: path.to_path_buf(), mode }.into());
        }
    }
    #[cfg(not(unix))]
    let _ = secret;
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(crypto_io)?);
    let bad = |reason: String| CryptoError::KeyFormat { path: path.to_path_buf(), reason };
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(bad(format!("first line is not `{header}`")).into());
    }
    let line = lines.next().ok_or_else(|| bad("the key line is missing".into()))?;
    let bytes = Zeroizing::new(hex::decode(line.trim()).map_err(|_| bad("the key line is not hex".into()))?);
    let key: [u8; 32] =
        bytes.as_slice().try_into().map_err(|_| bad(format!("the key is {} bytes, not 32", bytes.len())))?;
    Ok(Zeroizing::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_load_and_never_overwrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = KeyPaths::in_dir(dir.path());
        assert!(AuditKeys::create_missing(&paths).expect("create"));
        let keys = AuditKeys::load(&paths).expect("load");
        assert_eq!(load_public(&paths.public).expect("pub"), keys.verifying_key());
        assert!(!AuditKeys::create_missing(&paths).expect("again"));
        let again = AuditKeys::load(&paths).expect("load again");
        assert_eq!(again.verifying_key(), keys.verifying_key());
        std::fs::remove_file(&paths.public).expect("rm pub");
        assert!(AuditKeys::create_missing(&paths).expect("pub rewritten"));
        assert_eq!(load_public(&paths.public).expect("pub"), keys.verifying_key());
    }

    #[cfg(unix)]
    #[test]
    fn refuses_readable_secret() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = KeyPaths::in_dir(dir.path());
        AuditKeys::create_missing(&paths).expect("create");
        std::fs::set_permissions(&paths.signing, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = AuditKeys::load(&paths).expect_err("must refuse").to_string();
        assert!(error.contains("chmod 600"), "{error}");
    }
}
