//! The per-shell task: owns the Terminal and the App; decodes input, runs the pure update, runs
//! effects, draws, and writes through the bounded [`FrameWriter`](super::output::FrameWriter).

use super::input::{Input, InputDecoder};
use super::output::{FrameWriter, OutputStats, WindowCredit};

use super::effects::{identity, next_theme, record, run_effect, session_theme};
use super::playback::SessionAudio;
use super::server::{SessionSlot, Shared};
use crate::app::{App, Effect, Keymap, Mode, Msg, key_label};
use crate::audit::{EventKind, Health};
use crate::policy::Principal;
use crate::ui;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::ChannelId;
use russh::server::Handle;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};
use terminput::{KeyCode, KeyModifiers};
use tokio::sync::mpsc;

/// What the connection handler tells a session.
#[derive(Debug)]
pub enum SessionEvent {
    /// Raw bytes typed or pasted by the client.
    Input(Vec<u8>),
    /// The client's terminal was resized to (cols, rows).
    Resize(u16, u16),
}

/// Everything a session task starts with.
pub struct SessionParams {
    /// Shared server state.
    pub shared: Arc<Shared>,
    /// The connection's handle, used only from this task and its writer.
    pub handle: Handle,
    /// The shell channel.
    pub channel: ChannelId,
    /// Who is logged in.
    pub principal: Principal,
    /// Fingerprint of the key used, re-checked while the session runs.
    pub fingerprint: String,
    /// Terminal width.
    pub cols: u16,
    /// Terminal height.
    pub rows: u16,
    /// TERM from the pty request.
    pub term: String,
    /// NO_COLOR was requested.
    pub no_color: bool,
    /// The client's channel window.
    pub credit: Arc<WindowCredit>,
    /// The session's slot under the caps; released when the task ends.
    pub slot: SessionSlot,
    /// The client's SSH version string.
    pub client: String,
    /// The client's address.
    pub peer: String,
    /// The connection's audio channel, when `cloister connect` opened one.
    pub audio: tokio::sync::watch::Receiver<Option<super::audio::AudioLink>>,
}

type SshTerminal = Terminal<CrosstermBackend<FrameWriter>>;

/// Housekeeping period: stale-frame repaint, idle disconnect, key re-check.
const HOUSEKEEPING: Duration = Duration::from_millis(100);
/// How often a live session re-checks that its key is still valid (revocation ends it within 1 s).
const KEY_CHECK: Duration = Duration::from_millis(500);
/// Quiet time after an edit before the draft is saved (also saved on leaving the editor or the session).
const AUTOSAVE: Duration = Duration::from_millis(300);

/// Enter/leave sequences: alternate screen, hidden cursor, bracketed paste.
fn enter(terminal: &mut SshTerminal) -> std::io::Result<()> {
    let out = terminal.backend_mut();
    execute!(out, terminal::EnterAlternateScreen, cursor::Hide, ratatui::crossterm::event::EnableBracketedPaste)
}

fn leave(terminal: &mut SshTerminal) -> std::io::Result<()> {
    let out = terminal.backend_mut();
    execute!(out, ratatui::crossterm::event::DisableBracketedPaste, cursor::Show, terminal::LeaveAlternateScreen)?;
    out.flush()
}

/// Runs one shell session until the user quits, the client leaves or the server shuts down.
pub async fn run(params: SessionParams, mut events: mpsc::Receiver<SessionEvent>) {
    let SessionParams {
        shared,
        handle,
        channel,
        principal,
        fingerprint,
        cols,
        rows,
        term,
        no_color,
        credit,
        slot,
        client,
        peer,
        audio,
    } = params;
    let mut audio = SessionAudio::new(audio);
    let stats = Arc::new(OutputStats::default());
    let (writer, frames) = FrameWriter::spawn(handle.clone(), channel, credit, Arc::clone(&stats));
    let viewport = Viewport::Fixed(Rect::new(0, 0, cols, rows));
    let Ok(mut terminal) = Terminal::with_options(CrosstermBackend::new(writer), TerminalOptions { viewport }) else {
        return;
    };
    let who = principal.clone();
    let chosen = shared.db.call(move |store| store.user_theme(&who).ok().flatten()).await.ok().flatten();
    let mut theme_name = chosen.unwrap_or_else(|| shared.config.ui.theme.clone());
    let mut theme = session_theme(&shared, &theme_name, &term, no_color);
    let keymap = shared.keymap.clone();
    let (mut app, mut effects) = App::new(identity(&shared, &principal).await);
    effects.extend(app.update(audio.linked()));
    tracing::info!(user = %principal.name, session = %principal.session, cols, rows, %term, "session started");
    if let Err(reason) = record(&shared, &principal, None, EventKind::SessionStart { cols, rows, client, peer }).await {
        app.update(Msg::Frozen(reason));
    }
    let mut health = shared.audit.health();
    if enter(&mut terminal).is_err() {
        return;
    }
    let mut pending = effects;
    let mut decoder = InputDecoder::new();
    let mut shutdown = shared.shutdown.clone();
    let idle_lock = Duration::from_secs(shared.config.server.idle_lock_secs);
    let idle_disconnect = Duration::from_secs(shared.config.server.idle_disconnect_secs);
    let mut last_input = Instant::now();
    let mut last_key_check = Instant::now();
    let mut dirty = true;
    let mut autosave_at: Option<Instant> = None;
    // A revealed span is masked again at this time (housekeeping checks it every 100 ms).
    let mut reveal_until: Option<Instant> = None;
    let mut housekeeping = tokio::time::interval(HOUSEKEEPING);
    housekeeping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut disconnect_reason: Option<&str> = None;
    loop {
        for effect in std::mem::take(&mut pending) {
            if effect == Effect::NextTheme {
                theme_name = next_theme(&shared, &principal, &theme_name).await;
                theme = session_theme(&shared, &theme_name, &term, no_color);
                let _ = terminal.clear();
                continue;
            }
            if let Effect::Audio(request) = effect {
                for msg in audio.run(&shared, &principal, request).await {
                    pending.extend(app.update(msg));
                }
                dirty = true;
                continue;
            }
            if let Some(msg) = run_effect(&shared, &principal, effect).await {
                if let Msg::Revealed { seconds, .. } = &msg {
                    reveal_until = Some(Instant::now() + Duration::from_secs(u64::from(*seconds)));
                }
                pending.extend(app.update(msg));
            }
            dirty = true;
        }
        if app.quitting {
            break;
        }
        if frames.is_stale() && frames.has_room() {
            // Frames were dropped while the client was not reading: repaint everything once.
            let _ = terminal.clear();
            frames.mark_fresh();
            dirty = true;
        }
        if dirty {
            if terminal.draw(|frame| ui::draw(frame, &app, &theme, &keymap)).is_err() {
                break;
            }
            dirty = false;
        }
        let deadline = decoder.pending_deadline();
        let lock_at = last_input + idle_lock;
        tokio::select! {
            event = events.recv() => match event {
                Some(SessionEvent::Input(bytes)) => {
                    last_input = Instant::now();
                    for input in decoder.feed(&bytes, last_input) {
                        pending.extend(audited_input(&shared, &principal, &mut app, &keymap, input).await);
                    }
                    if app.mode() == Mode::Edit {
                        autosave_at = Some(last_input + AUTOSAVE);
                    }
                    dirty = true;
                }
                Some(SessionEvent::Resize(cols, rows)) => {
                    let _ = terminal.resize(Rect::new(0, 0, cols, rows));
                    let _ = terminal.clear();
                    dirty = true;
                }
                None => {
                    disconnect_reason = Some("client closed the channel");
                    break;
                }
            },
            _ = sleep_until(deadline) => {
                for input in decoder.flush_timeout(Instant::now()) {
                    pending.extend(audited_input(&shared, &principal, &mut app, &keymap, input).await);
                }
                dirty = true;
            }
            _ = sleep_until(autosave_at) => {
                autosave_at = None;
                pending.extend(app.update(Msg::AutosaveDue));
            }
            _ = tokio::time::sleep_until(lock_at.into()), if !app.locked => {
                pending.extend(app.update(Msg::IdleLock));
                dirty = true;
            }
            _ = housekeeping.tick() => {
                if reveal_until.is_some_and(|at| Instant::now() >= at) {
                    reveal_until = None;
                    pending.extend(app.update(Msg::RevealExpired));
                    dirty = true;
                }
                if last_input.elapsed() >= idle_disconnect {
                    disconnect_reason = Some("idle timeout");
                    break;
                }
                if last_key_check.elapsed() >= KEY_CHECK {
                    last_key_check = Instant::now();
                    let fp = fingerprint.clone();
                    if !shared.db.call(move |store| store.key_is_active(&fp).unwrap_or(false)).await.unwrap_or(false) {
                        disconnect_reason = Some("key revoked or user disabled");
                        break;
                    }
                }
            }
            Ok(()) = health.changed() => {
                let state = health.borrow_and_update().clone();
                pending.extend(app.update(match state {
                    Health::Ok => Msg::Unfrozen,
                    Health::Failed(reason) => Msg::Frozen(reason),
                }));
                dirty = true;
            }
            msg = audio.changed() => {
                pending.extend(app.update(msg));
                dirty = true;
            }
            _ = shutdown.changed() => {
                pending.extend(app.update(Msg::Shutdown));
                dirty = true;
            }
        }
    }
    // Stop taking input first so the connection handler never waits on a queue nobody drains.
    drop(events);
    audio.stop();
    // A dropped connection loses nothing: the open editor's text becomes the draft.
    for effect in app.update(Msg::AutosaveDue).into_iter().chain(pending) {
        if matches!(effect, Effect::SaveDraft { .. } | Effect::Submit { .. }) {
            run_effect(&shared, &principal, effect).await;
        }
    }
    let reason = disconnect_reason.unwrap_or(if app.quitting { "quit" } else { "ended" });
    tracing::info!(user = %principal.name, session = %principal.session, reason, "session ending");
    let _ = record(&shared, &principal, None, EventKind::SessionEnd { reason: reason.into() }).await;
    let _ = leave(&mut terminal);
    drop(terminal);
    frames.drain().await;
    let _ = handle.exit_status_request(channel, 0).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
    tracing::info!(user = %principal.name, session = %principal.session,
        bytes = stats.bytes_sent.load(std::sync::atomic::Ordering::Relaxed), "session ended");
    drop(slot);
}

/// Records an input event, then acts on it. No record, no action: if the audit log refuses the
/// event, the session freezes and the input is dropped.
async fn audited_input(
    shared: &Shared,
    principal: &Principal,
    app: &mut App,
    keymap: &Keymap,
    input: Input,
) -> Vec<Effect> {
    let screen = if app.frozen.is_some() {
        "frozen"
    } else if app.locked {
        "locked"
    } else if app.prompt.is_some() {
        "prompt"
    } else if app.mode() == Mode::Edit {
        "editor"
    } else if app.item.is_some() {
        "item"
    } else if app.pref.is_some() {
        "preference"
    } else {
        "home"
    };
    let segment = app.item.as_ref().and_then(|i| i.current_segment()).map(|s| s.id);
    let project = app.item.as_ref().map(|i| i.project_id).or(app.pref.as_ref().map(|p| p.project_id));
    let kind = match &input {
        Input::Key(key) => EventKind::Key { key: key_label(key.code, key.mods), screen: screen.into(), segment },
        // Pasted text may carry data: its event is sealed with the project's key when in an item.
        Input::Paste(text) => EventKind::Paste { text: text.clone(), screen: screen.into(), segment },
        Input::Mouse(_) | Input::Focus(_) => return Vec::new(),
    };
    if let Err(reason) = record(shared, principal, project, kind).await {
        return app.update(Msg::Frozen(reason));
    }
    handle_input(app, keymap, input)
}

fn handle_input(app: &mut App, keymap: &Keymap, input: Input) -> Vec<Effect> {
    let mode = app.mode();
    match input {
        Input::Key(key) => match keymap.action_in(mode, key.code, key.mods) {
            Some(action) => app.update(Msg::Action(action)),
            None => match key.code {
                KeyCode::Char(c)
                    if mode == Mode::Edit && (key.mods - KeyModifiers::SHIFT).is_empty() && !c.is_control() =>
                {
                    app.update(Msg::Text(c.to_string()))
                }
                _ => app.update(Msg::UnboundKey),
            },
        },
        Input::Paste(text) if mode == Mode::Edit => app.update(Msg::Text(text)),
        Input::Paste(_) => app.update(Msg::UnboundKey),
        Input::Mouse(_) | Input::Focus(_) => Vec::new(),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
