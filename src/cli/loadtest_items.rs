//! `cloister loadtest --mode next-item`: a transcription project of `--items` items (100 000 by
//! default, two segments and a 100 ms clip each), every item assigned to each of `--sessions`
//! annotators; each session opens its first item and presses PgDn (next item) `--rate` times a
//! second (`--mode queue`: walks down the home screen's queue with j instead, across its
//! windows). Reports the key→screen latency, how long the first home screen took and the
//! server's memory per session at home.

use super::CliError;
use super::loadtest::{
    LoadArgs, LoadReport, add_annotator, free_port, new_key, print_report, spawn_serve, wait_listening, write_config,
};
use super::loadtest_session::{open, percentiles, press_keys};
use super::loadtest_sshd::process_memory;
use crate::client::load_public_key;
use crate::datadir::DataDir;
use crate::policy::{Principal, ProjectPolicy};
use crate::store::{NewAudio, NewItem, NewSegment, ProjectKind, Store};
use std::time::{Duration, Instant};

const PROJECT: &str = "big";

/// A 100 ms, 8 kHz, 16-bit mono WAV of silence.
fn tiny_wav() -> Vec<u8> {
    let samples: u32 = 800;
    let data = samples * 2;
    let mut wav = Vec::with_capacity(44 + data as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16000u32.to_le_bytes()); // byte rate
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.resize(44 + data as usize, 0);
    wav
}

fn item_id(n: usize) -> String {
    format!("big-{n:06}")
}

/// Creates transcription project `project` of `count` synthetic items (two segments and a 100 ms
/// clip each, ids `big-000000`…) in one transaction; returns how long the import took.
pub fn import_synthetic(store: &Store, project: &str, count: usize) -> Result<Duration, CliError> {
    let op = Principal::operator();
    let bytes = tiny_wav();
    let decoded = crate::audio::decode(&bytes).map_err(|e| CliError::Usage(format!("tiny wav: {e}")))?;
    let audio = NewAudio {
        duration_ms: decoded.duration_ms(),
        sample_rate: decoded.sample_rate,
        channels: decoded.channels,
        bytes,
    };
    let items: Vec<NewItem> = (0..count)
        .map(|n| NewItem {
            external_id: item_id(n),
            language: Some("en".into()),
            title: None,
            audio: Some(audio.clone()),
            segments: (0..2)
                .map(|s| NewSegment {
                    external_id: format!("{}-s{s}", item_id(n)),
                    start_ms: s * 50,
                    end_ms: s * 50 + 40,
                    speaker: if s == 0 { "agent".into() } else { "customer".into() },
                    text: format!("Segment {s} of call {n}: thanks for calling."),
                    pii: Vec::new(),
                })
                .collect(),
            preference: None,
        })
        .collect();
    let started = Instant::now();
    store.create_project(&op, project, ProjectKind::Transcription, &ProjectPolicy::default())?;
    store.import_items(&op, project, &items, &|_| {})?;
    Ok(started.elapsed())
}

/// Runs `--mode next-item`.
pub fn run(args: &LoadArgs) -> Result<u8, CliError> {
    if args.target != "cloister" {
        return Err(CliError::Usage("--mode next-item measures --target cloister only".into()));
    }
    let tmp = std::env::temp_dir().join(format!("cloister-items-{}", std::process::id()));
    let dir = DataDir::new(&tmp);
    let result = (|| {
        dir.init()?;
        let imported = import_synthetic(&dir.store()?, PROJECT, args.items)?;
        let store = dir.store()?;
        let mut users = Vec::with_capacity(args.sessions);
        for n in 0..args.sessions {
            let (name, key) = (format!("next{n}"), new_key()?);
            add_annotator(&store, &name, &key, PROJECT)?;
            store.assign_all(&Principal::operator(), PROJECT, &name, "annotate")?;
            users.push((name, key));
        }
        drop(store);
        write_config(&dir, args.sessions, &args.audit_sync)?;
        eprintln!("imported {} items in {:.1} s", args.items, imported.as_secs_f64());
        let host =
            load_public_key(&dir.host_key_path().with_extension("pub")).map_err(|e| CliError::Usage(e.to_string()))?;
        let addr = free_port()?;
        let mut child = spawn_serve(&dir, addr)?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let report = runtime.block_on(async {
            wait_listening(addr).await?;
            let base = process_memory(child.id());
            let ready = item_id(0);
            let started = Instant::now();
            let mut sessions = Vec::new();
            for (name, key) in &users {
                sessions.push(open(addr, name.clone(), key.clone(), host.clone(), &ready).await?);
            }
            let home_ms = started.elapsed().as_secs_f64() * 1000.0 / users.len().max(1) as f64;
            let idle = process_memory(child.id());
            let until = Instant::now() + Duration::from_secs(args.seconds);
            let tasks: Vec<_> = sessions
                .into_iter()
                .map(|(mut shell, handle)| {
                    let (rate, queue) = (args.rate, args.mode == "queue");
                    tokio::spawn(async move {
                        let out = if queue {
                            // Down the queue, across its windows.
                            press_keys(&mut shell, rate, until, |_| b"j").await
                        } else {
                            let _ = shell.send(b"\r").await;
                            while shell.recv(Duration::from_millis(300)).await.is_some() {}
                            press_keys(&mut shell, rate, until, |_| b"\x1b[6~").await
                        };
                        drop(handle);
                        out
                    })
                })
                .collect();
            let mut latencies = Vec::new();
            let mut bytes = 0;
            for task in tasks {
                let (l, b) = task.await.map_err(|e| CliError::Usage(e.to_string()))?;
                latencies.extend(l);
                bytes += b;
            }
            let keys = latencies.len();
            let (p50_ms, p99_ms, max_ms) = percentiles(&mut latencies);
            eprintln!(
                "home screen with a queue of {} items: {home_ms:.0} ms per session to first full screen",
                args.items
            );
            Ok::<_, CliError>(LoadReport {
                target: args.target.clone(),
                mode: args.mode.clone(),
                sessions: args.sessions,
                stalled_readers: 0,
                readers_read: false,
                seconds: args.seconds,
                keys,
                p50_ms,
                p99_ms,
                max_ms,
                bytes_per_key: bytes as f64 / keys.max(1) as f64,
                rss_per_session_kib: idle.rss_kib.saturating_sub(base.rss_kib) as f64 / args.sessions.max(1) as f64,
                pss_per_session_kib: idle.pss_kib.saturating_sub(base.pss_kib) as f64 / args.sessions.max(1) as f64,
                rss_base_kib: base.rss_kib,
                rss_peak_growth_kib: process_memory(child.id()).rss_kib.saturating_sub(idle.rss_kib),
                server_processes: 1,
            })
        });
        let _ = child.kill();
        let _ = child.wait();
        report
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    print_report(&result?, args)
}
