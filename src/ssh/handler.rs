//! One russh [`Handler`](russh::server::Handler) per connection: authentication, pty, window
//! changes, exec and data. It only moves bytes: input goes to the session task over a channel; it
//! never awaits the session handle inside a callback.

use super::SshError;
use super::audio::{AudioHub, SUBSYSTEM};
use super::output::WindowCredit;
use super::server::Shared;
use super::session::{self, SessionEvent, SessionParams};
use crate::audit::{Event, EventKind};
use crate::policy::Principal;
use russh::keys::ssh_key::HashAlg;
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, Pty};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Input packets queued per session before the connection is throttled.
const INPUT_QUEUE: usize = 256;

#[derive(Default)]
struct ChannelState {
    size: Option<(u16, u16)>,
    term: String,
    no_color: bool,
    input: Option<mpsc::Sender<SessionEvent>>,
    credit: Arc<WindowCredit>,
}

/// The handler of one SSH connection.
pub struct ConnectionHandler {
    shared: Arc<Shared>,
    peer: SocketAddr,
    principal: Option<Principal>,
    fingerprint: String,
    session_id: String,
    channels: HashMap<ChannelId, ChannelState>,
    /// Pairs this connection's audio channel with its shell session.
    audio: AudioHub,
    /// The audio channel and its streamer, aborted when the channel or the connection ends.
    audio_channel: Option<(ChannelId, AbortOnDrop)>,
}

/// Aborts a task when dropped (the handler is dropped when the connection ends).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl ConnectionHandler {
    /// A handler for a new connection from `peer`.
    pub fn new(shared: Arc<Shared>, peer: SocketAddr) -> Self {
        let mut id = [0u8; 6];
        rand::fill(&mut id[..]);
        Self {
            shared,
            peer,
            principal: None,
            fingerprint: String::new(),
            session_id: hex::encode(id),
            channels: HashMap::new(),
            audio: AudioHub::default(),
            audio_channel: None,
        }
    }
}

impl ConnectionHandler {
    /// Records the authentication outcome, then accepts: no record, no login (fail closed).
    async fn finish_auth(
        &mut self,
        user: &str,
        outcome: Option<Principal>,
        kind: EventKind,
        fingerprint: String,
    ) -> Result<Auth, SshError> {
        let recorded = self.shared.audit.record(Event::new(self.session_id.as_str(), user, None, kind)).await;
        match (outcome, recorded) {
            (Some(principal), Ok(_)) => {
                self.principal = Some(principal);
                self.fingerprint = fingerprint;
                Ok(Auth::Accept)
            }
            (_, Err(error)) => {
                tracing::error!(%error, "authentication refused: the audit log cannot be written");
                Ok(Auth::reject())
            }
            (None, Ok(_)) => Ok(Auth::reject()),
        }
    }
}

fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let fit = |v: u32, default: u16| if v == 0 { default } else { v.min(1000) as u16 };
    (fit(cols, 80), fit(rows, 24))
}

impl russh::server::Handler for ConnectionHandler {
    type Error = SshError;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        tracing::debug!(user, peer = %self.peer, "auth none refused");
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        tracing::warn!(user, peer = %self.peer, "password authentication refused (public key only)");
        Ok(Auth::reject())
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = key.public_key.fingerprint(HashAlg::Sha256).to_string();
        let (name, fp, session) = (user.to_string(), fingerprint.clone(), self.session_id.clone());
        let result = self.shared.db.call(move |store| store.login(&name, &fp, &session)).await?;
        let peer = self.peer.to_string();
        let (outcome, kind) = match result {
            Ok(Ok(principal)) => {
                tracing::info!(user, %fingerprint, %peer, session = %self.session_id, "authenticated");
                let kind = EventKind::AuthOk { fingerprint: fingerprint.clone(), peer };
                (Some(principal), kind)
            }
            Ok(Err(refusal)) => {
                tracing::warn!(user, %fingerprint, %peer, %refusal, "authentication refused");
                (
                    None,
                    EventKind::AuthFail { fingerprint: Some(fingerprint.clone()), peer, reason: refusal.to_string() },
                )
            }
            Err(error) => {
                tracing::error!(%error, "authentication failed: store error");
                (
                    None,
                    EventKind::AuthFail { fingerprint: Some(fingerprint.clone()), peer, reason: "store error".into() },
                )
            }
        };
        self.finish_auth(user, outcome, kind, fingerprint).await
    }

    async fn auth_openssh_certificate(
        &mut self,
        user: &str,
        certificate: &russh::keys::ssh_key::Certificate,
    ) -> Result<Auth, Self::Error> {
        let peer = self.peer.to_string();
        let (outcome, kind, fingerprint) =
            super::certauth::check(&self.shared, user, certificate, &self.session_id, &peer).await;
        self.finish_auth(user, outcome, kind, fingerprint).await
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.principal.is_none() || self.channels.len() >= 4 {
            return Ok(()); // dropping `reply` rejects the channel
        }
        self.channels.insert(channel.id(), ChannelState::default());
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(state) => {
                state.size = Some(clamp_size(cols, rows));
                state.term = term.chars().take(64).collect();
                session.channel_success(channel)?;
            }
            None => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            // https://no-color.org: present with any value means no colour.
            Some(state) if name == "NO_COLOR" => {
                state.no_color = true;
                session.channel_success(channel)?;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let (Some(principal), Some(state)) = (self.principal.clone(), self.channels.get_mut(&channel)) else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        let slot = match self.shared.take_slot(&principal.name) {
            Ok(slot) => slot,
            Err(reason) => {
                tracing::warn!(user = %principal.name, %reason, "session refused");
                session.channel_success(channel)?;
                session.data(channel, format!("cloister: {reason}\r\n"))?;
                session.exit_status_request(channel, 1)?;
                session.eof(channel)?;
                session.close(channel)?;
                return Ok(());
            }
        };
        let (tx, rx) = mpsc::channel(INPUT_QUEUE);
        state.input = Some(tx);
        let (cols, rows) = state.size.unwrap_or((80, 24));
        let client = String::from_utf8_lossy(session.remote_sshid()).chars().take(128).collect();
        let params = SessionParams {
            shared: Arc::clone(&self.shared),
            handle: session.handle(),
            channel,
            principal,
            fingerprint: self.fingerprint.clone(),
            cols,
            rows,
            term: state.term.clone(),
            no_color: state.no_color,
            credit: Arc::clone(&state.credit),
            slot,
            client,
            peer: self.peer.to_string(),
            audio: self.audio.subscribe(),
        };
        session.channel_success(channel)?;
        tokio::spawn(session::run(params, rx));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(principal) = self.principal.clone() else {
            session.channel_failure(channel)?;
            return Ok(());
        };
        let command = String::from_utf8_lossy(data).into_owned();
        tracing::info!(user = %principal.name, command = %command.chars().take(80).collect::<String>(), "exec");
        session.channel_success(channel)?;
        super::exec::spawn(Arc::clone(&self.shared), session.handle(), channel, principal, command);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let open = self.principal.is_some() && self.audio_channel.is_none();
        match self.channels.get(&channel) {
            Some(state) if name == SUBSYSTEM && open && state.input.is_none() => {
                session.channel_success(channel)?;
                let task = self.audio.start(session.handle(), channel, Arc::clone(&state.credit));
                self.audio_channel = Some((channel, AbortOnDrop(task)));
                tracing::info!(user = ?self.principal.as_ref().map(|p| &p.name), "audio channel opened");
            }
            _ => {
                tracing::debug!(subsystem = name, "subsystem refused");
                session.channel_failure(channel)?;
            }
        }
        Ok(())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], _session: &mut Session) -> Result<(), Self::Error> {
        if let Some(input) = self.channels.get(&channel).and_then(|s| s.input.as_ref()) {
            // Awaiting our own bounded queue (not the session handle) throttles a flooding client.
            let _ = input.send(SessionEvent::Input(data.to_vec())).await;
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get_mut(&channel) {
            let (cols, rows) = clamp_size(cols, rows);
            state.size = Some((cols, rows));
            if let Some(input) = &state.input {
                let _ = input.send(SessionEvent::Resize(cols, rows)).await;
            }
        }
        Ok(())
    }

    async fn window_adjusted(
        &mut self,
        channel: ChannelId,
        new_size: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get(&channel) {
            state.credit.set(new_size);
        }
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        if let Some(state) = self.channels.get_mut(&channel) {
            state.input = None;
        }
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        // Dropping the sender ends the session task.
        self.channels.remove(&channel);
        if self.audio_channel.as_ref().is_some_and(|(id, _)| *id == channel) {
            self.audio_channel = None;
            self.audio.clear_current();
        }
        Ok(())
    }
}
