//! `cloister connect`, part one: reach the server, check its host key as OpenSSH does (known
//! host, trust on first use after asking, hard refusal when it changed), and log in with a key.

use super::ClientError;
use super::known_hosts::{self, HostKeyStatus};
use russh::client::{self, Handle};
use russh::keys::ssh_key::{Algorithm, HashAlg, PrivateKey, PublicKey};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What to do with a host the known_hosts file does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewHosts {
    /// Ask on the terminal; refuse without one (OpenSSH's default).
    Ask,
    /// Record the key and go on (OpenSSH's `StrictHostKeyChecking=accept-new`).
    AcceptNew,
}

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct Destination {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User name.
    pub user: String,
    /// Private key files to try, in order.
    pub identities: Vec<PathBuf>,
    /// Try the keys of the running ssh-agent (`SSH_AUTH_SOCK`) first.
    pub agent: bool,
    /// The known_hosts file.
    pub known_hosts: PathBuf,
    /// Unknown hosts: ask or accept.
    pub new_hosts: NewHosts,
}

/// Checks the server's key against the known_hosts file; keeps why it refused.
pub struct HostCheck {
    destination: Destination,
    refusal: Arc<Mutex<Option<ClientError>>>,
}

impl client::Handler for HostCheck {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let PublicKeyOrCertificate::PublicKey { key, .. } = key else {
            self.refuse(ClientError::Refused("host certificates are not supported".into()));
            return Ok(false);
        };
        let outcome = verify_host(&self.destination, key).await;
        match outcome {
            Ok(()) => Ok(true),
            Err(error) => {
                self.refuse(error);
                Ok(false)
            }
        }
    }
}

impl HostCheck {
    fn refuse(&self, error: ClientError) {
        *self.refusal.lock().unwrap_or_else(|p| p.into_inner()) = Some(error);
    }
}

async fn verify_host(destination: &Destination, key: &PublicKey) -> Result<(), ClientError> {
    let Destination { host, port, known_hosts: path, new_hosts, .. } = destination;
    let name = known_hosts::host_name(host, *port);
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(ClientError::Key { path: file, reason: error.to_string() }),
    };
    match known_hosts::check(&text, host, *port, key) {
        HostKeyStatus::Known => Ok(()),
        HostKeyStatus::Changed { line } => Err(ClientError::HostKeyChanged { host: name, fingerprint, file, line }),
        HostKeyStatus::Revoked { line } => Err(ClientError::HostKeyRevoked { host: name, fingerprint, file, line }),
        HostKeyStatus::New => {
            let accepted = match new_hosts {
                NewHosts::AcceptNew => true,
                NewHosts::Ask if std::io::stdin().is_terminal() => {
                    let question = format!(
                        "The authenticity of host '{name}' can't be established.\r\n{} key fingerprint is {fingerprint}.\r\n\
                         This key is not known by any other names.\r\nAre you sure you want to continue connecting (yes/no)? ",
                        algorithm_label(key.algorithm())
                    );
                    ask_yes(question, fingerprint.clone()).await
                }
                NewHosts::Ask => {
                    return Err(ClientError::HostKeyUnknown { host: name, fingerprint, file });
                }
            };
            if !accepted {
                return Err(ClientError::Refused(format!("host key of {name} (not accepted)")));
            }
            known_hosts::learn(path, host, *port, key)
                .map_err(|e| ClientError::Key { path: file.clone(), reason: e.to_string() })?;
            eprint!(
                "Warning: Permanently added '{name}' ({}) to the list of known hosts.\r\n",
                algorithm_label(key.algorithm())
            );
            Ok(())
        }
    }
}

fn algorithm_label(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Ed25519 => "ED25519",
        Algorithm::Rsa { .. } => "RSA",
        Algorithm::Ecdsa { .. } => "ECDSA",
        _ => "host",
    }
}

/// Asks on the terminal; true for `yes` or the fingerprint itself (as OpenSSH accepts).
async fn ask_yes(question: String, fingerprint: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let mut stderr = std::io::stderr();
        let _ = stderr.write_all(question.as_bytes());
        let _ = stderr.flush();
        loop {
            let mut answer = String::new();
            if std::io::stdin().lock().read_line(&mut answer).unwrap_or(0) == 0 {
                return false;
            }
            match answer.trim() {
                "yes" => return true,
                "no" => return false,
                other if other == fingerprint => return true,
                _ => {
                    let _ = stderr.write_all(b"Please type 'yes', 'no' or the fingerprint: ");
                    let _ = stderr.flush();
                }
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// Connects, checks the host key and logs in with the first identity the server accepts.
pub async fn login(destination: &Destination) -> Result<Handle<HostCheck>, ClientError> {
    let keys = load_identities(&destination.identities, destination.agent)?;
    let refusal = Arc::new(Mutex::new(None));
    let check = HostCheck { destination: destination.clone(), refusal: Arc::clone(&refusal) };
    let config = Arc::new(client::Config { nodelay: true, ..Default::default() });
    let address = (destination.host.as_str(), destination.port);
    let connected = client::connect(config, address, check).await;
    let mut handle = match connected {
        Ok(handle) => handle,
        Err(error) => {
            let refused = refusal.lock().unwrap_or_else(|p| p.into_inner()).take();
            return Err(refused.unwrap_or(ClientError::Ssh(error)));
        }
    };
    let rsa_hash = handle.best_supported_rsa_hash().await.ok().flatten().flatten();
    if destination.agent && agent_login(&mut handle, &destination.user, rsa_hash).await {
        return Ok(handle);
    }
    for key in keys {
        let hash = if key.algorithm().is_rsa() { rsa_hash.or(Some(HashAlg::Sha512)) } else { None };
        let result =
            handle.authenticate_publickey(&destination.user, PrivateKeyWithHashAlg::new(Arc::new(key), hash)).await?;
        if result.success() {
            return Ok(handle);
        }
    }
    Err(ClientError::Refused(format!(
        "{}@{}: none of the keys ({}{}) was accepted; ask the admin to add yours with `cloister key add`",
        destination.user,
        destination.host,
        if destination.agent { "the ssh-agent's, " } else { "" },
        destination
            .identities
            .iter()
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Logs in with the ssh-agent's keys, if there is an agent; true on success.
async fn agent_login(handle: &mut Handle<HostCheck>, user: &str, rsa_hash: Option<HashAlg>) -> bool {
    use russh::keys::agent::AgentIdentity;
    let Ok(mut agent) = russh::keys::agent::client::AgentClient::connect_env().await else { return false };
    let Ok(identities) = agent.request_identities().await else { return false };
    for identity in identities {
        let AgentIdentity::PublicKey { key, .. } = identity else { continue };
        let hash = if key.algorithm().is_rsa() { rsa_hash.or(Some(HashAlg::Sha512)) } else { None };
        if handle.authenticate_publickey_with(user, key, hash, &mut agent).await.is_ok_and(|r| r.success()) {
            return true;
        }
    }
    false
}

/// The default identities, as OpenSSH tries them: `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`.
pub fn default_identities() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else { return Vec::new() };
    ["id_ed25519", "id_ecdsa", "id_rsa"].iter().map(|name| PathBuf::from(&home).join(".ssh").join(name)).collect()
}

fn load_identities(paths: &[PathBuf], agent: bool) -> Result<Vec<PrivateKey>, ClientError> {
    let mut keys = Vec::new();
    for path in paths.iter().filter(|p| p.exists()) {
        let shown = path.display().to_string();
        let key = match russh::keys::load_secret_key(path, None) {
            Ok(key) => key,
            Err(russh::keys::Error::KeyIsEncrypted) if std::io::stdin().is_terminal() => {
                let passphrase = super::relay::read_secret(&format!("Enter passphrase for key '{shown}': "))
                    .map_err(|e| ClientError::Key { path: shown.clone(), reason: e.to_string() })?;
                russh::keys::load_secret_key(path, Some(&passphrase))
                    .map_err(|e| ClientError::Key { path: shown.clone(), reason: e.to_string() })?
            }
            Err(error) => return Err(ClientError::Key { path: shown, reason: error.to_string() }),
        };
        keys.push(key);
    }
    let have_agent = agent && std::env::var_os("SSH_AUTH_SOCK").is_some();
    if keys.is_empty() && !have_agent {
        let tried = paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(ClientError::Key { path: tried, reason: "no such key file; pass one with -i".into() });
    }
    Ok(keys)
}
