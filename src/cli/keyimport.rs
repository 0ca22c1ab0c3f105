//! `cloister key import FILE --role ROLE [--project P] [--user NAME]`: users and keys from an
//! OpenSSH authorized_keys file, all or nothing. Each line's user is `--user`, else the part of
//! its comment before `@`. `expiry-time="YYYYMMDD[HHMM[SS]]"` is honoured; other options cannot
//! be enforced by cloister and are reported; `cert-authority` lines are refused (use `ca trust`).

use super::CliError;
use super::context::Ctx;
use crate::policy::Role;
use crate::store::KeyEntry;
use russh::keys::ssh_key::{HashAlg, PublicKey};
use std::path::Path;

/// Splits a line into its options (if any) and the rest; options may hold quoted spaces.
fn split_options(line: &str) -> (Option<&str>, &str) {
    let key_start = ["ssh-", "ecdsa-", "sk-"];
    if key_start.iter().any(|p| line.starts_with(p)) {
        return (None, line);
    }
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (Some(&line[..i]), line[i..].trim_start()),
            _ => {}
        }
    }
    (Some(line), "")
}

/// Splits options at unquoted commas.
fn options(text: &str) -> Vec<String> {
    let (mut out, mut current, mut quoted) = (Vec::new(), String::new(), false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out
}

/// `YYYYMMDD[HHMM[SS]]` (UTC) as Unix seconds.
fn expiry(value: &str) -> Option<i64> {
    let digits = value.trim_matches('"');
    let padded = format!("{digits:0<14}");
    if !digits.chars().all(|c| c.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return None;
    }
    chrono::NaiveDateTime::parse_from_str(&padded, "%Y%m%d%H%M%S").ok().map(|t| t.and_utc().timestamp())
}

/// Parses an authorized_keys text into entries and notes; errors name `file:line` and the value.
pub fn parse(file: &Path, text: &str, user: Option<&str>) -> Result<(Vec<KeyEntry>, Vec<String>), CliError> {
    let (mut entries, mut notes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for (n, raw) in text.lines().enumerate() {
        let at = format!("{}:{}", file.display(), n + 1);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (opts, rest) = split_options(line);
        let mut expires_at = None;
        for option in opts.map(options).unwrap_or_default() {
            let (name, value) = option.split_once('=').unwrap_or((option.as_str(), ""));
            match name.to_ascii_lowercase().as_str() {
                "expiry-time" => match expiry(value) {
                    Some(t) => expires_at = Some(t),
                    None => errors.push(format!("{at}: expiry-time={value} is not YYYYMMDD[HHMM[SS]]")),
                },
                "cert-authority" => {
                    errors.push(format!("{at}: cert-authority keys are trusted with `cloister ca trust`"))
                }
                other => notes.push(format!("{at}: option {other:?} is not enforced by cloister; ignored")),
            }
        }
        let key = match PublicKey::from_openssh(rest) {
            Ok(key) => key,
            Err(e) => {
                errors.push(format!(
                    "{at}: {:?} is not an OpenSSH public key: {e}",
                    rest.chars().take(40).collect::<String>()
                ));
                continue;
            }
        };
        let owner = match user {
            Some(name) => name.to_string(),
            None => match key.comment().as_str_lossy().split('@').next().filter(|s| !s.is_empty()) {
                Some(name) => name.to_ascii_lowercase(),
                None => {
                    errors.push(format!("{at}: no comment to take the user name from; pass --user NAME"));
                    continue;
                }
            },
        };
        let public_key = key.to_openssh().map_err(|e| CliError::Usage(format!("{at}: {e}")))?;
        entries.push(KeyEntry {
            user: owner,
            fingerprint: key.fingerprint(HashAlg::Sha256).to_string(),
            public_key,
            expires_at,
        });
    }
    if !errors.is_empty() {
        return Err(CliError::Usage(format!("nothing imported:\n{}", errors.join("\n"))));
    }
    Ok((entries, notes))
}

/// Runs `key import`.
pub fn run(
    ctx: &mut Ctx<'_>,
    file: &Path,
    role: &str,
    project: Option<&str>,
    user: Option<&str>,
) -> Result<u8, CliError> {
    ctx.local_only("key import FILE")?;
    let role = Role::parse(role).map_err(CliError::Usage)?;
    let text = std::fs::read_to_string(file).map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    let (entries, notes) = parse(file, &text, user)?;
    ctx.record_admin(format!(
        "key import {} --role {role} --project {project:?}: {} keys",
        file.display(),
        entries.len()
    ))?;
    let done = ctx.store.import_keys(ctx.by, &entries, role, project)?;
    for note in notes {
        writeln!(ctx.out, "note: {note}")?;
    }
    writeln!(
        ctx.out,
        "imported {} keys ({} already present) and created {} users, granted {role}{}",
        done.keys_added,
        done.keys_kept,
        done.users_created,
        project.map(|p| format!(" on {p}")).unwrap_or_default()
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn parses_options_users_and_expiry() {
        let text =
            format!("# team\n{KEY} ann@laptop\nexpiry-time=\"20301231\",no-pty,command=\"echo a,b\" {KEY} Bob@desk\n");
        let (entries, notes) = parse(Path::new("keys"), &text, None).expect("parses");
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].user.as_str(), entries[1].user.as_str()), ("ann", "bob"));
        assert_eq!(entries[1].expires_at, Some(1_924_905_600));
        assert!(entries[0].fingerprint.starts_with("SHA256:"));
        assert_eq!(notes.len(), 2, "no-pty and command are reported: {notes:?}");
    }

    #[test]
    fn bad_lines_fail_the_whole_file_with_their_line_numbers() {
        let text = format!("{KEY} ann@laptop\nssh-ed25519 garbage x@y\ncert-authority {KEY} ca\n{KEY}\n");
        let error = parse(Path::new("keys"), &text, None).expect_err("refused").to_string();
        assert!(
            error.contains("keys:2:")
                && error.contains("keys:3: cert-authority")
                && error.contains("keys:4: no comment"),
            "{error}"
        );
    }
}
