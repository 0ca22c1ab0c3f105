//! `cloister demo`: a ready-to-use data directory with fixtures, four users and their keys.

use super::CliError;
use super::import::{import_into, read_items};
use crate::datadir::{DataDir, create_private_dir, generate_ed25519};
use crate::policy::{Principal, ProjectPolicy, Role};
use crate::store::{ProjectKind, Store, StoreError};
use russh::keys::ssh_key::{HashAlg, PublicKey};
use std::net::SocketAddr;
use std::path::Path;

/// The demo's users and their roles.
pub const DEMO_USERS: [(&str, Role); 4] =
    [("alice", Role::Annotator), ("quinn", Role::Qa), ("bob", Role::Reviewer), ("carol", Role::Admin)];
/// The demo's transcription project.
pub const CALLS_PROJECT: &str = "calls-demo";
/// The demo's preference project.
pub const PREFS_PROJECT: &str = "prefs-demo";

/// Reads an OpenSSH public key file and returns (one-line key, SHA-256 fingerprint).
pub fn read_public_key(path: &Path) -> Result<(String, String), CliError> {
    let text = std::fs::read_to_string(path)?;
    let key = PublicKey::from_openssh(text.trim())
        .map_err(|e| CliError::Usage(format!("{}: not an OpenSSH public key: {e}", path.display())))?;
    Ok((text.trim().to_string(), key.fingerprint(HashAlg::Sha256).to_string()))
}

fn ensure_project(store: &Store, by: &Principal, name: &str, kind: ProjectKind, file: &Path) -> Result<(), CliError> {
    match store.project(by, name) {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound { .. }) => {
            let items = read_items(kind, file, None)?;
            let summary = import_into(store, by, name, kind, &ProjectPolicy::default(), &items)?;
            println!("imported {} items, {} segments into {name}", summary.items, summary.segments);
            Ok(())
        }
        Err(other) => Err(other.into()),
    }
}

/// Sets up (or reuses) the demo in `dir`, prints one ssh line per user, then serves.
pub fn run(dir: &DataDir, listen: SocketAddr, fixtures: &Path, no_serve: bool) -> Result<u8, CliError> {
    setup(dir, listen, fixtures)?;
    if no_serve {
        return Ok(0);
    }
    super::serve::run(dir, listen)
}

/// Creates or reuses the demo's projects, users, keys, grants and assignments, and prints one
/// ready-to-paste ssh line per user.
pub fn setup(dir: &DataDir, listen: SocketAddr, fixtures: &Path) -> Result<(), CliError> {
    dir.init()?;
    let store = dir.store()?;
    let op = Principal::operator();
    ensure_project(&store, &op, CALLS_PROJECT, ProjectKind::Transcription, &fixtures.join("calls/manifest.jsonl"))?;
    ensure_project(&store, &op, PREFS_PROJECT, ProjectKind::Preference, &fixtures.join("preference/prefs.jsonl"))?;
    let demo_keys = dir.keys_dir().join("demo");
    create_private_dir(&demo_keys)?;
    for (name, role) in DEMO_USERS {
        let key_path = demo_keys.join(name);
        if !key_path.exists() {
            generate_ed25519(&key_path, &format!("{name}@cloister-demo"))?;
        }
        if store.user_by_name(name)?.is_none() {
            store.add_user(&op, name, role == Role::Admin)?;
            let (line, fingerprint) = read_public_key(&key_path.with_extension("pub"))?;
            store.add_key(&op, name, &fingerprint, &line, None)?;
        }
        if role != Role::Admin {
            for project in [CALLS_PROJECT, PREFS_PROJECT] {
                store.grant(&op, name, role, project)?;
            }
        }
    }
    for project in [CALLS_PROJECT, PREFS_PROJECT] {
        store.assign_round_robin(&op, project, &["alice"], "annotate")?;
        store.assign_round_robin(&op, project, &["quinn"], "qa")?;
    }
    let (host_line, _) = read_public_key(&dir.host_key_path().with_extension("pub"))?;
    let known_hosts = demo_keys.join("known_hosts");
    let host_pattern =
        if listen.port() == 22 { listen.ip().to_string() } else { format!("[{}]:{}", listen.ip(), listen.port()) };
    std::fs::write(&known_hosts, format!("{host_pattern} {host_line}\n"))?;
    println!("\ncloister demo in {} — connect as:", dir.root.display());
    for (name, role) in DEMO_USERS {
        println!(
            "  {role:<9}  ssh -i {key} -o UserKnownHostsFile={kh} -p {port} {name}@{ip}",
            key = demo_keys.join(name).display(),
            kh = known_hosts.display(),
            port = listen.port(),
            ip = listen.ip(),
        );
    }
    println!(
        "to hear the audio too (a build with --features playback):\n  cloister connect --known-hosts {kh} -i {key} -p {port} alice@{ip}",
        kh = known_hosts.display(),
        key = demo_keys.join("alice").display(),
        port = listen.port(),
        ip = listen.ip(),
    );
    Ok(())
}
