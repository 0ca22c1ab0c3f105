//! `textgrid`: one Praat TextGrid (long text format) per conversation: an interval tier per
//! speaker, gaps filled with empty intervals, and a last tier `cloister-export` whose single
//! interval carries the export id (TextGrid has no comments).

use super::{ExportFile, safe_name};
use crate::store::{ExportContent, ExportedItem};

/// Seconds with millisecond precision, e.g. `1.26`, `0`.
fn seconds(ms: i64) -> String {
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A TextGrid string: double quotes doubled, line breaks made spaces.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\"").replace(['\n', '\r'], " "))
}

struct Tier {
    name: String,
    /// (start ms, end ms, text), contiguous from 0 to the end.
    intervals: Vec<(i64, i64, String)>,
}

fn fill(mut spans: Vec<(i64, i64, String)>, end: i64) -> Vec<(i64, i64, String)> {
    spans.sort_by_key(|s| s.0);
    let mut out = Vec::new();
    let mut at = 0;
    for (start, stop, text) in spans {
        // Segments never overlap (import checks it); clamp anyway so the tier stays valid.
        let start = start.max(at);
        if stop <= start {
            continue;
        }
        if start > at {
            out.push((at, start, String::new()));
        }
        out.push((start, stop, text));
        at = stop;
    }
    if at < end || out.is_empty() {
        out.push((at, end.max(at + 1), String::new()));
    }
    out
}

/// Renders `<item>.TextGrid`.
pub fn render(content: &ExportContent, item: &ExportedItem) -> ExportFile {
    let last = item.segments.iter().map(|s| s.end_ms).max().unwrap_or(0);
    let end = item.duration_ms.unwrap_or(0).max(last).max(1);
    let mut speakers: Vec<String> = Vec::new();
    for s in &item.segments {
        if !speakers.contains(&s.speaker) {
            speakers.push(s.speaker.clone());
        }
    }
    let mut tiers: Vec<Tier> = speakers
        .iter()
        .map(|speaker| {
            let spans = item
                .segments
                .iter()
                .filter(|s| &s.speaker == speaker)
                .map(|s| (s.start_ms, s.end_ms, s.text.clone()))
                .collect();
            Tier { name: speaker.clone(), intervals: fill(spans, end) }
        })
        .collect();
    let watermark = format!("cloister export {} of project {}", content.request.id, content.request.project);
    tiers.push(Tier { name: "cloister-export".into(), intervals: vec![(0, end, watermark)] });
    let mut out = String::from("File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n\n");
    out.push_str(&format!(
        "xmin = 0 \nxmax = {} \ntiers? <exists> \nsize = {} \nitem []: \n",
        seconds(end),
        tiers.len()
    ));
    for (n, tier) in tiers.iter().enumerate() {
        out.push_str(&format!("    item [{}]:\n", n + 1));
        out.push_str("        class = \"IntervalTier\" \n");
        out.push_str(&format!("        name = {} \n", quoted(&tier.name)));
        out.push_str(&format!("        xmin = 0 \n        xmax = {} \n", seconds(end)));
        out.push_str(&format!("        intervals: size = {} \n", tier.intervals.len()));
        for (i, (start, stop, text)) in tier.intervals.iter().enumerate() {
            out.push_str(&format!("        intervals [{}]:\n", i + 1));
            out.push_str(&format!("            xmin = {} \n", seconds(*start)));
            out.push_str(&format!("            xmax = {} \n", seconds(*stop)));
            out.push_str(&format!("            text = {} \n", quoted(text)));
        }
    }
    ExportFile {
        name: safe_name(&item.external_id, "TextGrid"),
        bytes: out.into_bytes(),
        records: item.segments.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_quotes_and_gaps() {
        assert_eq!(seconds(1260), "1.26");
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(16_552), "16.552");
        assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
        let filled = fill(vec![(500, 900, "b".into()), (0, 200, "a".into())], 1000);
        let bounds: Vec<(i64, i64)> = filled.iter().map(|i| (i.0, i.1)).collect();
        assert_eq!(bounds, vec![(0, 200), (200, 500), (500, 900), (900, 1000)]);
    }
}
