//! Signed checkpoints: {origin, size, head hash, time} signed with the Ed25519 audit key.
//!
//! Text form (a signed note; the signature covers the body, every line ending in `\n`):
//!
//! ```text
//! cloister-audit/v1
//! cloister-5a0c2f9e61d4b7a3
//! 120000
//! 3q2+7w0bAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
//! 2026-11-30T05:09:23.123456789Z
//!
//! — 1f2e3d4c5b6a7988 <base64 signature, 64 bytes>
//! ```

use super::AuditError;
use super::record::{HASH_LEN, Hash};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rusqlite::{Connection, OptionalExtension, params};

/// First line of every checkpoint body; names the format version.
pub const CHECKPOINT_HEADER: &str = "cloister-audit/v1";
const SIGNATURE_PREFIX: &str = "— ";

/// A signed statement that the log `origin` had `size` records with head hash `head` at `time_ns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin id.
    pub origin: String,
    /// Number of records covered (the seq of the head).
    pub size: u64,
    /// Hash of record `size`.
    pub head: Hash,
    /// When it was signed, UTC nanoseconds.
    pub time_ns: i64,
    /// Id of the signing key (see [`super::keys::key_id`]).
    pub key_id: String,
    /// Ed25519 signature over [`Checkpoint::body`].
    pub signature: [u8; 64],
}

impl Checkpoint {
    /// Signs a checkpoint.
    pub fn sign(origin: &str, size: u64, head: Hash, time_ns: i64, key: &SigningKey) -> Self {
        let body = body(origin, size, &head, time_ns);
        let signature = key.sign(body.as_bytes()).to_bytes();
        Self {
            origin: origin.to_string(),
            size,
            head,
            time_ns,
            key_id: super::keys::key_id(&key.verifying_key()),
            signature,
        }
    }

    /// The signed body.
    pub fn body(&self) -> String {
        body(&self.origin, self.size, &self.head, self.time_ns)
    }

    /// Checks that `key` made the signature; the error says what is wrong.
    pub fn check_signature(&self, key: &VerifyingKey) -> Result<(), String> {
        let expected = super::keys::key_id(key);
        if self.key_id != expected {
            return Err(format!("it is signed by audit key {} but the trusted key is {expected}", self.key_id));
        }
        key.verify_strict(self.body().as_bytes(), &Signature::from_bytes(&self.signature))
            .map_err(|_| format!("its signature by key {} is invalid", self.key_id))
    }

    /// The copyable text form.
    pub fn to_text(&self) -> String {
        format!("{}\n{SIGNATURE_PREFIX}{} {}\n", self.body(), self.key_id, BASE64.encode(self.signature))
    }

    /// Parses the text printed by [`Checkpoint::to_text`] (CRLF and surrounding blank lines allowed).
    pub fn parse(text: &str) -> Result<Self, AuditError> {
        let bad = |reason: String| AuditError::CheckpointFormat { reason };
        let text = text.replace("\r\n", "\n");
        let (body_text, sig_text) =
            text.trim().split_once("\n\n").ok_or_else(|| bad("no blank line before the signature line".into()))?;
        let lines: Vec<&str> = body_text.lines().collect();
        let [header, origin, size, head, time] = lines[..] else {
            return Err(bad(format!("the body has {} lines, expected 5", lines.len())));
        };
        if header != CHECKPOINT_HEADER {
            return Err(bad(format!("first line is {header:?}, expected {CHECKPOINT_HEADER:?}")));
        }
        if origin.is_empty() || origin.contains(char::is_whitespace) {
            return Err(bad(format!("origin {origin:?} is empty or contains spaces")));
        }
        let size_value: u64 = size.parse().map_err(|_| bad(format!("size {size:?} is not a number")))?;
        if size_value.to_string() != size || size_value == 0 {
            return Err(bad(format!("size {size:?} is not a positive number in canonical form")));
        }
        let head_bytes = BASE64.decode(head).map_err(|_| bad(format!("head {head:?} is not base64")))?;
        let head_hash: Hash = head_bytes
            .as_slice()
            .try_into()
            .map_err(|_| bad(format!("head {head:?} is {} bytes, not {HASH_LEN}", head_bytes.len())))?;
        let time_ns = super::parse_time(time).map_err(bad)?;
        let sig_line = sig_text.trim();
        let rest = sig_line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or_else(|| bad(format!("signature line {sig_line:?} does not start with \"— \"")))?;
        let (key_id, signature) = rest
            .split_once(' ')
            .ok_or_else(|| bad(format!("signature line {sig_line:?} lacks `<keyid> <signature>`")))?;
        let sig_bytes = BASE64.decode(signature).map_err(|_| bad(format!("signature {signature:?} is not base64")))?;
        let signature: [u8; 64] = sig_bytes
            .as_slice()
            .try_into()
            .map_err(|_| bad(format!("signature is {} bytes, not 64", sig_bytes.len())))?;
        let checkpoint = Self {
            origin: origin.into(),
            size: size_value,
            head: head_hash,
            time_ns,
            key_id: key_id.into(),
            signature,
        };
        if checkpoint.body() != format!("{body_text}\n") {
            return Err(bad(format!("time {time:?} is not in the canonical form {}", super::format_time(time_ns))));
        }
        Ok(checkpoint)
    }
}

fn body(origin: &str, size: u64, head: &Hash, time_ns: i64) -> String {
    format!("{CHECKPOINT_HEADER}\n{origin}\n{size}\n{}\n{}\n", BASE64.encode(head), super::format_time(time_ns))
}

/// Signs and stores a checkpoint of the current head (inside the caller's transaction, if any).
/// Returns `None` for an empty log; returns the existing checkpoint if the head already has one.
pub fn create(conn: &Connection, key: &SigningKey, time_ns: i64) -> Result<Option<Checkpoint>, AuditError> {
    let (size, head) = super::db::head(conn)?;
    if size == 0 {
        return Ok(None);
    }
    let origin = super::db::origin(conn)?;
    if let Some(existing) = at_size(conn, &origin, size)? {
        return Ok(Some(existing));
    }
    let checkpoint = Checkpoint::sign(&origin, size, head, time_ns, key);
    conn.prepare_cached(
        "INSERT INTO checkpoints (size, time_ns, head, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        super::db::seq_to_sql(size),
        time_ns,
        &checkpoint.head[..],
        &checkpoint.key_id,
        &checkpoint.signature[..]
    ])?;
    Ok(Some(checkpoint))
}

type RawCheckpoint = (i64, i64, Vec<u8>, String, Vec<u8>);

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawCheckpoint> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
}

fn build(origin: &str, raw: RawCheckpoint) -> Result<Checkpoint, AuditError> {
    let (size, time_ns, head, key_id, signature) = raw;
    let malformed = |what: &str| AuditError::Malformed(format!("checkpoint at size {size}: {what}"));
    Ok(Checkpoint {
        origin: origin.to_string(),
        size: super::db::seq_from_sql(size)?,
        head: head.as_slice().try_into().map_err(|_| malformed("head is not 32 bytes"))?,
        time_ns,
        key_id,
        signature: signature.as_slice().try_into().map_err(|_| malformed("signature is not 64 bytes"))?,
    })
}

const SELECT: &str = "SELECT size, time_ns, head, key_id, signature FROM checkpoints";

fn at_size(conn: &Connection, origin: &str, size: u64) -> Result<Option<Checkpoint>, AuditError> {
    let raw = conn
        .prepare_cached(&format!("{SELECT} WHERE size = ?1"))?
        .query_row([super::db::seq_to_sql(size)], from_row)
        .optional()?;
    raw.map(|raw| build(origin, raw)).transpose()
}

/// The checkpoint with the largest size, if any.
pub fn latest(conn: &Connection) -> Result<Option<Checkpoint>, AuditError> {
    let origin = super::db::origin(conn)?;
    let raw =
        conn.prepare_cached(&format!("{SELECT} ORDER BY size DESC LIMIT 1"))?.query_row([], from_row).optional()?;
    raw.map(|raw| build(&origin, raw)).transpose()
}

/// Every stored checkpoint, by size. Malformed rows are returned as errors in place.
pub fn all(conn: &Connection) -> Result<Vec<Result<Checkpoint, AuditError>>, AuditError> {
    let origin = super::db::origin(conn)?;
    let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY size"))?;
    let rows = stmt.query_map([], from_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(build(&origin, row?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN_TEXT: &str = include_str!("../../fixtures/audit/golden_checkpoint_v1.txt");

    fn golden() -> Checkpoint {
        let key = SigningKey::from_bytes(&[9; 32]);
        Checkpoint::sign("cloister-00112233aabbccdd", 120_000, [0xde; 32], 1_796_015_363_123_456_789, &key)
    }

    #[test]
    fn golden_checkpoint_v1_is_frozen() {
        let checkpoint = golden();
        assert_eq!(checkpoint.to_text(), GOLDEN_TEXT);
        assert_eq!(Checkpoint::parse(GOLDEN_TEXT).expect("parses"), checkpoint);
        let key = SigningKey::from_bytes(&[9; 32]).verifying_key();
        checkpoint.check_signature(&key).expect("valid");
    }

    #[test]
    fn parse_tolerates_crlf_and_rejects_edits() {
        let text = golden().to_text();
        let crlf = format!("\r\n{}\r\n", text.replace('\n', "\r\n"));
        assert_eq!(Checkpoint::parse(&crlf).expect("crlf"), golden());
        let key = SigningKey::from_bytes(&[9; 32]).verifying_key();
        let edited = Checkpoint::parse(&text.replace("120000", "120001")).expect("still parses");
        assert!(edited.check_signature(&key).expect_err("bad sig").contains("invalid"));
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert!(golden().check_signature(&other).expect_err("other key").contains("trusted key"));
        for (from, to, what) in [
            ("cloister-audit/v1", "cloister-audit/v2", "first line"),
            ("120000", "0120000", "canonical"),
            ("\n\n", "\n", "blank line"),
            ("— ", "-- ", "signature line"),
        ] {
            let error = Checkpoint::parse(&text.replacen(from, to, 1)).expect_err(what).to_string();
            assert!(error.contains(what), "{what}: {error}");
        }
    }
}
