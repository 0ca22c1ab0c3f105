//! `cloister.toml`: serde structs with documented defaults and validation that names the file,
//! the key and the bad value. Every field is described in docs/CONFIG.md.

use crate::app::{Action, Keymap};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use terminput::{KeyCode, KeyModifiers};

/// The file name of the configuration inside a data directory.
pub const CONFIG_FILE: &str = "cloister.toml";

/// Errors reading or validating a configuration file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// TOML syntax error, unknown key or value of the wrong type.
    #[error("{path}:{line}:{column}: {message}\n  | {snippet}\n  (see docs/CONFIG.md for every key and its default)")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the TOML parser says, including the key or value it refused.
        message: String,
        /// The offending line of the file.
        snippet: String,
    },
    /// A value has the right type but is out of range or inconsistent.
    #[error("{path}: `{key}` = {value} is invalid: {reason}")]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// Dotted key, e.g. `server.max_sessions`.
        key: &'static str,
        /// The bad value as written.
        value: String,
        /// What would be valid.
        reason: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// SSH server settings.
    pub server: ServerConfig,
    /// Audit log settings.
    pub audit: AuditConfig,
    /// Terminal UI settings.
    pub ui: UiConfig,
    /// Key binding overrides.
    pub keymap: KeymapConfig,
}

/// `[server]`: the SSH listener and its limits.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Offer only post-quantum key exchange (mlkem768x25519-sha256); OpenSSH < 9.9 cannot connect.
    pub post_quantum_only: bool,
    /// Maximum concurrent sessions in total.
    pub max_sessions: u32,
    /// Maximum concurrent sessions per user.
    pub max_sessions_per_user: u32,
    /// New connections allowed per source IP within `rate_window_secs`.
    pub connections_per_ip: u32,
    /// Window of the per-IP connection limit, in seconds.
    pub rate_window_secs: u64,
    /// Seconds without input before a session is locked (data hidden until a key is pressed).
    pub idle_lock_secs: u64,
    /// Seconds without input before a session is disconnected.
    pub idle_disconnect_secs: u64,
    /// Delay before answering a failed authentication, in milliseconds.
    pub auth_failure_delay_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 2222)),
            post_quantum_only: false,
            max_sessions: 512,
            max_sessions_per_user: 4,
            connections_per_ip: 10,
            rate_window_secs: 10,
            idle_lock_secs: 300,
            idle_disconnect_secs: 1800,
            auth_failure_delay_ms: 1000,
        }
    }
}

/// How durable each audit batch is before the actions it records go ahead.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AuditSync {
    /// fsync every batch: survives power loss (latency follows the disk's fsync time).
    #[default]
    Full,
    /// No fsync per batch (WAL): survives any process crash; a power loss can lose the last batches.
    Normal,
}

impl AuditSync {
    /// The SQLite `synchronous` value.
    pub fn pragma(self) -> &'static str {
        match self {
            AuditSync::Full => "FULL",
            AuditSync::Normal => "NORMAL",
        }
    }
}

/// `[audit]`: the audit log writer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Durability of each batch: `full` (fsync) or `normal`.
    pub synchronous: AuditSync,
    /// Write a signed checkpoint after this many events.
    pub checkpoint_every_events: u64,
    /// Write a signed checkpoint after this many seconds with new events.
    pub checkpoint_every_secs: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { synchronous: AuditSync::Full, checkpoint_every_events: 10_000, checkpoint_every_secs: 60 }
    }
}

/// `[ui]`: defaults for the terminal UI (users may pick their own theme).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Default theme name: a file themes/NAME.toml or a built-in (dark, light, high-contrast, basic16).
    pub theme: String,
    /// Draw borders with ASCII characters for legacy terminals.
    pub ascii_borders: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self { theme: "dark".into(), ascii_borders: false }
    }
}

/// `[keymap]`: `"key" = "action"` lines applied on top of the default keymap; the action `"none"`
/// unbinds a key. Keys and actions are checked while parsing, so errors point at the line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeymapConfig {
    bindings: Vec<KeyBinding>,
}

/// One line of `[keymap]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBinding {
    /// The key as written, e.g. `ctrl-s`.
    pub written: String,
    /// The key.
    pub code: KeyCode,
    /// Its modifiers (normalized: see `Keymap::parse_key`).
    pub mods: KeyModifiers,
    /// The action, or `None` to unbind the key.
    pub action: Option<Action>,
}

impl KeymapConfig {
    /// The overrides, each key once.
    pub fn bindings(&self) -> &[KeyBinding] {
        &self.bindings
    }
}

impl<'de> Deserialize<'de> for KeymapConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(KeymapVisitor)
    }
}

struct KeymapVisitor;

impl<'de> Visitor<'de> for KeymapVisitor {
    type Value = KeymapConfig;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of \"key\" = \"action\" lines")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeymapConfig, A::Error> {
        let mut bindings: Vec<KeyBinding> = Vec::new();
        while let Some((written, (code, mods))) = map.next_key_seed(KeySeed(&bindings))? {
            let action = map.next_value_seed(ActionSeed)?;
            bindings.push(KeyBinding { written, code, mods, action });
        }
        Ok(KeymapConfig { bindings })
    }
}

/// Parses one `[keymap]` key, refusing a second spelling of a key already bound.
struct KeySeed<'a>(&'a [KeyBinding]);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = (String, (KeyCode, KeyModifiers));

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let written = String::deserialize(deserializer)?;
        let key = Keymap::parse_key(&written).map_err(de::Error::custom)?;
        if let Some(earlier) = self.0.iter().find(|b| (b.code, b.mods) == key) {
            return Err(de::Error::custom(format!(
                "{written:?} is the same key as {:?}: bind it once",
                earlier.written
            )));
        }
        Ok((written, key))
    }
}

/// Parses one `[keymap]` action name.
struct ActionSeed;

impl<'de> DeserializeSeed<'de> for ActionSeed {
    type Value = Option<Action>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        let written = String::deserialize(deserializer)?;
        Keymap::parse_action(&written).map_err(de::Error::custom)
    }
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    /// Parses and validates config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|err| parse_error(text, path, &err))?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, value: String, reason: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            key,
            value,
            reason: reason.to_string(),
        };
        let s = &self.server;
        let positive: [(&'static str, u64); 6] = [
            ("server.max_sessions", s.max_sessions.into()),
            ("server.max_sessions_per_user", s.max_sessions_per_user.into()),
            ("server.connections_per_ip", s.connections_per_ip.into()),
            ("server.rate_window_secs", s.rate_window_secs),
            ("audit.checkpoint_every_events", self.audit.checkpoint_every_events),
            ("audit.checkpoint_every_secs", self.audit.checkpoint_every_secs),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err(invalid(key, "0".into(), "must be at least 1"));
            }
        }
        if s.max_sessions_per_user > s.max_sessions {
            return Err(invalid(
                "server.max_sessions_per_user",
                s.max_sessions_per_user.to_string(),
                &format!("must not exceed server.max_sessions ({})", s.max_sessions),
            ));
        }
        if s.idle_lock_secs == 0 || s.idle_disconnect_secs <= s.idle_lock_secs {
            return Err(invalid(
                "server.idle_disconnect_secs",
                s.idle_disconnect_secs.to_string(),
                &format!("must be greater than server.idle_lock_secs ({}), which must be at least 1", s.idle_lock_secs),
            ));
        }
        if s.auth_failure_delay_ms > 60_000 {
            return Err(invalid(
                "server.auth_failure_delay_ms",
                s.auth_failure_delay_ms.to_string(),
                "must be at most 60000",
            ));
        }
        let theme = &self.ui.theme;
        if theme.is_empty() || !theme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(invalid(
                "ui.theme",
                format!("{theme:?}"),
                "use a theme name made of letters, digits, `-` and `_`",
            ));
        }
        Ok(())
    }

    /// The commented default configuration written by `cloister init`.
    pub fn default_file_text() -> &'static str {
        include_str!("../docs/cloister.example.toml")
    }
}

fn parse_error(text: &str, path: &Path, err: &toml::de::Error) -> ConfigError {
    let offset = err.span().map(|span| span.start).unwrap_or(0).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    let snippet = text.lines().nth(line - 1).unwrap_or("").to_string();
    ConfigError::Parse { path: path.to_path_buf(), line, column, message: err.message().to_string(), snippet }
}
