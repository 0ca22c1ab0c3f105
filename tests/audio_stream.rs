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

/// Bar characters of the waveform on screen.
fn has_waveform(text: &str) -> bool {
    text.chars().filter(|c| ('▁'..='█').contains(c)).count() > 20
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

    // What was heard, copied out so no lock is held across the awaits below.
    let out = Playout::new(std::mem::take(heard.lock().expect("lock").out_mut()));
    let stream = out.out().stream.clone().expect("a stream started");
    assert_eq!((stream.segment, i64::from(stream.start_ms), i64::from(stream.end_ms)), (segment, start, end));
    assert_eq!((stream.sample_rate, stream.channels, stream.speed_permille, stream.looping), (16_000, 1, 1000, false));
    // Exactly the segment's samples, in order, nothing more.
    let expected =
        Cursor::new(&audio, start as u32, end as u32, start as u32, false).next_chunk(&audio, usize::MAX / 2);
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

/// Plays, then pauses, resumes, seeks, loops and speeds up; returns the key→frame delays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_seek_loop_and_speed_change_the_stream_promptly() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path()).await;
    let ((_, start, end), _) = first_segment(&dir);
    let mut screen = Screen::open(&dir, server.addr, "alice", 120, 30, &[]).await;
    screen.wait_text("call-en-001").await;
    let heard = listen(AudioChannel::open(screen.handle()).await.expect("audio channel"));
    screen.send(b"\r").await;
    screen.wait_text("■ stopped").await;
    let mut delays = Vec::new();
    let starts = |out: &MemoryOut| out.events.iter().filter(|(_, e)| matches!(e, OutEvent::Start(_))).count();
    let mut press = async |keys: &[u8], what: &str, pred: &dyn Fn(&MemoryOut) -> bool| {
        let sent = Instant::now();
        screen.send(keys).await;
        let at = heard_until(&heard, what, pred).await;
        delays.push((what.to_string(), at.duration_since(sent)));
    };
    press(b" ", "play", &|out| starts(out) == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    press(b" ", "pause", &|out| count(out, &OutEvent::Pause) == 1).await;
    // Paused: nothing more arrives.
    let before = heard.lock().expect("lock").out().samples.len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(heard.lock().expect("lock").out().samples.len(), before, "samples arrived while paused");
    press(b" ", "resume", &|out| count(out, &OutEvent::Resume) == 1).await;
    press(b"\x1b[C", "seek", &|out| starts(out) == 2).await;
    press(b"l", "loop", &|out| starts(out) == 3).await;
    press(b"]", "speed", &|out| starts(out) == 4).await;
    let stream = heard.lock().expect("lock").out().stream.clone().expect("stream");
    assert!(stream.looping && stream.speed_permille == 1250, "{stream:?}");
    assert!(
        i64::from(stream.from_ms) > start && i64::from(stream.from_ms) < end,
        "seeked into the segment: {stream:?}"
    );
    // Moving to the next segment keeps playing there.
    press(b"j", "follow", &|out| starts(out) == 5).await;
    let next = heard.lock().expect("lock").out().stream.clone().expect("stream");
    assert_eq!(i64::from(next.start_ms), i64::from(next.from_ms));
    assert!(i64::from(next.start_ms) >= end, "{next:?}");
    screen.send(b"q").await;
    screen.wait_closed().await;
    server.shutdown().await;
    println!("key → frame: {delays:?}");
    // This checks that each command takes effect on the stream; the 100 ms target is measured by
    // `cloister loadtest --mode audio` (docs/PERFORMANCE.md). 500 ms was seen failing here while
    // other builds loaded both cores, so the bound is for a busy CI box.
    for (what, delay) in &delays {
        assert!(*delay < Duration::from_millis(2000), "{what} took {delay:?}");
    }
    let log = audit_events(&dir);
    let plays: Vec<&serde_json::Value> = log.iter().filter(|e| e["kind"] == "audio_play").collect();
    assert_eq!(plays.len(), 5, "play, seek, loop, speed and the next segment each start a recorded play");
    assert_eq!(plays[3]["payload"]["speed"], 1.25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_ssh_gets_the_hint_and_policy_off_streams_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    {
        // A second project whose policy turns audio off; alice annotates it too (after
        // calls-demo's ten items in her queue).
        let store = dir.store().expect("store");
        let op = Principal::operator();
        let items =
            cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
        let off = ProjectPolicy { audio: AudioPolicy::Off, ..ProjectPolicy::default() };
        store.create_project(&op, "calls-off", cloister::store::ProjectKind::Transcription, &off).expect("create");
        store.import_items(&op, "calls-off", &items, &|_| {}).expect("import");
        store.grant(&op, "alice", Role::Annotator, "calls-off").expect("grant");
        store.assign_round_robin(&op, "calls-off", &["alice"], "annotate").expect("assign");
    }
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    // Plain ssh: the waveform and the hint instead of controls; Space only repeats the hint.
    let mut plain = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    plain.wait_text("call-en-001").await;
    plain.send(b"\r").await;
    plain.wait_text("audio: connect with `cloister connect` to listen").await;
    assert!(has_waveform(&plain.text()), "the waveform shows: {}", plain.text());
    plain.send(b" ").await;
    plain.pump(Duration::from_millis(300)).await;
    assert!(!plain.text().contains("playing"), "{}", plain.text());
    plain.send(b"q").await;
    plain.wait_closed().await;

    // With an audio channel, in the project whose policy is off: no waveform, no stream.
    let mut screen = Screen::open(&dir, server.addr, "alice", 100, 30, &[]).await;
    screen.wait_text("call-en-001").await;
    let heard = listen(AudioChannel::open(screen.handle()).await.expect("audio channel"));
    screen.send(&[b'j'; 10]).await;
    screen.send(b"\r").await;
    screen.wait_text("calls-off").await;
    screen.wait_text("audio: off for this project").await;
    screen.send(b" ").await;
    screen.pump(Duration::from_millis(500)).await;
    assert!(heard.lock().expect("lock").out().events.is_empty(), "audio reached the client");
    assert!(!has_waveform(&screen.text()) && !screen.text().contains("playing"), "{}", screen.text());
    screen.send(b"q").await;
    screen.wait_closed().await;
    server.shutdown().await;
    let log = audit_events(&dir);
    let denial = log
        .iter()
        .find(|e| e["kind"] == "denial" && e["payload"]["action"] == "ListenAudio")
        .expect("the refusal is audited");
    assert!(denial["payload"]["reason"].as_str().expect("reason").contains("audio is off"), "{denial}");
    assert!(!log.iter().any(|e| e["kind"] == "audio_play"), "nothing played");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_stays_responsive_while_audio_streams() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path()).await;
    let mut screen = Screen::open(&dir, server.addr, "alice", 120, 40, &[]).await;
    screen.wait_text("call-en-001").await;
    let heard = listen(AudioChannel::open(screen.handle()).await.expect("audio channel"));
    screen.send(b"\r").await;
    screen.wait_text("■ stopped").await;
    // The fastest stream there is: 2×, looping, so it never ends during the test.
    screen.send(b"]]]]l ").await;
    screen.wait_text("▶ playing").await;
    let began = Instant::now();
    let before = heard.lock().expect("lock").out().samples.len();
    let mut worst = Duration::ZERO;
    let mut open = false;
    while began.elapsed() < Duration::from_secs(2) {
        let sent = Instant::now();
        screen.send(b"?").await;
        open = !open;
        let want = open;
        screen.wait_for("help toggled", move |t| t.contains("show/hide this help") == want).await;
        worst = worst.max(sent.elapsed());
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let streamed = (heard.lock().expect("lock").out().samples.len() - before) as f64 / 32_000.0;
    println!("worst key → screen while streaming: {worst:?}; {streamed:.2} s of 2× audio in {elapsed:.2} s");
    // Generous for a loaded 2-core CI box; the figures are in docs/PERFORMANCE.md.
    assert!(worst < Duration::from_millis(1000), "the TUI slowed to {worst:?} while audio streamed");
    // The audio kept flowing meanwhile, at its pace and no faster.
    assert!(streamed > elapsed * 0.7 && streamed < elapsed + 0.5, "{streamed:.2} s of audio in {elapsed:.2} s");
    screen.send(b"q").await;
    screen.wait_closed().await;
    server.shutdown().await;
}

/// A plain-ssh session holds no decoded samples (only the waveform); a companion that pairs
/// after the item is open still hears exactly the segment: it is decoded again at the play.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn companion_paired_after_the_item_opened_hears_the_segment() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, server) = server(tmp.path()).await;
    let ((_, start, end), audio) = first_segment(&dir);
    let mut screen = Screen::open(&dir, server.addr, "alice", 120, 30, &[]).await;
    screen.wait_text("call-en-001").await;
    screen.send(b"\r").await;
    screen.wait_for("the waveform, without a companion", has_waveform).await;
    let heard = listen(AudioChannel::open(screen.handle()).await.expect("audio channel"));
    screen.wait_text("■ stopped").await;
    screen.send(b" ").await;
    heard_until(&heard, "the end of the segment", |out| count(out, &OutEvent::End) == 1).await;
    let out = Playout::new(std::mem::take(heard.lock().expect("lock").out_mut()));
    let expected =
        Cursor::new(&audio, start as u32, end as u32, start as u32, false).next_chunk(&audio, usize::MAX / 2);
    assert!(out.out().samples == expected, "the PCM differs from the source segment");
    screen.send(b"q").await;
    screen.wait_closed().await;
    server.shutdown().await;
}
