//! The stored record, its canonical bytes and the hash chain, and payload sealing.
//!
//! Canonical bytes of a record, format version 1 (all integers big-endian):
//!
//! ```text
//! u8  version (= 1)
//! u64 seq
//! i64 time_ns
//! u32 len ‖ session (UTF-8)
//! u32 len ‖ user    (UTF-8)
//! u32 len ‖ kind    (ASCII, e.g. "key")
//! u8  0                  (no project)   |   u8 1 ‖ i64 project
//! u32 len ‖ payload (the sealed bytes: 0x01 ‖ nonce(12) ‖ ciphertext ‖ tag(16))
//! ```
//!
//! `hash(n) = SHA-256(hash(n-1) ‖ canonical(n))`, with `hash(0)` = 32 zero bytes. Each row also
//! stores `prev_hash = hash(n-1)`, so a deleted row is located where the link breaks.

use crate::crypto::{Aad, CryptoError, DataKey, Sealed};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Format version of the canonical record bytes; bump it with a migration, never silently.
pub const RECORD_VERSION: u8 = 1;
/// Length of a record hash (SHA-256).
pub const HASH_LEN: usize = 32;
/// A record hash.
pub type Hash = [u8; HASH_LEN];
/// The `prev_hash` of seq 1.
pub const GENESIS: Hash = [0; HASH_LEN];

/// A record's hashed fields, borrowed (text fields as raw bytes, so rows read back with invalid
/// UTF-8 still hash exactly as stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRef<'a> {
    /// Format version of the canonical bytes.
    pub version: u8,
    /// Position in the log, from 1.
    pub seq: u64,
    /// UTC nanoseconds since the Unix epoch.
    pub time_ns: i64,
    /// Session id.
    pub session: &'a [u8],
    /// User name.
    pub user: &'a [u8],
    /// Kind name.
    pub kind: &'a [u8],
    /// Project id, if any.
    pub project: Option<i64>,
    /// The sealed payload.
    pub payload: &'a [u8],
}

/// Something canonical bytes can be written into (a hasher or a buffer).
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Sha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl RecordRef<'_> {
    fn write(&self, out: &mut impl Sink) {
        out.put(&[self.version]);
        out.put(&self.seq.to_be_bytes());
        out.put(&self.time_ns.to_be_bytes());
        for field in [self.session, self.user, self.kind] {
            put_len(out, field);
        }
        match self.project {
            None => out.put(&[0]),
            Some(project) => {
                out.put(&[1]);
                out.put(&project.to_be_bytes());
            }
        }
        put_len(out, self.payload);
    }

    /// The canonical bytes (see the module documentation).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.session.len() + self.user.len() + self.payload.len());
        self.write(&mut out);
        out
    }

    /// `SHA-256(prev ‖ canonical bytes)`.
    pub fn hash(&self, prev: &Hash) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update(prev);
        self.write(&mut hasher);
        hasher.finalize().into()
    }
}

fn put_len(out: &mut impl Sink, field: &[u8]) {
    // Fields are bounded far below 4 GiB (payloads by MAX_PAYLOAD); saturate rather than wrap.
    let len = u32::try_from(field.len()).unwrap_or(u32::MAX);
    out.put(&len.to_be_bytes());
    out.put(field);
}

/// The AAD a payload is sealed under: `cloister/v1/{project or 0}/audit/{seq}/{kind}`, so a payload
/// moved to another seq, kind or project fails to open.
pub fn payload_aad<'a>(seq: u64, kind: &'a str, project: Option<i64>) -> Aad<'a> {
    Aad { table: "audit", row: i64::try_from(seq).unwrap_or(i64::MAX), column: kind, project: project.unwrap_or(0) }
}

/// Seals a payload for the record at `seq`.
pub fn seal_payload(key: &DataKey, plain: &[u8], seq: u64, kind: &str, project: Option<i64>) -> Vec<u8> {
    Sealed::<Vec<u8>>::seal_bytes(key, plain, &payload_aad(seq, kind, project)).into_bytes()
}

/// Opens a payload sealed by [`seal_payload`].
pub fn open_payload(
    key: &DataKey,
    sealed: &[u8],
    seq: u64,
    kind: &str,
    project: Option<i64>,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    Sealed::<Vec<u8>>::from_stored(sealed.to_vec()).open(key, &payload_aad(seq, kind, project)).map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen record v1: key [7; 32], payload sealed once (random nonce) and kept as hex.
    const GOLDEN_PAYLOAD: &str = include_str!("../../fixtures/audit/golden_record_v1_payload.hex");
    const GOLDEN_CANONICAL: &str = include_str!("../../fixtures/audit/golden_record_v1_canonical.hex");
    const GOLDEN_HASH: &str = include_str!("../../fixtures/audit/golden_record_v1_hash.hex");
    const GOLDEN_PLAIN: &str = r#"{"kind":"key","key":"Ctrl-S","screen":"editor","segment":12}"#;

    fn golden_key() -> DataKey {
        DataKey::from_bytes(Zeroizing::new([7; 32]))
    }

    fn golden_record(payload: &[u8]) -> RecordRef<'_> {
        RecordRef {
            version: RECORD_VERSION,
            seq: 42,
            time_ns: 1_767_225_600_123_456_789,
            session: b"ssh-7",
            user: b"alice",
            kind: b"key",
            project: Some(3),
            payload,
        }
    }

    fn unhex(text: &str) -> Vec<u8> {
        hex::decode(text.trim()).expect("fixture is hex")
    }

    #[test]
    fn golden_record_v1_is_frozen() {
        let payload = unhex(GOLDEN_PAYLOAD);
        let plain = open_payload(&golden_key(), &payload, 42, "key", Some(3)).expect("golden payload opens");
        assert_eq!(plain.as_slice(), GOLDEN_PLAIN.as_bytes());
        let record = golden_record(&payload);
        assert_eq!(hex::encode(record.canonical_bytes()), GOLDEN_CANONICAL.trim());
        let prev: Hash = [0xab; 32];
        assert_eq!(hex::encode(record.hash(&prev)), GOLDEN_HASH.trim());
    }

    #[test]
    fn canonical_layout_is_length_prefixed() {
        let record = RecordRef { project: None, payload: b"P", ..golden_record(b"") };
        let bytes = record.canonical_bytes();
        let mut expected = vec![1u8];
        expected.extend_from_slice(&42u64.to_be_bytes());
        expected.extend_from_slice(&1_767_225_600_123_456_789i64.to_be_bytes());
        for field in [&b"ssh-7"[..], b"alice", b"key"] {
            expected.extend_from_slice(&(field.len() as u32).to_be_bytes());
            expected.extend_from_slice(field);
        }
        expected.push(0);
        expected.extend_from_slice(&1u32.to_be_bytes());
        expected.push(b'P');
        assert_eq!(bytes, expected);
    }

    #[test]
    fn payload_is_bound_to_seq_kind_and_project() {
        let key = golden_key();
        let sealed = seal_payload(&key, b"{}", 5, "paste", Some(2));
        assert!(open_payload(&key, &sealed, 5, "paste", Some(2)).is_ok());
        assert!(open_payload(&key, &sealed, 6, "paste", Some(2)).is_err());
        assert!(open_payload(&key, &sealed, 5, "key", Some(2)).is_err());
        assert!(open_payload(&key, &sealed, 5, "paste", None).is_err());
    }

    #[test]
    fn every_field_changes_the_hash() {
        let payload = [1u8, 2, 3];
        let base = golden_record(&payload);
        let variants = [
            RecordRef { seq: 43, ..base },
            RecordRef { time_ns: base.time_ns + 1, ..base },
            RecordRef { session: b"ssh-8", ..base },
            RecordRef { user: b"alicf", ..base },
            RecordRef { kind: b"kez", ..base },
            RecordRef { project: None, ..base },
            RecordRef { project: Some(4), ..base },
            RecordRef { payload: &[1, 2, 4], ..base },
            // Moving bytes between adjacent fields must not collide.
            RecordRef { session: b"ssh-7a", user: b"lice", ..base },
        ];
        let original = base.hash(&GENESIS);
        for variant in variants {
            assert_ne!(variant.hash(&GENESIS), original, "{variant:?}");
        }
        assert_ne!(base.hash(&[1; 32]), original);
    }
}
