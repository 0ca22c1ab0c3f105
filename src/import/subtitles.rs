//! WebVTT and SRT transcripts, imported as one item with the same-stem `.wav` beside them.

use super::{ImportError, check_segments, load_audio, record_error, resolve_inside};
use crate::store::{NewItem, NewSegment};
use std::path::Path;

/// One cue of a transcript: (line of its timing, start, end, speaker, text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// 1-based line of the timing line.
    pub line: usize,
    /// Start in milliseconds.
    pub start_ms: i64,
    /// End in milliseconds.
    pub end_ms: i64,
    /// Speaker from `<v name>` (WebVTT) or a `name: ` prefix (SRT); `unknown` if absent.
    pub speaker: String,
    /// Text of the cue, lines joined by a space.
    pub text: String,
}

/// Parses a timestamp `[hh:]mm:ss.mmm` (`,` allowed as the decimal mark for SRT).
fn timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let (clock, millis) = text.split_once(['.', ','])?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2
        || parts.len() > 3
        || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 4)
    {
        return None;
    }
    let mut seconds: i64 = 0;
    for (n, part) in parts.iter().enumerate() {
        let value: i64 = part.parse().ok()?;
        if n > 0 && value >= 60 {
            return None;
        }
        seconds = seconds * 60 + value;
    }
    Some(seconds * 1000 + millis.parse::<i64>().ok()?)
}

/// Splits `a --> b [settings]`.
fn timing(line: &str) -> Option<(i64, i64)> {
    let (start, rest) = line.split_once("-->")?;
    let end = rest.split_whitespace().next()?;
    Some((timestamp(start)?, timestamp(end)?))
}

fn blocks(text: &str) -> Vec<Vec<(usize, &str)>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push((n + 1, line));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn cue_from_block(
    file: &Path,
    block: &[(usize, &str)],
    speaker_of: fn(&str) -> (String, String),
) -> Result<Option<Cue>, ImportError> {
    let Some(index) = block.iter().position(|(_, l)| l.contains("-->")) else {
        return Ok(None);
    };
    let (line, timing_line) = block[index];
    let (start_ms, end_ms) = timing(timing_line).ok_or_else(|| {
        record_error(file, line, "timing", format!("{timing_line:?} is not `hh:mm:ss.mmm --> hh:mm:ss.mmm`"))
    })?;
    let body: Vec<&str> = block[index + 1..].iter().map(|(_, l)| l.trim()).collect();
    if body.is_empty() {
        return Err(record_error(file, line, "text", "the cue has no text"));
    }
    let (speaker, text) = speaker_of(&body.join(" "));
    Ok(Some(Cue { line, start_ms, end_ms, speaker, text }))
}

fn vtt_speaker(text: &str) -> (String, String) {
    if let Some((name, body)) = text.strip_prefix("<v").and_then(|rest| rest.split_once('>')) {
        let body = body.replace("</v>", "");
        return (name.trim().to_string(), body.trim().to_string());
    }
    ("unknown".into(), text.to_string())
}

fn srt_speaker(text: &str) -> (String, String) {
    match text.split_once(": ") {
        Some((name, body)) if !name.is_empty() && name.len() <= 32 && !name.contains(' ') => {
            (name.to_string(), body.to_string())
        }
        _ => ("unknown".into(), text.to_string()),
    }
}

/// Parses WebVTT text.
pub fn parse_vtt(file: &Path, text: &str) -> Result<Vec<Cue>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.starts_with("WEBVTT") {
        return Err(record_error(file, 1, "header", "a WebVTT file must start with `WEBVTT`"));
    }
    let mut cues = Vec::new();
    for block in blocks(text).iter().skip(1) {
        if block
            .first()
            .is_some_and(|(_, l)| l.starts_with("NOTE") || l.starts_with("STYLE") || l.starts_with("REGION"))
        {
            continue;
        }
        cues.extend(cue_from_block(file, block, vtt_speaker)?);
    }
    Ok(cues)
}

/// Parses SRT text.
pub fn parse_srt(file: &Path, text: &str) -> Result<Vec<Cue>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut cues = Vec::new();
    for block in blocks(text) {
        match cue_from_block(file, &block, srt_speaker)? {
            Some(cue) => cues.push(cue),
            None => {
                let (line, content) = block[0];
                return Err(record_error(
                    file,
                    line,
                    "timing",
                    format!("expected a cue number then a timing line, found {content:?}"),
                ));
            }
        }
    }
    Ok(cues)
}

/// Reads a `.vtt` or `.srt` transcript and the same-stem `.wav` beside it as one item whose id
/// is the file stem.
pub fn parse_sidecar(file: &Path, language: Option<String>) -> Result<NewItem, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Io { file: file.to_path_buf(), source })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        record_error(
            file,
            1,
            "-",
            format!("invalid UTF-8 at byte {}; save the file as UTF-8", e.utf8_error().valid_up_to()),
        )
    })?;
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let cues = match extension.as_str() {
        "vtt" => parse_vtt(file, &text)?,
        "srt" => parse_srt(file, &text)?,
        other => {
            return Err(record_error(
                file,
                1,
                "-",
                format!("unknown transcript extension {other:?}; use .vtt or .srt"),
            ));
        }
    };
    if cues.is_empty() {
        return Err(ImportError::Empty { file: file.to_path_buf() });
    }
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    let base = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let audio_path =
        resolve_inside(base, &format!("{stem}.wav")).map_err(|reason| record_error(file, 1, "audio", reason))?;
    let audio = load_audio(&audio_path).map_err(|reason| record_error(file, 1, "audio", reason))?;
    let segments: Vec<NewSegment> = cues
        .iter()
        .enumerate()
        .map(|(n, c)| NewSegment {
            external_id: format!("{stem}-s{:02}", n + 1),
            start_ms: c.start_ms,
            end_ms: c.end_ms,
            speaker: c.speaker.clone(),
            text: c.text.clone(),
            pii: Vec::new(),
        })
        .collect();
    if let Err((field, reason)) = check_segments(&segments, audio.duration_ms) {
        let line = field
            .strip_prefix("segments[")
            .and_then(|r| r.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| cues.get(n))
            .map_or(1, |c| c.line);
        return Err(record_error(file, line, field, reason));
    }
    Ok(NewItem { external_id: stem, language, title: None, audio: Some(audio), segments, preference: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("00:00:01.260"), Some(1260));
        assert_eq!(timestamp("01:02.003"), Some(62_003));
        assert_eq!(timestamp("00:00:01,238"), Some(1238));
        assert_eq!(timestamp("00:61:00.000"), None);
        assert_eq!(timestamp("1.5"), None);
        assert_eq!(timestamp(""), None);
    }

    #[test]
    fn vtt_and_srt_speakers() {
        let path = Path::new("t.vtt");
        let cues = parse_vtt(path, "WEBVTT\n\n1\n00:00.000 --> 00:01.000\n<v agent>Hello there</v>\n").expect("parses");
        assert_eq!(cues[0].speaker, "agent");
        assert_eq!(cues[0].text, "Hello there");
        let cues = parse_srt(path, "1\n00:00:00,000 --> 00:00:01,000\ncustomer: Hola\n").expect("parses");
        assert_eq!((cues[0].speaker.as_str(), cues[0].text.as_str()), ("customer", "Hola"));
        let err = parse_srt(path, "1\n00:00:00,000 -> 00:00:01,000\nx\n").expect_err("bad timing");
        assert!(err.to_string().contains("t.vtt:1"), "{err}");
    }
}
