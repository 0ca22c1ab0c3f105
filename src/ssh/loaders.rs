//! Loading items from the store into the app's view types, and the app's edits back into the
//! store's sealed body types. Runs on the database thread.

use crate::app::{
    Choice, ItemView, Judgment, JudgmentLine, Mark, Msg, PrefFocus, PrefView, SegmentEdit, SegmentLine, Side, Stage,
    VersionLine,
};
use crate::policy::Principal;
use crate::store::{self, MarkedSpan, PreferenceBody, Ratings, SegmentBody, Store, StoreError};
use std::time::{Duration, Instant};

/// Opens a queue entry: a preference item or a transcription item at `stage`. Returns the
/// message, the project and the segment ids shown (for the render record).
pub(super) fn open_any(
    store: &Store,
    who: &Principal,
    item_id: i64,
    queue_index: usize,
    kind: &str,
    stage: Stage,
) -> Result<(Msg, i64, Vec<i64>), StoreError> {
    if kind == "preference" {
        let view = open_preference(store, who, item_id, queue_index, stage)?;
        let project = view.project_id;
        return Ok((Msg::PreferenceLoaded(view), project, Vec::new()));
    }
    let view = open_item(store, who, item_id, queue_index, stage)?;
    let (project, ids) = (view.project_id, view.segments.iter().map(|s| s.id).collect());
    Ok((Msg::ItemLoaded(view), project, ids))
}

fn open_item(
    store: &Store,
    who: &Principal,
    item_id: i64,
    queue_index: usize,
    stage: Stage,
) -> Result<ItemView, StoreError> {
    let header = store.item_header(who, item_id)?;
    let submitted = store.submitted_segments(who, item_id)?;
    let policy = store.project_by_id(header.project_id)?.policy;
    let mut speakers: Vec<String> = Vec::new();
    let mut segments = Vec::new();
    for s in store.item_segments(who, item_id)? {
        if !speakers.contains(&s.speaker) {
            speakers.push(s.speaker.clone());
        }
        let mut line = SegmentLine::new(s.id, s.start_ms, s.end_ms, &s.speaker, &s.text);
        line.submitted = submitted.contains(&s.id);
        line.context = s.access == store::SegmentAccess::Context;
        line.labels = s.labels;
        line.marked = s.marked.into_iter().map(|m| Mark { kind: m.kind, start: m.start, end: m.end }).collect();
        line.masks = s.masks;
        if stage == Stage::Annotate && !line.context {
            line.rejection = store.rejection(who, s.id)?;
        }
        if stage != Stage::Annotate {
            line.versions = store
                .segment_versions(who, s.id)?
                .into_iter()
                .map(|v| VersionLine {
                    annotation: v.annotation,
                    author: v.author,
                    stage: v.stage,
                    version: v.version,
                    text: v.text,
                    labels: v.labels,
                    decision: v.decision,
                })
                .collect();
        }
        segments.push(line);
    }
    let mut view = ItemView::new(item_id, &header.external_id, &header.project, header.project_id, segments);
    view.queue_index = queue_index;
    view.read_only = header.read_only || stage == Stage::Review;
    view.stage = stage;
    view.speakers = speakers;
    view.label_schema = policy.labels.into_iter().collect();
    Ok(view)
}

fn open_preference(
    store: &Store,
    who: &Principal,
    item_id: i64,
    queue_index: usize,
    stage: Stage,
) -> Result<PrefView, StoreError> {
    let header = store.item_header(who, item_id)?;
    let policy = store.project_by_id(header.project_id)?.policy;
    let item = store.preference_item(who, item_id)?;
    let shown_first = match item.shown_first {
        store::Side::A => Side::A,
        store::Side::B => Side::B,
    };
    let (first, second) = if shown_first == Side::A { (item.a, item.b) } else { (item.b, item.a) };
    let mut ratings = vec![(0u8, 0u8); policy.criteria.len()];
    let mut choice = None;
    let mut rationale = String::new();
    if let Some(j) = &item.judgment {
        for (slot, criterion) in ratings.iter_mut().zip(&policy.criteria) {
            if let Some(r) = j.ratings.get(criterion) {
                *slot = if shown_first == Side::A { (r.a, r.b) } else { (r.b, r.a) };
            }
        }
        choice = Some(match j.choice {
            store::Choice::A => Choice::A,
            store::Choice::B => Choice::B,
            store::Choice::Tie => Choice::Tie,
            store::Choice::BothBad => Choice::BothBad,
        });
        rationale = j.rationale.clone();
    }
    let judgments = if stage == Stage::Annotate {
        Vec::new()
    } else {
        let first = if shown_first == Side::A { store::Choice::A } else { store::Choice::B };
        store
            .preference_judgments(who, item_id)?
            .into_iter()
            .map(|j| JudgmentLine {
                annotation: j.annotation,
                author: j.author,
                choice: match j.body.choice {
                    store::Choice::Tie => "tie".into(),
                    store::Choice::BothBad => "both bad".into(),
                    c if c == first => "response 1".into(),
                    _ => "response 2".into(),
                },
                ratings: j
                    .body
                    .ratings
                    .iter()
                    .map(|(c, r)| {
                        let (one, two) = if shown_first == Side::A { (r.a, r.b) } else { (r.b, r.a) };
                        format!("{c} {one}/{two}")
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                rationale: j.body.rationale,
                seconds: j.body.ms_on_task / 1000,
                decision: j.decision,
            })
            .collect()
    };
    Ok(PrefView {
        item_id,
        external_id: header.external_id,
        project: header.project,
        project_id: header.project_id,
        queue_index,
        prompt: item.prompt,
        first,
        second,
        shown_first,
        seed: item.seed,
        criteria: policy.criteria,
        ratings,
        choice,
        rationale,
        focus: PrefFocus::First,
        scroll: [0, 0],
        rating_row: 0,
        submitted: None,
        read_only: header.read_only || stage == Stage::Review,
        stage,
        judgments,
        opened: Instant::now(),
    })
}

/// The sealed body of a segment edit.
pub(super) fn segment_body(edit: SegmentEdit) -> SegmentBody {
    let mut body = SegmentBody::text(edit.text);
    body.speaker = edit.speaker;
    body.labels = edit.labels;
    body.pii = edit.marked.into_iter().map(|m| MarkedSpan { kind: m.kind, start: m.start, end: m.end }).collect();
    body
}

/// The sealed body of a preference judgment, with the time on task.
pub(super) fn preference_body(judgment: Judgment, on_task: Duration) -> PreferenceBody {
    PreferenceBody {
        v: store::BODY_VERSION,
        choice: match judgment.choice {
            Choice::A => store::Choice::A,
            Choice::B => store::Choice::B,
            Choice::Tie => store::Choice::Tie,
            Choice::BothBad => store::Choice::BothBad,
        },
        shown_first: match judgment.shown_first {
            Side::A => store::Side::A,
            Side::B => store::Side::B,
        },
        seed: judgment.seed,
        ratings: judgment.ratings.into_iter().map(|(c, a, b)| (c, Ratings { a, b })).collect(),
        rationale: judgment.rationale,
        ms_on_task: u64::try_from(on_task.as_millis()).unwrap_or(u64::MAX),
    }
}
