//! Each way of tampering with the log is detected, and located at the first bad seq.

mod audit_common;

use audit_common::{Fixture, write_events};
use cloister::audit::record::{RECORD_VERSION, RecordRef, seal_payload};
use cloister::audit::{AuditKeys, Checkpoint, Tamper, VerifyOptions, verify};
use cloister::crypto::DataKey;
use ed25519_dalek::VerifyingKey;
use rusqlite::params;

const EVENTS: u64 = 300;
const EVERY: u64 = 100;

/// 300 events with stored checkpoints at 100, 200 and 300.
fn fixture() -> Fixture {
    let fixture = Fixture::new();
    write_events(&fixture, EVENTS, EVERY);
    fixture
}

fn saved_checkpoint(fixture: &Fixture) -> Checkpoint {
    let conn = fixture.conn();
    let text = cloister::audit::checkpoint::latest(&conn).expect("latest").expect("some").to_text();
    Checkpoint::parse(&text).expect("parses")
}

fn check(fixture: &Fixture, trusted: &VerifyingKey, checkpoint: Option<&Checkpoint>, payloads: bool) -> Option<Tamper> {
    let keys = Fixture::keys();
    let projects = fixture.projects.clone();
    let verify_with = |threads: usize| {
        let options = VerifyOptions {
            trusted_key: Some(trusted),
            checkpoint,
            payload_keys: payloads.then_some((&keys.sealing, &*projects as &dyn cloister::audit::ProjectKeys)),
            threads,
        };
        verify(&fixture.path, &options, &|_, _| {}).expect("verify runs")
    };
    let sequential = verify_with(1);
    // Three threads split the 300 events at 100 and 200: the same answer, boundaries included.
    let parallel = verify_with(3);
    assert_eq!(sequential.problem, parallel.problem, "parallel verify agrees");
    assert_eq!(sequential.events, parallel.events);
    assert_eq!(sequential.head, parallel.head);
    sequential.problem
}

fn problem(fixture: &Fixture) -> Tamper {
    check(fixture, &Fixture::keys().verifying_key(), None, false).expect("tampering is detected")
}

fn hash_of(conn: &rusqlite::Connection, seq: i64) -> Vec<u8> {
    conn.query_row("SELECT hash FROM events WHERE seq = ?1", [seq], |r| r.get(0)).expect("hash")
}

#[test]
fn an_intact_log_verifies_with_every_check() {
    let fixture = fixture();
    let saved = saved_checkpoint(&fixture);
    assert_eq!(saved.size, EVENTS);
    assert_eq!(check(&fixture, &Fixture::keys().verifying_key(), Some(&saved), true), None);
}

#[test]
fn a_changed_field_is_located() {
    for (column, value) in
        [("user", "'mallory'"), ("time_ns", "time_ns + 1"), ("project", "NULL"), ("payload", "x'00'")]
    {
        let fixture = fixture();
        let conn = fixture.conn();
        fixture.drop_triggers(&conn);
        conn.execute(&format!("UPDATE events SET {column} = {value} WHERE seq = 150"), []).expect("tamper");
        let found = problem(&fixture);
        assert_eq!(found.seq, 150, "{column}: {found}");
        assert!(found.what.contains("a field was changed"), "{found}");
        let report = verify(&fixture.path, &VerifyOptions::default(), &|_, _| {}).expect("verify");
        assert!(!report.missing_triggers.is_empty(), "dropped triggers are reported");
    }
}

#[test]
fn a_deleted_row_is_located() {
    let fixture = fixture();
    let conn = fixture.conn();
    assert!(conn.execute("DELETE FROM events WHERE seq = 120", []).is_err(), "the trigger refuses");
    fixture.drop_triggers(&conn);
    conn.execute("DELETE FROM events WHERE seq = 120", []).expect("delete");
    let found = problem(&fixture);
    assert_eq!(found.seq, 120, "{found}");
    assert!(found.what.contains("seq 120 is missing"), "{found}");
}

#[test]
fn two_swapped_rows_are_located() {
    let fixture = fixture();
    let conn = fixture.conn();
    fixture.drop_triggers(&conn);
    conn.execute_batch(
        "UPDATE events SET seq = 1000000 WHERE seq = 200;
         UPDATE events SET seq = 200 WHERE seq = 201;
         UPDATE events SET seq = 201 WHERE seq = 1000000;",
    )
    .expect("swap");
    let found = problem(&fixture);
    assert_eq!(found.seq, 200, "{found}");
    assert!(found.what.contains("prev_hash"), "{found}");
}

/// A forger without the keys inserts a row at seq 150 with a consistent hash and renumbers the rest.
fn forge_at_150(fixture: &Fixture) {
    let conn = fixture.conn();
    fixture.drop_triggers(&conn);
    for seq in (150..=EVENTS as i64).rev() {
        conn.execute("UPDATE events SET seq = seq + 1 WHERE seq = ?1", [seq]).expect("renumber");
    }
    let prev: [u8; 32] = hash_of(&conn, 149).try_into().expect("32 bytes");
    let payload =
        seal_payload(&DataKey::generate(), br#"{"kind":"admin","action":"nothing to see"}"#, 150, "admin", None);
    let record = RecordRef {
        version: RECORD_VERSION,
        seq: 150,
        time_ns: 1,
        session: b"s1",
        user: b"alice",
        kind: b"admin",
        project: None,
        payload: &payload,
    };
    conn.execute(
        "INSERT INTO events VALUES (150, 1, 1, 's1', 'alice', 'admin', NULL, ?1, ?2, ?3)",
        params![payload, &prev[..], &record.hash(&prev)[..]],
    )
    .expect("insert forged row");
}

#[test]
fn a_forged_row_is_located() {
    let fixture = fixture();
    forge_at_150(&fixture);
    let key = Fixture::keys().verifying_key();
    // The chain alone shows the break right after it (the renumbered row no longer hashes) ...
    let found = check(&fixture, &key, None, false).expect("detected");
    assert_eq!(found.seq, 151, "{found}");
    // ... and the payload check pins the forged row itself: its payload was not sealed by us.
    let found = check(&fixture, &key, None, true).expect("detected");
    assert_eq!(found.seq, 150, "{found}");
    assert!(found.what.contains("forged"), "{found}");
}

#[test]
fn a_forged_row_appended_with_a_naive_hash_is_located() {
    let fixture = fixture();
    let conn = fixture.conn();
    conn.execute(
        "INSERT INTO events VALUES (301, 1, 1, 's1', 'alice', 'admin', NULL, x'01', ?1, zeroblob(32))",
        [hash_of(&conn, 300)],
    )
    .expect("append is allowed by the triggers");
    assert_eq!(problem(&fixture).seq, 301);
}

#[test]
fn a_cut_tail_is_located_against_a_saved_checkpoint() {
    let fixture = fixture();
    let saved = saved_checkpoint(&fixture);
    let conn = fixture.conn();
    fixture.drop_triggers(&conn);
    conn.execute("DELETE FROM events WHERE seq > 250", []).expect("cut");
    let key = Fixture::keys().verifying_key();
    // The stored checkpoint of size 300 still betrays it ...
    let found = check(&fixture, &key, None, false).expect("detected by the stored checkpoint");
    assert_eq!(found.seq, 251, "{found}");
    // ... and once that is deleted too, only the saved copy does.
    conn.execute("DELETE FROM checkpoints WHERE size > 250", []).expect("cut checkpoints");
    assert_eq!(check(&fixture, &key, None, false), None, "undetectable without a saved checkpoint");
    let found = check(&fixture, &key, Some(&saved), false).expect("detected by the saved checkpoint");
    assert_eq!(found.seq, 251, "{found}");
    assert!(found.what.contains("cut off"), "{found}");
}

/// Rewrites the whole log: a new consistent chain signed with `signing`, under the old origin.
fn rewrite(fixture: &Fixture, signing: [u8; 32]) {
    let origin: String = fixture.conn().query_row("SELECT value FROM meta", [], |r| r.get(0)).expect("origin");
    let forged = Fixture::new();
    {
        // Take over the origin before anything is signed, so forged checkpoints name it.
        drop(cloister::audit::db::open_writer(&forged.path).expect("create"));
        let conn = forged.conn();
        forged.drop_triggers(&conn);
        conn.execute("UPDATE meta SET value = ?1", [origin]).expect("copy origin");
    }
    let config = cloister::config::AuditConfig {
        checkpoint_every_events: EVERY,
        checkpoint_every_secs: 3600,
        ..Default::default()
    };
    let log = cloister::audit::AuditLog::start(
        &forged.path,
        AuditKeys::from_bytes(audit_common::SEAL, signing),
        &config,
        forged.projects.clone(),
    )
    .expect("start");
    for n in 0..EVENTS {
        let mut event = audit_common::key_event(n);
        event.user = "mallory".into();
        log.record_blocking(event).expect("record");
    }
    log.shutdown_blocking().expect("shutdown");
    let conn = forged.conn();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").expect("merge wal");
    drop(conn);
    std::fs::copy(&forged.path, &fixture.path).expect("replace the log");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", fixture.path.display()));
    }
}

#[test]
fn a_rewritten_log_is_caught_by_checkpoint_signatures() {
    let fixture = fixture();
    let saved = saved_checkpoint(&fixture);
    rewrite(&fixture, [0x33; 32]);
    let ours = Fixture::keys().verifying_key();
    // The stored checkpoints are signed by another key.
    let found = check(&fixture, &ours, None, false).expect("detected");
    assert_eq!(found.seq, 1, "{found}");
    assert!(found.what.contains("trusted key"), "{found}");
    // If the public key in DIR/keys was replaced as well, the saved checkpoint still refuses it.
    let theirs = AuditKeys::from_bytes(audit_common::SEAL, [0x33; 32]).verifying_key();
    assert_eq!(check(&fixture, &theirs, None, false), None, "consistent with itself");
    let found = check(&fixture, &theirs, Some(&saved), false).expect("detected by the saved checkpoint");
    assert_eq!(found.seq, 1, "{found}");
    assert!(found.what.contains("does not verify"), "{found}");
}

#[test]
fn a_rewritten_log_re_signed_with_a_leaked_key_is_caught_by_the_saved_head() {
    let fixture = fixture();
    let saved = saved_checkpoint(&fixture);
    rewrite(&fixture, audit_common::SIGN);
    let key = Fixture::keys().verifying_key();
    assert_eq!(check(&fixture, &key, None, false), None, "a leaked key re-signs consistently");
    let found = check(&fixture, &key, Some(&saved), false).expect("detected by the saved head");
    assert_eq!(found.seq, 1, "{found}");
    assert!(found.what.contains("head hash does not match"), "{found}");
}
