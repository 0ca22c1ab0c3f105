//! Key hierarchy and sealed values.
//!
//! A host-wide master key (DIR/keys/master.key) wraps one random AES-256 data key per project.
//! Every sensitive value at rest is a [`Sealed<T>`]: AES-256-GCM with the row's identity ([`Aad`])
//! as associated data, so a ciphertext moved to another row, column or project fails to open.
//! Destroying a project's wrapped key makes all of its sealed values unreadable (crypto-shred).

mod keys;
mod sealed;

pub use keys::{DataKey, MasterKey, generate_secret, write_secret_file};
pub use sealed::{Aad, Plain, SEALED_VERSION, Sealed};

use std::path::PathBuf;

/// Errors from key handling and sealing.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// A key file could not be read or written.
    #[error("key file {path}: {source}")]
    KeyIo {
        /// The key file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A key file exists but does not hold a key in the expected format.
    #[error("key file {path} is malformed: {reason} (restore it from backup; it is never regenerated)")]
    KeyFormat {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A key file is readable by other users.
    #[error("key file {path} has mode {mode:o}; run `chmod 600 {path}`")]
    KeyPermissions {
        /// The key file.
        path: PathBuf,
        /// Its current permission bits.
        mode: u32,
    },
    /// A sealed value does not start with a known format version.
    #[error("sealed value has unknown format version {0} (expected {SEALED_VERSION})")]
    UnknownVersion(u8),
    /// A sealed value is too short to hold a nonce and tag.
    #[error("sealed value is truncated ({0} bytes)")]
    Truncated(usize),
    /// Authentication failed: wrong key, wrong row identity, or tampered bytes.
    #[error("sealed value for {0} failed authentication (wrong key, moved or tampered)")]
    Open(String),
    /// The plaintext of a sealed text value is not UTF-8.
    #[error("sealed text for {0} is not UTF-8")]
    NotUtf8(String),
    /// An opened annotation body is not the JSON this build writes.
    #[error("sealed annotation body for {0} is not valid: {1}")]
    BadBody(String, String),
}
