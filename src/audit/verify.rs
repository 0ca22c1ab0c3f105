//! Verification: stream the records in seq order, recompute the chain, check every stored
//! checkpoint (signature and head) and optionally a checkpoint saved off the host, and optionally
//! authenticate each payload with the keys still present. Reports the FIRST bad seq.

use super::checkpoint::Checkpoint;
use super::record::{GENESIS, HASH_LEN, Hash, RECORD_VERSION, RecordRef, open_payload};
use super::{AuditError, ProjectKeys};
use crate::crypto::DataKey;
use ed25519_dalek::VerifyingKey;
use rusqlite::types::ValueRef;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// What to check besides the chain itself.
#[derive(Default, Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// The trusted checkpoint public key (DIR/keys/audit_signing.pub or a copy kept off the host).
    /// Without it, checkpoint signatures are not checked (heads still are).
    pub trusted_key: Option<&'a VerifyingKey>,
    /// A checkpoint saved off the host: detects a cut tail and a rewritten log.
    pub checkpoint: Option<&'a Checkpoint>,
    /// The audit sealing key and the project keys: each payload whose key still exists must open.
    /// Detects rows forged by someone without the keys even where the chain is consistent.
    pub payload_keys: Option<(&'a DataKey, &'a dyn ProjectKeys)>,
    /// Threads to verify with; 0 = one per core for logs of 65 536 events or more, else one.
    pub threads: usize,
}

/// The first problem found: the first seq that cannot be trusted, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tamper {
    /// The first bad (or first possibly rewritten) seq.
    pub seq: u64,
    /// What is wrong, in words.
    pub what: String,
}

impl std::fmt::Display for Tamper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "first bad seq {}: {}", self.seq, self.what)
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records read (up to the first problem).
    pub events: u64,
    /// Hash of the last good record.
    pub head: Hash,
    /// Stored checkpoints that matched the chain (signature checked when a key was given).
    pub checkpoints: usize,
    /// Payloads opened with their key.
    pub payloads_opened: u64,
    /// Payloads whose key is gone (purged project): unreadable, but still covered by the chain.
    pub payloads_unreadable: u64,
    /// Append-only triggers missing from the database (someone dropped them).
    pub missing_triggers: Vec<&'static str>,
    /// The first problem, if any.
    pub problem: Option<Tamper>,
}

impl VerifyReport {
    /// True when no problem was found.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// A checkpoint to compare against the chain at its size.
struct Expect {
    size: u64,
    head: Hash,
    /// `None` for the external checkpoint (checked up front).
    stored: Option<Result<(), String>>,
}

/// Logs smaller than this are verified on one thread.
const PARALLEL_FROM: u64 = 65_536;

/// What one thread found in its range of seqs.
#[derive(Default)]
struct Scan {
    /// The first problem in the range.
    problem: Option<Tamper>,
    /// Chain hashes at the checkpoint sizes in the range.
    hashes: Vec<(u64, Hash)>,
    opened: u64,
    unreadable: u64,
}

/// Verifies the log at `path`. `progress(done, total)` is called now and then.
///
/// Every row carries its `prev_hash`, so each row checks on its own against its neighbour: the log
/// is split into ranges verified in parallel (one thread per core); the report is the same as a
/// sequential scan's.
pub fn verify(
    path: &Path,
    options: &VerifyOptions<'_>,
    progress: &dyn Fn(u64, u64),
) -> Result<VerifyReport, AuditError> {
    let conn = super::db::open_reader(path)?;
    let tx = conn.unchecked_transaction()?; // one read snapshot while a server keeps writing
    let origin = super::db::origin(&tx)?;
    let (total, _) = super::db::head(&tx)?;
    let mut report = VerifyReport {
        events: 0,
        head: GENESIS,
        checkpoints: 0,
        payloads_opened: 0,
        payloads_unreadable: 0,
        missing_triggers: super::db::missing_triggers(&tx)?,
        problem: None,
    };
    let mut expects = stored_checkpoints(&tx, &origin, options.trusted_key)?;
    if let Some(external) = options.checkpoint {
        if let Some(problem) = check_external(external, &origin, options.trusted_key) {
            report.problem = Some(problem);
            return Ok(report);
        }
        expects.push(Expect { size: external.size, head: external.head, stored: None });
    }
    expects.sort_by_key(|e| (e.size, e.stored.is_none()));
    let sizes: Vec<u64> = expects.iter().map(|e| e.size).collect();

    progress(0, total);
    let scans = scan_parallel(path, &tx, total, &sizes, options, progress)?;
    let mut hashes = std::collections::HashMap::new();
    let mut chain_problem: Option<Tamper> = None;
    for scan in scans {
        report.payloads_opened += scan.opened;
        report.payloads_unreadable += scan.unreadable;
        hashes.extend(scan.hashes);
        if let Some(problem) = scan.problem
            && chain_problem.as_ref().is_none_or(|p| problem.seq < p.seq)
        {
            chain_problem = Some(problem);
        }
    }
    // Rows before the first chain problem are good; checkpoints are judged against them in order.
    let good = chain_problem.as_ref().map_or(total, |p| p.seq - 1);
    report.events = good;
    report.head = super::db::hash_at(&tx, good)?.unwrap_or(GENESIS);
    let mut good_upto = 0u64;
    for expect in expects.iter() {
        if expect.size > good {
            if chain_problem.is_none() {
                let which = if expect.stored.is_some() { "a stored checkpoint" } else { "the checkpoint file" };
                chain_problem = Some(Tamper {
                    seq: good + 1,
                    what: format!(
                        "the log ends at seq {good} but {which} covers {} events: seqs {}..={} were cut off",
                        expect.size,
                        good + 1,
                        expect.size
                    ),
                });
            }
            break;
        }
        if let Some(problem) = judge(expect, hashes.get(&expect.size), good_upto) {
            report.problem = Some(problem);
            return Ok(report);
        }
        good_upto = expect.size;
        if expect.stored.is_some() {
            report.checkpoints += 1;
        }
    }
    report.problem = chain_problem;
    progress(total, total);
    Ok(report)
}

/// Judges one checkpoint against the chain hash at its size; `good_upto` is the largest size of a
/// checkpoint that matched before it.
fn judge(expect: &Expect, chain: Option<&Hash>, good_upto: u64) -> Option<Tamper> {
    let size = expect.size;
    let which = if expect.stored.is_some() { "stored checkpoint" } else { "checkpoint file" };
    let reason = match (&expect.stored, chain) {
        (Some(Err(reason)), _) => reason.clone(),
        (_, Some(hash)) if *hash == expect.head => return None,
        _ => format!("head hash does not match the chain at seq {size}"),
    };
    // If a stored checkpoint of the same size as the checkpoint file matched, the stored ones
    // were re-signed: trust nothing.
    let from = if good_upto < size { good_upto + 1 } else { 1 };
    let cause = if expect.stored.is_some() {
        "or the checkpoint was forged".to_string()
    } else if from == 1 {
        "and the stored checkpoints were re-signed: the signing key has leaked".to_string()
    } else {
        format!("or, if the signing key leaked, anything up to seq {size}")
    };
    Some(Tamper {
        seq: from,
        what: format!("the {which} at size {size} fails ({reason}): events {from}..={size} were rewritten, {cause}"),
    })
}

/// Splits `1..=total` into one range per core and scans them in parallel; reports progress.
fn scan_parallel(
    path: &Path,
    conn: &rusqlite::Connection,
    total: u64,
    sizes: &[u64],
    options: &VerifyOptions<'_>,
    progress: &dyn Fn(u64, u64),
) -> Result<Vec<Scan>, AuditError> {
    let threads = match options.threads {
        0 if total < PARALLEL_FROM => 1,
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()).min(8) as u64,
        n => n as u64,
    };
    if threads == 1 {
        let done = AtomicU64::new(0);
        return Ok(vec![scan(conn, 1, total, sizes, options, &done)?]);
    }
    let done = AtomicU64::new(0);
    let per = total.div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|i| (i * per + 1, ((i + 1) * per).min(total)))
            .filter(|(from, to)| from <= to)
            .map(|(from, to)| {
                let done = &done;
                scope.spawn(move || -> Result<Scan, AuditError> {
                    let conn = super::db::open_reader(path)?;
                    let tx = conn.unchecked_transaction()?;
                    scan(&tx, from, to, sizes, options, done)
                })
            })
            .collect();
        while !workers.iter().all(|w| w.is_finished()) {
            progress(done.load(Ordering::Relaxed), total);
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(AuditError::Malformed("a verify thread panicked".into()))))
            .collect()
    })
}

/// Checks the rows `from..=to`: each one's seq, version, link to the row before and hash, and
/// (with keys) its payload. Stops at the first problem.
fn scan(
    conn: &rusqlite::Connection,
    from: u64,
    to: u64,
    sizes: &[u64],
    options: &VerifyOptions<'_>,
    done: &AtomicU64,
) -> Result<Scan, AuditError> {
    let mut result = Scan::default();
    let mut prev = if from == 1 {
        GENESIS
    } else {
        match super::db::hash_at(conn, from - 1)? {
            Some(hash) => hash,
            // The row before the range is missing: the range before reports it.
            None => return Ok(result),
        }
    };
    let mut sizes = sizes.iter().copied().filter(|s| (from..=to).contains(s)).peekable();
    let sql = format!("SELECT {} FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq", super::db::EVENT_COLUMNS);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([super::db::seq_to_sql(from), super::db::seq_to_sql(to)])?;
    let mut expected = from;
    while let Some(row) = rows.next()? {
        match check_row(row, expected, &prev, options) {
            Ok((hash, opened)) => {
                match opened {
                    Some(true) => result.opened += 1,
                    Some(false) => result.unreadable += 1,
                    None => {}
                }
                prev = hash;
            }
            Err(problem) => {
                result.problem = Some(problem);
                return Ok(result);
            }
        }
        while sizes.next_if(|&s| s == expected).is_some() {
            result.hashes.push((expected, prev));
        }
        if expected.is_multiple_of(16_384) {
            done.fetch_add(16_384, Ordering::Relaxed);
        }
        expected += 1;
    }
    if expected <= to {
        result.problem = Some(Tamper { seq: expected, what: format!("seq {expected} is missing: rows were deleted") });
    }
    Ok(result)
}

/// Loads the stored checkpoints with the result of their signature check.
fn stored_checkpoints(
    conn: &rusqlite::Connection,
    origin: &str,
    key: Option<&VerifyingKey>,
) -> Result<Vec<Expect>, AuditError> {
    let mut stmt = conn.prepare("SELECT size, time_ns, head, key_id, signature FROM checkpoints ORDER BY size")?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let size = u64::try_from(row.get::<_, i64>(0)?).unwrap_or(0);
        let head: Option<Hash> = blob(row.get_ref(2)?).and_then(|b| b.try_into().ok());
        let signature: Option<[u8; 64]> = blob(row.get_ref(4)?).and_then(|b| b.try_into().ok());
        let (Some(head), Some(signature)) = (head, signature) else {
            out.push(Expect { size, head: GENESIS, stored: Some(Err("the row is malformed".into())) });
            continue;
        };
        let checkpoint =
            Checkpoint { origin: origin.to_string(), size, head, time_ns: row.get(1)?, key_id: row.get(3)?, signature };
        let checked = match key {
            Some(key) => checkpoint.check_signature(key),
            None => Ok(()),
        };
        out.push(Expect { size, head, stored: Some(checked) });
    }
    Ok(out)
}

/// Checks what can be checked of a saved checkpoint without the chain.
fn check_external(checkpoint: &Checkpoint, origin: &str, key: Option<&VerifyingKey>) -> Option<Tamper> {
    let whole = |what: String| Some(Tamper { seq: 1, what });
    if checkpoint.origin != origin {
        return whole(format!(
            "the checkpoint file is for log {} but this log is {origin}: the log was re-created or replaced \
             (or the wrong file was given)",
            checkpoint.origin
        ));
    }
    if let Some(key) = key
        && let Err(reason) = checkpoint.check_signature(key)
    {
        return whole(format!(
            "the checkpoint file does not verify: {reason}; if the key in DIR/keys was replaced, the whole log \
             (seqs 1..={}) is untrusted",
            checkpoint.size
        ));
    }
    None
}

fn blob(value: ValueRef<'_>) -> Option<&[u8]> {
    match value {
        ValueRef::Blob(bytes) | ValueRef::Text(bytes) => Some(bytes),
        _ => None,
    }
}

/// Checks one row; returns its hash and whether its payload was opened (`Some(false)`: key gone).
fn check_row(
    row: &rusqlite::Row<'_>,
    expected_seq: u64,
    prev: &Hash,
    options: &VerifyOptions<'_>,
) -> Result<(Hash, Option<bool>), Tamper> {
    let bad = |seq: u64, what: String| Tamper { seq, what };
    let at = expected_seq;
    let value = |index: usize| row.get_ref(index).map_err(|e| bad(at, format!("unreadable row: {e}")));
    let integer = |index: usize, name: &str| match value(index)? {
        ValueRef::Integer(n) => Ok(n),
        _ => Err(bad(at, format!("{name} is not an integer"))),
    };
    let bytes = |index: usize, name: &str| blob(value(index)?).ok_or_else(|| bad(at, format!("{name} is missing")));
    let seq = integer(0, "seq")?;
    if seq != super::db::seq_to_sql(expected_seq) {
        return Err(bad(at, format!("seq {expected_seq} is missing (the next row has seq {seq}): rows were deleted")));
    }
    let version = integer(1, "version")?;
    if version != i64::from(RECORD_VERSION) {
        return Err(bad(at, format!("record version {version} is unknown (expected {RECORD_VERSION})")));
    }
    let project = match value(6)? {
        ValueRef::Null => None,
        ValueRef::Integer(n) => Some(n),
        _ => return Err(bad(at, "project is not an integer".into())),
    };
    let record = RecordRef {
        version: RECORD_VERSION,
        seq: expected_seq,
        time_ns: integer(2, "time_ns")?,
        session: bytes(3, "session")?,
        user: bytes(4, "user")?,
        kind: bytes(5, "kind")?,
        project,
        payload: bytes(7, "payload")?,
    };
    let stored_prev = bytes(8, "prev_hash")?;
    let stored_hash = bytes(9, "hash")?;
    if stored_prev != prev {
        return Err(bad(
            at,
            "prev_hash does not match the hash of the record before it: rows were deleted, swapped or inserted".into(),
        ));
    }
    let hash = record.hash(prev);
    if stored_hash != hash {
        let what = if stored_hash.len() == HASH_LEN { "a field was changed" } else { "the hash is malformed" };
        return Err(bad(at, format!("the record's hash does not match its contents: {what}")));
    }
    let opened = match options.payload_keys {
        None => None,
        Some((audit_key, projects)) => Some(open_check(&record, audit_key, projects).map_err(|what| bad(at, what))?),
    };
    Ok((hash, opened))
}

fn open_check(record: &RecordRef<'_>, audit_key: &DataKey, projects: &dyn ProjectKeys) -> Result<bool, String> {
    let kind = std::str::from_utf8(record.kind).map_err(|_| "the kind is not UTF-8".to_string())?;
    let (key, whose) = match record.project {
        None => (None, "audit".to_string()),
        Some(project) => match projects.project_key(project) {
            Some(key) => (Some(key), format!("project {project}")),
            None => return Ok(false),
        },
    };
    let key = key.as_deref().unwrap_or(audit_key);
    open_payload(key, record.payload, record.seq, kind, record.project)
        .map(|_| true)
        .map_err(|_| format!("the payload does not open with the {whose} key: the row was forged or re-sealed"))
}
