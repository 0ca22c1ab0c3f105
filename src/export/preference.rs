//! `preference-jsonl`: one JSON object per judgment, in the shape reward-model training reads:
//! `prompt`, `chosen`, `rejected` (null for `tie` and `both_bad`), plus who, how and why.

use super::ExportFile;
use crate::store::{Choice, ExportContent};
use serde_json::json;

/// Renders `preferences.jsonl`.
pub fn render(content: &ExportContent) -> ExportFile {
    let mut out = String::new();
    let mut records = 0;
    for item in &content.items {
        // The record's own terms: `a` is its first response, `b` its second.
        let (a, b) = (item.responses.first().map(|(_, t)| t), item.responses.get(1).map(|(_, t)| t));
        for j in &item.judgments {
            let (chosen, rejected) = match j.choice {
                Choice::A => (a, b),
                Choice::B => (b, a),
                Choice::Tie | Choice::BothBad => (None, None),
            };
            let line = json!({
                "export_id": content.request.id, "project": content.request.project,
                "item": item.external_id, "prompt": item.prompt,
                "chosen": chosen, "rejected": rejected, "choice": j.choice.as_str(),
                "annotator": j.annotator, "shown_first": j.shown_first, "ratings": j.ratings,
                "rationale": j.rationale, "ms_on_task": j.ms_on_task,
            });
            out.push_str(&line.to_string());
            out.push('\n');
            records += 1;
        }
    }
    ExportFile { name: "preferences.jsonl".into(), bytes: out.into_bytes(), records }
}
