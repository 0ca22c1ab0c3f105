//! Driving the real `cloister connect` binary through pipes, its screen read with vt100.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `cloister connect` with its output collected on a thread.
pub struct Client {
    child: Child,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Client {
    /// Starts `cloister connect … alice@127.0.0.1` on `port` with `extra` arguments and
    /// environment, stdin/stdout/stderr piped, a 100×30 terminal.
    pub fn spawn(
        dir: &cloister::datadir::DataDir,
        port: u16,
        known_hosts: &std::path::Path,
        extra: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloister"))
            .arg("connect")
            .args(extra)
            .arg("--known-hosts")
            .arg(known_hosts)
            .arg("-i")
            .arg(dir.keys_dir().join("demo/alice"))
            .args(["-p", &port.to_string(), "alice@127.0.0.1"])
            .env("COLUMNS", "100")
            .env("LINES", "30")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn cloister connect");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().expect("stdout");
        let sink = std::sync::Arc::clone(&output);
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buffer[..n]);
            }
        });
        Client { child, output }
    }

    /// The screen as a 100×30 terminal shows the output so far.
    pub fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(30, 100, 0);
        parser.process(&self.output.lock().expect("lock"));
        parser.screen().contents()
    }

    /// Waits (15 s at most) for `needle` on the screen.
    pub fn wait_text(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.screen().contains(needle) {
            assert!(Instant::now() < deadline, "{needle:?} not on screen:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.child.stdin.as_mut().expect("stdin").write_all(bytes).expect("type");
    }

    /// Waits for the exit; returns (code, stderr).
    pub fn finish(mut self) -> (Option<i32>, String) {
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "cloister connect did not exit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        self.child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
        (status.code(), stderr)
    }
}
