//! `cloister report --project P`: the compliance report legal teams ask for, built from the
//! verified audit log: who saw which segments when, reveals, exports, lifecycle actions, the
//! sessions involved and every denial.

use super::CliError;
use super::context::Ctx;
use crate::audit::keys::load_public;
use crate::audit::{AuditKeys, AuditReader, EventKind, Payload, StoredEvent, VerifyOptions, format_time, verify};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Output formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Sections of tab-separated lines for people.
    Text,
    /// One JSON object per row, with its `section`, for tools.
    Jsonl,
}

/// One row of a report section.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The section: access, reveal, export, admin, session, denial, user.
    pub section: &'static str,
    /// Named values, in order.
    pub fields: Vec<(&'static str, String)>,
}

#[derive(Default)]
struct UserTotals {
    sessions: BTreeSet<String>,
    segments: BTreeSet<i64>,
    renders: u64,
    edits: u64,
    submits: u64,
    qa: u64,
    audio: u64,
    reveals: u64,
    exports: u64,
    denials: u64,
    first: i64,
    last: i64,
}

/// Builds the report rows for project `pid` from every event of the log, in seq order.
/// `names` maps segment ids to import ids.
pub fn build(events: &[StoredEvent], pid: i64, names: &HashMap<i64, String>) -> Vec<Row> {
    let marker = format!("(id {pid})");
    let segment = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let mut rows = Vec::new();
    let mut sessions: BTreeMap<String, (String, i64)> = BTreeMap::new();
    let mut users: BTreeMap<String, UserTotals> = BTreeMap::new();
    for e in events {
        let ours = e.project == Some(pid)
            || matches!(&e.payload, Payload::Event(EventKind::Admin { action }) if action.contains(&marker));
        if !ours {
            continue;
        }
        sessions.entry(e.session.clone()).or_insert((e.user.clone(), e.time_ns));
        let totals =
            users.entry(e.user.clone()).or_insert_with(|| UserTotals { first: e.time_ns, ..Default::default() });
        totals.sessions.insert(e.session.clone());
        totals.last = e.time_ns;
        let at = |section: &'static str, mut fields: Vec<(&'static str, String)>| {
            let mut all =
                vec![("time", format_time(e.time_ns)), ("user", e.user.clone()), ("session", e.session.clone())];
            all.append(&mut fields);
            Row { section, fields: all }
        };
        match &e.payload {
            Payload::Event(EventKind::Render { screen, segments, mode }) => {
                totals.renders += 1;
                totals.segments.extend(segments.iter().copied());
                let list = segments.iter().map(|s| segment(*s)).collect::<Vec<_>>().join(",");
                rows.push(at(
                    "access",
                    vec![("screen", screen.clone()), ("mode", format!("{mode:?}").to_lowercase()), ("segments", list)],
                ));
            }
            Payload::Event(EventKind::Reveal { segment: s, what, reason }) => {
                totals.reveals += 1;
                rows.push(at(
                    "reveal",
                    vec![("segment", segment(*s)), ("what", what.clone()), ("reason", reason.clone())],
                ));
            }
            Payload::Event(EventKind::Export { what, format, count }) => {
                totals.exports += 1;
                rows.push(at(
                    "export",
                    vec![("format", format.clone()), ("records", count.to_string()), ("what", what.clone())],
                ));
            }
            Payload::Event(EventKind::Admin { action }) => rows.push(at("admin", vec![("action", action.clone())])),
            Payload::Event(EventKind::Denial { action, reason }) => {
                totals.denials += 1;
                rows.push(at("denial", vec![("action", action.clone()), ("reason", reason.clone())]));
            }
            Payload::Event(EventKind::Edit { .. }) => totals.edits += 1,
            Payload::Event(EventKind::Submit { .. }) => totals.submits += 1,
            Payload::Event(EventKind::QaDecision { .. }) => totals.qa += 1,
            Payload::Event(EventKind::AudioPlay { .. }) => totals.audio += 1,
            Payload::Event(_) => {}
            Payload::Unreadable(why) => {
                rows.push(at("unreadable", vec![("kind", e.kind.clone()), ("why", why.clone())]))
            }
        }
    }
    // The sessions involved, from their own start and end events (which carry no project).
    let mut spans: BTreeMap<String, (Option<i64>, Option<i64>, String, String)> = BTreeMap::new();
    for e in events.iter().filter(|e| sessions.contains_key(&e.session)) {
        let span = spans.entry(e.session.clone()).or_insert((None, None, String::new(), String::new()));
        match &e.payload {
            Payload::Event(EventKind::SessionStart { peer, .. }) | Payload::Event(EventKind::AuthOk { peer, .. }) => {
                span.0 = Some(span.0.map_or(e.time_ns, |t: i64| t.min(e.time_ns)));
                span.2 = peer.clone();
            }
            Payload::Event(EventKind::SessionEnd { reason }) => {
                span.1 = Some(e.time_ns);
                span.3 = reason.clone();
            }
            _ => {}
        }
    }
    for (session, (user, first)) in &sessions {
        let (start, end, peer, reason) = spans.remove(session).unwrap_or_default();
        rows.push(Row {
            section: "session",
            fields: vec![
                ("session", session.clone()),
                ("user", user.clone()),
                ("peer", if peer.is_empty() { "local".into() } else { peer }),
                ("start", format_time(start.unwrap_or(*first))),
                ("end", end.map_or_else(|| "-".to_string(), format_time)),
                ("reason", if reason.is_empty() { "-".into() } else { reason }),
            ],
        });
    }
    for (user, t) in users {
        rows.push(Row {
            section: "user",
            fields: vec![
                ("user", user),
                ("sessions", t.sessions.len().to_string()),
                ("segments_seen", t.segments.len().to_string()),
                ("renders", t.renders.to_string()),
                ("edits", t.edits.to_string()),
                ("submits", t.submits.to_string()),
                ("qa", t.qa.to_string()),
                ("audio", t.audio.to_string()),
                ("reveals", t.reveals.to_string()),
                ("exports", t.exports.to_string()),
                ("denials", t.denials.to_string()),
                ("first", format_time(t.first)),
                ("last", format_time(t.last)),
            ],
        });
    }
    rows
}

const SECTIONS: [(&str, &str); 8] = [
    ("user", "PER USER"),
    ("access", "ACCESS: who saw which segments when"),
    ("reveal", "REVEALS"),
    ("export", "EXPORTS"),
    ("admin", "ADMIN ACTIONS on the project"),
    ("session", "SESSIONS involved"),
    ("denial", "DENIALS"),
    ("unreadable", "UNREADABLE EVENTS (project purged)"),
];

/// Runs `report --project P`.
pub fn run(ctx: &mut Ctx<'_>, project: &str, format: ReportFormat) -> Result<u8, CliError> {
    let record = ctx.store.project(ctx.by, project)?;
    // Reading the log is itself an access: recorded first.
    ctx.record_admin(format!("report --project {project} (id {})", record.id))?;
    let keys = AuditKeys::load(&ctx.dir.audit_key_paths())?;
    let keyring = ctx.store.keyring()?;
    let trusted = load_public(&ctx.dir.audit_signing_pub_path())?;
    let options = VerifyOptions {
        trusted_key: Some(&trusted),
        checkpoint: None,
        payload_keys: Some((&keys.sealing, &*keyring)),
        threads: 0,
    };
    let verified = verify(&ctx.dir.audit_db_path(), &options, &|_, _| {})?;
    let reader = AuditReader::open(&ctx.dir.audit_db_path(), &keys.sealing, &*keyring)?;
    let mut events = Vec::new();
    reader.after(0, u64::MAX, &mut |event| {
        events.push(event);
        Ok(())
    })?;
    let names = ctx.store.segment_names(ctx.by, record.id)?;
    let rows = build(&events, record.id, &names);
    let integrity = match &verified.problem {
        None => format!("intact: {} events verified, {} signed checkpoints", verified.events, verified.checkpoints),
        Some(problem) => format!("NOT intact: {problem}"),
    };
    match format {
        ReportFormat::Jsonl => {
            let header = json!({"section": "report", "project": record.name, "project_id": record.id,
                "kind": record.kind.as_str(), "state": record.state.as_str(), "generated": format_time(crate::audit::now_ns()),
                "by": ctx.by.name, "audit": integrity});
            writeln!(ctx.out, "{header}")?;
            for row in rows {
                let mut object = serde_json::Map::new();
                object.insert("section".into(), row.section.into());
                for (name, value) in row.fields {
                    object.insert(name.into(), value.into());
                }
                writeln!(ctx.out, "{}", serde_json::Value::Object(object))?;
            }
        }
        ReportFormat::Text => {
            writeln!(
                ctx.out,
                "compliance report: project {} (id {}, {}, {})",
                record.name,
                record.id,
                record.kind.as_str(),
                record.state.as_str()
            )?;
            writeln!(ctx.out, "generated {} by {}", format_time(crate::audit::now_ns()), ctx.by.name)?;
            writeln!(ctx.out, "audit log {integrity}")?;
            for (section, title) in SECTIONS {
                let mine: Vec<&Row> = rows.iter().filter(|r| r.section == section).collect();
                writeln!(ctx.out, "\n{title} ({})", mine.len())?;
                if let Some(first) = mine.first() {
                    writeln!(ctx.out, "{}", first.fields.iter().map(|(n, _)| *n).collect::<Vec<_>>().join("\t"))?;
                }
                for row in mine {
                    writeln!(ctx.out, "{}", row.fields.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join("\t"))?;
                }
            }
        }
    }
    Ok(if verified.problem.is_some() { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::RenderMode;

    fn event(seq: u64, session: &str, user: &str, project: Option<i64>, kind: EventKind) -> StoredEvent {
        StoredEvent {
            seq,
            time_ns: seq as i64 * 1_000_000_000,
            session: session.into(),
            user: user.into(),
            kind: kind.name().into(),
            project,
            payload: Payload::Event(kind),
            hash: [0; 32],
        }
    }

    #[test]
    fn report_collects_access_reveals_exports_sessions_and_denials_of_one_project() {
        let start = EventKind::SessionStart { cols: 80, rows: 24, client: "c".into(), peer: "10.0.0.5:1".into() };
        let events = vec![
            event(1, "s1", "alice", None, start),
            event(
                2,
                "s1",
                "alice",
                Some(1),
                EventKind::Render { screen: "item".into(), segments: vec![11, 12], mode: RenderMode::Masked },
            ),
            event(
                3,
                "s1",
                "alice",
                Some(2),
                EventKind::Render { screen: "item".into(), segments: vec![99], mode: RenderMode::Masked },
            ),
            event(
                4,
                "s1",
                "alice",
                Some(1),
                EventKind::Reveal { segment: 12, what: "PHONE 3..9".into(), reason: "verify".into() },
            ),
            event(5, "s1", "alice", None, EventKind::SessionEnd { reason: "quit".into() }),
            event(
                6,
                "cli-7",
                "operator",
                Some(1),
                EventKind::Export { what: "export x-1".into(), format: "jsonl".into(), count: 2 },
            ),
            event(
                7,
                "s2",
                "bob",
                Some(1),
                EventKind::Denial { action: "WriteAnnotation".into(), reason: "reviewer".into() },
            ),
            event(8, "cli-8", "operator", None, EventKind::Admin { action: "project close calls (id 1)".into() }),
            event(9, "cli-9", "operator", None, EventKind::Admin { action: "project close other (id 2)".into() }),
        ];
        let names: HashMap<i64, String> = [(11, "c-s01".to_string()), (12, "c-s02".to_string())].into_iter().collect();
        let rows = build(&events, 1, &names);
        let count = |s: &str| rows.iter().filter(|r| r.section == s).count();
        assert_eq!(
            (count("access"), count("reveal"), count("export"), count("denial"), count("admin")),
            (1, 1, 1, 1, 1)
        );
        let access = rows.iter().find(|r| r.section == "access").expect("access");
        assert!(access.fields.contains(&("segments", "c-s01,c-s02".into())), "{access:?}");
        let session = rows.iter().find(|r| r.section == "session" && r.fields[0].1 == "s1").expect("s1");
        assert!(
            session.fields.contains(&("peer", "10.0.0.5:1".into()))
                && session.fields.contains(&("reason", "quit".into()))
        );
        let alice = rows.iter().find(|r| r.section == "user" && r.fields[0].1 == "alice").expect("alice");
        assert!(alice.fields.contains(&("segments_seen", "2".into())), "project 2's segment is not counted: {alice:?}");
        assert_eq!(count("session"), 4, "s1, cli-7, s2, cli-8");
    }
}
