//! Shared set-up for integration tests: a real data directory with the fixtures imported.
#![allow(dead_code)]

use cloister::datadir::DataDir;
use cloister::policy::{Principal, ProjectPolicy, Role};
use cloister::store::{ProjectKind, Store};
use std::path::{Path, PathBuf};

/// The repository's fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A principal for a user created by [`demo_dir`].
pub fn principal(store: &Store, name: &str) -> Principal {
    let users = store.list_users(&Principal::operator()).expect("list users");
    let user = users.iter().find(|u| u.name == name).expect("user exists");
    Principal { user_id: user.id, name: name.into(), is_admin: user.is_admin, session: format!("test-{name}") }
}

/// A data directory in `tmp` with both fixture projects imported and the demo users set up.
pub fn demo_dir(tmp: &Path) -> DataDir {
    let dir = DataDir::new(tmp.join("data"));
    cloister::cli::demo_setup(&dir, "127.0.0.1:2222".parse().expect("addr"), &fixtures()).expect("demo set-up");
    dir
}

/// Imports the fixture manifest into a fresh project `name`.
pub fn import_calls(store: &Store, name: &str) {
    let op = Principal::operator();
    let items = cloister::import::parse_manifest(&fixtures().join("calls/manifest.jsonl"), &|_, _| {}).expect("parse");
    store.create_project(&op, name, ProjectKind::Transcription, &ProjectPolicy::default()).expect("create");
    store.import_items(&op, name, &items, &|_| {}).expect("import");
}

/// Role names for printing.
pub fn role(name: &str) -> Role {
    Role::parse(name).expect("role")
}
pub mod connect;
pub mod scan;
pub mod ssh;
