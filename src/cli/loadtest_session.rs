//! The client side of `cloister loadtest`: opening sessions, entering the editor, pressing keys
//! at a rate and timing the answers, and sessions that stop reading.

use super::CliError;
use crate::client::{Shell, connect};
use russh::keys::ssh_key::{PrivateKey, PublicKey};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A logged-in shell; the handle keeps the connection open.
pub(super) type Session = (Shell, russh::client::Handle<crate::client::PinnedHost>);

/// Opens a session and waits until its screen shows `ready`.
pub(super) async fn open(
    addr: SocketAddr,
    name: String,
    key: PrivateKey,
    host: PublicKey,
    ready: &str,
) -> Result<Session, CliError> {
    let handle = connect(addr, &name, key, Some(host)).await.map_err(|e| CliError::Usage(e.to_string()))?;
    let mut shell = Shell::open(&handle, 100, 30, &[]).await.map_err(|e| CliError::Usage(e.to_string()))?;
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&screen).contains(ready) {
        let bytes = shell
            .recv(deadline.saturating_duration_since(Instant::now()))
            .await
            .ok_or_else(|| CliError::Usage(format!("{name}: no {ready:?} on screen")))?;
        screen.extend_from_slice(&bytes);
    }
    // Let the rest of the first frame arrive before measuring.
    while shell.recv(Duration::from_millis(50)).await.is_some() {}
    Ok((shell, handle))
}

/// Opens sessions 25 at a time.
pub(super) async fn open_all(
    addr: SocketAddr,
    users: &[(String, PrivateKey)],
    host: &PublicKey,
    ready: &'static str,
) -> Result<Vec<Session>, CliError> {
    let mut shells = Vec::with_capacity(users.len());
    for chunk in users.chunks(25) {
        let opening: Vec<_> =
            chunk.iter().map(|(n, k)| tokio::spawn(open(addr, n.clone(), k.clone(), host.clone(), ready))).collect();
        for task in opening {
            shells.push(task.await.map_err(|e| CliError::Usage(e.to_string()))??);
        }
    }
    Ok(shells)
}

/// Opens the first queue item and its first segment's editor; waits for the editor to show.
pub(super) async fn enter_editor(shell: &mut Shell) -> bool {
    for (key, expect) in [(&b"\r"[..], "Enter to edit"), (&b"\r"[..], "editing")] {
        if shell.send(key).await.is_err() {
            return false;
        }
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !String::from_utf8_lossy(&seen).contains(expect) {
            match shell.recv(deadline.saturating_duration_since(Instant::now())).await {
                Some(bytes) => seen.extend_from_slice(&bytes),
                None => return false,
            }
        }
    }
    while shell.recv(Duration::from_millis(50)).await.is_some() {}
    true
}

/// Sends `key(n)` at `rate` until `until`, returning (latencies, bytes received). Latency runs
/// from sending a key to the first byte of the answer; the rest of that frame counts as bytes.
pub(super) async fn press_keys(
    shell: &mut Shell,
    rate: f64,
    until: Instant,
    key: impl Fn(usize) -> &'static [u8],
) -> (Vec<Duration>, usize) {
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let mut latencies = Vec::new();
    let mut bytes = 0;
    // Independent typists: each session starts at a random phase of the interval, so keys of
    // different sessions do not arrive in lock-step bursts that no real team produces.
    let mut next = Instant::now() + interval.mul_f64(rand::random::<f64>());
    while Instant::now() < until {
        tokio::time::sleep_until(next.into()).await;
        next += interval;
        // Output that came after the last key's frame (e.g. an item's waveform, drawn once its
        // audio is decoded) belongs to that key, not to the answer to this one.
        while let Some(late) = shell.recv(Duration::ZERO).await {
            bytes += late.len();
        }
        let sent = Instant::now();
        if shell.send(key(latencies.len())).await.is_err() {
            break;
        }
        let Some(first) = shell.recv(Duration::from_secs(5)).await else { break };
        latencies.push(sent.elapsed());
        bytes += first.len();
        // Collect the rest of this frame without counting it as latency.
        while let Some(more) = shell.recv(Duration::from_millis(5)).await {
            bytes += more.len();
        }
    }
    (latencies, bytes)
}

pub(super) fn letter(n: usize) -> &'static [u8] {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let at = n % LETTERS.len();
    LETTERS.get(at..=at).unwrap_or(b"a")
}

pub(super) fn navigate(n: usize) -> &'static [u8] {
    if n.is_multiple_of(2) { b"j" } else { b"k" }
}

/// Sends keys that change the screen (cloister: toggles the help overlay, a full redraw; vim:
/// letters) 50 times a second until `until`, into a session that never reads its output unless
/// `read` (the control).
pub(super) async fn stall(session: Session, until: Instant, cloister: bool, read: bool) {
    let (mut shell, handle) = session;
    let mut n = 0;
    while Instant::now() < until {
        let key = if !cloister {
            letter(n)
        } else if n.is_multiple_of(2) {
            &b"?"[..]
        } else {
            b"j"
        };
        // The client's own buffers fill up too: a send that cannot go out in time is skipped.
        let _ = tokio::time::timeout(Duration::from_millis(100), shell.send(key)).await;
        n += 1;
        if read {
            let pause = Instant::now() + Duration::from_millis(20);
            while let Some(wait) = pause.checked_duration_since(Instant::now()) {
                if shell.recv(wait).await.is_none() {
                    break;
                }
            }
        } else {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    drop(handle);
}

/// Sorted latencies → (p50, p99, max) in ms.
pub(super) fn percentiles(latencies: &mut [Duration]) -> (f64, f64, f64) {
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(index).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    (pct(0.5), pct(0.99), pct(1.0))
}
