//! The sealed-record format: `version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)`.

use super::{CryptoError, DataKey};
use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use std::marker::PhantomData;

/// Format version byte of every sealed value; bump it with a migration, never silently.
pub const SEALED_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The identity of the place a sealed value lives in, bound as AES-GCM associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aad<'a> {
    /// Table name, e.g. `segments`.
    pub table: &'a str,
    /// Row id within the table.
    pub row: i64,
    /// Column name, e.g. `text`.
    pub column: &'a str,
    /// Owning project.
    pub project: i64,
}

impl Aad<'_> {
    fn bytes(&self) -> Vec<u8> {
        format!("cloister/v1/{}/{}/{}/{}", self.project, self.table, self.row, self.column).into_bytes()
    }

    fn describe(&self) -> String {
        format!("{}.{} row {} (project {})", self.table, self.column, self.row, self.project)
    }
}

/// Types that can be sealed: their plaintext byte form.
pub trait Plain: Sized {
    /// The plaintext bytes.
    fn to_plain(&self) -> Vec<u8>;
    /// Rebuilds the value from opened bytes; `what` names the place for errors.
    fn from_plain(bytes: Vec<u8>, what: &str) -> Result<Self, CryptoError>;
}

impl Plain for String {
    fn to_plain(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
    fn from_plain(bytes: Vec<u8>, what: &str) -> Result<Self, CryptoError> {
        String::from_utf8(bytes).map_err(|_| CryptoError::NotUtf8(what.to_string()))
    }
}

impl Plain for Vec<u8> {
    fn to_plain(&self) -> Vec<u8> {
        self.clone()
    }
    fn from_plain(bytes: Vec<u8>, _what: &str) -> Result<Self, CryptoError> {
        Ok(bytes)
    }
}

/// An encrypted `T`. The only way to get the `T` back is [`Sealed::open`] with the right key and
/// the same [`Aad`] it was sealed under.
pub struct Sealed<T> {
    bytes: Vec<u8>,
    _plain: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Sealed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.bytes.len())
    }
}

impl<T: Plain> Sealed<T> {
    /// Seals `value` for the place `aad` under `key`, with a fresh random nonce.
    pub fn seal(key: &DataKey, value: &T, aad: &Aad<'_>) -> Self {
        Self::seal_bytes(key, &value.to_plain(), aad)
    }

    /// Seals already-encoded plaintext bytes of a `T`.
    pub fn seal_bytes(key: &DataKey, plain: &[u8], aad: &Aad<'_>) -> Self {
        Self { bytes: seal_raw(&key.cipher, plain, &aad.bytes()), _plain: PhantomData }
    }

    /// Opens the value; fails if the key, the place or the bytes differ from sealing time.
    pub fn open(&self, key: &DataKey, aad: &Aad<'_>) -> Result<T, CryptoError> {
        let what = aad.describe();
        let plain = open_raw(&key.cipher, &self.bytes, &aad.bytes(), &what)?;
        T::from_plain(plain, &what)
    }

    /// Wraps bytes read from storage; validity is checked when opened.
    pub fn from_stored(bytes: Vec<u8>) -> Self {
        Self { bytes, _plain: PhantomData }
    }

    /// The stored bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Consumes the value, giving the stored bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

pub(super) fn seal_raw(cipher: &Aes256Gcm, plain: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::fill(&mut nonce[..]);
    let ciphertext = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg: plain, aad })
        .expect("AES-GCM encryption only fails for messages over 64 GiB, which are never sealed");
    let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
    out.push(SEALED_VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

pub(super) fn open_raw(cipher: &Aes256Gcm, sealed: &[u8], aad: &[u8], what: &str) -> Result<Vec<u8>, CryptoError> {
    let (&version, rest) = sealed.split_first().ok_or(CryptoError::Truncated(0))?;
    if version != SEALED_VERSION {
        return Err(CryptoError::UnknownVersion(version));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Truncated(sealed.len()));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Truncated(sealed.len()))?;
    cipher
        .decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad })
        .map_err(|_| CryptoError::Open(what.to_string()))
}
