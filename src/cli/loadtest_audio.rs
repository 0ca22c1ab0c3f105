//! `cloister loadtest --mode audio`: N sessions, each with its `cloister-audio` channel, play,
//! seek and pause the audio of a segment over and over; reports the time from the key leaving
//! the client to the stream changing at the client (the Start, Pause or Resume frame).

use super::CliError;
use super::loadtest::{LoadArgs, free_port, setup, wait_listening};
use crate::audio::stream::Frame;
use crate::client::audio::AudioChannel;
use crate::client::{Shell, connect, load_public_key};
use crate::datadir::DataDir;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Latencies of one session, ms, by what the key did.
#[derive(Debug, Default)]
struct Latencies {
    play: Vec<f64>,
    pause: Vec<f64>,
    seek: Vec<f64>,
}

fn usage(error: impl std::fmt::Display) -> CliError {
    CliError::Usage(error.to_string())
}

/// Waits for the next frame matching `want`, skipping samples; None after 5 s.
async fn next_frame(
    frames: &mut mpsc::UnboundedReceiver<(Instant, Frame)>,
    want: fn(&Frame) -> bool,
) -> Option<Instant> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (at, frame) = tokio::time::timeout_at(deadline.into(), frames.recv()).await.ok()??;
        if want(&frame) {
            return Some(at);
        }
    }
}

async fn session(
    addr: std::net::SocketAddr,
    name: String,
    key: russh::keys::ssh_key::PrivateKey,
    host: russh::keys::ssh_key::PublicKey,
    until: Instant,
) -> Result<Latencies, CliError> {
    let handle = connect(addr, &name, key, Some(host)).await.map_err(usage)?;
    let mut shell = Shell::open(&handle, 100, 30, &[]).await.map_err(usage)?;
    let mut audio = AudioChannel::open(&handle).await.map_err(usage)?;
    let (frames_tx, mut frames) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(batch)) = audio.next().await {
            let at = Instant::now();
            for frame in batch {
                if frames_tx.send((at, frame)).is_err() {
                    return;
                }
            }
        }
    });
    // The screen is read by its own task: an unread channel would hold up the connection.
    let (keys_tx, mut keys) = mpsc::channel::<Vec<u8>>(8);
    let (screen_tx, mut screen) = mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                key = keys.recv() => match key {
                    Some(key) => if shell.send(&key).await.is_err() { return },
                    None => return,
                },
                out = shell.recv(Duration::from_secs(3600)) => match out {
                    Some(bytes) => { let _ = screen_tx.send(bytes); }
                    None => return,
                },
            }
        }
    });
    let send = async |bytes: &[u8]| keys_tx.send(bytes.to_vec()).await.map_err(usage);
    // Open the first item and select its fifth segment (3.9 s long), wait for its waveform.
    send(b"\r").await?;
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&seen).contains("stopped") {
        let bytes = tokio::time::timeout_at(deadline.into(), screen.recv()).await.ok().flatten();
        seen.extend(bytes.ok_or_else(|| usage(format!("{name}: the audio channel was not paired")))?);
    }
    tokio::spawn(async move { while screen.recv().await.is_some() {} });
    send(b"jjjj").await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut out = Latencies::default();
    let is_start: fn(&Frame) -> bool = |f| matches!(f, Frame::Start(_) | Frame::Resume { .. });
    while Instant::now() < until {
        for (keys, want, list) in [
            (&b" "[..], is_start, 0),
            // Seeking back keeps the playhead inside the segment, so it never plays to its end.
            (&b"\x1b[D"[..], (|f: &Frame| matches!(f, Frame::Start(_))) as fn(&Frame) -> bool, 2),
            (&b" "[..], (|f: &Frame| matches!(f, Frame::Pause { .. })) as fn(&Frame) -> bool, 1),
        ] {
            while frames.try_recv().is_ok() {}
            let sent = Instant::now();
            send(keys).await?;
            let at =
                next_frame(&mut frames, want).await.ok_or_else(|| usage(format!("{name}: no frame after {keys:?}")))?;
            let ms = at.duration_since(sent).as_secs_f64() * 1000.0;
            [&mut out.play, &mut out.pause, &mut out.seek][list].push(ms);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    drop(handle);
    Ok(out)
}

fn summary(what: &str, values: &mut [f64]) -> String {
    values.sort_by(f64::total_cmp);
    let pct = |p: f64| values.get(((values.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN);
    format!("{what}: n={} p50={:.1}ms p99={:.1}ms max={:.1}ms", values.len(), pct(0.5), pct(0.99), pct(1.0))
}

/// Runs the audio load test.
pub fn run(args: LoadArgs) -> Result<u8, CliError> {
    let tmp = std::env::temp_dir().join(format!("cloister-load-audio-{}", std::process::id()));
    let dir = DataDir::new(&tmp);
    let users = setup(&dir, args.sessions, &args.audit_sync)?;
    let addr = free_port()?;
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--data"])
        .arg(&tmp)
        .args(["--listen", &addr.to_string()])
        .env("CLOISTER_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        wait_listening(addr).await?;
        let host = load_public_key(&dir.host_key_path().with_extension("pub")).map_err(usage)?;
        let until = Instant::now() + Duration::from_secs(args.seconds + 3);
        let tasks: Vec<_> =
            users.into_iter().map(|(name, key)| tokio::spawn(session(addr, name, key, host.clone(), until))).collect();
        let mut all = Latencies::default();
        for task in tasks {
            let one = task.await.map_err(usage)??;
            all.play.extend(one.play);
            all.pause.extend(one.pause);
            all.seek.extend(one.seek);
        }
        Ok::<_, CliError>(all)
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&tmp);
    let mut all = result?;
    println!(
        "audit={} sessions={} key→frame  {}  {}  {}",
        args.audit_sync,
        args.sessions,
        summary("play/resume", &mut all.play),
        summary("pause", &mut all.pause),
        summary("seek", &mut all.seek)
    );
    Ok(0)
}
