//! What an approved export reads: every item of the project with its segments or preference
//! content and the latest annotation of each annotator, decrypted and masked per the project
//! policy's `export` role. Annotators are named by pseudonym (`annotator-N`), never by user name.

use super::annotation::{Choice, MarkedSpan, PreferenceBody, Ratings, SegmentBody, Side};
use super::export::ExportRequest;
use super::import::{ItemMeta, PiiSpan};
use super::projects::ProjectKind;
use super::visibility::mask_text;
use super::{Store, StoreError};
use crate::crypto::Aad;
use crate::pii::MaskStyle;
use crate::policy::{Principal, ProjectPolicy};
use std::collections::{BTreeMap, HashMap};

/// The masking role whose policy applies to exports.
pub const EXPORT_ROLE: &str = "export";

/// One annotator's latest version of a segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedAnnotation {
    /// Pseudonym, e.g. `annotator-2`.
    pub annotator: String,
    /// `annotate` or `qa`.
    pub stage: String,
    /// Version number.
    pub version: i64,
    /// Text (masked per policy).
    pub text: String,
    /// Corrected speaker, if any.
    pub speaker: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// A segment with its final text and every annotator's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedSegment {
    /// Segment id from the import.
    pub external_id: String,
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// Final speaker.
    pub speaker: String,
    /// Final text: the latest QA version, else the latest annotation, else the imported text.
    pub text: String,
    /// Where the final text comes from: `qa`, `annotation` or `import`.
    pub source: &'static str,
    /// Final labels.
    pub labels: BTreeMap<String, String>,
    /// Each annotator's latest version.
    pub annotations: Vec<ExportedAnnotation>,
}

/// One preference judgment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedJudgment {
    /// Pseudonym.
    pub annotator: String,
    /// The choice, in the record's own terms.
    pub choice: Choice,
    /// Which response was shown first.
    pub shown_first: Side,
    /// Likert ratings per criterion.
    pub ratings: BTreeMap<String, Ratings>,
    /// Rationale (masked per policy).
    pub rationale: String,
    /// Time on task, ms.
    pub ms_on_task: u64,
}

/// One exported item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedItem {
    /// Item id from the import.
    pub external_id: String,
    /// Language tag.
    pub language: Option<String>,
    /// Audio duration, ms.
    pub duration_ms: Option<i64>,
    /// Segments (transcription).
    pub segments: Vec<ExportedSegment>,
    /// Prompt (preference; masked).
    pub prompt: Option<String>,
    /// Responses (id, masked text) (preference).
    pub responses: Vec<(String, String)>,
    /// Judgments (preference).
    pub judgments: Vec<ExportedJudgment>,
}

/// Everything an export writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportContent {
    /// The approved request.
    pub request: ExportRequest,
    /// The project's kind.
    pub kind: ProjectKind,
    /// Whether any PII kind is masked (the policy's `export` role is not raw for everything).
    pub masked: bool,
    /// The items, in import order.
    pub items: Vec<ExportedItem>,
}

fn spans(marked: &[MarkedSpan]) -> Vec<PiiSpan> {
    marked.iter().map(|m| PiiSpan { kind: m.kind.clone(), start: m.start, end: m.end }).collect()
}

/// Latest sealed bodies per (item, segment, author, stage): (annotation id, author, stage, version, body).
type Latest = BTreeMap<(i64, i64, i64, String), (i64, i64, Vec<u8>)>;

impl Store {
    fn latest_annotations(&self, project: i64) -> Result<Latest, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, item_id, IFNULL(segment_id, 0), author_id, stage, version, body FROM annotations
             WHERE project_id = ?1 ORDER BY version",
        )?;
        let mut latest = Latest::new();
        let rows = stmt.query_map([project], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?, r.get(5)?, r.get(6)?))
        })?;
        for row in rows {
            let (id, item, segment, author, stage, version, body) = row?;
            latest.insert((item, segment, author, stage), (id, version, body));
        }
        Ok(latest)
    }

    /// Reads and masks everything an approved export writes. Checks the request is ready first.
    pub fn export_content(&self, by: &Principal, id: &str) -> Result<ExportContent, StoreError> {
        let request = self.check_export_ready(by, id)?;
        let project = self.project_by_id(request.project_id)?;
        let policy = &project.policy;
        let key = self.project_key(project.id)?;
        let pid = project.id;
        let latest = self.latest_annotations(pid)?;
        let mut names = HashMap::new();
        for (_, _, author, _) in latest.keys() {
            if !names.contains_key(author) {
                names.insert(*author, format!("annotator-{}", self.pseudonym(pid, *author)?));
            }
        }
        let mask = |text: &str, gold: &[PiiSpan]| mask_text(text, gold, policy, EXPORT_ROLE);
        let mut items = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT id, external_id, language, duration_ms, meta FROM items WHERE project_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([pid], |r| {
            Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, Vec<u8>>(4)?))
        })?;
        for row in rows {
            let (item_id, external_id, language, duration_ms, meta) = row?;
            let mut item = ExportedItem {
                external_id,
                language,
                duration_ms,
                segments: Vec::new(),
                prompt: None,
                responses: Vec::new(),
                judgments: Vec::new(),
            };
            match project.kind {
                ProjectKind::Transcription => {
                    item.segments = self.export_segments(pid, item_id, &latest, &names, &mask)?;
                }
                ProjectKind::Preference => {
                    let aad = Aad { table: "items", row: item_id, column: "meta", project: pid };
                    let meta: Vec<u8> = self.open_sealed(&key, meta, &aad)?;
                    let meta: ItemMeta = serde_json::from_slice(&meta).map_err(|e| StoreError::Invalid {
                        field: "items.meta",
                        value: item_id.to_string(),
                        reason: e.to_string(),
                    })?;
                    if let Some(pref) = meta.preference {
                        item.prompt = Some(mask(&pref.prompt, &pref.prompt_pii));
                        item.responses = pref.responses.iter().map(|r| (r.id.clone(), mask(&r.text, &r.pii))).collect();
                    }
                    for ((it, seg, author, _), (id, _, body)) in latest.range((item_id, 0, i64::MIN, String::new())..) {
                        if *it != item_id || *seg != 0 {
                            break;
                        }
                        let aad = Aad { table: "annotations", row: *id, column: "body", project: pid };
                        let body: PreferenceBody = self.open_sealed(&key, body.clone(), &aad)?;
                        item.judgments.push(ExportedJudgment {
                            annotator: names.get(author).cloned().unwrap_or_default(),
                            choice: body.choice,
                            shown_first: body.shown_first,
                            ratings: body.ratings,
                            rationale: mask(&body.rationale, &[]),
                            ms_on_task: body.ms_on_task,
                        });
                    }
                }
            }
            items.push(item);
        }
        Ok(ExportContent { masked: is_masked(policy), kind: project.kind, request, items })
    }

    fn export_segments(
        &self,
        pid: i64,
        item: i64,
        latest: &Latest,
        names: &HashMap<i64, String>,
        mask: &dyn Fn(&str, &[PiiSpan]) -> String,
    ) -> Result<Vec<ExportedSegment>, StoreError> {
        let key = self.project_key(pid)?;
        let mut stmt = self.conn.prepare(
            "SELECT id, external_id, start_ms, end_ms, speaker, text, pii FROM segments WHERE item_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([item], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Vec<u8>>(5)?,
                r.get::<_, Vec<u8>>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, external_id, start_ms, end_ms, speaker, text, pii) = row?;
            let text: String =
                self.open_sealed(&key, text, &Aad { table: "segments", row: id, column: "text", project: pid })?;
            let pii: Vec<u8> =
                self.open_sealed(&key, pii, &Aad { table: "segments", row: id, column: "pii", project: pid })?;
            let gold: Vec<PiiSpan> = serde_json::from_slice(&pii).map_err(|e| StoreError::Invalid {
                field: "segments.pii",
                value: id.to_string(),
                reason: e.to_string(),
            })?;
            let mut annotations = Vec::new();
            // (stage rank, annotation id) of the final version: QA beats annotation, later beats earlier.
            let mut best: Option<((u8, i64), usize)> = None;
            for ((it, seg, author, stage), (aid, version, body)) in latest.range((item, id, i64::MIN, String::new())..)
            {
                if *it != item || *seg != id {
                    break;
                }
                let aad = Aad { table: "annotations", row: *aid, column: "body", project: pid };
                let body: SegmentBody = self.open_sealed(&key, body.clone(), &aad)?;
                let rank = (u8::from(stage == "qa"), *aid);
                if best.is_none_or(|(b, _)| rank > b) {
                    best = Some((rank, annotations.len()));
                }
                annotations.push(ExportedAnnotation {
                    annotator: names.get(author).cloned().unwrap_or_default(),
                    stage: stage.clone(),
                    version: *version,
                    text: mask(&body.text, &spans(&body.pii)),
                    speaker: body.speaker,
                    labels: body.labels,
                });
            }
            let (final_text, final_speaker, labels, source) = match best {
                Some(((qa, _), index)) => {
                    let a = &annotations[index];
                    let speaker = a.speaker.clone().unwrap_or_else(|| speaker.clone());
                    (a.text.clone(), speaker, a.labels.clone(), if qa == 1 { "qa" } else { "annotation" })
                }
                None => (mask(&text, &gold), speaker, BTreeMap::new(), "import"),
            };
            out.push(ExportedSegment {
                external_id,
                start_ms,
                end_ms,
                speaker: final_speaker,
                text: final_text,
                source,
                labels,
                annotations,
            });
        }
        Ok(out)
    }
}

/// Whether the policy masks anything in exports.
fn is_masked(policy: &ProjectPolicy) -> bool {
    let export = policy.masking.for_role(EXPORT_ROLE);
    !(export.default == MaskStyle::Raw && export.kinds.values().all(|s| *s == MaskStyle::Raw))
}
