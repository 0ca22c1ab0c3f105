//! Import of datasets: transcription manifests (JSONL), WebVTT/SRT transcripts beside their audio,
//! and preference JSONL. Parsers validate everything before the store sees a single record, and
//! the store imports in one transaction, so an import is all-or-nothing.

mod manifest;
mod preference;
mod subtitles;

pub use manifest::{parse_manifest, parse_manifest_bytes};
pub use preference::{parse_preferences, parse_preferences_bytes};
pub use subtitles::{parse_sidecar, parse_srt, parse_vtt};

use crate::store::{NewSegment, PiiSpan};
use std::path::{Path, PathBuf};

/// PII types allowed in gold spans.
pub const PII_TYPES: &[&str] = &["PERSON", "PHONE", "EMAIL", "CARD", "IBAN", "SSN", "IP", "ADDRESS", "DATE", "NUMBER"];

/// Errors found while reading an import file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// One record is invalid; nothing was imported.
    #[error("{file}:{line}: {field}: {reason} (nothing was imported)")]
    Record {
        /// The file.
        file: PathBuf,
        /// 1-based line of the record.
        line: usize,
        /// The field, e.g. `segments[1].start_ms`, or `-` for the whole line.
        field: String,
        /// What is wrong, quoting the bad value.
        reason: String,
    },
    /// The file holds no records.
    #[error("{file}: no records found")]
    Empty {
        /// The file.
        file: PathBuf,
    },
}

/// Builds a record error.
pub(crate) fn record_error(
    file: &Path,
    line: usize,
    field: impl Into<String>,
    reason: impl Into<String>,
) -> ImportError {
    ImportError::Record { file: file.to_path_buf(), line, field: field.into(), reason: reason.into() }
}

/// Splits a file into (1-based line number, UTF-8 text) of its non-blank lines.
pub(crate) fn utf8_lines(file: &Path, bytes: &[u8]) -> Result<Vec<(usize, String)>, ImportError> {
    let mut out = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|e| {
            record_error(
                file,
                index + 1,
                "-",
                format!("invalid UTF-8 at byte {} of the line; save the file as UTF-8", e.valid_up_to()),
            )
        })?;
        if !text.trim().is_empty() {
            out.push((index + 1, text.to_string()));
        }
    }
    Ok(out)
}

/// Resolves `relative` inside `base` (the manifest's folder), refusing absolute paths, `..`
/// components and symlinks that lead outside `base`.
pub(crate) fn resolve_inside(base: &Path, relative: &str) -> Result<PathBuf, String> {
    let path = Path::new(relative);
    if relative.is_empty() {
        return Err("is empty".into());
    }
    if path.is_absolute() {
        return Err(format!("{relative:?} is an absolute path; give a path relative to the manifest's folder"));
    }
    if path.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
        return Err(format!(
            "{relative:?} escapes the manifest's folder; keep audio files beside or below the manifest"
        ));
    }
    let base = base.canonicalize().map_err(|e| format!("cannot resolve the manifest folder: {e}"))?;
    let full = base.join(path);
    let real = full.canonicalize().map_err(|e| format!("{relative:?}: {e}"))?;
    if !real.starts_with(&base) {
        return Err(format!("{relative:?} is a symlink that points outside the manifest's folder"));
    }
    Ok(real)
}

/// Reads and decodes an audio file, returning it ready to store.
pub(crate) fn load_audio(path: &Path) -> Result<crate::store::NewAudio, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let decoded = crate::audio::decode(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(crate::store::NewAudio {
        duration_ms: decoded.duration_ms(),
        sample_rate: decoded.sample_rate,
        channels: decoded.channels,
        bytes,
    })
}

/// Checks PII spans against their text: known type, in range, start < end.
pub(crate) fn check_spans(text: &str, spans: &[PiiSpan], field: &str) -> Result<(), (String, String)> {
    let len = text.chars().count();
    for (n, span) in spans.iter().enumerate() {
        if !PII_TYPES.contains(&span.kind.as_str()) {
            return Err((
                format!("{field}[{n}].type"),
                format!("unknown PII type {:?}; use one of {}", span.kind, PII_TYPES.join(", ")),
            ));
        }
        if span.end > len {
            return Err((
                format!("{field}[{n}].end"),
                format!("{} is out of range: the text has {len} chars", span.end),
            ));
        }
        if span.start >= span.end {
            return Err((format!("{field}[{n}].start"), format!("{} must be less than end {}", span.start, span.end)));
        }
    }
    Ok(())
}

/// Checks segment timing and ids within an item: start ≥ 0, start < end, increasing, no overlap,
/// inside the audio. Returns (field, reason) of the first problem.
pub(crate) fn check_segments(segments: &[NewSegment], duration_ms: i64) -> Result<(), (String, String)> {
    // Rounding of sample positions to whole milliseconds may leave the last end 1 ms past the file.
    const SLACK_MS: i64 = 10;
    let mut previous_end = 0;
    for (n, s) in segments.iter().enumerate() {
        if s.external_id.trim().is_empty() {
            return Err((format!("segments[{n}].id"), "must not be empty".into()));
        }
        if s.start_ms < 0 {
            return Err((
                format!("segments[{n}].start_ms"),
                format!("{} is negative; times are milliseconds >= 0", s.start_ms),
            ));
        }
        if s.end_ms <= s.start_ms {
            return Err((
                format!("segments[{n}].end_ms"),
                format!("{} must be greater than start_ms {}", s.end_ms, s.start_ms),
            ));
        }
        if n > 0 && s.start_ms < previous_end {
            return Err((
                format!("segments[{n}].start_ms"),
                format!("{} overlaps the previous segment, which ends at {previous_end}", s.start_ms),
            ));
        }
        if s.end_ms > duration_ms + SLACK_MS {
            return Err((
                format!("segments[{n}].end_ms"),
                format!("{} is beyond the audio's duration of {duration_ms} ms", s.end_ms),
            ));
        }
        check_spans(&s.text, &s.pii, &format!("segments[{n}].pii"))?;
        previous_end = s.end_ms;
    }
    Ok(())
}
