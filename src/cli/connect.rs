//! `cloister connect [-p PORT] [-i KEY] [--known-hosts FILE] [--accept-new] user@host`: the
//! companion client. Relays the TUI like `ssh` and plays the session's audio from memory.

use super::CliError;
use crate::client::connect::{Destination, NewHosts, default_identities, login};
use crate::client::known_hosts;
use std::path::PathBuf;

/// Arguments of `cloister connect`.
#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// Who and where: `user@host` (host name or address).
    destination: String,
    /// The server's port.
    #[arg(short = 'p', long, default_value_t = 22)]
    port: u16,
    /// Private key file (repeatable). Without -i: the ssh-agent's keys, then ~/.ssh/id_ed25519,
    /// id_ecdsa, id_rsa.
    #[arg(short = 'i', long = "identity")]
    identity: Vec<PathBuf>,
    /// The known_hosts file (default ~/.ssh/known_hosts, shared with OpenSSH).
    #[arg(long)]
    known_hosts: Option<PathBuf>,
    /// Record an unknown host's key without asking (OpenSSH's StrictHostKeyChecking=accept-new);
    /// a changed key is still refused.
    #[arg(long)]
    accept_new: bool,
    /// Do not open the audio channel (the TUI then shows how to listen).
    #[arg(long)]
    no_audio: bool,
}

/// Runs the client; the exit code is the remote session's.
pub fn run(args: ConnectArgs) -> Result<u8, CliError> {
    let (user, host) =
        args.destination.split_once('@').filter(|(u, h)| !u.is_empty() && !h.is_empty()).ok_or_else(|| {
            CliError::Usage(format!("destination {:?} is not user@host, e.g. alice@annotate.example", args.destination))
        })?;
    let known_hosts = match args.known_hosts.or_else(known_hosts::default_path) {
        Some(path) => path,
        None => return Err(CliError::Usage("HOME is not set: pass --known-hosts FILE".into())),
    };
    let destination = Destination {
        host: host.to_string(),
        port: args.port,
        user: user.to_string(),
        agent: args.identity.is_empty(),
        identities: if args.identity.is_empty() { default_identities() } else { args.identity },
        known_hosts,
        new_hosts: if args.accept_new { NewHosts::AcceptNew } else { NewHosts::Ask },
    };
    let audio = if args.no_audio { Audio::Off } else { Audio::probe() };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let status = runtime.block_on(async {
        let handle = login(&destination).await?;
        let status = crate::client::relay::run(&handle, audio.output()).await?;
        let _ = handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
        Ok::<u32, crate::client::ClientError>(status)
    });
    // Drops the session's tasks (the audio player closes its device); the stdin reader is a plain
    // thread and does not hold this up.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    audio.report();
    Ok(u8::try_from(status?).unwrap_or(255))
}

/// Whether this build and machine can play audio.
enum Audio {
    /// Not wanted, or impossible (the reason was printed).
    Off,
    /// The default output device opens.
    #[cfg(feature = "playback")]
    Device(std::sync::Arc<std::sync::Mutex<Option<String>>>),
}

impl Audio {
    /// Checks the output device before the terminal goes raw, so problems print readably.
    fn probe() -> Self {
        #[cfg(feature = "playback")]
        {
            match crate::client::playback::RodioOut::probe() {
                Ok(()) => Audio::Device(std::sync::Arc::default()),
                Err(reason) => {
                    eprintln!("audio: no output device ({reason}); connecting without audio");
                    Audio::Off
                }
            }
        }
        #[cfg(not(feature = "playback"))]
        {
            eprintln!("audio: this cloister was built without playback (cargo build --features playback)");
            Audio::Off
        }
    }

    fn output(&self) -> Option<Box<dyn crate::client::audio::AudioOut>> {
        match self {
            Audio::Off => None,
            #[cfg(feature = "playback")]
            Audio::Device(errors) => Some(Box::new(Reporting {
                out: crate::client::playback::RodioOut::new(),
                errors: std::sync::Arc::clone(errors),
            })),
        }
    }

    /// Prints a device failure that happened while the terminal was raw.
    fn report(&self) {
        #[cfg(feature = "playback")]
        if let Audio::Device(errors) = self
            && let Some(reason) = errors.lock().unwrap_or_else(|p| p.into_inner()).take()
        {
            eprintln!("audio: the output device failed ({reason})");
        }
    }
}

/// Passes a device error out of the player when it is dropped.
#[cfg(feature = "playback")]
struct Reporting {
    out: crate::client::playback::RodioOut,
    errors: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

#[cfg(feature = "playback")]
impl Drop for Reporting {
    fn drop(&mut self) {
        if let Some(reason) = self.out.error() {
            *self.errors.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        }
    }
}

#[cfg(feature = "playback")]
impl crate::client::audio::AudioOut for Reporting {
    fn start(&mut self, start: &crate::audio::stream::StreamStart) {
        self.out.start(start);
    }
    fn samples(&mut self, samples: &[i16]) {
        self.out.samples(samples);
    }
    fn pause(&mut self) {
        self.out.pause();
    }
    fn resume(&mut self) {
        self.out.resume();
    }
    fn end(&mut self) {
        self.out.end();
    }
    fn stop(&mut self) {
        self.out.stop();
    }
}
