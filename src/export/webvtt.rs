//! `webvtt`: one WebVTT file per conversation. The export id is in the header line and in a NOTE
//! block; each cue carries the segment id, its times and `<v speaker>` text.

use super::{ExportFile, safe_name};
use crate::store::{ExportContent, ExportedItem};

/// `HH:MM:SS.mmm`.
pub fn timestamp(ms: i64) -> String {
    let ms = ms.max(0);
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

/// Cue text may not hold `&`, `<`, `>` unescaped, nor a blank line or `-->`.
fn cue_text(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A voice annotation ends at `>` and may not hold `&` or `<` either.
fn voice(speaker: &str) -> String {
    let cleaned: String = speaker.chars().filter(|c| !matches!(c, '<' | '>' | '&' | '\n' | '\r')).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// NOTE text and identifiers may not contain `-->`.
fn no_arrow(text: &str) -> String {
    text.replace("-->", "->").replace(['\n', '\r'], " ")
}

/// Renders `<item>.vtt`.
pub fn render(content: &ExportContent, item: &ExportedItem) -> ExportFile {
    let id = no_arrow(&content.request.id);
    let mut out = format!("WEBVTT - cloister export {id}\n\n");
    out.push_str(&format!(
        "NOTE cloister export {id} of project {} item {} ({} PII)\n\n",
        no_arrow(&content.request.project),
        no_arrow(&item.external_id),
        if content.masked { "masked" } else { "unmasked" }
    ));
    for s in &item.segments {
        out.push_str(&format!("{}\n", no_arrow(&s.external_id)));
        out.push_str(&format!("{} --> {}\n", timestamp(s.start_ms), timestamp(s.end_ms)));
        let speaker = voice(&s.speaker);
        if speaker.is_empty() {
            out.push_str(&format!("{}\n\n", cue_text(&s.text)));
        } else {
            out.push_str(&format!("<v {speaker}>{}\n\n", cue_text(&s.text)));
        }
    }
    ExportFile {
        name: safe_name(&item.external_id, "vtt"),
        bytes: out.into_bytes(),
        records: item.segments.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_escapes() {
        assert_eq!(timestamp(0), "00:00:00.000");
        assert_eq!(timestamp(3_723_004), "01:02:03.004");
        assert_eq!(cue_text("a <b> & c\n\nd"), "a &lt;b&gt; &amp; c d");
        assert_eq!(voice("agent <x>"), "agent x");
        assert_eq!(no_arrow("a-->b"), "a->b");
    }
}
