//! Checking a server's host key against an OpenSSH `known_hosts` file, as `ssh` does: entries
//! parsed by ssh-key (markers, hashed names), matched with OpenSSH's rules (comma lists, `*` and
//! `?` wildcards, `!` negation, `[host]:port` for ports other than 22, HMAC-SHA1 hashed names).

use hmac::{KeyInit, Mac};
use russh::keys::ssh_key::PublicKey;
use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the file says about a host and the key it offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// The key is recorded for the host.
    Known,
    /// The host is not recorded with a key of this type.
    New,
    /// The host is recorded with another key of the same type: a possible interception.
    Changed {
        /// 1-based line of the recorded key.
        line: usize,
    },
    /// The key is marked `@revoked` for this host.
    Revoked {
        /// 1-based line of the revocation.
        line: usize,
    },
}

/// The name a host is recorded under: `host`, or `[host]:port` when the port is not 22.
pub fn host_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 { host } else { format!("[{host}]:{port}") }
}

/// The user's default file, `~/.ssh/known_hosts`, shared with OpenSSH.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| PathBuf::from(home).join(".ssh/known_hosts"))
}

/// Checks `key` for `host`:`port` against the text of a known_hosts file. Lines that do not parse
/// are skipped, as OpenSSH does.
pub fn check(text: &str, host: &str, port: u16, key: &PublicKey) -> HostKeyStatus {
    let name = host_name(host, port);
    let mut changed = None;
    let mut known = false;
    for (index, line) in text.lines().enumerate() {
        let content = line.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let Ok(entry) = content.parse::<Entry>() else { continue };
        if !host_matches(entry.host_patterns(), &name) {
            continue;
        }
        let same_key = entry.public_key().key_data() == key.key_data();
        match entry.marker() {
            Some(Marker::Revoked) if same_key => return HostKeyStatus::Revoked { line: index + 1 },
            Some(_) => {}
            None if same_key => known = true,
            None if entry.public_key().algorithm() == key.algorithm() => {
                changed.get_or_insert(index + 1);
            }
            None => {}
        }
    }
    match (known, changed) {
        (true, _) => HostKeyStatus::Known,
        (false, Some(line)) => HostKeyStatus::Changed { line },
        (false, None) => HostKeyStatus::New,
    }
}

/// Appends `key` for `host`:`port` (creating the file and a private `~/.ssh` if needed).
pub fn learn(path: &Path, host: &str, port: u16, key: &PublicKey) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        std::fs::create_dir_all(parent)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    let existing = std::fs::read(path).unwrap_or_default();
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    if existing.last().is_some_and(|&b| b != b'\n') {
        file.write_all(b"\n")?;
    }
    let mut line = format!("{} {}", host_name(host, port), key.to_openssh().map_err(std::io::Error::other)?);
    // The key's comment is the server's business, not part of the record.
    if let Some((without_comment, _)) = line.rsplit_once(' ').filter(|_| !key.comment().is_empty()) {
        line = without_comment.to_string();
    }
    writeln!(file, "{line}")
}

fn host_matches(patterns: &HostPatterns, name: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => hmac::Hmac::<sha1::Sha1>::new_from_slice(salt)
            .map(|mac| mac.chain_update(name.as_bytes()).verify_slice(hash).is_ok())
            .unwrap_or(false),
        HostPatterns::Patterns(list) => {
            let mut matched = false;
            for pattern in list {
                let (negated, pattern) = match pattern.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, pattern.as_str()),
                };
                if wildcard(&pattern.to_ascii_lowercase(), name) {
                    if negated {
                        return false;
                    }
                    matched = true;
                }
            }
            matched
        }
    }
}

/// OpenSSH's glob: `*` any run, `?` one character.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    // Keys made with ssh-keygen.
    const ED_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJI+jErbh65ak1X6LY1z9lzEMBdg98A4SINzhdvoVzI+";
    const ED_B: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAtnyAcBojlJRN1P1DOM+PUKbCKOkp9Z6EAI3UugrYzs";
    const ECDSA: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBAlAmHhDcynR4Cae2ut/Ein6vfeTnVjSlHNFTykpmAKbLW96AG7Swy7KHnADyq8Ly8CkB/e9AdcPxtehOcfvSCA=";
    /// `ssh-keygen -H` of a file holding `[127.0.0.1]:2222 ED_A`.
    const HASHED: &str = "|1|2yoP0YR3Q/1EXfdQIDsAMrpwCN8=|ZdgaExN77vKF5WOoij6Vu/HyR9M=";

    fn key(text: &str) -> PublicKey {
        PublicKey::from_openssh(text).expect("key")
    }

    #[test]
    fn known_new_changed_and_revoked_as_openssh_decides() {
        let file = format!(
            "# comment line\n\
             not a valid line at all\n\
             [127.0.0.1]:2222 {ED_A} server\n\
             other.example {ED_B}\n\
             @cert-authority *.example {ED_B}\n\
             [127.0.0.1]:2200 {ECDSA}\n\
             @revoked revoked.example {ED_B}\n\
             revoked.example {ED_B}\n"
        );
        assert_eq!(check(&file, "127.0.0.1", 2222, &key(ED_A)), HostKeyStatus::Known);
        assert_eq!(check(&file, "127.0.0.1", 2222, &key(ED_B)), HostKeyStatus::Changed { line: 3 });
        assert_eq!(check(&file, "127.0.0.1", 22, &key(ED_A)), HostKeyStatus::New, "port 22 is a different name");
        // A key of another type is new, not changed (OpenSSH asks).
        assert_eq!(check(&file, "127.0.0.1", 2200, &key(ED_A)), HostKeyStatus::New);
        assert_eq!(check(&file, "revoked.example", 22, &key(ED_B)), HostKeyStatus::Revoked { line: 7 });
        assert_eq!(check(&file, "OTHER.example", 22, &key(ED_B)), HostKeyStatus::Known, "names ignore case");
        assert_eq!(check("", "x", 22, &key(ED_A)), HostKeyStatus::New);
    }

    #[test]
    fn patterns_wildcards_negation_and_hashed_names() {
        let file = format!("*.corp.example,!bad.corp.example {ED_A}\n[10.0.0.?]:2222 {ED_A}\n");
        assert_eq!(check(&file, "host1.corp.example", 22, &key(ED_A)), HostKeyStatus::Known);
        assert_eq!(check(&file, "bad.corp.example", 22, &key(ED_A)), HostKeyStatus::New);
        assert_eq!(check(&file, "10.0.0.7", 2222, &key(ED_A)), HostKeyStatus::Known);
        assert_eq!(check(&file, "10.0.0.17", 2222, &key(ED_A)), HostKeyStatus::New);
        let hashed = format!("{HASHED} {ED_A}\n");
        assert_eq!(check(&hashed, "127.0.0.1", 2222, &key(ED_A)), HostKeyStatus::Known);
        assert_eq!(check(&hashed, "127.0.0.1", 2223, &key(ED_A)), HostKeyStatus::New);
        assert!(wildcard("a*b?c", "axxxbyc") && !wildcard("a*b?c", "axxxbc") && wildcard("*", ""));
    }

    #[test]
    fn learning_appends_one_line_openssh_reads() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("new/.ssh/known_hosts");
        learn(&path, "127.0.0.1", 2222, &key(&format!("{ED_A} comment"))).expect("learn");
        std::fs::OpenOptions::new().append(true).open(&path).and_then(|mut f| f.write_all(b"# no newline")).expect("w");
        learn(&path, "Example.org", 22, &key(ED_B)).expect("learn");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text, format!("[127.0.0.1]:2222 {ED_A}\n# no newline\nexample.org {ED_B}\n"));
        assert_eq!(check(&text, "127.0.0.1", 2222, &key(ED_A)), HostKeyStatus::Known);
    }
}
