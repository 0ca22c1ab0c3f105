//! `ssh ADMIN@HOST COMMAND…`: admin commands run by the same code as the host's command line, in
//! a task of their own (the handler only starts it). Non-admins are refused and the refusal is
//! audited; every admin command records itself before acting.

use super::server::Shared;
use crate::audit::{Event, EventKind};
use crate::cli::context::Ctx;
use crate::cli::remote::{RemoteCli, run, split};
use crate::policy::Principal;
use clap::Parser;
use russh::ChannelId;
use russh::server::Handle;
use std::sync::Arc;

/// Exit status of a refused command (not an admin); 2, as before admin commands existed.
const DENIED: u32 = 2;

/// Runs `command` for `principal` and answers on `channel`: output, exit status, close.
pub(super) fn spawn(shared: Arc<Shared>, handle: Handle, channel: ChannelId, principal: Principal, command: String) {
    tokio::spawn(async move {
        let (output, status) = execute(&shared, &principal, &command).await;
        let _ = handle.data(channel, bytes::Bytes::from(output)).await;
        let _ = handle.exit_status_request(channel, status).await;
        let _ = handle.eof(channel).await;
        let _ = handle.close(channel).await;
    });
}

async fn execute(shared: &Arc<Shared>, principal: &Principal, command: &str) -> (Vec<u8>, u32) {
    let shown: String = command.chars().take(200).collect();
    if !principal.is_admin {
        tracing::warn!(user = %principal.name, command = %shown, "exec refused: not an admin");
        let kind = EventKind::Denial {
            action: format!("exec {shown}"),
            reason: "commands over ssh need the admin role".into(),
        };
        let _ = shared.audit.record(Event::by(principal, None, kind)).await;
        let text = "cloister: commands are not available over ssh for non-admins; \
                    connect without a command for the annotation UI\n";
        return (text.as_bytes().to_vec(), DENIED);
    }
    let words = match split(command) {
        Ok(words) => words,
        Err(reason) => return (format!("cloister: {reason}\n").into_bytes(), 2),
    };
    let parsed = match RemoteCli::try_parse_from(words) {
        Ok(parsed) => parsed,
        Err(error) => {
            let status = if error.use_stderr() { 2 } else { 0 };
            return (error.render().to_string().into_bytes(), status);
        }
    };
    let (shared2, who) = (Arc::clone(shared), principal.clone());
    let result = shared
        .db
        .call(move |store| {
            let mut out = Vec::new();
            let result = run(
                &mut Ctx {
                    dir: &shared2.dir,
                    store,
                    by: &who,
                    audit: &shared2.audit,
                    out: &mut out,
                    live: Some(&*shared2.live),
                    remote: true,
                },
                parsed.command,
            );
            (out, result)
        })
        .await;
    match result {
        Ok((out, Ok(code))) => (out, u32::from(code)),
        Ok((mut out, Err(error))) => {
            out.extend_from_slice(format!("error: {error}\n").as_bytes());
            (out, 1)
        }
        Err(error) => (format!("error: {error}\n").into_bytes(), 1),
    }
}
