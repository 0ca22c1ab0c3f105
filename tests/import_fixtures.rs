//! Import through the real binary and parsers: every invalid fixture is refused with file:line and
//! field, nothing is stored (rows counted before and after), and the valid formats all import.

mod common;

use common::*;
use std::process::Command;

/// (case folder, field the error must name, words the reason must contain)
const INVALID: &[(&str, &str, &str)] = &[
    ("escape_dotdot", "audio", "escapes the manifest's folder"),
    ("absolute_path", "audio", "absolute path"),
    ("not_audio", "audio", "not a supported audio file"),
    ("symlink_out", "audio", "symlink that points outside"),
    ("bad_utf8", "-", "invalid UTF-8"),
    ("bad_json", "title", "EOF while parsing"),
    ("duplicate_id", "id", "duplicate id \"inv-001\""),
    ("duplicate_segment_id", "segments[1].id", "duplicate segment id"),
    ("negative_time", "segments[0].start_ms", "-5 is negative"),
    ("overlap", "segments[1].start_ms", "overlaps the previous segment"),
    ("end_before_start", "segments[0].end_ms", "must be greater than start_ms"),
    ("missing_field", "segments[0]", "missing field `text`"),
    ("bad_pii_span", "segments[0].pii[0].end", "out of range"),
    ("bad_pii_type", "segments[0].pii[0].type", "unknown PII type \"CREDIT_CARD\""),
    ("segment_beyond_audio", "segments[1].end_ms", "beyond the audio's duration"),
];

fn cloister() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cloister"))
}

fn counts(dir: &cloister::datadir::DataDir) -> (i64, i64, i64) {
    let store = dir.store().expect("store");
    let c = |t: &str| -> i64 {
        store.raw_connection().query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)).expect("count")
    };
    (c("items"), c("segments"), c("audio"))
}

#[test]
fn invalid_manifests_are_refused_whole_with_line_and_field() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let dir = cloister::datadir::DataDir::new(&data);
    dir.init().expect("init");
    let before = counts(&dir);
    for (case, field, reason) in INVALID {
        let manifest = fixtures().join("invalid").join(case).join("manifest.jsonl");
        let out = cloister()
            .args(["import", "--data"])
            .arg(&data)
            .args(["--project", "inv", "--kind", "transcription"])
            .arg(&manifest)
            .output()
            .expect("run cloister");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{case}: import must fail");
        assert!(stderr.contains("manifest.jsonl:2: "), "{case}: no file:line in {stderr}");
        assert!(stderr.contains(&format!(": {field}: ")), "{case}: field {field} not named in {stderr}");
        assert!(stderr.contains(reason), "{case}: reason {reason:?} not in {stderr}");
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        assert_eq!(counts(&dir), before, "{case}: rows were imported");
    }
}

#[test]
fn valid_formats_import_through_the_binary() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let run = |args: &[&str], file: &std::path::Path| {
        let out = cloister().args(args).arg("--data").arg(&data).arg(file).output().expect("run");
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(cloister().args(["init", "--data"]).arg(&data).status().expect("init").success());
    let out =
        run(&["import", "--project", "calls", "--kind", "transcription"], &fixtures().join("calls/manifest.jsonl"));
    assert!(out.contains("imported 10 items, 69 segments"), "{out}");
    let out = run(
        &["import", "--project", "vtt", "--kind", "transcription", "--language", "en"],
        &fixtures().join("calls/sidecar/call-en-001.vtt"),
    );
    assert!(out.contains("imported 1 items, 8 segments"), "{out}");
    let out = run(
        &["import", "--project", "srt", "--kind", "transcription", "--language", "es"],
        &fixtures().join("calls/sidecar/call-es-001.srt"),
    );
    assert!(out.contains("imported 1 items"), "{out}");
    let out =
        run(&["import", "--project", "prefs", "--kind", "preference"], &fixtures().join("preference/prefs.jsonl"));
    assert!(out.contains("imported 26 items"), "{out}");
    // Importing the same manifest again is refused as a whole.
    let again = cloister()
        .args(["import", "--project", "calls", "--kind", "transcription", "--data"])
        .arg(&data)
        .arg(fixtures().join("calls/manifest.jsonl"))
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let list = cloister().args(["project", "list", "--data"]).arg(&data).output().expect("list");
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.lines().any(|l| l.starts_with("calls\ttranscription\topen\titems=10\tsegments=69")), "{list}");
    // A preference file cannot go into a transcription project.
    let wrong = cloister()
        .args(["import", "--project", "calls", "--kind", "preference", "--data"])
        .arg(&data)
        .arg(fixtures().join("preference/prefs.jsonl"))
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("is a transcription project"));
    // Admin actions are in the audit log.
    let added = cloister().args(["user", "add", "dave", "--data"]).arg(&data).output().expect("user add");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let export = cloister()
        .args(["audit", "export", "--since", "2000-01-01T00:00:00Z", "--format", "jsonl", "--data"])
        .arg(&data)
        .output()
        .expect("export");
    let log = String::from_utf8_lossy(&export.stdout);
    let admin: Vec<&str> = log.lines().filter(|l| l.contains("\"kind\":\"admin\"")).collect();
    assert!(admin.iter().any(|l| l.contains("import --project calls --kind transcription")), "{log}");
    assert!(admin.iter().any(|l| l.contains("user Add") && l.contains("dave")), "{log}");
}

#[test]
fn sidecar_segments_match_the_manifest() {
    let vtt = cloister::import::parse_sidecar(&fixtures().join("calls/sidecar/call-en-001.vtt"), None).expect("vtt");
    let items =
        cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("manifest");
    let manifest = items.iter().find(|i| i.external_id == "call-en-001").expect("item");
    assert_eq!(vtt.segments.len(), manifest.segments.len());
    for (a, b) in vtt.segments.iter().zip(&manifest.segments) {
        assert_eq!((a.start_ms, a.end_ms, &a.speaker, &a.text), (b.start_ms, b.end_ms, &b.speaker, &b.text));
    }
}
