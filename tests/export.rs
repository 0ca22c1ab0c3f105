//! `cloister export` through the real binary: admins only where the policy allows, refused after
//! close, two approvals where the policy asks, a manifest whose SHA-256 sums match, the export id
//! in every file, masking per policy, an audit record, and WebVTT / TextGrid files that the field's
//! usual tools parse (Python `webvtt-py` and `praatio`: `pip install webvtt-py praatio`).

mod common;

use cloister::policy::{Principal, Role};
use cloister::store::{Choice, PreferenceBody, Ratings, SegmentBody, Side};
use common::scan::call_strings;
use common::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

fn cloister(args: &[&str], data: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

/// A folder holding webvtt-py and praatio: installed from PyPI into the target dir on first use,
/// so `cargo test` needs no set-up beyond Python with pip (CI installs them up front too).
fn python_parsers() -> std::path::PathBuf {
    let deps = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pydeps");
    let present = Command::new("python3")
        .env("PYTHONPATH", &deps)
        .args(["-c", "import webvtt, praatio"])
        .status()
        .is_ok_and(|s| s.success());
    if !present {
        let status = Command::new("python3")
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "--target"])
            .arg(&deps)
            .args(["webvtt-py", "praatio"])
            .status()
            .expect("python3 -m pip runs");
        assert!(status.success(), "pip install webvtt-py praatio into {} failed", deps.display());
    }
    deps
}

/// Parses exported files with webvtt-py and praatio; returns their JSON summary.
fn parse_with_python(files: &[std::path::PathBuf]) -> serde_json::Value {
    let script = r#"
import json, sys
try:
    import webvtt
    from praatio import textgrid
except ImportError as e:
    sys.exit("missing Python package (%s): pip install webvtt-py praatio" % e)
out = {}
for p in sys.argv[1:]:
    if p.endswith(".vtt"):
        caps = webvtt.read(p)
        out[p] = {"cues": len(caps), "ids": [c.identifier for c in caps], "voices": [c.voice for c in caps],
                  "texts": [c.text for c in caps], "starts": [c.start for c in caps]}
    else:
        tg = textgrid.openTextgrid(p, includeEmptyIntervals=False)
        out[p] = {"tiers": tg.tierNames,
                  "labels": {n: [e.label for e in tg.getTier(n).entries] for n in tg.tierNames},
                  "xmax": tg.maxTimestamp}
print(json.dumps(out))
"#;
    let deps = python_parsers();
    let out = Command::new("python3")
        .env("PYTHONPATH", &deps)
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "python parsers failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Checks the manifest against the files beside it; returns it.
fn check_manifest(out: &Path, export_id: &str) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).expect("manifest")).expect("json");
    assert_eq!(manifest["export_id"], export_id);
    assert_eq!(manifest["version"], 1);
    for file in manifest["files"].as_array().expect("files") {
        let bytes = std::fs::read(out.join(file["name"].as_str().expect("name"))).expect("file");
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(&bytes)), "{file}");
        assert!(String::from_utf8_lossy(&bytes).contains(export_id), "watermark in {file}");
    }
    manifest
}

fn export_id(stdout: &str) -> String {
    stdout.split_whitespace().find(|w| w.starts_with("x-")).expect("export id").trim_end_matches(':').to_string()
}

#[test]
fn exports_are_controlled_watermarked_masked_and_parse() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let data = dir.root.clone();
    let store = dir.store().expect("store");
    let alice = principal(&store, "alice");
    let queue = store.queue(&alice).expect("queue");
    let call = queue.iter().find(|q| q.project == "calls-demo").expect("call").item_id;
    let segments = store.item_segments(&alice, call).expect("read");
    let mut body = SegmentBody::text("Northwind Bank, Sarah speaking here.");
    body.labels.insert("intent".into(), "card".into());
    store.submit_annotation(&alice, segments[0].id, "annotate", body).expect("submit");
    let pref = queue.iter().find(|q| q.project == "prefs-demo").expect("pref").item_id;
    let judgment = PreferenceBody {
        v: 1,
        choice: Choice::A,
        shown_first: Side::B,
        seed: 7,
        ratings: [("helpfulness".to_string(), Ratings { a: 5, b: 2 })].into_iter().collect(),
        rationale: "a explains the dispute process".into(),
        ms_on_task: 4200,
    };
    store.submit_preference(&alice, pref, &judgment).expect("judge");
    drop(store);

    // JSONL of the transcription project: one line per segment, masked by default.
    let out = tmp.path().join("jsonl");
    let (code, stdout, err) = cloister(
        &[
            "export",
            "--project",
            "calls-demo",
            "--format",
            "jsonl",
            "--out",
            out.to_str().expect("utf-8"),
            "--reason",
            "vendor QA audit",
        ],
        &data,
    );
    assert_eq!(code, 0, "{err}");
    let id = export_id(&stdout);
    let manifest = check_manifest(&out, &id);
    assert_eq!((manifest["records"].as_u64(), manifest["masked"].as_bool()), (Some(69), Some(true)));
    assert_eq!(manifest["reason"], "vendor QA audit");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(out.join("export.jsonl"))
        .expect("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert!(lines.iter().all(|l| l["export_id"] == id.as_str()));
    let first = &lines[0];
    assert_eq!(first["segment"], "call-en-001-s01");
    assert_eq!((first["source"].as_str(), first["labels"]["intent"].as_str()), (Some("annotation"), Some("card")));
    assert_eq!(first["text"], "Northwind Bank, [PERSON] speaking here.", "policy masks exports by default");
    assert_eq!(first["annotations"][0]["annotator"], "annotator-1", "pseudonyms, not user names");
    let exported = std::fs::read_to_string(out.join("export.jsonl")).expect("jsonl");
    for pii in ["Daniel Okafor", "4539 1488 0343 6467", "42 Elm Street", "12 March 1984"] {
        assert!(!exported.contains(pii), "raw PII {pii:?} exported against the policy");
    }
    assert!(call_strings().iter().any(|t| exported.contains(t.as_str())), "PII-free text is exported as is");

    // WebVTT and TextGrid parse with the field's tools.
    let vtt = tmp.path().join("vtt");
    let (code, _, err) = cloister(
        &[
            "export",
            "--project",
            "calls-demo",
            "--format",
            "webvtt",
            "--out",
            vtt.to_str().expect("utf-8"),
            "--reason",
            "subtitle review",
        ],
        &data,
    );
    assert_eq!(code, 0, "{err}");
    let tg = tmp.path().join("tg");
    let (code, stdout, err) = cloister(
        &[
            "export",
            "--project",
            "calls-demo",
            "--format",
            "textgrid",
            "--out",
            tg.to_str().expect("utf-8"),
            "--reason",
            "phonetics study",
        ],
        &data,
    );
    assert_eq!(code, 0, "{err}");
    let tg_id = export_id(&stdout);
    let vtt_file = vtt.join("call-en-001.vtt");
    let tg_file = tg.join("call-en-001.TextGrid");
    let parsed = parse_with_python(&[vtt_file.clone(), tg_file.clone()]);
    let v = &parsed[vtt_file.to_str().expect("utf-8")];
    assert_eq!(v["cues"], 8);
    assert_eq!(v["ids"][0], "call-en-001-s01");
    assert_eq!(v["voices"][1], "customer");
    assert_eq!(v["starts"][1], "00:00:01.510");
    assert_eq!(v["texts"][3], "[DATE].");
    let t = &parsed[tg_file.to_str().expect("utf-8")];
    assert_eq!(t["tiers"], serde_json::json!(["agent", "customer", "cloister-export"]));
    assert_eq!(t["labels"]["agent"].as_array().expect("agent").len(), 4);
    assert_eq!(t["labels"]["cloister-export"][0], format!("cloister export {tg_id} of project calls-demo"));
    assert_eq!(std::fs::read_dir(&vtt).expect("dir").count(), 11, "10 conversations and the manifest");

    // Preference judgments in reward-model shape.
    let prefs = tmp.path().join("prefs");
    let (code, _, err) = cloister(
        &[
            "export",
            "--project",
            "prefs-demo",
            "--format",
            "preference-jsonl",
            "--out",
            prefs.to_str().expect("utf-8"),
            "--reason",
            "reward model",
        ],
        &data,
    );
    assert_eq!(code, 0, "{err}");
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(prefs.join("preferences.jsonl")).expect("prefs").lines().next().expect("a judgment"),
    )
    .expect("json");
    assert_eq!((line["choice"].as_str(), line["shown_first"].as_str()), (Some("a"), Some("b")));
    assert!(line["chosen"].as_str().expect("chosen").starts_with("First check whether"), "{line}");
    assert_eq!(line["rejected"], "Just wait, it will probably fix itself.");

    // Refusals: wrong format for the kind, a non-empty folder, no reason.
    let (code, _, err) = cloister(
        &["export", "--project", "prefs-demo", "--format", "webvtt", "--out", "/tmp/never", "--reason", "subtitles"],
        &data,
    );
    assert_ne!(code, 0);
    assert!(err.contains("does not fit a preference project"), "{err}");
    let (code, _, err) = cloister(
        &[
            "export",
            "--project",
            "calls-demo",
            "--format",
            "jsonl",
            "--out",
            out.to_str().expect("utf-8"),
            "--reason",
            "again",
        ],
        &data,
    );
    assert_ne!(code, 0);
    assert!(err.contains("not empty"), "{err}");
    let (code, _, err) =
        cloister(&["export", "--project", "calls-demo", "--format", "jsonl", "--out", "/tmp/x"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("--reason"), "{err}");

    // Every export is in the audit log, with its id.
    let (_, log, _) = cloister(&["audit", "export", "--format", "jsonl"], &data);
    let exports: Vec<&str> = log.lines().filter(|l| l.contains("\"kind\":\"export\"")).collect();
    assert_eq!(exports.len(), 4, "{log}");
    assert!(exports.iter().any(|l| l.contains(&id) && l.contains("vendor QA audit")), "{log}");

    // After close, no export.
    let (code, _, _) = cloister(&["project", "close", "calls-demo"], &data);
    assert_eq!(code, 0);
    let (code, _, err) = cloister(
        &["export", "--project", "calls-demo", "--format", "jsonl", "--out", "/tmp/never2", "--reason", "too late"],
        &data,
    );
    assert_ne!(code, 0);
    assert!(err.contains("is closed"), "{err}");
}

#[test]
fn policy_can_forbid_exports_or_ask_for_two_admins() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let data = dir.root.clone();
    let manifest = fixtures().join("calls/manifest.jsonl");
    for (name, policy) in [
        ("locked", "export_allowed = false\n"),
        ("dual", "export_approvals = 2\n"),
        ("rawp", "[masking.roles.export]\ndefault = \"raw\"\n"),
    ] {
        let file = tmp.path().join(format!("{name}.toml"));
        std::fs::write(&file, policy).expect("policy");
        let out = Command::new(env!("CARGO_BIN_EXE_cloister"))
            .args(["import", "--project", name, "--kind", "transcription", "--policy"])
            .arg(&file)
            .arg("--data")
            .arg(&data)
            .arg(&manifest)
            .output()
            .expect("import");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (code, _, err) = cloister(
        &["export", "--project", "locked", "--format", "jsonl", "--out", "/tmp/never3", "--reason", "please"],
        &data,
    );
    assert_ne!(code, 0);
    assert!(err.contains("does not allow exports"), "{err}");

    let out = tmp.path().join("dual");
    let (code, stdout, err) = cloister(
        &[
            "export",
            "--project",
            "dual",
            "--format",
            "jsonl",
            "--out",
            out.to_str().expect("utf-8"),
            "--reason",
            "regulator request",
        ],
        &data,
    );
    assert_eq!(code, 3, "pending: {stdout} {err}");
    assert!(stdout.contains("waits for a second admin"), "{stdout}");
    let id = export_id(&stdout);
    assert!(!out.exists(), "nothing written before approval");
    let (code, _, err) = cloister(&["export", "run", &id], &data);
    assert_ne!(code, 0);
    assert!(err.contains("waits for a second admin"), "{err}");
    let (code, _, err) = cloister(&["export", "approve", &id], &data);
    assert_ne!(code, 0, "the requester (the operator) cannot approve their own export");
    assert!(err.contains("a different admin must approve"), "{err}");

    // A second admin approves (over SSH in practice; here through the store as that admin).
    let store = dir.store().expect("store");
    store.add_user(&Principal::operator(), "dana", true).expect("second admin");
    store.grant(&Principal::operator(), "dana", Role::Admin, "").expect("admin");
    let dana = principal(&store, "dana");
    store.approve_export(&dana, &id).expect("approved");
    drop(store);
    let (code, _, _) = cloister(&["export", "list"], &data);
    assert_eq!(code, 0);
    let (code, stdout, err) = cloister(&["export", "run", &id], &data);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("69 records"), "{stdout}");
    let manifest = check_manifest(&out, &id);
    assert_eq!(manifest["approvals"].as_array().expect("approvals").len(), 2, "{manifest}");
    let (code, _, err) = cloister(&["export", "run", &id], &data);
    assert_ne!(code, 0, "an export id is used once");
    assert!(err.contains("it is done"), "{err}");
}
