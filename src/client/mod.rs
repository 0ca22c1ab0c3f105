//! SSH client side: a scriptable TUI session (used by the load tool and end-to-end tests) that
//! pins the server's host key, and `cloister connect`: host-key check against known_hosts, the
//! terminal relay and audio playback. It never links the store.

pub mod audio;
pub mod connect;
pub mod known_hosts;
#[cfg(feature = "playback")]
pub mod playback;
pub mod relay;

use russh::client::{self, Handle, Msg};
use russh::keys::ssh_key::{PrivateKey, PublicKey};
use russh::keys::{HashAlg, PrivateKeyWithHashAlg};
use russh::{Channel, ChannelMsg};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The SSH layer failed (connection refused, host key mismatch, …).
    #[error("ssh: {0}")]
    Ssh(#[from] russh::Error),
    /// A key file could not be read.
    #[error("key {path}: {reason}")]
    Key {
        /// The key file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The server refused the key.
    #[error("authentication refused for {0}")]
    Refused(String),
    /// The server sent nothing in time.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The audio channel sent something this build cannot play.
    #[error("audio channel: {0}")]
    Audio(String),
    /// The server's host key differs from the one known_hosts records: refused.
    #[error(
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n\
         @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
         {host} offered host key {fingerprint}, but {file}:{line} records another key of that type.\n\
         Someone could be intercepting the connection, or the server's key was replaced. Refusing to connect.\n\
         If the admin confirms the new key, remove line {line} of {file} \
         (ssh-keygen -R '{host}' -f {file}) and connect again."
    )]
    HostKeyChanged {
        /// The host as recorded, e.g. `[127.0.0.1]:2222`.
        host: String,
        /// SHA-256 fingerprint of the key offered.
        fingerprint: String,
        /// The known_hosts file.
        file: String,
        /// The line recording the other key.
        line: usize,
    },
    /// The server's host key is marked `@revoked`: refused.
    #[error("{host} offered host key {fingerprint}, which {file}:{line} marks @revoked; refusing to connect")]
    HostKeyRevoked {
        /// The host as recorded.
        host: String,
        /// SHA-256 fingerprint of the key offered.
        fingerprint: String,
        /// The known_hosts file.
        file: String,
        /// The revocation line.
        line: usize,
    },
    /// The host is unknown and there is no terminal to ask.
    #[error(
        "{host} is not in {file} and there is no terminal to ask: check its key {fingerprint} with the admin, \
         then connect with --accept-new (or add the key to {file})"
    )]
    HostKeyUnknown {
        /// The host as it would be recorded.
        host: String,
        /// SHA-256 fingerprint of the key offered.
        fingerprint: String,
        /// The known_hosts file.
        file: String,
    },
    /// The local terminal failed.
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
}

/// Accepts only the pinned host key.
pub struct PinnedHost {
    expected: Option<PublicKey>,
}

impl PinnedHost {
    /// Accepts any host key (tests of refusal paths only; never for real connections).
    pub fn any() -> Self {
        Self { expected: None }
    }
}

impl client::Handler for PinnedHost {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &russh::keys::PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(match (&self.expected, key) {
            (None, _) => true,
            (Some(expected), russh::keys::PublicKeyOrCertificate::PublicKey { key, .. }) => {
                expected.key_data() == key.key_data()
            }
            (Some(_), _) => false,
        })
    }
}

/// Loads an OpenSSH private key file.
pub fn load_key(path: &Path) -> Result<PrivateKey, ClientError> {
    russh::keys::load_secret_key(path, None)
        .map_err(|e| ClientError::Key { path: path.display().to_string(), reason: e.to_string() })
}

/// Loads an OpenSSH public key file (e.g. the server's `host_ed25519.pub`).
pub fn load_public_key(path: &Path) -> Result<PublicKey, ClientError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ClientError::Key { path: path.display().to_string(), reason: e.to_string() })?;
    PublicKey::from_openssh(text.trim())
        .map_err(|e| ClientError::Key { path: path.display().to_string(), reason: e.to_string() })
}

/// Connects and authenticates with a public key; `host` pins the server key (None: accept any).
pub async fn connect(
    addr: SocketAddr,
    user: &str,
    key: PrivateKey,
    host: Option<PublicKey>,
) -> Result<Handle<PinnedHost>, ClientError> {
    let config = Arc::new(client::Config { nodelay: true, ..Default::default() });
    let mut handle = client::connect(config, addr, PinnedHost { expected: host }).await?;
    let result =
        handle.authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), Some(HashAlg::Sha512))).await?;
    if !result.success() {
        return Err(ClientError::Refused(user.to_string()));
    }
    Ok(handle)
}

/// An interactive shell channel with a pty.
pub struct Shell {
    channel: Channel<Msg>,
    /// Exit status, once the server sent it.
    pub exit_status: Option<u32>,
    /// True once the server closed the channel.
    pub closed: bool,
}

impl Shell {
    /// Opens a session channel, requests a pty of `cols`×`rows` (and the given env), and a shell.
    pub async fn open(
        handle: &Handle<PinnedHost>,
        cols: u32,
        rows: u32,
        env: &[(&str, &str)],
    ) -> Result<Self, ClientError> {
        let channel = handle.channel_open_session().await?;
        for (name, value) in env {
            channel.set_env(false, *name, *value).await?;
        }
        channel.request_pty(false, "xterm-256color", cols, rows, 0, 0, &[]).await?;
        channel.request_shell(true).await?;
        Ok(Self { channel, exit_status: None, closed: false })
    }

    /// Sends bytes as if typed.
    pub async fn send(&self, bytes: &[u8]) -> Result<(), ClientError> {
        Ok(self.channel.data_bytes(bytes.to_vec()).await?)
    }

    /// Tells the server the terminal was resized.
    pub async fn resize(&self, cols: u32, rows: u32) -> Result<(), ClientError> {
        Ok(self.channel.window_change(cols, rows, 0, 0).await?)
    }

    /// Waits up to `timeout` for the next output; None when the channel ended or time ran out.
    pub async fn recv(&mut self, timeout: Duration) -> Option<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.channel.wait()).await.ok()?;
            match msg {
                Some(ChannelMsg::Data { data }) => return Some(data.to_vec()),
                Some(ChannelMsg::ExitStatus { exit_status }) => self.exit_status = Some(exit_status),
                Some(ChannelMsg::Close) | None => {
                    self.closed = true;
                    return None;
                }
                Some(_) => {}
            }
        }
    }
}
