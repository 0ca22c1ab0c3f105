//! `cloister loadtest`: starts `cloister serve` as a child process on a fresh demo data directory,
//! opens N SSH sessions, types R keys per second in each, and reports keystroke→screen latency
//! (p50/p99), bytes sent per typed key and server memory (RSS) per idle session.

use super::CliError;
use crate::client::{Shell, connect, load_public_key};
use crate::datadir::DataDir;
use crate::policy::{Principal, Role};
use russh::keys::ssh_key::{Algorithm, HashAlg, PrivateKey};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Arguments of `cloister loadtest`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Concurrent sessions.
    #[arg(long, default_value_t = 50)]
    pub sessions: usize,
    /// Keys per second typed in each session.
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    /// Seconds of typing.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// `navigate`: move through the queue with j/k; `type`: open an item, edit a segment and
    /// type letters (bytes per typed character); `audio`: play, pause and seek over the audio
    /// channel (key→frame latency).
    #[arg(long, default_value = "navigate")]
    pub mode: String,
    /// The server's `audit.synchronous`: `full` (fsync per batch) or `normal`.
    #[arg(long, default_value = "full")]
    pub audit_sync: String,
}

/// Measured figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    /// Sessions that took part.
    pub sessions: usize,
    /// Keys typed in all.
    pub keys: usize,
    /// Median keystroke→first screen byte latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Maximum latency, ms.
    pub max_ms: f64,
    /// Bytes the server sent per typed key.
    pub bytes_per_key: f64,
    /// Server RSS growth per idle session, KiB.
    pub rss_per_session_kib: f64,
    /// Server RSS before any session, KiB.
    pub rss_base_kib: u64,
}

pub(super) fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

pub(super) fn setup(dir: &DataDir, sessions: usize, audit_sync: &str) -> Result<Vec<(String, PrivateKey)>, CliError> {
    super::demo::setup(
        dir,
        "127.0.0.1:2222".parse().map_err(|_| CliError::Usage("addr".into()))?,
        &default_fixtures(),
    )?;
    let store = dir.store()?;
    let op = Principal::operator();
    let mut users = Vec::with_capacity(sessions);
    for n in 0..sessions {
        let name = format!("load{n}");
        let key =
            PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| CliError::Usage(e.to_string()))?;
        let public = key.public_key();
        let line = public.to_openssh().map_err(|e| CliError::Usage(e.to_string()))?;
        store.add_user(&op, &name, false)?;
        store.add_key(&op, &name, &public.fingerprint(HashAlg::Sha256).to_string(), &line, None)?;
        store.grant(&op, &name, Role::Annotator, super::CALLS_PROJECT)?;
        store.assign_all(&op, super::CALLS_PROJECT, &name, "annotate")?;
        users.push((name, key));
    }
    let config = format!(
        "[server]\nmax_sessions = {}\nmax_sessions_per_user = 4\nconnections_per_ip = {}\nauth_failure_delay_ms = 0\n\
         [audit]\nsynchronous = {audit_sync:?}\n",
        sessions + 16,
        sessions + 16
    );
    std::fs::write(dir.config_path(), config)?;
    Ok(users)
}

fn default_fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub(super) fn free_port() -> Result<SocketAddr, CliError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

pub(super) async fn wait_listening(addr: SocketAddr) -> Result<(), CliError> {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(CliError::Usage(format!("server did not start listening on {addr}")))
}

/// Opens a session and waits for its first full screen.
async fn open(
    addr: SocketAddr,
    name: String,
    key: PrivateKey,
    host: russh::keys::ssh_key::PublicKey,
) -> Result<(Shell, impl Sized), CliError> {
    let handle = connect(addr, &name, key, Some(host)).await.map_err(|e| CliError::Usage(e.to_string()))?;
    let mut shell = Shell::open(&handle, 100, 30, &[]).await.map_err(|e| CliError::Usage(e.to_string()))?;
    let mut screen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&screen).contains("call-en-001") {
        let bytes = shell
            .recv(deadline.saturating_duration_since(Instant::now()))
            .await
            .ok_or_else(|| CliError::Usage(format!("{name}: no home screen")))?;
        screen.extend_from_slice(&bytes);
    }
    Ok((shell, handle))
}

/// Opens the first queue item and its first segment's editor; waits for the editor to show.
async fn enter_editor(shell: &mut Shell) -> bool {
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
    // Let the rest of the frame arrive before measuring.
    while shell.recv(Duration::from_millis(50)).await.is_some() {}
    true
}

/// Types keys at `rate` until `until`, returning (latencies, bytes received).
async fn type_keys(shell: &mut Shell, rate: f64, until: Instant, typing: bool) -> (Vec<Duration>, usize) {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let mut latencies = Vec::new();
    let mut bytes = 0;
    let mut down = true;
    // Independent typists: each session starts at a random phase of the interval, so keys of
    // different sessions do not arrive in lock-step bursts that no real team produces.
    let mut next = Instant::now() + interval.mul_f64(rand::random::<f64>());
    while Instant::now() < until {
        tokio::time::sleep_until(next.into()).await;
        next += interval;
        let sent = Instant::now();
        let key = if typing {
            [LETTERS[latencies.len() % LETTERS.len()]]
        } else if down {
            *b"j"
        } else {
            *b"k"
        };
        if shell.send(&key).await.is_err() {
            break;
        }
        down = !down;
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

/// Runs the load test.
pub fn run(args: LoadArgs) -> Result<u8, CliError> {
    if args.mode == "audio" {
        return super::loadtest_audio::run(args);
    }
    let tmp = std::env::temp_dir().join(format!("cloister-load-{}", std::process::id()));
    let dir = DataDir::new(&tmp);
    let users = setup(&dir, args.sessions, &args.audit_sync)?;
    let addr = free_port()?;
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args(["serve", "--data"])
        .arg(&tmp)
        .args(["--listen", &addr.to_string()])
        .env("CLOISTER_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?;
    let pid = child.id();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(async {
        wait_listening(addr).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let host =
            load_public_key(&dir.host_key_path().with_extension("pub")).map_err(|e| CliError::Usage(e.to_string()))?;
        let rss_base = rss_kib(pid);
        let mut shells = Vec::new();
        for chunk in users.chunks(25) {
            let opening: Vec<_> =
                chunk.iter().map(|(n, k)| tokio::spawn(open(addr, n.clone(), k.clone(), host.clone()))).collect();
            for task in opening {
                shells.push(task.await.map_err(|e| CliError::Usage(e.to_string()))??);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_idle = rss_kib(pid);
        let until = Instant::now() + Duration::from_secs(args.seconds);
        let typing_mode = match args.mode.as_str() {
            "navigate" => false,
            "type" => true,
            other => return Err(CliError::Usage(format!("--mode {other:?}: use navigate or type"))),
        };
        let typing: Vec<_> = shells
            .into_iter()
            .map(|(mut shell, handle)| {
                let rate = args.rate;
                tokio::spawn(async move {
                    if typing_mode && !enter_editor(&mut shell).await {
                        return (Vec::new(), 0);
                    }
                    let out = type_keys(&mut shell, rate, until, typing_mode).await;
                    drop(handle);
                    out
                })
            })
            .collect();
        let mut latencies = Vec::new();
        let mut bytes = 0;
        for task in typing {
            let (l, b) = task.await.map_err(|e| CliError::Usage(e.to_string()))?;
            latencies.extend(l);
            bytes += b;
        }
        latencies.sort_unstable();
        let pct = |p: f64| -> f64 {
            if latencies.is_empty() {
                return f64::NAN;
            }
            let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
            latencies[index].as_secs_f64() * 1000.0
        };
        Ok::<_, CliError>(LoadReport {
            sessions: args.sessions,
            keys: latencies.len(),
            p50_ms: pct(0.5),
            p99_ms: pct(0.99),
            max_ms: pct(1.0),
            bytes_per_key: bytes as f64 / latencies.len().max(1) as f64,
            rss_per_session_kib: rss_idle.saturating_sub(rss_base) as f64 / args.sessions.max(1) as f64,
            rss_base_kib: rss_base,
        })
    });
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&tmp);
    let report = result?;
    if args.json {
        println!("{}", serde_json::to_string(&report).map_err(|e| CliError::Usage(e.to_string()))?);
    } else {
        println!(
            "audit={} sessions={} keys={} p50={:.2}ms p99={:.2}ms max={:.2}ms bytes/key={:.1} rss/session={:.0}KiB base={}KiB",
            args.audit_sync,
            report.sessions,
            report.keys,
            report.p50_ms,
            report.p99_ms,
            report.max_ms,
            report.bytes_per_key,
            report.rss_per_session_kib,
            report.rss_base_kib
        );
    }
    Ok(0)
}
