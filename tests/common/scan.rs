//! Scanning every file under a directory for strings or byte strings that must not be there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Every regular file under `root`, recursively.
pub fn every_file(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() { stack.push(path) } else { out.push(path) }
        }
    }
    out.sort();
    out
}

/// Texts and gold PII strings of the transcription fixture (8 bytes or longer: shorter ones could
/// occur by chance in random bytes).
pub fn call_strings() -> Vec<String> {
    let mut out = Vec::new();
    let manifest = super::fixtures().join("calls/manifest.jsonl");
    for line in std::fs::read_to_string(manifest).expect("manifest").lines() {
        let item: serde_json::Value = serde_json::from_str(line).expect("json");
        for seg in item["segments"].as_array().expect("segments") {
            let text = seg["text"].as_str().expect("text").to_string();
            let chars: Vec<char> = text.chars().collect();
            for span in seg["pii"].as_array().expect("pii") {
                let (s, e) = (span["start"].as_u64().expect("s") as usize, span["end"].as_u64().expect("e") as usize);
                out.push(chars[s..e].iter().collect());
            }
            out.push(text);
        }
        out.push(item["title"].as_str().expect("title").to_string());
    }
    out.retain(|s| s.len() >= 8);
    out
}

/// Prompts and responses of the preference fixture (8 bytes or longer).
pub fn preference_strings() -> Vec<String> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(super::fixtures().join("preference/prefs.jsonl")).expect("prefs").lines() {
        let rec: serde_json::Value = serde_json::from_str(line).expect("json");
        out.push(rec["prompt"].as_str().expect("prompt").to_string());
        for r in rec["responses"].as_array().expect("responses") {
            out.push(r["text"].as_str().expect("text").to_string());
        }
    }
    out.retain(|s| s.len() >= 8);
    out
}

/// The first file under `root` holding any of `needles`, with the needle's index.
pub fn find_any(root: &Path, needles: &[Vec<u8>]) -> Option<(PathBuf, usize)> {
    let matcher = aho_corasick::AhoCorasick::new(needles).expect("patterns");
    for file in every_file(root) {
        let bytes = std::fs::read(&file).expect("read");
        if let Some(found) = matcher.find(&bytes) {
            return Some((file, found.pattern().as_usize()));
        }
    }
    None
}

/// Which of `needles` occur somewhere under `root`.
pub fn found_anywhere(root: &Path, needles: &[Vec<u8>]) -> Vec<bool> {
    let matcher = aho_corasick::AhoCorasick::new(needles).expect("patterns");
    let mut seen = vec![false; needles.len()];
    for file in every_file(root) {
        let bytes = std::fs::read(&file).expect("read");
        for found in matcher.find_overlapping_iter(&bytes) {
            seen[found.pattern().as_usize()] = true;
        }
    }
    seen
}
