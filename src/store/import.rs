//! Bulk import: one transaction, everything sealed, all-or-nothing.

use super::projects::{ProjectKind, ProjectState};
use super::{Store, StoreError};
use crate::crypto::{Aad, Sealed};
use crate::policy::{Action, Principal};
use rusqlite::params;
use serde::{Deserialize, Serialize};

/// A gold PII span in Unicode scalar (char) offsets, end exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PiiSpan {
    /// PERSON, PHONE, EMAIL, CARD, IBAN, SSN, IP, ADDRESS, DATE or NUMBER.
    #[serde(rename = "type")]
    pub kind: String,
    /// First char.
    pub start: usize,
    /// One past the last char.
    pub end: usize,
}

/// One segment of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSegment {
    /// Id from the manifest, unique in the project.
    pub external_id: String,
    /// Start in milliseconds.
    pub start_ms: i64,
    /// End in milliseconds.
    pub end_ms: i64,
    /// Speaker label, e.g. `agent`.
    pub speaker: String,
    /// Transcript text.
    pub text: String,
    /// Gold PII spans.
    pub pii: Vec<PiiSpan>,
}

/// A decoded-and-validated audio file, stored as its original bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudio {
    /// The file's bytes (WAV).
    pub bytes: Vec<u8>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// Duration in milliseconds.
    pub duration_ms: i64,
}

/// One response of a preference item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewResponse {
    /// Response id from the file (e.g. `a`).
    pub id: String,
    /// Response text.
    pub text: String,
    /// Gold PII spans.
    #[serde(default)]
    pub pii: Vec<PiiSpan>,
}

/// The content of a preference item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPreference {
    /// The prompt.
    pub prompt: String,
    /// Gold PII spans of the prompt.
    #[serde(default)]
    pub prompt_pii: Vec<PiiSpan>,
    /// Exactly two responses.
    pub responses: Vec<NewResponse>,
}

/// One item to import.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    /// Id from the file, unique in the project.
    pub external_id: String,
    /// Language tag, e.g. `en`.
    pub language: Option<String>,
    /// Title (sealed).
    pub title: Option<String>,
    /// Audio of a conversation.
    pub audio: Option<NewAudio>,
    /// Segments of a conversation.
    pub segments: Vec<NewSegment>,
    /// Prompt and responses of a preference item.
    pub preference: Option<NewPreference>,
}

/// Sealed item metadata: everything about an item that is content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ItemMeta {
    pub title: Option<String>,
    pub preference: Option<NewPreference>,
}

/// What an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Items stored.
    pub items: usize,
    /// Segments stored.
    pub segments: usize,
    /// Audio bytes stored (before sealing).
    pub audio_bytes: usize,
}

fn next_id(tx: &rusqlite::Transaction<'_>, table: &str) -> Result<i64, StoreError> {
    Ok(tx.query_row(&format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"), [], |r| r.get(0))?)
}

fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("plain data structs always serialize to JSON")
}

impl Store {
    /// Imports `items` into `project` in one transaction: nothing is stored unless everything is.
    /// `progress` is called with the number of items done.
    pub fn import_items(
        &self,
        by: &Principal,
        project: &str,
        items: &[NewItem],
        progress: &dyn Fn(usize),
    ) -> Result<ImportSummary, StoreError> {
        let project = self.project_by_name(project)?;
        self.authorize(by, Some(project.id), Action::ManageProjects)?;
        if project.state != ProjectState::Open {
            return Err(StoreError::Invalid {
                field: "project",
                value: project.name,
                reason: format!("it is {}; import needs an open project", project.state.as_str()),
            });
        }
        let key = self.project_key(project.id)?;
        let tx = self.conn.unchecked_transaction()?;
        // Ids and positions both only grow, so a project's items in id order are in position
        // order: the work queue's index relies on it (`store::queue`).
        let (mut item_id, mut segment_id) = (next_id(&tx, "items")?, next_id(&tx, "segments")?);
        let mut position: i64 =
            tx.query_row("SELECT COALESCE(MAX(position), 0) FROM items WHERE project_id = ?1", [project.id], |r| {
                r.get(0)
            })?;
        let mut summary = ImportSummary::default();
        {
            let mut exists = tx.prepare_cached("SELECT 1 FROM items WHERE project_id = ?1 AND external_id = ?2")?;
            let mut seg_exists =
                tx.prepare_cached("SELECT 1 FROM segments WHERE project_id = ?1 AND external_id = ?2")?;
            let mut insert_item = tx.prepare_cached(
                "INSERT INTO items (id, project_id, external_id, position, language, duration_ms, meta) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut insert_audio = tx.prepare_cached(
                "INSERT INTO audio (item_id, project_id, sample_rate, channels, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut insert_segment = tx.prepare_cached(
                "INSERT INTO segments (id, item_id, project_id, external_id, position, start_ms, end_ms, speaker, text, pii)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for (done, item) in items.iter().enumerate() {
                let wrong_kind = match project.kind {
                    ProjectKind::Transcription => item.preference.is_some() || item.audio.is_none(),
                    ProjectKind::Preference => item.preference.is_none() || item.audio.is_some(),
                };
                if wrong_kind {
                    return Err(StoreError::Invalid {
                        field: "item",
                        value: item.external_id.clone(),
                        reason: format!("does not fit a {} project", project.kind.as_str()),
                    });
                }
                if exists.exists(params![project.id, item.external_id])? {
                    return Err(StoreError::Exists { what: "item", name: item.external_id.clone() });
                }
                position += 1;
                let meta = ItemMeta { title: item.title.clone(), preference: item.preference.clone() };
                let aad = Aad { table: "items", row: item_id, column: "meta", project: project.id };
                let sealed_meta = Sealed::<Vec<u8>>::seal_bytes(&key, &to_json(&meta), &aad);
                let duration = item.audio.as_ref().map(|a| a.duration_ms);
                insert_item.execute(params![
                    item_id,
                    project.id,
                    item.external_id,
                    position,
                    item.language,
                    duration,
                    sealed_meta.as_bytes()
                ])?;
                if let Some(audio) = &item.audio {
                    let aad = Aad { table: "audio", row: item_id, column: "data", project: project.id };
                    let sealed = Sealed::<Vec<u8>>::seal_bytes(&key, &audio.bytes, &aad);
                    insert_audio.execute(params![
                        item_id,
                        project.id,
                        audio.sample_rate,
                        audio.channels,
                        sealed.as_bytes()
                    ])?;
                    summary.audio_bytes += audio.bytes.len();
                }
                for (n, segment) in item.segments.iter().enumerate() {
                    if seg_exists.exists(params![project.id, segment.external_id])? {
                        return Err(StoreError::Exists { what: "segment", name: segment.external_id.clone() });
                    }
                    let text_aad = Aad { table: "segments", row: segment_id, column: "text", project: project.id };
                    let pii_aad = Aad { table: "segments", row: segment_id, column: "pii", project: project.id };
                    let text = Sealed::<String>::seal(&key, &segment.text, &text_aad);
                    let pii = Sealed::<Vec<u8>>::seal_bytes(&key, &to_json(&segment.pii), &pii_aad);
                    insert_segment.execute(params![
                        segment_id,
                        item_id,
                        project.id,
                        segment.external_id,
                        n as i64,
                        segment.start_ms,
                        segment.end_ms,
                        segment.speaker,
                        text.as_bytes(),
                        pii.as_bytes()
                    ])?;
                    segment_id += 1;
                    summary.segments += 1;
                }
                item_id += 1;
                summary.items += 1;
                progress(done + 1);
            }
        }
        tx.commit()?;
        Ok(summary)
    }
}
