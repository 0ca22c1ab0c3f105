//! Driving a real in-process server with a real SSH client, asserting on a vt100 screen.
#![allow(dead_code)]

use cloister::client::{Shell, connect, load_key, load_public_key};
use cloister::datadir::DataDir;
use std::time::Duration;

/// A shell whose output feeds a vt100 parser.
pub struct Screen {
    pub shell: Shell,
    pub parser: vt100::Parser,
    pub raw: Vec<u8>,
    _handle: russh::client::Handle<cloister::client::PinnedHost>,
}

impl Screen {
    /// Logs in as a demo user and opens a shell of `cols`×`rows`.
    pub async fn open(
        dir: &DataDir,
        addr: std::net::SocketAddr,
        user: &str,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Screen {
        let key = load_key(&dir.keys_dir().join("demo").join(user)).expect("demo key");
        let host = load_public_key(&dir.host_key_path().with_extension("pub")).expect("host key");
        let handle = connect(addr, user, key, Some(host)).await.expect("login");
        let shell = Shell::open(&handle, cols.into(), rows.into(), env).await.expect("shell");
        Screen { shell, parser: vt100::Parser::new(rows, cols, 0), raw: Vec::new(), _handle: handle }
    }

    /// The connection, e.g. to open `cloister connect`'s audio channel next to the shell.
    pub fn handle(&self) -> &russh::client::Handle<cloister::client::PinnedHost> {
        &self._handle
    }

    /// The screen's text.
    pub fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Reads output until `pred(screen text)` holds; panics with the screen after `secs`.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !pred(&self.text()) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.shell.recv(left).await {
                Some(bytes) => {
                    self.raw.extend_from_slice(&bytes);
                    self.parser.process(&bytes);
                }
                None => panic!("no {what} (closed={}) on screen:\n{}", self.shell.closed, self.text()),
            }
        }
    }

    /// Waits for the text `needle`.
    pub async fn wait_text(&mut self, needle: &str) {
        let owned = needle.to_string();
        self.wait_for(needle, move |t| t.contains(&owned)).await;
    }

    /// Reads until the server closes the channel; returns the exit status.
    pub async fn wait_closed(&mut self) -> Option<u32> {
        while let Some(bytes) = self.shell.recv(Duration::from_secs(10)).await {
            self.raw.extend_from_slice(&bytes);
            self.parser.process(&bytes);
        }
        assert!(self.shell.closed, "channel did not close in time");
        self.shell.exit_status
    }

    /// Reads whatever arrives within `wait`, feeding the screen.
    pub async fn pump(&mut self, wait: Duration) {
        while let Some(bytes) = self.shell.recv(wait).await {
            self.raw.extend_from_slice(&bytes);
            self.parser.process(&bytes);
        }
    }

    /// Types bytes.
    pub async fn send(&self, bytes: &[u8]) {
        self.shell.send(bytes).await.expect("send");
    }
}
