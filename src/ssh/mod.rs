//! The SSH front: it only moves bytes. `server` accepts and configures, `handler` is one russh
//! handler per connection, `session` is the per-shell task, `input` decodes bytes into keys and
//! `output` is the bounded path back to the client.

pub mod audio;
mod effects;
mod handler;
pub mod input;
mod loaders;
mod output;
mod playback;
pub mod server;
mod session;

pub use server::{ServerHandle, start};

use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors of the SSH server.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// The SSH protocol layer failed.
    #[error("ssh: {0}")]
    Russh(#[from] russh::Error),
    /// The host key could not be loaded.
    #[error("host key {path}: {reason}; run `cloister init` to create it")]
    HostKey {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source} (is another server running? use --listen to pick another address)")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The data directory could not be opened.
    #[error("{0}")]
    Setup(String),
    /// An internal task failed.
    #[error("internal error: {0}")]
    Internal(String),
}
