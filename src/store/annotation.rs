//! What an annotation says: the plaintext inside a sealed `annotations.body` or `drafts.body`.
//! Segment annotations and preference judgments are versioned JSON (`"v": 1`) so the format can
//! grow without guessing; docs/FORMATS.md describes it and a golden test freezes it.

use crate::crypto::{CryptoError, Plain};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The body format version this build writes and reads.
pub const BODY_VERSION: u8 = 1;

/// A PII span an annotator marked in their text (char offsets, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedSpan {
    /// PII type, e.g. `PERSON`, `PHONE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// First char.
    pub start: usize,
    /// One past the last char.
    pub end: usize,
}

/// One annotator's (or QA's) version of a transcript segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SegmentBody {
    /// Format version, [`BODY_VERSION`].
    pub v: u8,
    /// The transcript text.
    pub text: String,
    /// A corrected speaker label, when the annotator changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    /// Label group → chosen value, from the project's label schema.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// PII spans the annotator marked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pii: Vec<MarkedSpan>,
}

impl SegmentBody {
    /// A body holding only text.
    pub fn text(text: impl Into<String>) -> Self {
        Self { v: BODY_VERSION, text: text.into(), ..Self::default() }
    }
}

impl From<&str> for SegmentBody {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<&String> for SegmentBody {
    fn from(text: &String) -> Self {
        Self::text(text.as_str())
    }
}

/// Which imported response: the first (`a`) or second (`b`) of the preference record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The record's response `a`.
    A,
    /// The record's response `b`.
    B,
}

/// The judgment on a preference item, always in the record's own A/B terms (not screen order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Response `a` is better.
    A,
    /// Response `b` is better.
    B,
    /// Both equally good.
    Tie,
    /// Neither is acceptable.
    BothBad,
}

impl Choice {
    /// The stored name (`a`, `b`, `tie`, `both_bad`).
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::A => "a",
            Choice::B => "b",
            Choice::Tie => "tie",
            Choice::BothBad => "both_bad",
        }
    }
}

/// Likert ratings (1–5) of both responses on one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Ratings {
    /// Rating of response `a`, 0 when not rated.
    pub a: u8,
    /// Rating of response `b`, 0 when not rated.
    pub b: u8,
}

/// One annotator's judgment of a preference item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferenceBody {
    /// Format version, [`BODY_VERSION`].
    pub v: u8,
    /// The preferred response.
    pub choice: Choice,
    /// Which response was shown first (left, or on top).
    pub shown_first: Side,
    /// The seed that decided the order for this annotator and item.
    pub seed: u64,
    /// Criterion → ratings of both responses.
    #[serde(default)]
    pub ratings: BTreeMap<String, Ratings>,
    /// Why, in the annotator's words.
    #[serde(default)]
    pub rationale: String,
    /// Milliseconds from opening the item to submitting.
    pub ms_on_task: u64,
}

macro_rules! json_plain {
    ($ty:ty) => {
        impl Plain for $ty {
            fn to_plain(&self) -> Vec<u8> {
                // Serializing these plain structs cannot fail (no maps with non-string keys).
                serde_json::to_vec(self).unwrap_or_default()
            }
            fn from_plain(bytes: Vec<u8>, what: &str) -> Result<Self, CryptoError> {
                let body: Self = serde_json::from_slice(&bytes)
                    .map_err(|e| CryptoError::BadBody(what.to_string(), e.to_string()))?;
                if body.v != BODY_VERSION {
                    return Err(CryptoError::BadBody(what.to_string(), format!("unknown body version {}", body.v)));
                }
                Ok(body)
            }
        }
    };
}

json_plain!(SegmentBody);
json_plain!(PreferenceBody);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_body_format_is_frozen() {
        let mut body = SegmentBody::text("hola");
        body.speaker = Some("agent".into());
        body.labels.insert("intent".into(), "billing".into());
        body.pii.push(MarkedSpan { kind: "PERSON".into(), start: 0, end: 4 });
        let json = String::from_utf8(body.to_plain()).expect("valid");
        assert_eq!(
            json,
            r#"{"v":1,"text":"hola","speaker":"agent","labels":{"intent":"billing"},"pii":[{"type":"PERSON","start":0,"end":4}]}"#
        );
        assert_eq!(SegmentBody::from_plain(json.into_bytes(), "t").expect("valid"), body);
        assert_eq!(String::from_utf8(SegmentBody::text("x").to_plain()).expect("valid"), r#"{"v":1,"text":"x"}"#);
    }

    #[test]
    fn preference_body_format_is_frozen() {
        let body = PreferenceBody {
            v: 1,
            choice: Choice::BothBad,
            shown_first: Side::B,
            seed: 42,
            ratings: [("honesty".to_string(), Ratings { a: 2, b: 5 })].into_iter().collect(),
            rationale: "b cites".into(),
            ms_on_task: 1500,
        };
        let json = String::from_utf8(body.to_plain()).expect("valid");
        assert_eq!(
            json,
            r#"{"v":1,"choice":"both_bad","shown_first":"b","seed":42,"ratings":{"honesty":{"a":2,"b":5}},"rationale":"b cites","ms_on_task":1500}"#
        );
        assert_eq!(PreferenceBody::from_plain(json.into_bytes(), "t").expect("valid"), body);
    }

    #[test]
    fn unknown_versions_and_fields_are_refused() {
        assert!(SegmentBody::from_plain(br#"{"v":2,"text":"x"}"#.to_vec(), "t").is_err());
        assert!(SegmentBody::from_plain(br#"{"v":1,"text":"x","extra":1}"#.to_vec(), "t").is_err());
        assert!(SegmentBody::from_plain(b"plain text".to_vec(), "t").is_err());
    }
}
