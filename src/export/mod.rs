//! Export file formats, as pure functions from [`ExportContent`] to named files. Every file
//! carries the export id (the watermark): a field in each JSON line, a `NOTE` and header text in
//! WebVTT, a dedicated tier in TextGrid. docs/FORMATS.md describes each format.

mod jsonl;
mod preference;
mod textgrid;
mod webvtt;

use crate::store::{ExportContent, ExportFormat};

/// One file to write: its name inside the output folder, its bytes and how many records it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// File name (no directories).
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// Records (segments, items or judgments) in it.
    pub records: u64,
}

/// The files of an export in `format`.
pub fn render(content: &ExportContent, format: ExportFormat) -> Vec<ExportFile> {
    match format {
        ExportFormat::Jsonl => vec![jsonl::render(content)],
        ExportFormat::PreferenceJsonl => vec![preference::render(content)],
        ExportFormat::Webvtt => content.items.iter().map(|item| webvtt::render(content, item)).collect(),
        ExportFormat::Textgrid => content.items.iter().map(|item| textgrid::render(content, item)).collect(),
    }
}

/// A file name built from an import id: anything but ASCII letters, digits, `-`, `_` and `.`
/// becomes `_`, so an id can never name a path outside the output folder.
pub fn safe_name(id: &str, extension: &str) -> String {
    let stem: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    let stem = stem.trim_start_matches('.');
    format!("{}.{extension}", if stem.is_empty() { "item" } else { stem })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_inside_the_folder() {
        assert_eq!(safe_name("call-en-001", "vtt"), "call-en-001.vtt");
        assert_eq!(safe_name("../../etc/passwd", "vtt"), "_.._etc_passwd.vtt");
        assert_eq!(safe_name("..", "vtt"), "item.vtt");
        assert_eq!(safe_name("llamada ñ/1", "TextGrid"), "llamada___1.TextGrid");
    }
}
