//! `jsonl`: one JSON object per segment (transcription) or per item (preference), each with the
//! export id.

use super::ExportFile;
use crate::store::{ExportContent, ExportedItem, ProjectKind};
use serde_json::{Value, json};

fn judgments(item: &ExportedItem) -> Vec<Value> {
    item.judgments
        .iter()
        .map(|j| {
            json!({
                "annotator": j.annotator,
                "choice": j.choice.as_str(),
                "shown_first": j.shown_first,
                "ratings": j.ratings,
                "rationale": j.rationale,
                "ms_on_task": j.ms_on_task,
            })
        })
        .collect()
}

/// Renders `export.jsonl`.
pub fn render(content: &ExportContent) -> ExportFile {
    let id = &content.request.id;
    let project = &content.request.project;
    let mut out = String::new();
    let mut records = 0;
    for item in &content.items {
        match content.kind {
            ProjectKind::Transcription => {
                for s in &item.segments {
                    let annotations: Vec<Value> = s
                        .annotations
                        .iter()
                        .map(|a| {
                            json!({"annotator": a.annotator, "stage": a.stage, "version": a.version,
                                   "text": a.text, "speaker": a.speaker, "labels": a.labels})
                        })
                        .collect();
                    let line = json!({
                        "export_id": id, "project": project, "item": item.external_id,
                        "language": item.language, "segment": s.external_id,
                        "start_ms": s.start_ms, "end_ms": s.end_ms, "speaker": s.speaker,
                        "text": s.text, "source": s.source, "labels": s.labels,
                        "annotations": annotations,
                    });
                    out.push_str(&line.to_string());
                    out.push('\n');
                    records += 1;
                }
            }
            ProjectKind::Preference => {
                let responses: Vec<Value> =
                    item.responses.iter().map(|(rid, text)| json!({"id": rid, "text": text})).collect();
                let line = json!({
                    "export_id": id, "project": project, "item": item.external_id,
                    "language": item.language, "prompt": item.prompt, "responses": responses,
                    "judgments": judgments(item),
                });
                out.push_str(&line.to_string());
                out.push('\n');
                records += 1;
            }
        }
    }
    ExportFile { name: "export.jsonl".into(), bytes: out.into_bytes(), records }
}
