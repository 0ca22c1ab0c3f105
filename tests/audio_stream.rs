//! Audio over the SSH connection, end to end without a sound card: a real russh client opens the
//! shell and the `cloister-audio` channel on one connection (as `cloister connect` does), plays
//! into memory, and the tests check what arrived, when, and what the audit log says.

mod common;

use cloister::audio::pacer::Cursor;
use cloister::client::audio::{AudioChannel, MemoryOut, OutEvent, Playout};
use cloister::policy::{AudioPolicy, Principal, ProjectPolicy, Role};
use common::ssh::Screen;
use common::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Heard = Arc<Mutex<Playout<MemoryOut>>>;

/// Reads the audio channel for as long as it is open, playing into memory.
fn listen(mut channel: AudioChannel) -> Heard {
    let heard: Heard = Arc::new(Mutex::new(Playout::new(MemoryOut::default())));
    let out = Arc::clone(&heard);
    tokio::spawn(async move {
        while let Ok(Some(frames)) = channel.next().await {
            let mut playout = out.lock().expect("lock");
            for frame in &frames {
                playout.apply(frame);
            }
        }
    });
    heard
}

/// Waits until `pred` holds for what was heard; returns when it first held.
async fn heard_until(heard: &Heard, what: &str, pred: impl Fn(&MemoryOut) -> bool) -> Instant {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if pred(heard.lock().expect("lock").out()) {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "never heard {what}: {:?}", heard.lock().expect("lock").out().events.last());
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn count(out: &MemoryOut, event: &OutEvent) -> usize {
    out.events.iter().filter(|(_, e)| e == event).count()
}

/// The audit log as `cloister audit export` prints it.
fn audit_events(dir: &cloister::datadir::DataDir) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["audit", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl", "--data"])
        .arg(&dir.root)
        .output()
        .expect("run export");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect()
}

async fn server(tmp: &std::path::Path) -> (cloister::datadir::DataDir, cloister::ssh::ServerHandle) {
    let dir = demo_dir(tmp);
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server starts");
    (dir, server)
}

/// The first segment of alice's first queued item: (id, start, end) and the item's decoded audio.
fn first_segment(dir: &cloister::datadir::DataDir) -> ((i64, i64, i64), cloister::audio::Decoded) {
    let store = dir.store().expect("store");
    let alice = principal(&store, "alice");
    let entry = store.queue(&alice).expect("queue").remove(0);
    let segment = store.item_segments(&alice, entry.item_id).expect("segments").remove(0);
    let path = fixtures().join(format!("calls/audio/{}.wav", entry.external_id));
    let audio = cloister::audio::decode(&std::fs::read(path).expect("fixture")).expect("decodes");
    ((segment.id, segment.start_ms, segment.end_ms), audio)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companion_hears_the_selected_segment_paced_in_real_time() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path()).await;
    let ((segment, start, end), audio) = first_segment(&dir);
    // The audio channel may open before the shell: the server pairs them either way.
    let mut screen = Screen::open(&dir, server.addr, "alice", 120, 30, &[]).await;
    let heard = listen(AudioChannel::open(screen.handle()).await.expect("audio channel"));
    assert!(AudioChannel::open(screen.handle()).await.is_err(), "one audio channel per connection");
    screen.wait_text("call-en-001").await;
    screen.send(b"\r").await;
    screen.wait_text("■ stopped").await;
    let pressed = Instant::now();
    screen.send(b" ").await;
    screen.wait_text("▶ playing").await;
    let ended = heard_until(&heard, "the end of the segment", |out| count(out, &OutEvent::End) == 1).await;
    screen.wait_text("■ stopped").await;

    let out = heard.lock().expect("lock");
    let stream = out.out().stream.clone().expect("a stream started");
    assert_eq!((stream.segment, i64::from(stream.start_ms), i64::from(stream.end_ms)), (segment, start, end));
    assert_eq!((stream.sample_rate, stream.channels, stream.speed_permille, stream.looping), (16_000, 1, 1000, false));
    // Exactly the segment's samples, in order, nothing more.
    let expected = Cursor::new(&audio, start as u32, end as u32, start as u32, false).next_chunk(&audio, usize::MAX / 2);
    assert_eq!(out.out().samples.len(), expected.len());
    assert!(out.out().samples == expected, "the PCM differs from the source segment");
    // Paced: never more than the lookahead ahead of real time, and the whole segment takes its
    // own duration (less the lookahead) to arrive.
    let first = out.out().events.first().map(|(t, _)| *t).expect("events");
    let mut received = 0usize;
    for (at, event) in &out.out().events {
        if let OutEvent::Samples(n) = event {
            received += n;
            let ahead = received as f64 / 16_000.0 - at.duration_since(first).as_secs_f64();
            assert!(ahead < 0.40, "{ahead:.3} s ahead of real time");
        }
    }
    let took = ended.duration_since(pressed).as_secs_f64();
    let duration = (end - start) as f64 / 1000.0;
    assert!(took > duration - 0.40, "{took:.2} s for {duration:.2} s of audio: not paced");
    drop(out);
    screen.send(b"q").await;
    screen.wait_closed().await;
    server.shutdown().await;

    // The play is in the audit log with its segment, range and speed.
    let log = audit_events(&dir);
    let play = log.iter().find(|e| e["kind"] == "audio_play").expect("audio_play recorded");
    assert_eq!(play["user"], "alice");
    assert_eq!(play["payload"]["segment"], segment);
    assert_eq!((play["payload"]["start_ms"].as_i64(), play["payload"]["end_ms"].as_i64()), (Some(start), Some(end)));
    assert_eq!(play["payload"]["speed"], 1.0);
}
