//! `cloister pii mask` and `cloister pii eval` end to end.

use std::io::Write;
use std::process::{Command, Stdio};

fn cloister(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloister"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("writes");
    let out = child.wait_with_output().expect("finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
    )
}

#[test]
fn mask_reads_stdin_line_by_line() {
    let input = "Hi, my name is Daniel Okafor.\nNothing here.\nCard 4539 1488 0343 6467, call 415-555-0132.\n";
    let (code, out, err) = cloister(&["pii", "mask"], input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Hi, my name is [PERSON].\nNothing here.\nCard [CARD], call [PHONE].\n");
}

#[test]
fn mask_uses_names_and_policy_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = dir.path().join("names.txt");
    std::fs::write(&names, "# known callers\nKaren Whitfield\n").expect("writes");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "default = \"placeholder\"\nkinds = { CARD = \"partial\" }\n").expect("writes");
    let args = ["pii", "mask", "--names", names.to_str().expect("utf-8"), "--policy", policy.to_str().expect("utf-8")];
    let (code, out, err) = cloister(&args, "karen whitfield paid with 4539 1488 0343 6467\n");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "[PERSON] paid with [CARD ••••6467]\n");
    std::fs::write(&policy, "defaults = \"raw\"\n").expect("writes");
    let (code, _, err) = cloister(&args, "x\n");
    assert_ne!(code, 0);
    assert!(err.contains("defaults"), "{err}");
}

#[test]
fn eval_prints_a_table_or_json() {
    let gold = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/pii/gold.jsonl");
    let (code, out, err) = cloister(&["pii", "eval", gold], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("223 records"), "{out}");
    for category in ["PERSON", "PHONE(spoken)", "IBAN", "overall"] {
        assert!(out.contains(category), "{category} in {out}");
    }
    let (code, out, err) = cloister(&["pii", "eval", gold, "--json"], "");
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["records"], 223);
    assert!(json["overall"]["recall"].as_f64().expect("recall") >= 0.98);
    assert!(json["categories"].as_array().expect("categories").len() >= 10);
}

#[test]
fn eval_rejects_bad_files_with_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.jsonl");
    std::fs::write(&file, "{\"text\": \"ok\", \"pii\": []}\n{\"text\": \"abc\", \"pii\": [{\"type\": \"PHONE\", \"start\": 2, \"end\": 7}]}\n")
        .expect("writes");
    let (code, _, err) = cloister(&["pii", "eval", file.to_str().expect("utf-8")], "");
    assert_ne!(code, 0);
    assert!(err.contains("line 2"), "{err}");
}
