//! Deletion certificates: a signed statement that a project was purged, what was destroyed, and
//! the audit checkpoint signed right after, so the certificate is anchored in the log.
//!
//! Text form, version 1 (a signed note like [`super::Checkpoint`]; the signature, by the audit
//! signing key, covers the body: every line up to the blank line, each ending in `\n`):
//!
//! ```text
//! cloister-deletion-certificate/v1
//! project: calls-demo
//! project-id: 1
//! kind: transcription
//! created: 2026-11-30T05:09:23Z
//! closed: 2026-11-30T05:09:23Z
//! purged: 2026-11-30T05:10:00Z
//! purged-by: operator cli-4242
//! rows: segment_views=8 reveals=0 … items=10
//! exports: x-1f2e3d4c5b6a7988
//! key: destroyed
//! audit-origin: cloister-5a0c2f9e61d4b7a3
//! audit-size: 1234
//! audit-head: <base64 hash of record audit-size>
//! audit-time: 2026-11-30T05:10:00.123456789Z
//! audit-signature: <base64 checkpoint signature>
//!
//! — <key id> <base64 signature>
//! ```

use super::AuditError;
use super::checkpoint::Checkpoint;
use super::record::{HASH_LEN, Hash};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// First line of every certificate body; names the format version.
pub const CERTIFICATE_HEADER: &str = "cloister-deletion-certificate/v1";
const SIGNATURE_PREFIX: &str = "— ";
/// The fields of a version 1 body, in order.
const FIELDS: [&str; 15] = [
    "project",
    "project-id",
    "kind",
    "created",
    "closed",
    "purged",
    "purged-by",
    "rows",
    "exports",
    "key",
    "audit-origin",
    "audit-size",
    "audit-head",
    "audit-time",
    "audit-signature",
];

/// What a deletion certificate states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionFacts {
    /// Project name.
    pub project: String,
    /// Project id.
    pub project_id: i64,
    /// `transcription` or `preference`.
    pub kind: String,
    /// Created, Unix seconds.
    pub created: i64,
    /// Closed, Unix seconds (0 if never closed).
    pub closed: i64,
    /// Purged, Unix seconds.
    pub purged: i64,
    /// Who purged it: user name and session.
    pub purged_by: String,
    /// Rows deleted per table, in deletion order.
    pub rows: Vec<(String, i64)>,
    /// Export ids ever made of the project.
    pub exports: Vec<String>,
    /// The audit checkpoint signed after the purge was recorded.
    pub checkpoint: Checkpoint,
}

/// A signed deletion certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionCertificate {
    /// The facts.
    pub facts: DeletionFacts,
    /// Id of the signing key.
    pub key_id: String,
    /// Ed25519 signature over [`DeletionCertificate::body`].
    pub signature: [u8; 64],
}

fn time_secs(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| secs.to_string())
}

fn body(f: &DeletionFacts) -> String {
    let rows = f.rows.iter().map(|(t, n)| format!("{t}={n}")).collect::<Vec<_>>().join(" ");
    let exports = if f.exports.is_empty() { "none".to_string() } else { f.exports.join(" ") };
    let closed = if f.closed == 0 { "never".to_string() } else { time_secs(f.closed) };
    let c = &f.checkpoint;
    let values = [
        f.project.clone(),
        f.project_id.to_string(),
        f.kind.clone(),
        time_secs(f.created),
        closed,
        time_secs(f.purged),
        f.purged_by.clone(),
        rows,
        exports,
        "destroyed".to_string(),
        c.origin.clone(),
        c.size.to_string(),
        BASE64.encode(c.head),
        super::format_time(c.time_ns),
        BASE64.encode(c.signature),
    ];
    let mut out = format!("{CERTIFICATE_HEADER}\n");
    for (name, value) in FIELDS.iter().zip(values) {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out
}

impl DeletionCertificate {
    /// Signs the facts with the audit signing key.
    pub fn sign(facts: DeletionFacts, key: &SigningKey) -> Self {
        let signature = key.sign(body(&facts).as_bytes()).to_bytes();
        Self { facts, key_id: super::keys::key_id(&key.verifying_key()), signature }
    }

    /// The signed body.
    pub fn body(&self) -> String {
        body(&self.facts)
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        format!("{}\n{SIGNATURE_PREFIX}{} {}\n", self.body(), self.key_id, BASE64.encode(self.signature))
    }

    /// Checks the certificate's signature and that of the checkpoint it embeds, both by `key`.
    pub fn check(&self, key: &VerifyingKey) -> Result<(), String> {
        let expected = super::keys::key_id(key);
        if self.key_id != expected {
            return Err(format!("it is signed by key {} but the trusted key is {expected}", self.key_id));
        }
        key.verify_strict(self.body().as_bytes(), &Signature::from_bytes(&self.signature))
            .map_err(|_| format!("its signature by key {} is invalid: the certificate was altered", self.key_id))?;
        self.facts.checkpoint.check_signature(key).map_err(|e| format!("the embedded audit checkpoint: {e}"))
    }

    /// Parses the text printed by [`DeletionCertificate::to_text`] (CRLF and surrounding blank
    /// lines allowed). Parsing does not check signatures: call [`DeletionCertificate::check`].
    pub fn parse(text: &str) -> Result<Self, AuditError> {
        let bad = |reason: String| AuditError::CertificateFormat { reason };
        let text = text.replace("\r\n", "\n");
        let (body_text, sig_text) =
            text.trim().split_once("\n\n").ok_or_else(|| bad("no blank line before the signature line".into()))?;
        let mut lines = body_text.lines();
        let header = lines.next().unwrap_or_default();
        if header != CERTIFICATE_HEADER {
            return Err(bad(format!("first line is {header:?}, expected {CERTIFICATE_HEADER:?}")));
        }
        let mut values = Vec::new();
        for (n, name) in FIELDS.iter().enumerate() {
            let line = lines.next().ok_or_else(|| bad(format!("line {} ({name}) is missing", n + 2)))?;
            let value = line
                .strip_prefix(&format!("{name}: "))
                .ok_or_else(|| bad(format!("line {} is {line:?}, expected \"{name}: …\"", n + 2)))?;
            values.push(value);
        }
        if let Some(extra) = lines.next() {
            return Err(bad(format!("unexpected line {extra:?} after audit-signature")));
        }
        let int = |i: usize| -> Result<i64, AuditError> {
            values[i].parse().map_err(|_| bad(format!("{} {:?} is not a number", FIELDS[i], values[i])))
        };
        let secs = |i: usize| -> Result<i64, AuditError> {
            if FIELDS[i] == "closed" && values[i] == "never" {
                return Ok(0);
            }
            Ok(super::parse_time(values[i]).map_err(|e| bad(format!("{}: {e}", FIELDS[i])))? / 1_000_000_000)
        };
        let rows = values[7]
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (table, n) = pair.split_once('=').ok_or_else(|| bad(format!("rows entry {pair:?} is not T=N")))?;
                Ok((table.to_string(), n.parse().map_err(|_| bad(format!("rows entry {pair:?} is not T=N")))?))
            })
            .collect::<Result<Vec<_>, AuditError>>()?;
        let exports = if values[8] == "none" { Vec::new() } else { values[8].split(' ').map(String::from).collect() };
        if values[9] != "destroyed" {
            return Err(bad(format!("key is {:?}, expected \"destroyed\"", values[9])));
        }
        let head = BASE64.decode(values[12]).map_err(|_| bad(format!("audit-head {:?} is not base64", values[12])))?;
        let head: Hash = head.as_slice().try_into().map_err(|_| bad(format!("audit-head is not {HASH_LEN} bytes")))?;
        let signature = |text: &str, what: &str| -> Result<[u8; 64], AuditError> {
            let bytes = BASE64.decode(text).map_err(|_| bad(format!("{what} {text:?} is not base64")))?;
            bytes.as_slice().try_into().map_err(|_| bad(format!("{what} is {} bytes, not 64", bytes.len())))
        };
        let size = u64::try_from(int(11)?).map_err(|_| bad("audit-size is negative".into()))?;
        let audit_time = super::parse_time(values[13]).map_err(|e| bad(format!("audit-time: {e}")))?;
        let checkpoint_signature = signature(values[14], "audit-signature")?;
        let sig_line = sig_text.trim();
        let rest = sig_line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or_else(|| bad(format!("signature line {sig_line:?} does not start with \"— \"")))?;
        let (key_id, sig) = rest
            .split_once(' ')
            .ok_or_else(|| bad(format!("signature line {sig_line:?} lacks `<keyid> <signature>`")))?;
        let certificate = Self {
            facts: DeletionFacts {
                project: values[0].to_string(),
                project_id: int(1)?,
                kind: values[2].to_string(),
                created: secs(3)?,
                closed: secs(4)?,
                purged: secs(5)?,
                purged_by: values[6].to_string(),
                rows,
                exports,
                checkpoint: Checkpoint {
                    origin: values[10].to_string(),
                    size,
                    head,
                    time_ns: audit_time,
                    key_id: key_id.to_string(),
                    signature: checkpoint_signature,
                },
            },
            key_id: key_id.to_string(),
            signature: signature(sig, "signature")?,
        };
        if certificate.body() != format!("{body_text}\n") {
            return Err(bad("a field is not in canonical form (times, numbers, spacing)".into()));
        }
        Ok(certificate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = include_str!("../../fixtures/golden/deletion_certificate_v1.txt");

    fn golden() -> DeletionCertificate {
        let key = SigningKey::from_bytes(&[9; 32]);
        let checkpoint =
            Checkpoint::sign("cloister-00112233aabbccdd", 4242, [0xab; 32], 1_796_015_400_123_456_789, &key);
        let facts = DeletionFacts {
            project: "calls-demo".into(),
            project_id: 1,
            kind: "transcription".into(),
            created: 1_796_000_000,
            closed: 1_796_010_000,
            purged: 1_796_015_400,
            purged_by: "operator cli-4242".into(),
            rows: vec![("segment_views".into(), 8), ("segments".into(), 69), ("items".into(), 10)],
            exports: vec!["x-00112233aabbccdd".into()],
            checkpoint,
        };
        DeletionCertificate::sign(facts, &key)
    }

    #[test]
    fn golden_certificate_v1_is_frozen() {
        if std::env::var_os("CLOISTER_WRITE_GOLDEN").is_some() {
            std::fs::write(
                concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/golden/deletion_certificate_v1.txt"),
                golden().to_text(),
            )
            .expect("write golden");
        }
        assert_eq!(golden().to_text(), GOLDEN);
        let parsed = DeletionCertificate::parse(GOLDEN).expect("parses");
        assert_eq!(parsed, golden());
        parsed.check(&SigningKey::from_bytes(&[9; 32]).verifying_key()).expect("valid");
    }

    #[test]
    fn tampering_is_detected() {
        let key = SigningKey::from_bytes(&[9; 32]).verifying_key();
        let text = golden().to_text();
        let fewer = DeletionCertificate::parse(&text.replace("segments=69", "segments=68")).expect("parses");
        assert!(fewer.check(&key).expect_err("edited").contains("altered"));
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert!(golden().check(&other).expect_err("other key").contains("trusted key"));
        for (from, to, what) in [
            ("/v1", "/v2", "first line"),
            ("project-id: 1", "project-id: 01", "canonical"),
            ("key: destroyed", "key: kept", "destroyed"),
            ("\n\n", "\n", "blank line"),
        ] {
            let error = DeletionCertificate::parse(&text.replacen(from, to, 1)).expect_err(what).to_string();
            assert!(error.contains(what), "{what}: {error}");
        }
    }
}
