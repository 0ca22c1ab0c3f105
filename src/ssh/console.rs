//! Runs the admin console's effects: loading its data from the store, the live sessions and the
//! audit log, and running admin commands with the same code as `ssh ADMIN@HOST COMMAND`.

use super::server::Shared;
use crate::app::Msg;
use crate::app::admin::{AdminEffect, AdminMsg, ConsoleData, SessionLine, UserKeyLine};
use crate::cli::CliError;
use crate::cli::context::Ctx;
use crate::cli::remote::{RemoteCli, run, tail_lines};
use crate::policy::Principal;
use clap::Parser;
use std::sync::Arc;

/// Runs one console effect for `principal` (an admin) and returns the message with its result.
pub(super) async fn run_effect(shared: &Shared, principal: &Principal, effect: AdminEffect) -> Msg {
    let (dir, audit, live, who) =
        (shared.dir.clone(), shared.audit.clone(), Arc::clone(&shared.live), principal.clone());
    let result = shared
        .db
        .call(move |store| {
            let mut out = Vec::new();
            let mut ctx =
                Ctx { dir: &dir, store, by: &who, audit: &audit, out: &mut out, live: Some(&*live), remote: true };
            match effect {
                AdminEffect::Load => load(&mut ctx).map(AdminMsg::Loaded),
                AdminEffect::Run(words) => {
                    let parsed = RemoteCli::try_parse_from(words).map_err(|e| CliError::Usage(e.to_string()))?;
                    run(&mut ctx, parsed.command)?;
                    Ok(AdminMsg::Done(String::from_utf8_lossy(&out).into_owned()))
                }
            }
        })
        .await;
    Msg::Admin(match result {
        Ok(Ok(msg)) => msg,
        Ok(Err(error)) => AdminMsg::Done(format!("error: {error}")),
        Err(error) => AdminMsg::Done(format!("error: {error}")),
    })
}

fn date(secs: Option<i64>) -> String {
    secs.and_then(|s| chrono::DateTime::from_timestamp(s, 0)).map_or("-".into(), |t| t.format("%Y-%m-%d").to_string())
}

fn load(ctx: &mut Ctx<'_>) -> Result<ConsoleData, CliError> {
    let (store, by) = (ctx.store, ctx.by);
    let keys = store.list_keys(by)?;
    let mut users = Vec::new();
    for u in store.list_users(by)? {
        let flags = match (u.is_admin, u.disabled) {
            (_, true) => "disabled",
            (true, false) => "admin",
            _ => "-",
        };
        let mine: Vec<_> = keys.iter().filter(|k| k.user == u.name).collect();
        if mine.is_empty() {
            users.push(UserKeyLine {
                user: u.name.clone(),
                flags: flags.into(),
                fingerprint: None,
                expires: "-".into(),
                state: "-".into(),
            });
        }
        for k in mine {
            users.push(UserKeyLine {
                user: u.name.clone(),
                flags: flags.into(),
                fingerprint: Some(k.fingerprint.clone()),
                expires: date(k.expires_at),
                state: if k.revoked_at.is_some() { "revoked".into() } else { "active".into() },
            });
        }
    }
    let sessions = ctx
        .live
        .map(|live| live.list())
        .unwrap_or_default()
        .into_iter()
        .map(|s| SessionLine { id: s.id, user: s.user, peer: s.peer, started: date(Some(s.started)) })
        .collect();
    let mut projects = Vec::new();
    for p in store.list_projects(by)? {
        let (annotations, assignments, annotated) =
            if p.state == crate::store::ProjectState::Purged { (0, 0, 0) } else { store.project_progress(by, p.id)? };
        projects.push(format!(
            "{}  {} · {} · {} items · {} assignments · {} annotated units · {} annotations",
            p.name,
            p.kind.as_str(),
            p.state.as_str(),
            p.items,
            assignments,
            annotated,
            annotations
        ));
        if p.state != crate::store::ProjectState::Purged {
            let stats = store.agreement(by, &p.name)?;
            let lines = crate::cli::stats::lines(&p.name, p.kind.as_str(), p.items, &stats);
            projects.extend(lines.into_iter().skip(1).map(|l| format!("    {}", l.replace('\t', "  "))));
        }
    }
    let audit = tail_lines(ctx, 30)?;
    Ok(ConsoleData { users, sessions, projects, audit })
}
