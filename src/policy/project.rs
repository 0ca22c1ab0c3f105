//! Per-project policy, stored as JSON with the project and given as TOML on the command line.

use serde::{Deserialize, Serialize};

/// Whether a project's audio may be streamed to sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioPolicy {
    /// Streamed inside the SSH session to `cloister connect`.
    Stream,
    /// Never played.
    Off,
}

/// A project's policy. Every field has a default so a policy file only names what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProjectPolicy {
    /// Neighbouring segments an annotator sees (dimmed, masked) around each assigned one.
    pub context: u32,
    /// Days after closing before `cloister retention run` purges the project.
    pub retention_days: u32,
    /// Audio streaming.
    pub audio: AudioPolicy,
    /// Data roles that may listen to the audio (annotators and QA only on their assigned segments).
    pub audio_roles: Vec<String>,
    /// Whether admins may export the project.
    pub export_allowed: bool,
    /// Admin approvals an export needs (1 or 2).
    pub export_approvals: u8,
    /// Segment label schema: label group → allowed values (e.g. intent, emotion).
    pub labels: std::collections::BTreeMap<String, Vec<String>>,
    /// Likert criteria for preference projects.
    pub criteria: Vec<String>,
    /// Distinct segments a user may newly view per hour.
    pub max_segments_per_hour: u32,
    /// What is masked for whom: role name → per-type mask styles (default: everything masked).
    pub masking: crate::pii::RoleMaskPolicy,
    /// Names always masked as PERSON in this project (the per-project dictionary).
    pub known_names: Vec<String>,
    /// Who may unmask one span with a reason, for how long, how often.
    pub reveal: RevealPolicy,
}

/// Reveal-with-reason: which roles may unmask a single span, for how long, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RevealPolicy {
    /// Data roles allowed to reveal (`annotator`, `qa`, `reviewer`); empty turns reveals off.
    pub roles: Vec<String>,
    /// Seconds a revealed span stays visible.
    pub seconds: u32,
    /// Reveals one user may make per hour in this project.
    pub per_hour: u32,
}

impl Default for RevealPolicy {
    fn default() -> Self {
        Self { roles: vec!["qa".into()], seconds: 30, per_hour: 10 }
    }
}

impl Default for ProjectPolicy {
    fn default() -> Self {
        let labels = [
            ("intent".to_string(), ["billing", "card", "account", "technical", "other"].map(String::from).to_vec()),
            ("emotion".to_string(), ["neutral", "happy", "frustrated", "angry"].map(String::from).to_vec()),
        ];
        Self {
            context: 1,
            retention_days: 90,
            audio: AudioPolicy::Stream,
            audio_roles: ["annotator", "qa", "reviewer"].map(String::from).to_vec(),
            export_allowed: true,
            export_approvals: 1,
            labels: labels.into_iter().collect(),
            criteria: ["helpfulness", "harmlessness", "honesty"].map(String::from).to_vec(),
            max_segments_per_hour: 600,
            masking: crate::pii::RoleMaskPolicy::default(),
            known_names: Vec::new(),
            reveal: RevealPolicy::default(),
        }
    }
}

impl ProjectPolicy {
    /// Parses a TOML policy file; errors name the key and value via the TOML parser.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let policy: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks ranges that serde cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=2).contains(&self.export_approvals) {
            return Err(format!("export_approvals = {} is invalid: use 1 or 2", self.export_approvals));
        }
        if self.context > 10 {
            return Err(format!("context = {} is invalid: at most 10 neighbouring segments", self.context));
        }
        if let Some(role) = self.reveal.roles.iter().find(|r| !["annotator", "qa", "reviewer"].contains(&r.as_str())) {
            return Err(format!("reveal.roles: unknown role {role:?}: use annotator, qa or reviewer"));
        }
        if !(1..=3600).contains(&self.reveal.seconds) {
            return Err(format!("reveal.seconds = {} is invalid: use 1 to 3600", self.reveal.seconds));
        }
        if let Some(bad) = self.audio_roles.iter().find(|r| !["annotator", "qa", "reviewer"].contains(&r.as_str())) {
            return Err(format!("audio_roles contains {bad:?}: use annotator, qa and/or reviewer"));
        }
        // Checked here so masking can never silently run without the project's dictionary.
        crate::pii::DetectOptions::with_names(&self.known_names).map_err(|e| format!("known_names: {e}"))?;
        Ok(())
    }
}
