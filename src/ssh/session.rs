//! The per-shell task: owns the Terminal and the App; decodes input, runs the pure update, runs
//! effects, draws, and writes through the bounded [`FrameWriter`](super::output::FrameWriter).

use super::input::{Input, InputDecoder};
use super::output::{FrameWriter, OutputStats, WindowCredit};

use super::server::{SessionSlot, Shared};
use crate::app::{App, Effect, Home, Identity, ItemView, Keymap, Mode, Msg, ProjectLine, QueueLine, SegmentLine};
use crate::policy::{Principal, Role};
use crate::ui::{self, Theme};
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

async fn load_home(shared: &Shared, principal: &Principal) -> Msg {
    let principal = principal.clone();
    let result = shared
        .db
        .call(move |store| -> Result<Home, crate::store::StoreError> {
            let mut projects = Vec::new();
            for p in store.list_projects(&principal)? {
                let roles = store.roles_on(&principal, p.id)?.iter().map(|r| r.to_string()).collect();
                projects.push(ProjectLine { name: p.name, kind: p.kind.as_str().into(), roles, items: p.items });
            }
            let queue = store
                .queue(&principal)?
                .into_iter()
                .map(|q| QueueLine {
                    item_id: q.item_id,
                    project: q.project,
                    item: q.external_id,
                    stage: q.stage,
                    done: q.done,
                    total: q.segments,
                })
                .collect();
            Ok(Home { projects, queue })
        })
        .await;
    match result {
        Ok(Ok(home)) => Msg::HomeLoaded(home),
        Ok(Err(error)) => Msg::LoadFailed(format!("cannot load your work: {error}")),
        Err(error) => Msg::LoadFailed(error.to_string()),
    }
}

async fn identity(shared: &Shared, principal: &Principal) -> Identity {
    let who = principal.clone();
    let roles: Vec<Role> = shared
        .db
        .call(move |store| {
            let mut roles = Vec::new();
            for p in store.list_projects(&who).unwrap_or_default() {
                roles.extend(store.roles_on(&who, p.id).unwrap_or_default());
            }
            roles
        })
        .await
        .unwrap_or_default();
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    if principal.is_admin {
        names.push("admin");
    }
    names.sort_unstable();
    names.dedup();
    let read_only = !principal.is_admin && !roles.is_empty() && roles.iter().all(|r| *r == Role::Reviewer);
    let role = if names.is_empty() { "no role".to_string() } else { names.join("+") };
    Identity { user: principal.name.clone(), role, session: principal.session.clone(), read_only }
}

/// Runs one shell session until the user quits, the client leaves or the server shuts down.
pub async fn run(params: SessionParams, mut events: mpsc::Receiver<SessionEvent>) {
    let SessionParams { shared, handle, channel, principal, fingerprint, cols, rows, term, no_color, credit, slot } =
        params;
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
    let (mut app, effects) = App::new(identity(&shared, &principal).await);
    tracing::info!(user = %principal.name, session = %principal.session, cols, rows, %term, "session started");
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
            if let Some(msg) = run_effect(&shared, &principal, effect).await {
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
                        pending.extend(handle_input(&mut app, &keymap, input));
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
                    pending.extend(handle_input(&mut app, &keymap, input));
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
            _ = shutdown.changed() => {
                pending.extend(app.update(Msg::Shutdown));
                dirty = true;
            }
        }
    }
    // Stop taking input first so the connection handler never waits on a queue nobody drains.
    drop(events);
    // A dropped connection loses nothing: the open editor's text becomes the draft.
    for effect in app.update(Msg::AutosaveDue).into_iter().chain(pending) {
        if matches!(effect, Effect::SaveDraft { .. } | Effect::Submit { .. }) {
            run_effect(&shared, &principal, effect).await;
        }
    }
    if let Some(reason) = disconnect_reason {
        tracing::info!(user = %principal.name, session = %principal.session, reason, "session ending");
    }
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

/// Runs one effect against the store; returns the message carrying its result.
async fn run_effect(shared: &Shared, principal: &Principal, effect: Effect) -> Option<Msg> {
    let who = principal.clone();
    let result = match effect {
        Effect::LoadHome => return Some(load_home(shared, principal).await),
        Effect::Quit | Effect::DeniedEdit | Effect::NextTheme => return None,
        Effect::OpenItem { item_id, queue_index } => {
            shared.db.call(move |store| open_item(store, &who, item_id, queue_index)).await
        }
        Effect::SaveDraft { segment, text } => {
            shared.db.call(move |store| store.save_draft(&who, segment, &text).map(|()| None)).await
        }
        Effect::Submit { segment, text } => {
            shared
                .db
                .call(move |store| {
                    store
                        .submit_annotation(&who, segment, "annotate", &text)
                        .map(|version| Some(Msg::Submitted { segment, version }))
                })
                .await
        }
    };
    match result {
        Ok(Ok(msg)) => msg,
        Ok(Err(crate::store::StoreError::Denied(denial))) => Some(Msg::Denied(format!("denied: {denial}"))),
        Ok(Err(error)) => Some(Msg::LoadFailed(format!("store error: {error}"))),
        Err(error) => Some(Msg::LoadFailed(error.to_string())),
    }
}

fn open_item(
    store: &crate::store::Store,
    who: &Principal,
    item_id: i64,
    queue_index: usize,
) -> Result<Option<Msg>, crate::store::StoreError> {
    let header = store.item_header(who, item_id)?;
    let submitted = store.submitted_segments(who, item_id)?;
    let segments = store
        .item_segments(who, item_id)?
        .into_iter()
        .map(|s| SegmentLine {
            submitted: submitted.contains(&s.id),
            context: s.access == crate::store::SegmentAccess::Context,
            id: s.id,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            speaker: s.speaker,
            text: s.text,
        })
        .collect();
    Ok(Some(Msg::ItemLoaded(ItemView {
        item_id,
        external_id: header.external_id,
        project: header.project,
        queue_index,
        segments,
        current: 0,
        editor: None,
        read_only: header.read_only,
    })))
}

/// Loads a theme for this session's terminal: ASCII borders for legacy terminals, no colour when
/// NO_COLOR was sent or TERM is dumb.
fn session_theme(shared: &Shared, name: &str, term: &str, no_color: bool) -> Theme {
    let theme = Theme::load(name, &shared.themes_dir).unwrap_or_else(|error| {
        tracing::warn!(theme = %name, %error, "theme does not load; using dark");
        Theme::dark()
    });
    let theme = theme.with_ascii_borders(shared.config.ui.ascii_borders || term == "vt100" || term == "vt220");
    if no_color || term == "dumb" { theme.without_color() } else { theme }
}

/// The theme after `current` in the list of available themes, remembered for the user.
async fn next_theme(shared: &Shared, principal: &Principal, current: &str) -> String {
    let names = Theme::available(&shared.themes_dir);
    let position = names.iter().position(|n| n == current).map_or(0, |p| p + 1);
    let next = names.get(position % names.len().max(1)).cloned().unwrap_or_else(|| "dark".into());
    let (who, chosen) = (principal.clone(), next.clone());
    let _ = shared.db.call(move |store| store.set_user_theme(&who, &chosen)).await;
    next
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
