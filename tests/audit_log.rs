//! The audit log end to end on a temp dir: concurrent producers, fail-closed writes, checkpoints,
//! decrypting reads and purged projects.

mod audit_common;

use audit_common::{Fixture, SEAL, key_event, record_concurrently};
use cloister::audit::read::PURGED;
use cloister::audit::{
    AuditError, AuditKeys, AuditReader, Checkpoint, Event, EventKind, Fault, Health, Payload, VerifyOptions, verify,
};
use cloister::crypto::DataKey;
use std::time::Duration;
use zeroize::Zeroizing;

fn full_verify(fixture: &Fixture, checkpoint: Option<&Checkpoint>) -> cloister::audit::VerifyReport {
    let keys = Fixture::keys();
    let trusted = keys.verifying_key();
    let projects = fixture.projects.clone();
    let options = VerifyOptions {
        trusted_key: Some(&trusted),
        checkpoint,
        payload_keys: Some((&keys.sealing, &*projects)),
        threads: 1,
    };
    let report = verify(&fixture.path, &options, &|_, _| {}).expect("verify runs");
    let parallel = verify(&fixture.path, &VerifyOptions { threads: 4, ..options }, &|_, _| {}).expect("verify runs");
    assert_eq!(report, parallel, "verifying in parallel gives the same report");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_producers_get_contiguous_seqs_and_the_log_verifies() {
    let fixture = Fixture::new();
    let log = fixture.start(500);
    let seqs = record_concurrently(&log, 0, 5000).await;
    assert_eq!(seqs, (1..=5000).collect::<Vec<u64>>(), "every producer got a distinct seq, none skipped");
    // A synchronous producer (CLI commands) on a plain thread.
    let blocking = log.clone();
    let seq = tokio::task::spawn_blocking(move || blocking.record_blocking(key_event(5000)).expect("record"))
        .await
        .expect("join");
    assert_eq!(seq, 5001);
    // A group is answered once, with its seqs in order; all or none is accepted.
    let group = log.record_batch((5001..5101).map(key_event).collect()).await.expect("group");
    assert_eq!(group, (5002..=5101).collect::<Vec<u64>>());
    let bad = vec![key_event(1), Event::new("s", "u", Some(404), EventKind::Admin { action: "x".into() })];
    assert!(matches!(log.record_batch(bad).await, Err(AuditError::ProjectKeyMissing { project: 404 })));
    assert_eq!(log.flush().await.expect("flush"), 5101);
    assert!(log.is_healthy());
    assert_eq!(log.shutdown().await.expect("shutdown"), 5101);

    let report = full_verify(&fixture, None);
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.events, 5101);
    assert!(report.checkpoints >= 10, "a checkpoint about every 500 events, got {}", report.checkpoints);
    assert_eq!(report.payloads_opened, 5101);
    assert!(report.missing_triggers.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_write_failure_fails_closed_and_loses_nothing() {
    let fixture = Fixture::new();
    let log = fixture.start(10_000);
    let mut health = log.health();
    record_concurrently(&log, 0, 100).await;

    log.inject_fault(Fault::DiskFull).await.expect("inject");
    let paste = |n: u64| {
        let kind = EventKind::Paste { text: "x".repeat(3000), screen: "editor".into(), segment: Some(n as i64) };
        Event::new("s-fail", "alice", Some(1), kind)
    };
    let mut producers = tokio::task::JoinSet::new();
    for n in 0..20 {
        let log = log.clone();
        producers.spawn(async move { log.record(paste(n)).await });
    }
    let mut failed = 0;
    while let Some(result) = producers.join_next().await {
        match result.expect("join") {
            Err(AuditError::WriteFailed { reason }) => {
                assert!(reason.contains("full"), "{reason}");
                failed += 1;
            }
            other => panic!("a write on a full disk must fail, got {other:?}"),
        }
    }
    assert_eq!(failed, 20, "every producer of the failed batch is told");
    assert!(matches!(&*health.borrow_and_update(), Health::Failed(reason) if reason.contains("full")));
    // While failed, new events are refused at once (and kept), single or grouped.
    let refused = tokio::time::timeout(Duration::from_secs(5), log.record(key_event(100))).await.expect("prompt");
    assert!(matches!(refused, Err(AuditError::WriteFailed { .. })), "{refused:?}");
    let group = vec![key_event(200), key_event(201)];
    let refused = tokio::time::timeout(Duration::from_secs(5), log.record_batch(group)).await.expect("prompt");
    assert!(matches!(refused, Err(AuditError::WriteFailed { .. })), "{refused:?}");

    log.inject_fault(Fault::Clear).await.expect("clear");
    tokio::time::timeout(Duration::from_secs(15), health.wait_for(Health::is_ok)).await.expect("recovers").expect("ok");
    let after = log.record(key_event(101)).await.expect("writes again");
    assert_eq!(after, 100 + 20 + 1 + 2 + 1, "the failed events were kept and written before it");
    log.shutdown().await.expect("shutdown");

    let report = full_verify(&fixture, None);
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.events, 124);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_decrypts_and_a_purged_project_becomes_unreadable_but_verifies() {
    let fixture = Fixture::new();
    let log = fixture.start(50);
    let secret = "card 4111 1111 1111 1111";
    let paste = EventKind::Paste { text: secret.into(), screen: "editor".into(), segment: Some(9) };
    log.record(Event::new("s1", "alice", Some(2), paste.clone())).await.expect("paste");
    log.record(Event::new("s1", "alice", None, EventKind::Admin { action: "grant".into() })).await.expect("admin");
    record_concurrently(&log, 0, 300).await;
    log.flush().await.expect("flush");
    let raw = std::fs::read(&fixture.path).expect("read db");
    assert!(!raw.windows(secret.len()).any(|w| w == secret.as_bytes()), "payloads are sealed at rest");

    let audit_key = DataKey::from_bytes(Zeroizing::new(SEAL));
    let mut seen = Vec::new();
    {
        let reader = AuditReader::open(&fixture.path, &audit_key, &*fixture.projects).expect("reader");
        reader
            .since(0, &mut |event| {
                seen.push(event);
                Ok(())
            })
            .expect("export");
    }
    assert_eq!(seen.len(), 302);
    assert_eq!(seen[0].payload, Payload::Event(paste));
    assert!(seen[0].to_json_line().contains(secret));
    assert!(seen.iter().all(|e| matches!(e.payload, Payload::Event(_))));

    fixture.purge(2);
    let refused = log.record(Event::new("s1", "alice", Some(2), EventKind::Admin { action: "x".into() })).await;
    assert!(matches!(refused, Err(AuditError::ProjectKeyMissing { project: 2 })), "{refused:?}");
    log.shutdown().await.expect("shutdown");

    let reader = AuditReader::open(&fixture.path, &audit_key, &*fixture.projects).expect("reader");
    let mut unreadable = 0;
    reader
        .since(0, &mut |event| {
            if event.project == Some(2) {
                assert_eq!(event.payload, Payload::Unreadable(PURGED.into()));
                assert!(event.to_json_line().contains(r#""payload":"unreadable (project purged)""#));
                unreadable += 1;
            } else {
                assert!(matches!(event.payload, Payload::Event(_)), "{event:?}");
            }
            Ok(())
        })
        .expect("export after purge");
    let report = full_verify(&fixture, None);
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.payloads_unreadable, unreadable);
    assert_eq!(report.payloads_opened + unreadable, 302);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_by_count_time_and_request_round_trip_as_text() {
    let fixture = Fixture::new();
    let config = cloister::config::AuditConfig {
        checkpoint_every_events: 1_000_000,
        checkpoint_every_secs: 1,
        ..Default::default()
    };
    let log = cloister::audit::AuditLog::start(&fixture.path, Fixture::keys(), &config, fixture.projects.clone())
        .expect("start");
    assert_eq!(log.checkpoint().await.expect("empty"), None, "an empty log has no checkpoint");
    record_concurrently(&log, 0, 10).await;
    // Signed about a second later; polled so a loaded machine does not fail the test.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let stored = loop {
        let found = cloister::audit::checkpoint::latest(&fixture.conn()).expect("latest");
        match found {
            Some(found) => break found,
            None if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            None => panic!("a timed checkpoint was signed"),
        }
    };
    assert_eq!(stored.size, 10);
    record_concurrently(&log, 10, 20).await;
    let asked = log.checkpoint().await.expect("checkpoint").expect("some");
    assert_eq!(asked.size, 20);
    let text = asked.to_text();
    let parsed = Checkpoint::parse(&text).expect("parses");
    assert_eq!(parsed, asked);
    parsed.check_signature(&Fixture::keys().verifying_key()).expect("signed by the audit key");
    log.shutdown().await.expect("shutdown");
    let report = full_verify(&fixture, Some(&parsed));
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.checkpoints, 2);
}

#[test]
fn blocking_producers_and_limits() {
    let fixture = Fixture::new();
    let log = fixture.start(100);
    let huge = EventKind::Paste { text: "x".repeat(cloister::audit::MAX_PAYLOAD), screen: "e".into(), segment: None };
    assert!(matches!(log.record_blocking(Event::new("s", "u", None, huge)), Err(AuditError::TooLarge { .. })));
    assert!(matches!(
        log.record_blocking(Event::new("s", "u", Some(99), EventKind::Admin { action: "a".into() })),
        Err(AuditError::ProjectKeyMissing { project: 99 })
    ));
    assert_eq!(log.record_blocking(key_event(0)).expect("record"), 1);
    let other = log.clone();
    other.shutdown_blocking().expect("shutdown");
    assert!(matches!(log.record_blocking(key_event(1)), Err(AuditError::Closed)));
    assert!(!log.is_healthy(), "a stopped writer reads as failed, so sessions freeze");
    // A new writer continues the same chain.
    let log = fixture.start(100);
    assert_eq!(log.record_blocking(key_event(2)).expect("record"), 2);
    drop(log);
    let keys = AuditKeys::from_bytes(SEAL, audit_common::SIGN);
    let trusted = keys.verifying_key();
    let options = VerifyOptions { trusted_key: Some(&trusted), ..VerifyOptions::default() };
    let mut report = verify(&fixture.path, &options, &|_, _| {}).expect("verify");
    for _ in 0..50 {
        if report.events == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20)); // the dropped writer finishes in the background
        report = verify(&fixture.path, &options, &|_, _| {}).expect("verify");
    }
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.events, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writers_on_one_file_interleave_into_one_chain() {
    // A running server and a CLI command (or two hosts' processes) append to the same audit.db:
    // each batch re-chains on whatever head it finds.
    let fixture = Fixture::new();
    let server = fixture.start(250);
    let cli = fixture.start(250);
    let (a, b) = tokio::join!(record_concurrently(&server, 0, 2000), record_concurrently(&cli, 2000, 4000));
    let mut all: Vec<u64> = a.into_iter().chain(b).collect();
    all.sort_unstable();
    assert_eq!(all, (1..=4000).collect::<Vec<u64>>(), "one contiguous sequence, no seq given twice");
    server.shutdown().await.expect("shutdown");
    cli.shutdown().await.expect("shutdown");
    let report = full_verify(&fixture, None);
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.events, 4000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fsync_stops_the_log_for_good() {
    // After a failed fsync the kernel may have dropped the pages, so nothing can be retried with
    // confidence: producers are told, health stays Failed, the writer stops.
    let fixture = Fixture::new();
    let log = fixture.start(1000);
    record_concurrently(&log, 0, 50).await;
    log.inject_fault(Fault::SyncFails).await.expect("inject");
    let failed = log.record(key_event(50)).await;
    assert!(matches!(&failed, Err(AuditError::WriteFailed { reason }) if reason.contains("fsync")), "{failed:?}");
    // The writer publishes its health right after answering; wait for it.
    let mut watch = log.health();
    let health = tokio::time::timeout(Duration::from_secs(10), watch.wait_for(|h| matches!(h, Health::Failed(_))))
        .await
        .expect("health reported in time")
        .expect("writer alive")
        .clone();
    assert!(matches!(&health, Health::Failed(reason) if reason.contains("fsync")), "{health:?}");
    assert!(matches!(log.record(key_event(51)).await, Err(AuditError::Closed)));
    drop(log);
    // What was committed is still a valid chain.
    let report = full_verify(&fixture, None);
    assert!(report.is_intact(), "{:?}", report.problem);
    assert!(report.events >= 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normal_durability_answers_on_commit_without_fsync() {
    let fixture = Fixture::new();
    let config = cloister::config::AuditConfig {
        synchronous: cloister::config::AuditSync::Normal,
        checkpoint_every_events: 100,
        checkpoint_every_secs: 3600,
    };
    let log = cloister::audit::AuditLog::start(&fixture.path, Fixture::keys(), &config, fixture.projects.clone())
        .expect("start");
    // No fsync is attempted, so a failing fsync changes nothing.
    log.inject_fault(Fault::SyncFails).await.expect("inject");
    let seqs = record_concurrently(&log, 0, 500).await;
    assert_eq!(seqs, (1..=500).collect::<Vec<u64>>());
    assert!(log.is_healthy());
    log.shutdown().await.expect("shutdown");
    let report = full_verify(&fixture, None);
    assert!(report.is_intact(), "{:?}", report.problem);
    assert_eq!(report.events, 500);
}
