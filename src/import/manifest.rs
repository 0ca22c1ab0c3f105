//! Transcription manifests: one JSON conversation per line (docs/FORMATS.md).

use super::{ImportError, check_segments, load_audio, record_error, resolve_inside, utf8_lines};
use crate::store::{NewAudio, NewItem, NewSegment, PiiSpan};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestItem {
    id: String,
    audio: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    title: Option<String>,
    segments: Vec<ManifestSegment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestSegment {
    id: String,
    start_ms: i64,
    end_ms: i64,
    speaker: String,
    text: String,
    #[serde(default)]
    pii: Vec<PiiSpan>,
}

/// Parses and validates a manifest, decoding every audio file it names.
/// `progress` is called with (lines done, lines total).
pub fn parse_manifest(file: &Path, progress: &dyn Fn(usize, usize)) -> Result<Vec<NewItem>, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Io { file: file.to_path_buf(), source })?;
    let base = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let audio = |relative: &str| load_audio(&resolve_inside(base, relative)?);
    parse_manifest_bytes(file, &bytes, &audio, progress)
}

/// Parses and validates manifest bytes; `load_audio` turns a record's `audio` field into the decoded
/// file (or the reason it cannot). `file` is only used in error messages. This is the entry point
/// of the fuzz target, which answers every `audio` with a fixed clip.
pub fn parse_manifest_bytes(
    file: &Path,
    bytes: &[u8],
    load_audio: &dyn Fn(&str) -> Result<NewAudio, String>,
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<NewItem>, ImportError> {
    let lines = utf8_lines(file, bytes)?;
    if lines.is_empty() {
        return Err(ImportError::Empty { file: file.to_path_buf() });
    }
    let mut items = Vec::with_capacity(lines.len());
    let mut item_ids = HashSet::new();
    let mut segment_ids = HashSet::new();
    for (done, (line, text)) in lines.iter().enumerate() {
        let err = |field: String, reason: String| record_error(file, *line, field, reason);
        let raw: ManifestItem = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
            .map_err(|e| err(json_field(e.path().to_string()), e.inner().to_string()))?;
        if raw.id.trim().is_empty() {
            return Err(err("id".into(), "must not be empty".into()));
        }
        if !item_ids.insert(raw.id.clone()) {
            return Err(err("id".into(), format!("duplicate id {:?}; item ids must be unique", raw.id)));
        }
        let audio = load_audio(&raw.audio).map_err(|reason| err("audio".into(), reason))?;
        let segments: Vec<NewSegment> = raw
            .segments
            .into_iter()
            .map(|s| NewSegment {
                external_id: s.id,
                start_ms: s.start_ms,
                end_ms: s.end_ms,
                speaker: s.speaker,
                text: s.text,
                pii: s.pii,
            })
            .collect();
        for (n, segment) in segments.iter().enumerate() {
            if !segment_ids.insert(segment.external_id.clone()) {
                return Err(err(
                    format!("segments[{n}].id"),
                    format!("duplicate segment id {:?}", segment.external_id),
                ));
            }
        }
        check_segments(&segments, audio.duration_ms).map_err(|(field, reason)| err(field, reason))?;
        items.push(NewItem {
            external_id: raw.id,
            language: raw.language,
            title: raw.title,
            audio: Some(audio),
            segments,
            preference: None,
        });
        progress(done + 1, lines.len());
    }
    Ok(items)
}

/// serde_path_to_error prints `.` for the root; say `-` (the whole record) instead.
pub(crate) fn json_field(path: String) -> String {
    if path == "." { "-".into() } else { path }
}
