//! The store on a real SQLite file: encryption at rest, AAD binding, the policy door,
//! all-or-nothing import and init's key handling.

mod common;

use cloister::crypto::{Aad, DataKey, MasterKey, SEALED_VERSION, Sealed};
use cloister::policy::Principal;
use cloister::store::StoreError;
use common::*;
use std::path::Path;

fn every_file(root: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(root).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() { every_file(&path, out) } else { out.push(path) }
    }
}

/// All strings of the fixtures that must never appear in plaintext at rest.
fn fixture_strings() -> Vec<String> {
    let mut out = Vec::new();
    for line in std::fs::read_to_string(fixtures().join("calls/manifest.jsonl")).expect("manifest").lines() {
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
    }
    for line in std::fs::read_to_string(fixtures().join("preference/prefs.jsonl")).expect("prefs").lines() {
        let rec: serde_json::Value = serde_json::from_str(line).expect("json");
        out.push(rec["prompt"].as_str().expect("prompt").to_string());
        for r in rec["responses"].as_array().expect("responses") {
            out.push(r["text"].as_str().expect("text").to_string());
        }
    }
    // Very short strings (e.g. "Sí.") could occur by chance in random bytes.
    out.retain(|s| s.len() >= 8);
    out
}

#[test]
fn no_fixture_string_in_any_file_at_rest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    // Write drafts and annotations too, with fixture text as their content.
    let store = dir.store().expect("store");
    let alice = principal(&store, "alice");
    let queue = store.queue(&alice).expect("queue");
    let item = queue.iter().find(|q| q.project == "calls-demo").expect("assigned item").item_id;
    let segments = store.item_segments(&alice, item).expect("segments");
    store.save_draft(&alice, segments[0].id, &segments[0].text).expect("draft");
    store.submit_annotation(&alice, segments[1].id, "annotate", &segments[1].text).expect("submit");
    drop(store);
    let strings = fixture_strings();
    assert!(strings.len() > 100, "expected many fixture strings, got {}", strings.len());
    let mut files = Vec::new();
    every_file(&dir.root, &mut files);
    assert!(files.iter().any(|f| f.ends_with("cloister.db")));
    let matcher = aho_corasick::AhoCorasick::new(&strings).expect("patterns");
    for file in files {
        let bytes = std::fs::read(&file).expect("read");
        if let Some(found) = matcher.find(&bytes) {
            panic!("{} contains fixture plaintext {:?}", file.display(), strings[found.pattern().as_usize()]);
        }
    }
}

#[test]
fn ciphertext_moved_to_another_row_fails_to_open() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let alice = principal(&store, "alice");
    let item = store.queue(&alice).expect("queue")[0].item_id;
    let before = store.item_segments(&alice, item).expect("readable");
    let (a, b) = (before[0].id, before[1].id);
    store
        .raw_connection()
        .execute("UPDATE segments SET text = (SELECT text FROM segments WHERE id = ?1) WHERE id = ?2", [a, b])
        .expect("copy ciphertext");
    match store.item_segments(&alice, item) {
        Err(StoreError::Crypto(e)) => assert!(e.to_string().contains(&format!("segments.text row {b}")), "{e}"),
        other => panic!("moved ciphertext must fail to open, got {other:?}"),
    }
}

#[test]
fn sealed_value_is_bound_to_key_table_row_column_and_project() {
    let key = DataKey::from_bytes(zeroize::Zeroizing::new([7u8; 32]));
    let aad = Aad { table: "segments", row: 1, column: "text", project: 1 };
    let sealed = Sealed::<String>::seal(&key, &"hello".to_string(), &aad);
    assert_eq!(sealed.as_bytes()[0], SEALED_VERSION);
    assert_eq!(sealed.as_bytes().len(), 1 + 12 + 5 + 16);
    assert_eq!(sealed.open(&key, &aad).expect("opens"), "hello");
    for other in
        [Aad { table: "drafts", ..aad }, Aad { row: 2, ..aad }, Aad { column: "pii", ..aad }, Aad { project: 2, ..aad }]
    {
        assert!(sealed.open(&key, &other).is_err(), "{other:?} must not open");
    }
    let wrong = DataKey::from_bytes(zeroize::Zeroizing::new([8u8; 32]));
    assert!(sealed.open(&wrong, &aad).is_err());
}

/// The sealed-record format is frozen: a value sealed by an earlier build must still open.
#[test]
fn golden_sealed_record_opens() {
    let path = fixtures().join("golden/sealed_v1.hex");
    let key = DataKey::from_bytes(zeroize::Zeroizing::new([0x42u8; 32]));
    let aad = Aad { table: "segments", row: 17, column: "text", project: 3 };
    if std::env::var_os("CLOISTER_WRITE_GOLDEN").is_some() {
        let sealed = Sealed::<String>::seal(&key, &"golden: Daniel Okafor, 4539 1488 0343 6467".to_string(), &aad);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, hex::encode(sealed.as_bytes())).expect("write golden");
    }
    let bytes = hex::decode(std::fs::read_to_string(&path).expect("golden fixture").trim()).expect("hex");
    assert_eq!(bytes[0], 1, "version byte");
    let opened = Sealed::<String>::from_stored(bytes).open(&key, &aad).expect("golden record opens");
    assert_eq!(opened, "golden: Daniel Okafor, 4539 1488 0343 6467");
    // The wrapped project key format is frozen the same way.
    let master = MasterKey::from_bytes(&[0x11u8; 32]);
    let wrapped_path = fixtures().join("golden/wrapped_key_v1.hex");
    if std::env::var_os("CLOISTER_WRITE_GOLDEN").is_some() {
        std::fs::write(&wrapped_path, hex::encode(master.wrap(3, &key))).expect("write golden");
    }
    let wrapped = hex::decode(std::fs::read_to_string(&wrapped_path).expect("golden").trim()).expect("hex");
    let unwrapped = master.unwrap_key(3, &wrapped).expect("unwraps");
    let aad2 = Aad { table: "t", row: 1, column: "c", project: 3 };
    let check = Sealed::<String>::seal(&unwrapped, &"x".to_string(), &aad2);
    assert_eq!(check.open(&key, &aad2).expect("same key"), "x");
    assert!(master.unwrap_key(4, &wrapped).is_err(), "wrapped key is bound to its project");
}

#[test]
fn policy_door_refuses_reviewer_writes_and_admin_reads() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let (bob, carol, alice) = (principal(&store, "bob"), principal(&store, "carol"), principal(&store, "alice"));
    let item = store.queue(&alice).expect("queue")[0].item_id;
    let segment = store.item_segments(&alice, item).expect("alice reads")[0].id;
    // Reviewer reads but cannot write, whatever any UI does.
    assert!(store.item_segments(&bob, item).is_ok());
    assert!(matches!(store.save_draft(&bob, segment, "x"), Err(StoreError::Denied(_))));
    assert!(matches!(store.submit_annotation(&bob, segment, "annotate", "x"), Err(StoreError::Denied(_))));
    // Admin without a data role reads nothing.
    assert!(matches!(store.item_segments(&carol, item), Err(StoreError::Denied(_))));
    // Annotators cannot manage access.
    assert!(matches!(store.add_user(&alice, "mallory", true), Err(StoreError::Denied(_))));
    // Nobody's write left a row behind.
    let drafts: i64 = store.raw_connection().query_row("SELECT COUNT(*) FROM drafts", [], |r| r.get(0)).expect("count");
    assert_eq!(drafts, 0);
    // Alice's own draft round-trips and is preferred over the imported text.
    store.save_draft(&alice, segment, "edited by alice").expect("draft");
    assert_eq!(store.item_segments(&alice, item).expect("read")[0].text, "edited by alice");
    assert_eq!(store.submit_annotation(&alice, segment, "annotate", "final").expect("v1"), 1);
    assert_eq!(store.submit_annotation(&alice, segment, "annotate", "final 2").expect("v2"), 2);
    assert_eq!(store.item_segments(&alice, item).expect("read")[0].text, "final 2");
}

#[test]
fn store_import_is_all_or_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = demo_dir(tmp.path());
    let store = dir.store().expect("store");
    let count = |table: &str| -> i64 {
        store.raw_connection().query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).expect("count")
    };
    let before = (count("items"), count("segments"), count("audio"));
    let mut items =
        cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
    // Fresh ids for all but the last item, which collides with an already imported one.
    for item in items.iter_mut().take(9) {
        item.external_id.push_str("-new");
        for s in item.segments.iter_mut() {
            s.external_id.push_str("-new");
        }
    }
    let err = store.import_items(&Principal::operator(), "calls-demo", &items, &|_| {}).expect_err("duplicate");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!((count("items"), count("segments"), count("audio")), before, "nothing imported");
}

#[test]
fn init_never_overwrites_keys_and_keeps_them_private() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = cloister::datadir::DataDir::new(tmp.path().join("d"));
    let first = dir.init().expect("init");
    assert!(first.host_key && first.master_key && first.config);
    let host = std::fs::read(dir.host_key_path()).expect("host key");
    let master = std::fs::read(dir.master_key_path()).expect("master key");
    assert!(String::from_utf8_lossy(&host).starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    for path in [dir.host_key_path(), dir.master_key_path(), dir.db_path()] {
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    let second = dir.init().expect("init again");
    assert!(!second.host_key && !second.master_key && !second.config);
    assert_eq!(std::fs::read(dir.host_key_path()).expect("read"), host);
    assert_eq!(std::fs::read(dir.master_key_path()).expect("read"), master);
    // A world-readable master key is refused with the fix in the message.
    std::fs::set_permissions(dir.master_key_path(), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = dir.store().err().expect("refused").to_string();
    assert!(err.contains("chmod 600"), "{err}");
}
