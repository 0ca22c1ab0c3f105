//! Master and per-project data keys.

use super::CryptoError;
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::KeyInit;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

const MASTER_HEADER: &str = "cloister-master-key v1";

/// Fresh random 32 bytes for a key.
pub fn generate_secret() -> Zeroizing<[u8; 32]> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::fill(&mut bytes[..]);
    bytes
}

/// Writes `contents` to a new file with mode 0600; refuses to overwrite an existing file.
pub fn write_secret_file(path: &Path, contents: &[u8]) -> Result<(), CryptoError> {
    let io = |source| CryptoError::KeyIo { path: path.to_path_buf(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(contents).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Refuses key files that group or others can read.
fn check_private(path: &Path) -> Result<(), CryptoError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|source| CryptoError::KeyIo { path: path.to_path_buf(), source })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CryptoError::KeyPermissions { path: path.to_path_buf(), mode });
        }
    }
    Ok(())
}

/// The host's master key: only ever used to wrap and unwrap project data keys.
pub struct MasterKey {
    cipher: Aes256Gcm,
}

impl MasterKey {
    /// Creates a new random master key file (mode 0600). Fails if the file already exists.
    pub fn create(path: &Path) -> Result<Self, CryptoError> {
        let secret = generate_secret();
        let text = Zeroizing::new(format!("{MASTER_HEADER}\n{}\n", hex::encode(&secret[..])));
        write_secret_file(path, text.as_bytes())?;
        Ok(Self::from_bytes(&secret))
    }

    /// Loads the master key file written by [`MasterKey::create`].
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        check_private(path)?;
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| CryptoError::KeyIo { path: path.to_path_buf(), source })?,
        );
        let bad = |reason: &str| CryptoError::KeyFormat { path: path.to_path_buf(), reason: reason.into() };
        let mut lines = text.lines();
        if lines.next() != Some(MASTER_HEADER) {
            return Err(bad("first line is not `cloister-master-key v1`"));
        }
        let hex_key = lines.next().ok_or_else(|| bad("the key line is missing"))?;
        let bytes = Zeroizing::new(hex::decode(hex_key.trim()).map_err(|_| bad("the key line is not hex"))?);
        let secret: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad("the key is not 32 bytes"))?;
        let secret = Zeroizing::new(secret);
        Ok(Self::from_bytes(&secret))
    }

    /// A master key from raw bytes (tests and golden fixtures).
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(secret.into()) }
    }

    /// Wraps a project's data key; the project id is bound as associated data.
    pub fn wrap(&self, project_id: i64, key: &DataKey) -> Vec<u8> {
        super::sealed::seal_raw(&self.cipher, &key.secret[..], &wrap_aad(project_id))
    }

    /// Unwraps a project's data key sealed by [`MasterKey::wrap`].
    pub fn unwrap_key(&self, project_id: i64, wrapped: &[u8]) -> Result<DataKey, CryptoError> {
        let what = format!("key of project {project_id}");
        let plain = Zeroizing::new(super::sealed::open_raw(&self.cipher, wrapped, &wrap_aad(project_id), &what)?);
        let secret: [u8; 32] = plain.as_slice().try_into().map_err(|_| CryptoError::Open(what))?;
        Ok(DataKey::from_bytes(Zeroizing::new(secret)))
    }
}

fn wrap_aad(project_id: i64) -> Vec<u8> {
    format!("cloister/v1/project-key/{project_id}").into_bytes()
}

/// A project's data key: seals that project's text, audio, annotations and drafts.
pub struct DataKey {
    secret: Zeroizing<[u8; 32]>,
    pub(super) cipher: Aes256Gcm,
}

impl DataKey {
    /// A new random data key.
    pub fn generate() -> Self {
        Self::from_bytes(generate_secret())
    }

    /// A data key from raw bytes (unwrapping, tests and golden fixtures).
    pub fn from_bytes(secret: Zeroizing<[u8; 32]>) -> Self {
        let cipher = Aes256Gcm::new((&*secret).into());
        Self { secret, cipher }
    }
}
