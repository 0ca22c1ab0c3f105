//! Access decisions: (principal, action, resource) → allow with a visibility, or deny with a reason.
//!
//! This is the only place that knows who may do what. The store asks it before every read and
//! write; the UI only mirrors its answers.

mod audio;
mod project;

pub use audio::decide_audio;
pub use project::{AudioPolicy, ProjectPolicy, RevealPolicy};

use std::fmt;

/// A role a user holds on a project (data roles) or on the host (admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Edits the segments assigned to them.
    Annotator,
    /// Adjudicates annotators' work.
    Qa,
    /// Reads granted projects; writes nothing.
    Reviewer,
    /// Manages users, keys and projects; reads no data without a data role.
    Admin,
}

impl Role {
    /// The role's name as written in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Annotator => "annotator",
            Role::Qa => "qa",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name; the error quotes the value and lists the valid ones.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "annotator" => Ok(Role::Annotator),
            "qa" => Ok(Role::Qa),
            "reviewer" => Ok(Role::Reviewer),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role {other:?}: use annotator, qa, reviewer or admin")),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Who is acting: the user, whether they hold the host admin role, and the session acting for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Database id of the user (0 for the local operator).
    pub user_id: i64,
    /// User name.
    pub name: String,
    /// Holds the admin role.
    pub is_admin: bool,
    /// Session id: an SSH session id, or `cli-PID` for local commands.
    pub session: String,
}

impl Principal {
    /// The operator running a local `cloister` command on the host: an admin with no data role.
    /// Holding DIR/keys already gives this power; the principal records that it was used.
    pub fn operator() -> Self {
        Self { user_id: 0, name: "operator".into(), is_admin: true, session: format!("cli-{}", std::process::id()) }
    }
}

/// What the principal wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Create users, add or revoke keys, grant roles, assign work.
    ManageAccess,
    /// Create projects and import data into them (write-only: nothing is read back).
    ManageProjects,
    /// List project names and progress counts (no content).
    ListProjects,
    /// Read item or segment content.
    ReadContent,
    /// Save a draft or submit an annotation.
    WriteAnnotation,
    /// Record a QA decision.
    Adjudicate,
    /// Unmask one PII span, with a reason.
    Reveal,
    /// Hear an item's audio (streamed to `cloister connect`, never sent as a file).
    ListenAudio,
}

/// How data may be shown when access is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Unmasked.
    Raw,
    /// PII masked.
    Masked,
}

/// Why access was denied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    /// The action needs the admin role.
    #[error("{action:?} needs the admin role")]
    NotAdmin {
        /// The refused action.
        action: Action,
    },
    /// The principal holds no role on the project.
    #[error("no role on project {project}: ask an admin for a grant")]
    NoGrant {
        /// The project.
        project: i64,
    },
    /// The principal's roles on the project do not allow the action.
    #[error("{action:?} is not allowed for role {role} on project {project}")]
    RoleForbids {
        /// The refused action.
        action: Action,
        /// The role held.
        role: Role,
        /// The project.
        project: i64,
    },
    /// The user viewed too many new segments within the last hour (anti-scraping).
    #[error("you have viewed {limit} new segments in the last hour, the project's limit; the queue resumes later")]
    ViewLimit {
        /// The project's hourly limit.
        limit: u32,
    },
    /// Nobody annotates and QAs the same item.
    #[error("you annotated item {item}, so you cannot QA it (and vice versa)")]
    OwnWork {
        /// The item.
        item: i64,
    },
    /// The segment is not assigned to the user.
    #[error("segment {segment} is not assigned to you")]
    NotAssigned {
        /// The segment.
        segment: i64,
    },
    /// The project's policy does not let this role reveal masked spans.
    #[error("revealing masked text is not allowed for your role on project {project}")]
    RevealForbidden {
        /// The project.
        project: i64,
    },
    /// Too many reveals within the last hour.
    #[error("you have revealed {limit} spans in the last hour, the project's limit")]
    RevealLimit {
        /// The project's hourly limit.
        limit: u32,
    },
    /// The project no longer accepts the action (closed or purged).
    #[error("project {project} is {state}: {action:?} is no longer possible")]
    ProjectState {
        /// The refused action.
        action: Action,
        /// The project.
        project: i64,
        /// Its state.
        state: String,
    },
    /// The project's policy turns audio off.
    #[error("audio is off for project {project} (policy audio = \"off\")")]
    AudioOff {
        /// The project.
        project: i64,
    },
    /// The project's policy does not let this role listen.
    #[error("role {role} may not listen to project {project}'s audio (policy audio_roles)")]
    AudioRole {
        /// The role held.
        role: Role,
        /// The project.
        project: i64,
    },
}

/// Decides an action on a project for a principal whose data roles there are `roles`.
pub fn decide_project(
    principal: &Principal,
    roles: &[Role],
    project: i64,
    action: Action,
) -> Result<Visibility, Denial> {
    match action {
        Action::ManageAccess | Action::ManageProjects => {
            if principal.is_admin {
                Ok(Visibility::Masked)
            } else {
                Err(Denial::NotAdmin { action })
            }
        }
        Action::ListProjects => {
            if principal.is_admin || !roles.is_empty() {
                Ok(Visibility::Masked)
            } else {
                Err(Denial::NoGrant { project })
            }
        }
        Action::ReadContent | Action::Reveal | Action::ListenAudio => {
            // Separation of duties: admin alone never reads content.
            if roles.is_empty() {
                return Err(Denial::NoGrant { project });
            }
            Ok(Visibility::Masked)
        }
        Action::WriteAnnotation | Action::Adjudicate => {
            let needed =
                if action == Action::WriteAnnotation { [Role::Annotator, Role::Qa] } else { [Role::Qa, Role::Qa] };
            match roles.first() {
                None => Err(Denial::NoGrant { project }),
                Some(_) if roles.iter().any(|r| needed.contains(r)) => Ok(Visibility::Masked),
                Some(&role) => Err(Denial::RoleForbids { action, role, project }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool) -> Principal {
        Principal { user_id: 7, name: "u".into(), is_admin: admin, session: "s".into() }
    }

    #[test]
    fn admin_without_data_role_cannot_read() {
        assert_eq!(decide_project(&user(true), &[], 1, Action::ReadContent), Err(Denial::NoGrant { project: 1 }));
        assert!(decide_project(&user(true), &[], 1, Action::ManageProjects).is_ok());
    }

    #[test]
    fn reviewer_reads_but_never_writes() {
        let roles = [Role::Reviewer];
        assert!(decide_project(&user(false), &roles, 1, Action::ReadContent).is_ok());
        for action in [Action::WriteAnnotation, Action::Adjudicate] {
            assert_eq!(
                decide_project(&user(false), &roles, 1, action),
                Err(Denial::RoleForbids { action, role: Role::Reviewer, project: 1 })
            );
        }
    }

    #[test]
    fn annotator_writes_but_does_not_adjudicate() {
        let roles = [Role::Annotator];
        assert!(decide_project(&user(false), &roles, 1, Action::WriteAnnotation).is_ok());
        assert!(decide_project(&user(false), &roles, 1, Action::Adjudicate).is_err());
        assert!(decide_project(&user(false), &roles, 1, Action::ManageAccess).is_err());
    }
}
