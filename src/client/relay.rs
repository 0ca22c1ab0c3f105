//! `cloister connect`, part two: relay the local terminal to the TUI session (raw mode, window
//! resizes, `~.` at the start of a line disconnects, as in OpenSSH), with the audio channel
//! beside it playing into an [`AudioOut`].

use super::ClientError;
use super::audio::{AudioChannel, AudioOut, Playout};
use ratatui::crossterm::terminal;
use russh::ChannelMsg;
use russh::client::{Handle, Handler};
use std::io::{IsTerminal, Read, Write};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// Terminal size when stdin is not a terminal (tests, pipes), unless COLUMNS/LINES say otherwise.
const DEFAULT_SIZE: (u16, u16) = (100, 30);

/// Puts the terminal in raw mode; restores it when dropped (also on early returns and panics).
struct RawMode;

impl RawMode {
    fn enter() -> std::io::Result<Self> {
        terminal::enable_raw_mode()?;
        Ok(Self)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Reads a secret (a key passphrase) from the terminal without echo.
pub fn read_secret(prompt: &str) -> std::io::Result<String> {
    let mut stderr = std::io::stderr();
    stderr.write_all(prompt.as_bytes())?;
    stderr.flush()?;
    let _raw = RawMode::enter()?;
    let mut secret = String::new();
    let mut stdin = std::io::stdin().lock();
    let mut byte = [0u8; 1];
    loop {
        if stdin.read(&mut byte)? == 0 {
            break;
        }
        match byte[0] {
            b'\r' | b'\n' => break,
            0x03 => return Err(std::io::Error::new(std::io::ErrorKind::Interrupted, "cancelled")),
            0x7f | 0x08 => {
                secret.pop();
            }
            b => secret.push(char::from(b)),
        }
    }
    stderr.write_all(b"\r\n")?;
    Ok(secret)
}

/// The terminal's size, or COLUMNS×LINES, or the default.
fn size(tty: bool) -> (u16, u16) {
    if tty && let Ok(size) = terminal::size() {
        return size;
    }
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u16>().ok()).filter(|&v| v > 0);
    (env("COLUMNS").unwrap_or(DEFAULT_SIZE.0), env("LINES").unwrap_or(DEFAULT_SIZE.1))
}

/// OpenSSH's escape: `~.` right after Enter (or at the very start) disconnects; `~~` sends `~`.
#[derive(Debug)]
struct Escape {
    line_start: bool,
    tilde: bool,
}

impl Escape {
    /// The bytes to send, and whether the user asked to disconnect.
    fn filter(&mut self, input: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(input.len());
        for &byte in input {
            if self.tilde {
                self.tilde = false;
                match byte {
                    b'.' => return (out, true),
                    b'~' => {
                        out.push(b'~');
                        self.line_start = false;
                        continue;
                    }
                    _ => out.push(b'~'),
                }
            } else if self.line_start && byte == b'~' {
                self.tilde = true;
                continue;
            }
            out.push(byte);
            self.line_start = byte == b'\r' || byte == b'\n';
        }
        (out, false)
    }
}

/// Reads stdin on its own thread (a blocked read must not hold the runtime at exit).
fn spawn_stdin() -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel(64);
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        let mut stdin = std::io::stdin();
        while let Ok(n) = stdin.read(&mut buffer) {
            if n == 0 || tx.blocking_send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Plays the audio channel into `out` until it closes. Always reading it matters: an unread
/// channel would stall the whole connection, TUI included.
async fn play(mut channel: AudioChannel, out: Box<dyn AudioOut>) {
    let mut playout = Playout::new(out);
    loop {
        match channel.next().await {
            Ok(Some(frames)) => frames.iter().for_each(|frame| playout.apply(frame)),
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(%error, "audio channel stopped");
                break;
            }
        }
    }
}

/// Opens the shell (and, with `audio`, the audio channel) and relays until the session ends;
/// returns the remote exit status.
pub async fn run<H: Handler>(handle: &Handle<H>, audio: Option<Box<dyn AudioOut>>) -> Result<u32, ClientError> {
    let tty = std::io::stdin().is_terminal();
    let (cols, rows) = size(tty);
    let term = std::env::var("TERM").ok().filter(|t| !t.is_empty()).unwrap_or_else(|| "xterm-256color".into());
    let channel = handle.channel_open_session().await?;
    if std::env::var_os("NO_COLOR").is_some() {
        channel.set_env(false, "NO_COLOR", "1").await?;
    }
    channel.request_pty(false, &term, cols.into(), rows.into(), 0, 0, &[]).await?;
    channel.request_shell(true).await?;
    let (mut read, write) = channel.split();
    let audio_task = match audio {
        Some(out) => match AudioChannel::open(handle).await {
            Ok(channel) => Some(tokio::spawn(play(channel, out))),
            Err(error) => {
                tracing::warn!(%error, "no audio channel");
                None
            }
        },
        None => None,
    };
    let _raw = if tty { Some(RawMode::enter()?) } else { None };
    let mut input = spawn_stdin();
    let mut input_open = true;
    let mut resized = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())?;
    let mut escape = Escape { line_start: true, tilde: false };
    let mut stdout = tokio::io::stdout();
    let mut status = None;
    loop {
        tokio::select! {
            bytes = input.recv(), if input_open => match bytes {
                Some(bytes) => {
                    let (bytes, disconnect) = if tty { escape.filter(&bytes) } else { (bytes, false) };
                    if !bytes.is_empty() {
                        write.data(&bytes[..]).await?;
                    }
                    if disconnect {
                        break;
                    }
                }
                None => {
                    input_open = false;
                    write.eof().await?;
                }
            },
            _ = resized.recv() => {
                let (cols, rows) = size(tty);
                write.window_change(cols.into(), rows.into(), 0, 0).await?;
            }
            message = read.wait() => match message {
                Some(ChannelMsg::Data { data }) => {
                    stdout.write_all(&data).await?;
                    stdout.flush().await?;
                }
                Some(ChannelMsg::ExtendedData { data, .. }) => {
                    let mut stderr = std::io::stderr();
                    stderr.write_all(&data)?;
                    stderr.flush()?;
                }
                Some(ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                Some(ChannelMsg::Close) | None => break,
                Some(_) => {}
            },
        }
    }
    if let Some(task) = audio_task {
        task.abort();
    }
    Ok(status.unwrap_or(255))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_dot_after_enter_disconnects() {
        let mut escape = Escape { line_start: true, tilde: false };
        assert_eq!(escape.filter(b"ab~.c"), (b"ab~.c".to_vec(), false), "not at a line start");
        assert_eq!(escape.filter(b"\r~~x"), (b"\r~x".to_vec(), false), "~~ sends one ~");
        assert_eq!(escape.filter(b"\r~"), (b"\r".to_vec(), false), "a ~ at a line start waits");
        assert_eq!(escape.filter(b"q"), (b"~q".to_vec(), false), "… and goes out with the next key");
        assert_eq!(escape.filter(b"\r~."), (b"\r".to_vec(), true));
    }
}
