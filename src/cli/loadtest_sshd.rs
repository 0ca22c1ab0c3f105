//! The reference for `cloister loadtest --target sshd-vim`: OpenSSH's sshd (Debian
//! openssh-server) on a loopback port with its own config, host key and authorized_keys,
//! serving vim in insert mode (`ForceCommand`) to the same client with the same typing pattern.
//! Also the process-memory readings both targets share.

use super::CliError;
use crate::datadir::{create_private_dir, generate_ed25519};
use russh::keys::ssh_key::{Algorithm, PrivateKey};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The sshd binary (Debian's openssh-server); override with CLOISTER_SSHD.
const SSHD: &str = "/usr/sbin/sshd";

/// What every session runs: vim without user config, viminfo or swap file, already in insert mode.
const VIM: &str = "vim -u NONE -i NONE -n -N -c startinsert";

/// A running sshd and the keys of its N users.
pub struct Sshd {
    child: Child,
    dir: PathBuf,
    /// Its host key, pinned by the client.
    pub host: russh::keys::ssh_key::PublicKey,
    /// (login, key) per session; all log in as the user running the load test.
    pub users: Vec<(String, PrivateKey)>,
}

impl Sshd {
    /// Writes a config, host key and authorized_keys under `dir` and starts sshd on `addr`.
    pub fn start(dir: &Path, addr: SocketAddr, sessions: usize) -> Result<Self, CliError> {
        let usage = |what: &str, e: &dyn std::fmt::Display| CliError::Usage(format!("sshd-vim: {what}: {e}"));
        let sshd = std::env::var("CLOISTER_SSHD").unwrap_or_else(|_| SSHD.into());
        if !Path::new(&sshd).exists() {
            return Err(CliError::Usage(format!(
                "{sshd} not found: install openssh-server and vim (apt-get install openssh-server vim) or set CLOISTER_SSHD"
            )));
        }
        create_private_dir(dir)?;
        // sshd refuses to start without its privilege-separation directory.
        std::fs::create_dir_all("/run/sshd").map_err(|e| usage("create /run/sshd", &e))?;
        let host_path = dir.join("host_ed25519");
        generate_ed25519(&host_path, "loadtest-sshd")?;
        let host =
            crate::client::load_public_key(&host_path.with_extension("pub")).map_err(|e| usage("host key", &e))?;
        let login = current_user();
        let mut users = Vec::with_capacity(sessions);
        let mut authorized = String::new();
        for _ in 0..sessions {
            let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(|e| usage("key", &e))?;
            authorized.push_str(&key.public_key().to_openssh().map_err(|e| usage("key", &e))?);
            authorized.push('\n');
            users.push((login.clone(), key));
        }
        std::fs::write(dir.join("authorized_keys"), authorized)?;
        let config = format!(
            "ListenAddress {addr}\nHostKey {host}\nPidFile {pid}\nAuthorizedKeysFile {keys}\n\
             PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
             UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nPrintMotd no\nPrintLastLog no\n\
             MaxStartups {n}:30:{n2}\nMaxSessions 10\nLoginGraceTime 60\nUseDNS no\nX11Forwarding no\n\
             ForceCommand {VIM}\n",
            host = host_path.display(),
            pid = dir.join("sshd.pid").display(),
            keys = dir.join("authorized_keys").display(),
            n = sessions + 16,
            n2 = sessions * 2 + 32,
        );
        let config_path = dir.join("sshd_config");
        std::fs::write(&config_path, config)?;
        let log = std::fs::File::create(dir.join("sshd.log"))?;
        let child = Command::new(&sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| usage(&format!("start {sshd}"), &e))?;
        Ok(Self { child, dir: dir.to_path_buf(), host, users })
    }

    /// The listening sshd's pid: its descendants are the sessions.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// sshd's log, for error messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Ends the listener; its session processes end when their connections close.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn current_user() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| {
        Command::new("id")
            .arg("-un")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "root".into())
    })
}

/// Resident and proportional memory (KiB) of a set of processes. PSS splits shared pages among
/// the processes that share them, so sshd's and vim's shared libraries are not counted once
/// per session; for the single cloister process the two agree up to its shared libraries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Sum of VmRSS, KiB.
    pub rss_kib: u64,
    /// Sum of Pss, KiB.
    pub pss_kib: u64,
    /// How many processes were summed.
    pub processes: usize,
}

fn status_field(pid: u32, file: &str, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn parent_of(pid: u32) -> Option<u32> {
    status_field(pid, "status", "PPid:").and_then(|p| u32::try_from(p).ok())
}

/// Memory of one process.
pub fn process_memory(pid: u32) -> Memory {
    Memory {
        rss_kib: status_field(pid, "status", "VmRSS:").unwrap_or(0),
        pss_kib: status_field(pid, "smaps_rollup", "Pss:").unwrap_or(0),
        processes: 1,
    }
}

/// Memory of every descendant of `root` (not `root` itself): sshd's per-connection processes
/// and the vim each one runs.
pub fn descendants_memory(root: u32) -> Memory {
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .map(|entries| entries.flatten().filter_map(|e| e.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let parents: std::collections::HashMap<u32, u32> =
        pids.iter().filter_map(|&pid| parent_of(pid).map(|parent| (pid, parent))).collect();
    let mut total = Memory::default();
    for &pid in &pids {
        let mut at = pid;
        while let Some(&parent) = parents.get(&at) {
            if parent == root {
                let one = process_memory(pid);
                total.rss_kib += one.rss_kib;
                total.pss_kib += one.pss_kib;
                total.processes += 1;
                break;
            }
            at = parent;
        }
    }
    total
}
