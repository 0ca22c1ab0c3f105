//! `cloister loadtest`: starts a server as a child process (`cloister serve` on a fresh demo data
//! directory, or OpenSSH's sshd serving vim with `--target sshd-vim`), opens N SSH sessions,
//! types R keys per second in each, and reports keystroke→screen latency (p50/p99), bytes sent
//! per typed key and server memory per idle session. `--stalled-readers` adds sessions that
//! never read; `--mode next-item` measures moving between items of a 100 000-item project.

use super::CliError;
use super::loadtest_session::{enter_editor, letter, navigate, open_all, percentiles, press_keys, stall};
use super::loadtest_sshd::{Memory, Sshd, descendants_memory, process_memory};
use crate::client::load_public_key;
use crate::datadir::DataDir;
use crate::policy::{Principal, Role};
use russh::keys::ssh_key::{Algorithm, HashAlg, PrivateKey, PublicKey};
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
    /// type letters (bytes per typed character); `next-item`: PgDn through a project of
    /// `--items` items; `queue`: j/k on the home screen of that project; `audio`: play, pause
    /// and seek over the audio channel (key→frame latency).
    #[arg(long, default_value = "navigate")]
    pub mode: String,
    /// The server's `audit.synchronous`: `full` (fsync per batch) or `normal`.
    #[arg(long, default_value = "full")]
    pub audit_sync: String,
    /// `cloister`, or `sshd-vim`: OpenSSH's sshd (/usr/sbin/sshd) on a loopback port serving vim
    /// in insert mode to the same client (`--mode type` only).
    #[arg(long, default_value = "cloister")]
    pub target: String,
    /// Extra sessions that type but never read their output (slow readers); not measured.
    #[arg(long, default_value_t = 0)]
    pub stalled_readers: usize,
    /// With `--stalled-readers`: the extra sessions type the same but do read their output (the
    /// control run: same load, no stalled reader).
    #[arg(long)]
    pub readers_read: bool,
    /// Items in the project of `--mode next-item`.
    #[arg(long, default_value_t = 100_000)]
    pub items: usize,
}

/// Measured figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    /// `cloister` or `sshd-vim`.
    pub target: String,
    /// `navigate`, `type` or `next-item`.
    pub mode: String,
    /// Sessions that took part (measured).
    pub sessions: usize,
    /// Extra sessions sending 50 screen-changing keys a second (not measured).
    pub stalled_readers: usize,
    /// Whether those extra sessions read their output (control run) or never do (slow readers).
    pub readers_read: bool,
    /// Seconds of typing.
    pub seconds: u64,
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
    /// Server RSS growth per idle session, KiB (sshd: RSS of its session processes and vim).
    pub rss_per_session_kib: f64,
    /// The same in PSS (shared pages divided among the processes sharing them), KiB.
    pub pss_per_session_kib: f64,
    /// Server RSS before any session, KiB.
    pub rss_base_kib: u64,
    /// Highest server RSS while typing minus RSS with all sessions idle, KiB.
    pub rss_peak_growth_kib: u64,
    /// Processes serving the sessions (1 for cloister).
    pub server_processes: usize,
}

/// The server under test.
enum Target {
    Cloister { child: std::process::Child, dir: DataDir },
    Sshd(Box<Sshd>),
}

impl Target {
    fn memory(&self) -> Memory {
        match self {
            Target::Cloister { child, .. } => process_memory(child.id()),
            Target::Sshd(sshd) => descendants_memory(sshd.pid()),
        }
    }

    /// Text that shows a session is ready for keys.
    fn ready(&self) -> &'static str {
        match self {
            Target::Cloister { .. } => "call-en-001",
            Target::Sshd(_) => "-- INSERT --",
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Target::Cloister { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sets up a demo directory with `users` extra annotators `loadN`, each assigned every call.
pub(super) fn setup(dir: &DataDir, users: usize, audit_sync: &str) -> Result<Vec<(String, PrivateKey)>, CliError> {
    super::demo::setup(
        dir,
        "127.0.0.1:2222".parse().map_err(|_| CliError::Usage("addr".into()))?,
        &default_fixtures(),
    )?;
    let store = dir.store()?;
    let op = Principal::operator();
    let mut out = Vec::with_capacity(users);
    for n in 0..users {
        let name = format!("load{n}");
        let key = new_key()?;
        add_annotator(&store, &name, &key, super::CALLS_PROJECT)?;
        store.assign_all(&op, super::CALLS_PROJECT, &name, "annotate")?;
        out.push((name, key));
    }
    write_config(dir, users, audit_sync)?;
    Ok(out)
}

pub(super) fn new_key() -> Result<PrivateKey, CliError> {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| CliError::Usage(e.to_string()))
}

/// Adds an annotator of `project` who logs in with `key`.
pub(super) fn add_annotator(
    store: &crate::store::Store,
    name: &str,
    key: &PrivateKey,
    project: &str,
) -> Result<(), CliError> {
    let op = Principal::operator();
    let public = key.public_key();
    let line = public.to_openssh().map_err(|e| CliError::Usage(e.to_string()))?;
    store.add_user(&op, name, false)?;
    store.add_key(&op, name, &public.fingerprint(HashAlg::Sha256).to_string(), &line, None)?;
    store.grant(&op, name, Role::Annotator, project)?;
    Ok(())
}

pub(super) fn write_config(dir: &DataDir, sessions: usize, audit_sync: &str) -> Result<(), CliError> {
    let config = format!(
        "[server]\nmax_sessions = {}\nmax_sessions_per_user = 4\nconnections_per_ip = {}\nauth_failure_delay_ms = 0\n\
         [audit]\nsynchronous = {audit_sync:?}\n",
        sessions + 16,
        sessions + 16
    );
    std::fs::write(dir.config_path(), config)?;
    Ok(())
}

fn default_fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub(super) fn free_port() -> Result<SocketAddr, CliError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

pub(super) async fn wait_listening(addr: SocketAddr) -> Result<(), CliError> {
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(CliError::Usage(format!("server did not start listening on {addr}")))
}

/// Starts `cloister serve` on `dir` as a child process.
pub(super) fn spawn_serve(dir: &DataDir, addr: SocketAddr) -> Result<std::process::Child, CliError> {
    Ok(std::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--data"])
        .arg(&dir.root)
        .args(["--listen", &addr.to_string()])
        .env("CLOISTER_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()?)
}

async fn measure(
    args: &LoadArgs,
    target: &Target,
    users: &[(String, PrivateKey)],
    host: PublicKey,
    addr: SocketAddr,
) -> Result<LoadReport, CliError> {
    let typing = match (args.mode.as_str(), target) {
        ("type", _) => true,
        ("navigate", Target::Cloister { .. }) => false,
        (other, Target::Sshd(_)) => {
            return Err(CliError::Usage(format!("--target sshd-vim measures --mode type only, not {other:?}")));
        }
        (other, _) => return Err(CliError::Usage(format!("--mode {other:?}: use navigate, type or next-item"))),
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let base = target.memory();
    let (measured, stalled) = users.split_at(args.sessions.min(users.len()));
    let shells = open_all(addr, measured, &host, target.ready()).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = target.memory();
    let stalled = open_all(addr, stalled, &host, target.ready()).await?;
    let cloister = matches!(target, Target::Cloister { .. });
    // Every session opens its item and editor before the clock starts: what is measured is
    // typing, not a burst of N item openings (their audio decodes) at the same instant.
    let mut shells = shells;
    if typing && cloister {
        let entering: Vec<_> = shells
            .into_iter()
            .map(|(mut shell, handle)| {
                tokio::spawn(async move { enter_editor(&mut shell).await.then_some((shell, handle)) })
            })
            .collect();
        shells = Vec::with_capacity(entering.len());
        for task in entering {
            match task.await.map_err(|e| CliError::Usage(e.to_string()))? {
                Some(session) => shells.push(session),
                None => return Err(CliError::Usage("a session could not open its editor".into())),
            }
        }
    }
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let read = args.readers_read;
    let stalling: Vec<_> = stalled.into_iter().map(|s| tokio::spawn(stall(s, until, cloister, read))).collect();
    let rate = args.rate;
    let typists: Vec<_> = shells
        .into_iter()
        .map(|(mut shell, handle)| {
            tokio::spawn(async move {
                let out = press_keys(&mut shell, rate, until, if typing { letter } else { navigate }).await;
                drop(handle);
                out
            })
        })
        .collect();
    let mut peak = idle.rss_kib;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(250)).await;
        peak = peak.max(target.memory().rss_kib);
    }
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for task in typists {
        let (l, b) = task.await.map_err(|e| CliError::Usage(e.to_string()))?;
        latencies.extend(l);
        bytes += b;
    }
    for task in stalling {
        let _ = task.await;
    }
    let keys = latencies.len();
    let (p50_ms, p99_ms, max_ms) = percentiles(&mut latencies);
    let per_session = |grown: u64| grown as f64 / args.sessions.max(1) as f64;
    Ok(LoadReport {
        target: args.target.clone(),
        mode: args.mode.clone(),
        sessions: args.sessions,
        stalled_readers: args.stalled_readers,
        readers_read: args.readers_read,
        seconds: args.seconds,
        keys,
        p50_ms,
        p99_ms,
        max_ms,
        bytes_per_key: bytes as f64 / keys.max(1) as f64,
        rss_per_session_kib: per_session(idle.rss_kib.saturating_sub(base.rss_kib)),
        pss_per_session_kib: per_session(idle.pss_kib.saturating_sub(base.pss_kib)),
        rss_base_kib: base.rss_kib,
        rss_peak_growth_kib: peak.saturating_sub(idle.rss_kib),
        server_processes: idle.processes,
    })
}

/// Runs the load test.
pub fn run(args: LoadArgs) -> Result<u8, CliError> {
    if args.mode == "audio" {
        return super::loadtest_audio::run(args);
    }
    if args.mode == "next-item" || args.mode == "queue" {
        return super::loadtest_items::run(&args);
    }
    let tmp = std::env::temp_dir().join(format!("cloister-load-{}", std::process::id()));
    let total = args.sessions + args.stalled_readers;
    let addr = free_port()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = (|| {
        let (target, users, host) = match args.target.as_str() {
            "cloister" => {
                let dir = DataDir::new(&tmp);
                let users = setup(&dir, total, &args.audit_sync)?;
                let host = load_public_key(&dir.host_key_path().with_extension("pub"))
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                (Target::Cloister { child: spawn_serve(&dir, addr)?, dir }, users, host)
            }
            "sshd-vim" => {
                let sshd = Sshd::start(&tmp, addr, total)?;
                let (users, host) = (sshd.users.clone(), sshd.host.clone());
                (Target::Sshd(Box::new(sshd)), users, host)
            }
            other => return Err(CliError::Usage(format!("--target {other:?}: use cloister or sshd-vim"))),
        };
        let report = runtime.block_on(async {
            wait_listening(addr).await?;
            measure(&args, &target, &users, host, addr).await
        });
        if let (Err(_), Target::Sshd(sshd)) = (&report, &target) {
            eprintln!("sshd log:\n{}", sshd.log());
        }
        if let Target::Cloister { dir, .. } = &target {
            tracing::debug!(data = %dir.root.display(), "load test done");
        }
        report
    })();
    drop(runtime);
    let _ = std::fs::remove_dir_all(&tmp);
    print_report(&result?, &args)
}

pub(super) fn print_report(report: &LoadReport, args: &LoadArgs) -> Result<u8, CliError> {
    if args.json {
        println!("{}", serde_json::to_string(report).map_err(|e| CliError::Usage(e.to_string()))?);
    } else {
        println!(
            "target={} mode={} audit={} sessions={} stalled={} keys={} p50={:.2}ms p99={:.2}ms max={:.2}ms \
             bytes/key={:.1} rss/session={:.0}KiB pss/session={:.0}KiB base={}KiB peak-growth={}KiB",
            report.target,
            report.mode,
            args.audit_sync,
            report.sessions,
            report.stalled_readers,
            report.keys,
            report.p50_ms,
            report.p99_ms,
            report.max_ms,
            report.bytes_per_key,
            report.rss_per_session_kib,
            report.pss_per_session_kib,
            report.rss_base_kib,
            report.rss_peak_growth_kib
        );
    }
    Ok(0)
}
