//! Listing fixture files and reading their `# expect:` lines (shared by the fixture-driven tests).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `*.toml` files of `dir`, sorted; panics if there are none.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

/// `fixtures/GROUP/DIR/*.toml` of this repository.
pub fn fixture_files(group: &str, dir: &str) -> Vec<PathBuf> {
    toml_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(group).join(dir))
}

/// The fragments an error must contain, from the file's `# expect: ` lines.
pub fn expected_fragments(text: &str) -> Vec<&str> {
    text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect()
}
