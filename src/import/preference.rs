//! Preference JSONL: one prompt with two responses per line (docs/FORMATS.md).

use super::manifest::json_field;
use super::{ImportError, check_spans, record_error, utf8_lines};
use crate::store::{NewItem, NewPreference, NewResponse, PiiSpan};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferenceRecord {
    id: String,
    prompt: String,
    #[serde(default)]
    prompt_pii: Vec<PiiSpan>,
    responses: Vec<NewResponse>,
    #[serde(default)]
    language: Option<String>,
}

/// Parses and validates a preference file.
pub fn parse_preferences(file: &Path) -> Result<Vec<NewItem>, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Io { file: file.to_path_buf(), source })?;
    parse_preferences_bytes(file, &bytes)
}

/// Parses and validates preference JSONL bytes; `file` is only used in error messages.
pub fn parse_preferences_bytes(file: &Path, bytes: &[u8]) -> Result<Vec<NewItem>, ImportError> {
    let lines = utf8_lines(file, bytes)?;
    if lines.is_empty() {
        return Err(ImportError::Empty { file: file.to_path_buf() });
    }
    let mut ids = HashSet::new();
    let mut items = Vec::with_capacity(lines.len());
    for (line, text) in lines {
        let err = |field: String, reason: String| record_error(file, line, field, reason);
        let raw: PreferenceRecord = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&text))
            .map_err(|e| err(json_field(e.path().to_string()), e.inner().to_string()))?;
        if raw.id.trim().is_empty() {
            return Err(err("id".into(), "must not be empty".into()));
        }
        if !ids.insert(raw.id.clone()) {
            return Err(err("id".into(), format!("duplicate id {:?}; record ids must be unique", raw.id)));
        }
        if raw.prompt.trim().is_empty() {
            return Err(err("prompt".into(), "must not be empty".into()));
        }
        if raw.responses.len() != 2 {
            return Err(err(
                "responses".into(),
                format!("has {} responses; exactly 2 are needed", raw.responses.len()),
            ));
        }
        check_spans(&raw.prompt, &raw.prompt_pii, "prompt_pii").map_err(|(f, r)| err(f, r))?;
        for (n, response) in raw.responses.iter().enumerate() {
            if response.text.trim().is_empty() {
                return Err(err(format!("responses[{n}].text"), "must not be empty".into()));
            }
            check_spans(&response.text, &response.pii, &format!("responses[{n}].pii")).map_err(|(f, r)| err(f, r))?;
        }
        if raw.responses[0].id == raw.responses[1].id {
            return Err(err("responses[1].id".into(), format!("duplicate response id {:?}", raw.responses[1].id)));
        }
        items.push(NewItem {
            external_id: raw.id,
            language: raw.language,
            title: None,
            audio: None,
            segments: Vec::new(),
            preference: Some(NewPreference {
                prompt: raw.prompt,
                prompt_pii: raw.prompt_pii,
                responses: raw.responses,
            }),
        });
    }
    Ok(items)
}
