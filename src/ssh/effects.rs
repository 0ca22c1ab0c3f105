//! Effects of the pure app run against the store and the audit log, for one session.

use super::loaders::{open_any, preference_body, segment_body};
use super::server::Shared;
use crate::app::{Effect, Home, Identity, Msg, ProjectLine, QUEUE_PAGE, QueueLine, QueueWindow};
use crate::audit::{Event, EventKind, RenderMode};
use crate::policy::{Principal, Role};
use crate::store::QaVerdict;
use crate::ui::Theme;

pub(super) async fn load_home(shared: &Shared, principal: &Principal) -> Msg {
    let principal = principal.clone();
    let result = shared
        .db
        .call(move |store| -> Result<Home, crate::store::StoreError> {
            let mut projects = Vec::new();
            for p in store.list_projects(&principal)? {
                let roles = store.roles_on(&principal, p.id)?.iter().map(|r| r.to_string()).collect();
                projects.push(ProjectLine { name: p.name, kind: p.kind.as_str().into(), roles, items: p.items });
            }
            let queue = queue_window(store, &principal, 0, QUEUE_PAGE)?;
            Ok(Home { projects, queue })
        })
        .await;
    match result {
        Ok(Ok(home)) => Msg::HomeLoaded(home),
        Ok(Err(error)) => Msg::LoadFailed(format!("cannot load your work: {error}")),
        Err(error) => Msg::LoadFailed(error.to_string()),
    }
}

pub(super) async fn load_queue(shared: &Shared, principal: &Principal, offset: usize, limit: usize) -> Msg {
    let principal = principal.clone();
    let result = shared.db.call(move |store| queue_window(store, &principal, offset, limit)).await;
    match result {
        Ok(Ok(window)) => Msg::QueueLoaded(window),
        Ok(Err(error)) => Msg::LoadFailed(format!("cannot load your work: {error}")),
        Err(error) => Msg::LoadFailed(error.to_string()),
    }
}

fn queue_window(
    store: &crate::store::Store,
    principal: &Principal,
    offset: usize,
    limit: usize,
) -> Result<QueueWindow, crate::store::StoreError> {
    let page = store.work_queue(principal, offset, limit)?;
    let lines = page
        .entries
        .into_iter()
        .map(|q| QueueLine {
            item_id: q.item_id,
            project: q.project,
            item: q.external_id,
            stage: q.stage,
            status: q.status,
            kind: q.kind,
            done: q.done,
            total: q.segments,
        })
        .collect();
    Ok(QueueWindow { offset: page.offset, total: page.total, lines })
}

pub(super) async fn identity(shared: &Shared, principal: &Principal) -> Identity {
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

/// Records an event by `principal`; the error is the reason to freeze the session.
pub(super) async fn record(
    shared: &Shared,
    principal: &Principal,
    project: Option<i64>,
    kind: EventKind,
) -> Result<u64, String> {
    shared.audit.record(Event::by(principal, project, kind)).await.map_err(|e| e.to_string())
}

/// Runs one effect against the store; returns the message carrying its result.
pub(super) async fn run_effect(shared: &Shared, principal: &Principal, effect: Effect) -> Option<Msg> {
    let who = principal.clone();
    let result = match effect {
        Effect::LoadHome => return Some(load_home(shared, principal).await),
        Effect::LoadQueue { offset, limit } => return Some(load_queue(shared, principal, offset, limit).await),
        // Audio effects are run by the session's audio (ssh/audio.rs), which owns the decoded audio.
        Effect::Quit | Effect::NextTheme | Effect::Audio(_) => return None,
        Effect::Admin(effect) => return Some(super::console::run_effect(shared, principal, effect).await),
        Effect::DeniedEdit => {
            let kind = EventKind::Denial { action: "edit".into(), reason: "read-only or context segment".into() };
            return record(shared, principal, None, kind).await.err().map(Msg::Frozen);
        }
        Effect::OpenItem { item_id, queue_index, kind, stage } => {
            let loaded = shared.db.call(move |store| open_any(store, &who, item_id, queue_index, &kind, stage)).await;
            if let Ok(Ok((msg, project, segments))) = &loaded {
                // Who saw which data: the segment ids drawn (none for a preference item), masked.
                let screen = if matches!(msg, Msg::PreferenceLoaded(_)) { "preference" } else { "item" };
                let kind =
                    EventKind::Render { screen: screen.into(), segments: segments.clone(), mode: RenderMode::Masked };
                if let Err(reason) = record(shared, principal, Some(*project), kind).await {
                    return Some(Msg::Frozen(reason));
                }
            }
            loaded.map(|r| r.map(|(msg, _, _)| Some(msg)))
        }
        Effect::SaveDraft { segment, edit } => {
            let hash = crate::audit::event::sha256_hex(&edit.text);
            let body = segment_body(edit);
            let saved = shared
                .db
                .call(move |store| store.save_draft(&who, segment, body).and_then(|()| store.segment_project(segment)))
                .await;
            if let Ok(Ok(project)) = saved {
                // Drafts carry no annotation id yet: the segment id and version 0 name them.
                let kind = EventKind::Edit { annotation: segment, version: 0, sha256: hash };
                return record(shared, principal, Some(project), kind).await.err().map(Msg::Frozen);
            }
            saved.map(|r| r.map(|_| None))
        }
        Effect::Submit { segment, edit } => {
            let hash = crate::audit::event::sha256_hex(&edit.text);
            let body = segment_body(edit);
            let submitted = shared.db.call(move |store| store.submit(&who, segment, "annotate", body)).await;
            if let Ok(Ok(done)) = submitted {
                let kind = EventKind::Submit { annotation: done.annotation, version: done.version, sha256: hash };
                if let Err(reason) = record(shared, principal, Some(done.project), kind).await {
                    return Some(Msg::Frozen(reason));
                }
                return Some(Msg::Submitted { segment, version: done.version });
            }
            submitted.map(|r| r.map(|_| None))
        }
        Effect::SubmitPreference { item_id, judgment, opened } => {
            let body = preference_body(judgment, opened.elapsed());
            let hash =
                crate::audit::event::sha256_hex(&String::from_utf8_lossy(&crate::crypto::Plain::to_plain(&body)));
            let submitted = shared.db.call(move |store| store.submit_preference(&who, item_id, &body)).await;
            if let Ok(Ok(done)) = submitted {
                let kind = EventKind::Submit { annotation: done.annotation, version: done.version, sha256: hash };
                if let Err(reason) = record(shared, principal, Some(done.project), kind).await {
                    return Some(Msg::Frozen(reason));
                }
                return Some(Msg::PreferenceSubmitted { version: done.version });
            }
            submitted.map(|r| r.map(|_| None))
        }
        Effect::QaDecide { segment, annotation, verdict, reason, correction } => {
            let which = match verdict.as_str() {
                "accept" => QaVerdict::Accept,
                "reject" => QaVerdict::Reject,
                _ => QaVerdict::Correct,
            };
            let (note, body) = (reason.clone(), correction.map(segment_body));
            let decided = shared.db.call(move |store| store.qa_decide(&who, annotation, which, &reason, body)).await;
            if let Ok(Ok(outcome)) = decided {
                let (version, project) = (outcome.correction.map_or(0, |s| s.version), outcome.project);
                let note = (!note.is_empty()).then_some(note);
                let kind = EventKind::QaDecision { annotation, version, decision: verdict.clone(), note };
                if let Err(reason) = record(shared, principal, Some(project), kind).await {
                    return Some(Msg::Frozen(reason));
                }
                return Some(Msg::QaDecided { segment, annotation, verdict });
            }
            decided.map(|r| r.map(|_| None))
        }
        Effect::Reveal { segment, index, reason } => {
            let note = reason.clone();
            let revealed = shared.db.call(move |store| store.reveal(&who, segment, index, &reason)).await;
            if let Ok(Ok(shown)) = revealed {
                let what = format!("{} {}..{}", shown.kind, shown.start, shown.end);
                let kind = EventKind::Reveal { segment, what, reason: note };
                if let Err(reason) = record(shared, principal, Some(shown.project), kind).await {
                    return Some(Msg::Frozen(reason));
                }
                return Some(Msg::Revealed { segment, text: shown.text, seconds: shown.seconds });
            }
            revealed.map(|r| r.map(|_| None))
        }
    };
    match result {
        Ok(Ok(msg)) => msg,
        Ok(Err(crate::store::StoreError::Denied(denial))) => Some(Msg::Denied(format!("denied: {denial}"))),
        Ok(Err(error)) => Some(Msg::LoadFailed(format!("store error: {error}"))),
        Err(error) => Some(Msg::LoadFailed(error.to_string())),
    }
}

/// Loads a theme for this session's terminal: ASCII borders for legacy terminals, no colour when
/// NO_COLOR was sent or TERM is dumb.
pub(super) fn session_theme(shared: &Shared, name: &str, term: &str, no_color: bool) -> Theme {
    let theme = Theme::load(name, &shared.themes_dir).unwrap_or_else(|error| {
        tracing::warn!(theme = %name, %error, "theme does not load; using dark");
        Theme::dark()
    });
    let theme = theme.with_ascii_borders(shared.config.ui.ascii_borders || term == "vt100" || term == "vt220");
    if no_color || term == "dumb" { theme.without_color() } else { theme }
}

/// The theme after `current` in the list of available themes, remembered for the user.
pub(super) async fn next_theme(shared: &Shared, principal: &Principal, current: &str) -> String {
    let names = Theme::available(&shared.themes_dir);
    let position = names.iter().position(|n| n == current).map_or(0, |p| p + 1);
    let next = names.get(position % names.len().max(1)).cloned().unwrap_or_else(|| "dark".into());
    let (who, chosen) = (principal.clone(), next.clone());
    let _ = shared.db.call(move |store| store.set_user_theme(&who, &chosen)).await;
    next
}
