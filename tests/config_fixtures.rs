//! Valid and invalid config files from fixtures/config drive these tests: each invalid file names
//! the fragments its error message must contain in `# expect:` lines.

#[path = "common/fixture_files.rs"]
mod fixture_files;

use cloister::config::Config;
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    fixture_files::fixture_files("config", dir)
}

#[test]
fn valid_configs_load() {
    for path in files("valid") {
        Config::load(&path).unwrap_or_else(|e| panic!("{} should load: {e}", path.display()));
    }
    let custom =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/config/valid/custom.toml")).expect("loads");
    assert!(custom.server.post_quantum_only);
    assert_eq!(custom.server.max_sessions, 64);
    assert_eq!(custom.ui.theme, "high-contrast");
}

#[test]
fn example_file_equals_defaults() {
    let example = Config::parse(Config::default_file_text(), Path::new("example")).expect("example parses");
    assert_eq!(example, Config::default(), "docs/cloister.example.toml must show the real defaults");
}

#[test]
fn invalid_configs_are_rejected_with_file_key_and_value() {
    for path in files("invalid") {
        let text = std::fs::read_to_string(&path).expect("read");
        let expected = fixture_files::expected_fragments(&text);
        assert!(!expected.is_empty(), "{} has no `# expect:` lines", path.display());
        let err = Config::load(&path).expect_err(&format!("{} must be rejected", path.display())).to_string();
        for fragment in expected {
            assert!(err.contains(fragment), "{}: error {err:?} lacks {fragment:?}", path.display());
        }
    }
}
