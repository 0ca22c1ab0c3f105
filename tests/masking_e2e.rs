//! Masking before rendering, end to end: every byte sent to an annotator's SSH session while they
//! page through all of their assigned segments is captured; no raw gold PII string and no text of
//! a segment assigned to someone else may appear, and the app never writes the clipboard (OSC 52),
//! hyperlinks (OSC 8) or the terminal title.

mod common;

use cloister::datadir::{DataDir, generate_ed25519};
use cloister::policy::{Principal, ProjectPolicy, Role};
use cloister::store::ProjectKind;
use common::fixtures;
use common::ssh::Screen;

fn manifest() -> Vec<serde_json::Value> {
    std::fs::read_to_string(fixtures().join("calls/manifest.jsonl"))
        .expect("manifest")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn annotator_session_never_receives_raw_pii_or_unassigned_text() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = DataDir::new(tmp.path().join("data"));
    dir.init().expect("init");
    let store = dir.store().expect("store");
    let op = Principal::operator();
    let items = cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
    store.create_project(&op, "calls", ProjectKind::Transcription, &ProjectPolicy::default()).expect("project");
    store.import_items(&op, "calls", &items, &|_| {}).expect("import");
    std::fs::create_dir_all(dir.keys_dir().join("demo")).expect("keys dir");
    for name in ["alice", "ana"] {
        let key = dir.keys_dir().join("demo").join(name);
        generate_ed25519(&key, name).expect("key");
        let (line, fp) = cloister::cli::read_public_key(&key.with_extension("pub")).expect("pub");
        store.add_user(&op, name, false).expect("user");
        store.add_key(&op, name, &fp, &line, None).expect("key");
        store.grant(&op, name, Role::Annotator, "calls").expect("grant");
    }
    store.assign_round_robin(&op, "calls", &["alice", "ana"], "annotate").expect("assign");
    let alice = common::principal(&store, "alice");
    let mine: Vec<String> = store.queue(&alice).expect("queue").iter().map(|q| q.external_id.clone()).collect();
    drop(store);
    assert_eq!(mine.len(), 5);

    // What must never reach alice's terminal.
    let manifest = manifest();
    let mut gold = Vec::new();
    let mut mine_texts = Vec::new();
    let mut others = Vec::new();
    for item in &manifest {
        let is_mine = mine.contains(&item["id"].as_str().expect("id").to_string());
        for seg in item["segments"].as_array().expect("segments") {
            let text = seg["text"].as_str().expect("text").to_string();
            let chars: Vec<char> = text.chars().collect();
            for span in seg["pii"].as_array().expect("pii") {
                let (s, e) = (span["start"].as_u64().expect("s") as usize, span["end"].as_u64().expect("e") as usize);
                gold.push(chars[s..e].iter().collect::<String>());
            }
            if is_mine { mine_texts.push(text) } else { others.push(text) }
        }
    }
    others.retain(|t| t.chars().count() >= 12 && !mine_texts.contains(t));
    assert!(gold.len() > 30 && others.len() > 20);

    let server = cloister::ssh::start(&dir, "127.0.0.1:0".parse().expect("addr")).await.expect("server");
    let mut screen = Screen::open(&dir, server.addr, "alice", 200, 50, &[]).await;
    let mut screens = Vec::new();
    screen.wait_text(&mine[0]).await;
    screen.send(b"\r").await;
    for (n, item) in mine.iter().enumerate() {
        screen.wait_text(&format!("calls · {item} · segment 1/")).await;
        screens.push(screen.text());
        let count = manifest.iter().find(|i| i["id"] == item.as_str()).expect("item")["segments"]
            .as_array()
            .expect("segments")
            .len();
        for segment in 2..=count {
            screen.send(b"j").await;
            screen.wait_text(&format!("segment {segment}/{count}")).await;
            screens.push(screen.text());
        }
        if n + 1 < mine.len() {
            screen.send(b"\x1b[6~").await; // PgDn: next item
        }
    }
    screen.send(b"q").await;
    screen.wait_closed().await;
    server.shutdown().await;

    let raw = String::from_utf8_lossy(&screen.raw).to_string();
    for pii in &gold {
        assert!(!raw.contains(pii.as_str()), "raw PII {pii:?} was sent");
        for s in &screens {
            assert!(!s.contains(pii.as_str()), "raw PII {pii:?} on screen:\n{s}");
        }
    }
    for text in &others {
        assert!(!raw.contains(text.as_str()), "unassigned text {text:?} was sent");
        assert!(screens.iter().all(|s| !s.contains(text.as_str())), "unassigned text {text:?} on screen");
    }
    assert!(screens.iter().any(|s| s.contains("[PHONE]")), "masks are visible");
    for forbidden in ["\x1b]52;", "\x1b]8;", "\x1b]0;", "\x1b]1;", "\x1b]2;"] {
        assert!(!raw.contains(forbidden), "terminal control {forbidden:?} was sent");
    }
}
