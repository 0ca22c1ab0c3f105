//! `cloister connect` plays into ALSA, end to end (feature `playback`; needs libasound2-dev to
//! build, no sound card to run): an asoundrc found through HOME sends the default device to a
//! raw file, and the PCM that reached it must be the selected segment — same duration within
//! 5 %, correlation at least 0.95 after resampling — at normal and at double speed.
#![cfg(feature = "playback")]

mod common;

use common::connect::Client;
use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// What the sink file holds: the asoundrc converts whatever rodio opens to this.
const SINK_RATE: f64 = 48_000.0;

/// A HOME whose `.asoundrc` records the default device into `out` as S16_LE 48 kHz stereo.
fn alsa_home(root: &Path, out: &Path) -> std::path::PathBuf {
    let home = root.to_path_buf();
    std::fs::create_dir_all(&home).expect("home");
    let config = format!(
        "pcm.!default {{\n  type plug\n  slave {{ pcm \"captured\" format S16_LE rate 48000 channels 2 }}\n}}\n\
         pcm.captured {{\n  type file\n  slave.pcm \"null\"\n  file \"{}\"\n  format \"raw\"\n}}\n",
        out.display()
    );
    std::fs::write(home.join(".asoundrc"), config).expect("asoundrc");
    home
}

/// The left channel of the sink file.
fn sink_left(out: &Path) -> Vec<f64> {
    let bytes = std::fs::read(out).unwrap_or_default();
    bytes.chunks_exact(4).map(|frame| f64::from(i16::from_le_bytes([frame[0], frame[1]])) / 32_768.0).collect()
}

/// First and last index of a non-zero sample.
fn span(samples: &[f64]) -> Option<(usize, usize)> {
    let first = samples.iter().position(|&s| s != 0.0)?;
    let last = samples.iter().rposition(|&s| s != 0.0)?;
    Some((first, last))
}

/// Pearson correlation of two equally long signals.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma) * (x - ma);
        bb += (y - mb) * (y - mb);
    }
    ab / (aa * bb).sqrt()
}

/// `source` (at `rate` Hz) resampled by linear interpolation to the sink's rate.
fn resample(source: &[f64], rate: f64) -> Vec<f64> {
    let len = (source.len() as f64 * SINK_RATE / rate) as usize;
    (0..len)
        .map(|k| {
            let t = k as f64 * rate / SINK_RATE;
            let (i, frac) = (t.floor() as usize, t.fract());
            let a = source.get(i).copied().unwrap_or(0.0);
            let b = source.get(i + 1).copied().unwrap_or(a);
            a + (b - a) * frac
        })
        .collect()
}

/// Plays the second segment of alice's first item after typing `before_play`; returns the sink.
async fn play_through_alsa(
    dir: &cloister::datadir::DataDir,
    port: u16,
    root: &Path,
    before_play: &[u8],
) -> (Vec<f64>, String) {
    let out = root.join("out.raw");
    let home = alsa_home(&root.join("home"), &out);
    let known = home.join(".ssh/known_hosts");
    let env = [("HOME", home.as_os_str()), ("CLOISTER_LOG", "cloister=info".as_ref())];
    let mut client = Client::spawn(dir, port, &known, &["--accept-new"], &env);
    client.wait_text("call-en-001");
    client.send(b"\r");
    // "stopped" rather than the plain-ssh hint: the audio channel is paired.
    client.wait_text("■ stopped");
    client.send(b"j");
    client.send(before_play);
    client.send(b" ");
    // Done when the server says the stream ended and the file stopped gaining audio (the client
    // plays out its last quarter second after the server's end).
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let now = span(&sink_left(&out));
        if now.is_some() && now == last && client.screen().contains("■ stopped") {
            break;
        }
        assert!(Instant::now() < deadline, "the sink kept changing");
        last = now;
    }
    client.send(b"q");
    let (code, stderr) = client.finish();
    assert_eq!(code, Some(0), "{stderr}");
    (sink_left(&out), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_plays_the_segment_into_alsa_at_normal_and_double_speed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let (start, end, external) = {
        let store = dir.store().expect("store");
        let alice = principal(&store, "alice");
        let entry = store.queue(&alice).expect("queue").remove(0);
        let segment = store.item_segments(&alice, entry.item_id).expect("segments").remove(1);
        (segment.start_ms, segment.end_ms, entry.external_id)
    };
    let wav = std::fs::read(fixtures().join(format!("calls/audio/{external}.wav"))).expect("fixture");
    let audio = cloister::audio::decode(&wav).expect("decodes");
    assert_eq!((audio.sample_rate, audio.channels), (16_000, 1));
    let at = |ms: i64| (ms as usize * 16).min(audio.samples.len());
    let segment: Vec<f64> = audio.samples[at(start)..at(end)].iter().map(|&s| f64::from(s)).collect();
    let (src_first, src_last) = span(&segment).expect("the segment is not silent");
    let source = &segment[src_first..=src_last];

    for (root, keys, speed) in [("normal", &b""[..], 1.0), ("double", &b"]]]]"[..], 2.0)] {
        let (sink, stderr) = play_through_alsa(&dir, server.addr.port(), &tmp.path().join(root), keys).await;
        assert!(stderr.contains("audio output opened"), "{stderr}");
        let (first, last) = span(&sink).expect("nothing reached the ALSA sink");
        // Duration: the audible stretch at the sink against the source's, at this speed.
        let heard = (last - first) as f64 / SINK_RATE;
        let expected = (source.len() - 1) as f64 / (16_000.0 * speed);
        assert!((heard / expected - 1.0).abs() < 0.05, "{root}: heard {heard:.3} s, expected {expected:.3} s");
        // Shape: the source resampled to the sink's rate, aligned around the first sound.
        let reference = resample(source, 16_000.0 * speed);
        let best = (first.saturating_sub(240)..first + 240)
            .filter(|&o| o + reference.len() <= sink.len())
            .map(|o| correlation(&sink[o..o + reference.len()], &reference))
            .fold(f64::MIN, f64::max);
        println!("{root}: heard {heard:.3} s of {expected:.3} s, correlation {best:.4}");
        assert!(best >= 0.95, "{root}: correlation {best:.4} < 0.95");
    }
    server.shutdown().await;
    // Both plays were audited with their speeds.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(["audit", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl", "--data"])
        .arg(&dir.root)
        .output()
        .expect("export");
    let speeds: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|e| e["kind"] == "audio_play")
        .map(|e| e["payload"]["speed"].as_f64().expect("speed"))
        .collect();
    assert_eq!(speeds, vec![1.0, 2.0]);
}
