//! Audit log figures: durable batched append through the real writer, and verify.
//!
//! Run: `cargo bench --bench audit` (release). Results are recorded in docs/PERFORMANCE.md.

use cloister::audit::{AuditKeys, AuditLog, Event, EventKind, VerifyOptions, verify};
use cloister::config::AuditConfig;
use cloister::crypto::DataKey;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Concurrent producers (sessions), each awaiting its own events one by one.
const PRODUCERS: u64 = 4096;
/// Events per measured append run.
const APPEND: u64 = 200_000;
/// Events in the log that verify reads.
const VERIFY: u64 = 1_000_000;

fn projects() -> Arc<HashMap<i64, Arc<DataKey>>> {
    let mut map = HashMap::new();
    map.insert(1, Arc::new(DataKey::from_bytes(Zeroizing::new([1; 32]))));
    Arc::new(map)
}

/// A typical keystroke of a session (which holds its id and user name): about 60 bytes of JSON;
/// one in three has no project.
fn event(n: u64, session: &Arc<str>, user: &Arc<str>) -> Event {
    let kind = EventKind::Key { key: "Ctrl-S".into(), screen: "editor".into(), segment: Some(n as i64 % 1000) };
    let project = if n.is_multiple_of(3) { None } else { Some(1) };
    Event::new(session.clone(), user.clone(), project, kind)
}

fn start(path: &Path) -> AuditLog {
    let config = AuditConfig::default();
    AuditLog::start(path, AuditKeys::from_bytes([3; 32], [4; 32]), &config, projects()).expect("start")
}

/// Appends `count` events from PRODUCERS concurrent tasks; returns the time until all are durable.
fn append(runtime: &tokio::runtime::Runtime, log: &AuditLog, count: u64) -> Duration {
    runtime.block_on(async {
        let began = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for producer in 0..PRODUCERS {
            let log = log.clone();
            tasks.spawn(async move {
                let (session, user): (Arc<str>, Arc<str>) = (format!("ssh-{producer}").into(), "alice".into());
                let mut n = producer;
                while n < count {
                    log.record(event(n, &session, &user)).await.expect("record");
                    n += PRODUCERS;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("producer");
        }
        began.elapsed()
    })
}

/// Appends `count` events from 64 concurrent producers, each recording groups of 64 events with
/// `record_batch`; returns the time until all are durable.
fn append_grouped(runtime: &tokio::runtime::Runtime, log: &AuditLog, count: u64) -> Duration {
    const GROUPS: u64 = 64;
    const GROUP: u64 = 64;
    runtime.block_on(async {
        let began = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for producer in 0..GROUPS {
            let log = log.clone();
            tasks.spawn(async move {
                let (session, user): (Arc<str>, Arc<str>) = (format!("ssh-{producer}").into(), "alice".into());
                let mut n = producer * GROUP;
                while n < count {
                    let events = (n..(n + GROUP).min(count)).map(|n| event(n, &session, &user)).collect();
                    log.record_batch(events).await.expect("record");
                    n += GROUPS * GROUP;
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.expect("producer");
        }
        began.elapsed()
    })
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");

    let mut group = c.benchmark_group("audit");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    let log = start(&dir.path().join("append.db"));
    group.throughput(Throughput::Elements(APPEND));
    group.bench_function("append_durable_200k", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| append(&runtime, &log, APPEND)).sum())
    });
    group.bench_function("append_grouped_200k", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| append_grouped(&runtime, &log, APPEND)).sum())
    });
    runtime.block_on(log.shutdown()).expect("shutdown");

    // The storage path alone: encode, seal, chain, insert, commit + fsync per 4096, one thread.
    let direct = dir.path().join("direct.db");
    let keys = AuditKeys::from_bytes([3; 32], [4; 32]);
    let project_keys = projects();
    group.bench_function("append_direct_200k", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let sessions: Vec<Arc<str>> = (0..PRODUCERS).map(|p| format!("ssh-{p}").into()).collect();
                    let user: Arc<str> = "alice".into();
                    let events: Vec<Event> =
                        (0..APPEND).map(|n| event(n, &sessions[(n % PRODUCERS) as usize], &user)).collect();
                    let began = Instant::now();
                    AuditLog::append_direct(&direct, &keys, &*project_keys, events).expect("append");
                    began.elapsed()
                })
                .sum()
        })
    });

    // The log verify reads: built on first use, so filtering to the append benches skips it.
    let path = dir.path().join("verify.db");
    let built = std::sync::OnceLock::new();
    let build = || {
        built.get_or_init(|| {
            let log = start(&path);
            append_grouped(&runtime, &log, VERIFY);
            runtime.block_on(log.shutdown()).expect("shutdown");
        })
    };
    let trusted = keys.verifying_key();
    let projects = project_keys;
    group.throughput(Throughput::Elements(VERIFY));
    group.bench_function("verify_chain_1m", |b| {
        build();
        let options = VerifyOptions { trusted_key: Some(&trusted), ..VerifyOptions::default() };
        b.iter(|| assert!(verify(&path, &options, &|_, _| {}).expect("verify").is_intact()))
    });
    group.bench_function("verify_chain_and_payloads_1m", |b| {
        build();
        let options = VerifyOptions {
            trusted_key: Some(&trusted),
            payload_keys: Some((&keys.sealing, &*projects)),
            ..VerifyOptions::default()
        };
        b.iter(|| assert!(verify(&path, &options, &|_, _| {}).expect("verify").is_intact()))
    });
    group.finish();
}

criterion_group!(audit, benches);
criterion_main!(audit);
