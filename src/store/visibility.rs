//! Which segments of an item a principal sees, and how: assigned ones, `context` neighbours
//! (masked, read-only), nothing else. Also the hourly cap on newly viewed segments.

use super::import::PiiSpan;
use super::{Store, StoreError, now_secs};
use crate::policy::{Action, Denial, Principal, ProjectPolicy, Role};
use rusqlite::params;
use std::collections::HashMap;

/// How one visible segment may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentAccess {
    /// Assigned to the principal (or the principal reviews the whole project).
    Assigned,
    /// A neighbour of an assigned segment: dimmed, masked, not editable.
    Context,
}

impl Store {
    /// Visible segments of `item` by id, or `None` when every segment is visible.
    pub(crate) fn visible_segments(
        &self,
        by: &Principal,
        item: i64,
        roles: &[Role],
        context: u32,
    ) -> Result<Option<HashMap<i64, SegmentAccess>>, StoreError> {
        if roles.contains(&Role::Reviewer) {
            return Ok(None);
        }
        let mut stmt =
            self.conn.prepare_cached("SELECT segment_id FROM assignments WHERE item_id = ?1 AND +user_id = ?2")?;
        let assigned: Vec<Option<i64>> =
            stmt.query_map(params![item, by.user_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if assigned.iter().any(Option::is_none) {
            return Ok(None);
        }
        let mut positions = self.conn.prepare_cached("SELECT id, position FROM segments WHERE item_id = ?1")?;
        let all: Vec<(i64, i64)> =
            positions.query_map([item], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
        let by_id: HashMap<i64, i64> = all.iter().copied().collect();
        let mine: Vec<i64> = assigned.into_iter().flatten().filter_map(|id| by_id.get(&id).copied()).collect();
        let mut visible = HashMap::new();
        for (id, position) in all {
            if mine.contains(&position) {
                visible.insert(id, SegmentAccess::Assigned);
            } else if mine.iter().any(|m| (m - position).unsigned_abs() <= u64::from(context)) {
                visible.insert(id, SegmentAccess::Context);
            }
        }
        Ok(Some(visible))
    }

    /// Records first views of `segments`; refuses (and audits) when the hourly cap would be passed.
    pub(crate) fn record_views(
        &self,
        by: &Principal,
        project: i64,
        segments: &[i64],
        limit: u32,
    ) -> Result<(), StoreError> {
        let now = now_secs();
        let mut seen =
            self.conn.prepare_cached("SELECT 1 FROM segment_views WHERE user_id = ?1 AND segment_id = ?2")?;
        let mut new = Vec::new();
        for &id in segments {
            if !seen.exists(params![by.user_id, id])? {
                new.push(id);
            }
        }
        if new.is_empty() {
            return Ok(());
        }
        let recent: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM segment_views WHERE user_id = ?1 AND first_seen > ?2",
            params![by.user_id, now - 3600],
            |r| r.get(0),
        )?;
        if recent + new.len() as i64 > i64::from(limit) {
            let denial = Denial::ViewLimit { limit };
            self.denials.denied(by, Some(project), Action::ReadContent, &denial);
            return Err(StoreError::Denied(denial));
        }
        let mut insert = self.conn.prepare_cached(
            "INSERT OR IGNORE INTO segment_views (user_id, segment_id, first_seen) VALUES (?1, ?2, ?3)",
        )?;
        for id in new {
            insert.execute(params![by.user_id, id, now])?;
        }
        Ok(())
    }

    /// Refuses a write to a segment outside the principal's assignment, and QA of one's own work.
    pub(crate) fn check_segment_write(
        &self,
        by: &Principal,
        item: i64,
        segment: i64,
        stage: &str,
    ) -> Result<(), StoreError> {
        let project: i64 = self.conn.query_row("SELECT project_id FROM items WHERE id = ?1", [item], |r| r.get(0))?;
        let other = if stage == "qa" { "annotate" } else { "qa" };
        let conflict: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND +user_id = ?2 AND stage = ?3)
             OR EXISTS (SELECT 1 FROM annotations WHERE item_id = ?1 AND author_id = ?2 AND stage = ?3)",
            params![item, by.user_id, other],
            |r| r.get(0),
        )?;
        let denial = if conflict {
            Some(Denial::OwnWork { item })
        } else {
            let covered: bool = self.conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM assignments WHERE item_id = ?1 AND +user_id = ?2 AND stage = ?3
                 AND (segment_id IS NULL OR segment_id = ?4))",
                params![item, by.user_id, stage, segment],
                |r| r.get(0),
            )?;
            (!covered).then_some(Denial::NotAssigned { segment })
        };
        match denial {
            Some(denial) => {
                self.denials.denied(by, Some(project), Action::WriteAnnotation, &denial);
                Err(StoreError::Denied(denial))
            }
            None => Ok(()),
        }
    }
}

/// The role whose masking policy applies: the most restricted data role held.
pub(crate) fn masking_role(roles: &[Role]) -> &'static str {
    [Role::Annotator, Role::Qa, Role::Reviewer]
        .into_iter()
        .find(|r| roles.contains(r))
        .map_or("annotator", Role::as_str)
}

/// The PII spans of `text` (char offsets, merged, in order): detected, dictionary names and the
/// imported gold spans. A bad stored dictionary yields one span over everything (fail closed).
pub(crate) fn pii_spans(text: &str, gold: &[PiiSpan], policy: &ProjectPolicy) -> Vec<crate::pii::Span> {
    let len = text.chars().count();
    // Validated when the policy was stored (ProjectPolicy::validate); fall back to masking
    // everything rather than to no dictionary if a stored policy is somehow bad.
    let Ok(options) = crate::pii::DetectOptions::with_names(&policy.known_names) else {
        return vec![crate::pii::Span { kind: crate::pii::PiiKind::Person, start: 0, end: len }];
    };
    let mut spans = crate::pii::detect(text, &options);
    for g in gold {
        if let Some(kind) = crate::pii::PiiKind::parse(&g.kind)
            && g.start < g.end
            && g.end <= len
        {
            spans.push(crate::pii::Span { kind, start: g.start, end: g.end });
        }
    }
    spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
    let mut merged: Vec<crate::pii::Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start < last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// The spans `role` sees masked (not shown raw by the policy), in order.
pub(crate) fn masked_spans(text: &str, gold: &[PiiSpan], policy: &ProjectPolicy, role: &str) -> Vec<crate::pii::Span> {
    let styles = policy.masking.for_role(role);
    pii_spans(text, gold, policy).into_iter().filter(|s| styles.style(s.kind) != crate::pii::MaskStyle::Raw).collect()
}

/// Masks detected PII, dictionary names and the imported gold spans per `style`.
pub(crate) fn mask_text(text: &str, gold: &[PiiSpan], policy: &ProjectPolicy, role: &str) -> String {
    crate::pii::mask(text, &pii_spans(text, gold, policy), policy.masking.for_role(role))
}

/// Gold spans for `shown` text. Gold spans are char offsets into the imported text; an
/// annotator's own version is a different text, so each span is re-anchored to every occurrence
/// of its imported substring in `shown`. Applied as they were, the offsets masked whatever now
/// sat there: an annotator's own words (lost at their next save, found by the crash-safety test)
/// or, after an insertion, the wrong part of a name, leaving the rest of it visible.
pub(crate) fn gold_for(imported: &str, shown: &str, gold: &[PiiSpan]) -> Vec<PiiSpan> {
    if imported == shown {
        return gold.to_vec();
    }
    let source: Vec<char> = imported.chars().collect();
    let target: Vec<char> = shown.chars().collect();
    let mut out = Vec::new();
    for span in gold {
        let Some(needle) = source.get(span.start..span.end).filter(|n| !n.is_empty()) else { continue };
        for (at, window) in target.windows(needle.len()).enumerate() {
            if window == needle {
                out.push(PiiSpan { kind: span.kind.clone(), start: at, end: at + needle.len() });
            }
        }
    }
    out
}
