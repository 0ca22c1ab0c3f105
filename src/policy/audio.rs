//! Who may hear a project's audio: the project's `audio` switch, then its `audio_roles`.
//! Which segments an annotator may hear (assigned ones only) is the store's part.

use super::{AudioPolicy, Denial, ProjectPolicy, Role};

/// Decides whether a principal holding `roles` on `project` may listen to its audio.
pub fn decide_audio(roles: &[Role], policy: &ProjectPolicy, project: i64) -> Result<(), Denial> {
    if policy.audio == AudioPolicy::Off {
        return Err(Denial::AudioOff { project });
    }
    let Some(&first) = roles.first() else { return Err(Denial::NoGrant { project }) };
    if roles.iter().any(|r| policy.audio_roles.iter().any(|allowed| allowed == r.as_str())) {
        Ok(())
    } else {
        Err(Denial::AudioRole { role: first, project })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_follows_the_switch_and_the_roles() {
        let mut policy = ProjectPolicy::default();
        assert_eq!(decide_audio(&[Role::Annotator], &policy, 3), Ok(()));
        assert_eq!(decide_audio(&[Role::Reviewer], &policy, 3), Ok(()));
        assert_eq!(decide_audio(&[], &policy, 3), Err(Denial::NoGrant { project: 3 }), "admin-only users hear nothing");
        policy.audio_roles = vec!["annotator".into()];
        assert_eq!(
            decide_audio(&[Role::Reviewer], &policy, 3),
            Err(Denial::AudioRole { role: Role::Reviewer, project: 3 })
        );
        policy.audio = AudioPolicy::Off;
        assert_eq!(decide_audio(&[Role::Annotator], &policy, 3), Err(Denial::AudioOff { project: 3 }));
    }

    #[test]
    fn policy_file_names_audio_settings() {
        let policy = ProjectPolicy::from_toml("audio = \"off\"\naudio_roles = [\"qa\"]\n").expect("valid");
        assert_eq!((policy.audio, policy.audio_roles), (AudioPolicy::Off, vec!["qa".to_string()]));
        let err = ProjectPolicy::from_toml("audio_roles = [\"admin\"]\n").expect_err("admin is no data role");
        assert!(err.contains("audio_roles contains \"admin\""), "{err}");
        let err = ProjectPolicy::from_toml("audio = \"loud\"\n").expect_err("unknown switch");
        assert!(err.contains("loud"), "{err}");
    }
}
