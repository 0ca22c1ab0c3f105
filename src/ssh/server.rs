//! The accept loop (per-IP throttle, session caps) and the hardened russh configuration.

use super::SshError;
use super::handler::ConnectionHandler;
use crate::audit::AuditLog;
use crate::config::Config;
use crate::datadir::DataDir;
use crate::store::Store;
use russh::keys::ssh_key::HashAlg;
use russh::{MethodKind, MethodSet, Preferred, cipher, compression, kex, mac};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The store behind a mutex, used from blocking threads so the runtime never waits on SQLite.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Store>>);

impl Db {
    /// Wraps a store.
    pub fn new(store: Store) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` with the store on a blocking thread.
    pub async fn call<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> T + Send + 'static) -> Result<T, SshError> {
        let db = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || {
            let store = db.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&store)
        })
        .await
        .map_err(|e| SshError::Internal(format!("store task failed: {e}")))
    }
}

/// Live sessions, for the caps.
#[derive(Debug, Default)]
pub struct Registry {
    total: u32,
    per_user: HashMap<String, u32>,
}

/// Releases a session's slot when dropped.
pub struct SessionSlot {
    shared: Arc<Shared>,
    user: String,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut registry = self.shared.registry.lock().unwrap_or_else(|p| p.into_inner());
        registry.total = registry.total.saturating_sub(1);
        if let Some(count) = registry.per_user.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                registry.per_user.remove(&self.user);
            }
        }
    }
}

/// State shared by every connection.
pub struct Shared {
    /// The store.
    pub db: Db,
    /// The configuration.
    pub config: Config,
    /// Flips to true on shutdown.
    pub shutdown: watch::Receiver<bool>,
    /// DIR/themes: theme files that add to or override the built-in themes.
    pub themes_dir: std::path::PathBuf,
    /// The keymap from the config.
    pub keymap: crate::app::Keymap,
    /// The audit log every session records to before acting.
    pub audit: AuditLog,
    /// The data directory (admin commands over SSH read its audit keys and log).
    pub dir: DataDir,
    /// Live shell sessions, for admins to list and end.
    pub live: Arc<super::live::LiveRegistry>,
    /// Audio decodes allowed at once: a burst of item openings (a shift starting) queues here
    /// instead of crowding the cores that answer keystrokes.
    pub decode_slots: Arc<tokio::sync::Semaphore>,
    registry: Mutex<Registry>,
}

/// Half the cores (at least one) decode audio; the rest stay free for keystrokes.
fn decode_slots() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

impl Shared {
    /// Takes a session slot, or says which cap is reached.
    pub fn take_slot(self: &Arc<Self>, user: &str) -> Result<SessionSlot, String> {
        let mut registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        let server = &self.config.server;
        if registry.total >= server.max_sessions {
            return Err(format!("the server is at its limit of {} sessions; try again later", server.max_sessions));
        }
        let mine = registry.per_user.get(user).copied().unwrap_or(0);
        if mine >= server.max_sessions_per_user {
            return Err(format!("you already have {mine} sessions open (limit {})", server.max_sessions_per_user));
        }
        registry.total += 1;
        *registry.per_user.entry(user.to_string()).or_default() += 1;
        Ok(SessionSlot { shared: Arc::clone(self), user: user.to_string() })
    }
}

/// Sliding-window limit of new connections per source IP.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    seen: HashMap<IpAddr, VecDeque<Instant>>,
}

impl RateLimiter {
    /// At most `limit` connections per `window` per IP.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit: limit as usize, window, seen: HashMap::new() }
    }

    /// Records a connection attempt; false when over the limit.
    pub fn allow(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.seen.len() > 10_000 {
            let window = self.window;
            self.seen.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = self.seen.entry(ip).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.limit {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// The russh configuration: public key only, Ed25519 host key, modern algorithms only.
pub fn russh_config(dir: &DataDir, config: &Config) -> Result<russh::server::Config, SshError> {
    let path = dir.host_key_path();
    let host_key = russh::keys::load_secret_key(&path, None)
        .map_err(|e| SshError::HostKey { path: path.clone(), reason: e.to_string() })?;
    tracing::info!(fingerprint = %host_key.public_key().fingerprint(HashAlg::Sha256), "host key loaded");
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    let kex: Vec<kex::Name> = if config.server.post_quantum_only {
        vec![kex::MLKEM768X25519_SHA256, kex::EXTENSION_SUPPORT_AS_SERVER, kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER]
    } else {
        vec![
            kex::MLKEM768X25519_SHA256,
            kex::CURVE25519,
            kex::CURVE25519_PRE_RFC_8731,
            kex::EXTENSION_SUPPORT_AS_SERVER,
            kex::EXTENSION_OPENSSH_STRICT_KEX_AS_SERVER,
        ]
    };
    let preferred = Preferred {
        kex: kex.into(),
        cipher: vec![
            cipher::CHACHA20_POLY1305,
            cipher::AES_256_GCM,
            cipher::AES_128_GCM,
            cipher::AES_256_CTR,
            cipher::AES_192_CTR,
            cipher::AES_128_CTR,
        ]
        .into(),
        mac: vec![mac::HMAC_SHA512_ETM, mac::HMAC_SHA256_ETM].into(),
        compression: vec![compression::NONE].into(),
        ..Preferred::default()
    };
    Ok(russh::server::Config {
        server_id: russh::SshId::Standard("SSH-2.0-cloister".into()),
        methods,
        auth_rejection_time: Duration::from_millis(config.server.auth_failure_delay_ms),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![host_key],
        preferred,
        max_auth_attempts: 6,
        inactivity_timeout: Some(Duration::from_secs(config.server.idle_disconnect_secs + 60)),
        keepalive_interval: Some(Duration::from_secs(30)),
        nodelay: true,
        ..Default::default()
    })
}

/// A running server.
pub struct ServerHandle {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    accept: JoinHandle<()>,
    shared: Arc<Shared>,
}

impl ServerHandle {
    /// Tells every session to end, stops accepting, waits (up to 5 s) for sessions to close, then
    /// flushes the audit log.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.accept.await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.shared.registry.lock().unwrap_or_else(|p| p.into_inner()).total == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if let Err(error) = self.shared.audit.flush().await {
            tracing::error!(%error, "audit log flush failed at shutdown");
        }
    }

    /// The server's audit log (tests and tools).
    pub fn audit(&self) -> &AuditLog {
        &self.shared.audit
    }

    /// Sessions open now.
    pub fn sessions(&self) -> u32 {
        self.shared.registry.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

/// Binds `listen` and serves `dir` until [`ServerHandle::shutdown`].
pub async fn start(dir: &DataDir, listen: SocketAddr) -> Result<ServerHandle, SshError> {
    let config = dir.config().map_err(|e| SshError::Setup(e.to_string()))?;
    let ssh_config = Arc::new(russh_config(dir, &config)?);
    let mut store = dir.store().map_err(|e| SshError::Setup(e.to_string()))?;
    let keyring = store.keyring().map_err(|e| SshError::Setup(e.to_string()))?;
    let audit = AuditLog::open_dir(dir, &config.audit, keyring).map_err(|e| SshError::Setup(e.to_string()))?;
    store.set_denial_sink(Box::new(audit.clone()));
    let listener = TcpListener::bind(listen).await.map_err(|source| SshError::Bind { addr: listen, source })?;
    let addr = listener.local_addr().map_err(|source| SshError::Bind { addr: listen, source })?;
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let limiter =
        RateLimiter::new(config.server.connections_per_ip, Duration::from_secs(config.server.rate_window_secs));
    let themes_dir = dir.root.join("themes");
    // Fail at start-up, not at the first login, if the configured theme does not load.
    crate::ui::Theme::load(&config.ui.theme, &themes_dir).map_err(|e| SshError::Setup(e.to_string()))?;
    let keymap = crate::app::Keymap::from_config(&config.keymap);
    let shared = Arc::new(Shared {
        db: Db::new(store),
        config,
        shutdown: shutdown_rx.clone(),
        themes_dir,
        keymap,
        audit,
        dir: dir.clone(),
        live: Arc::default(),
        decode_slots: Arc::new(tokio::sync::Semaphore::new(decode_slots())),
        registry: Mutex::default(),
    });
    let accept = tokio::spawn(accept_loop(listener, ssh_config, Arc::clone(&shared), limiter, shutdown_rx));
    tracing::info!(%addr, "listening");
    Ok(ServerHandle { addr, shutdown: shutdown_tx, accept, shared })
}

async fn accept_loop(
    listener: TcpListener,
    ssh_config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    mut limiter: RateLimiter,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        if !limiter.allow(peer.ip(), Instant::now()) {
            tracing::warn!(%peer, "connection refused: per-IP rate limit");
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let handler = ConnectionHandler::new(Arc::clone(&shared), peer);
        let config = Arc::clone(&ssh_config);
        tokio::spawn(async move {
            match russh::server::run_stream(config, stream, handler).await {
                Ok(session) => {
                    if let Err(error) = session.await {
                        tracing::debug!(%peer, %error, "session ended with an error");
                    }
                }
                Err(error) => tracing::debug!(%peer, %error, "handshake failed"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_allows_limit_per_window_per_ip() {
        let mut limiter = RateLimiter::new(3, Duration::from_secs(10));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow(a, t0)));
        assert!(!limiter.allow(a, t0), "fourth within the window is refused");
        assert!(limiter.allow(b, t0), "other IPs are unaffected");
        assert!(limiter.allow(a, t0 + Duration::from_secs(10)), "the window slides");
    }
}
