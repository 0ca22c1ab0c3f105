//! OpenSSH user certificates: signed by a CA trusted with `cloister ca trust`, of user type,
//! inside their validity, naming the SSH user as a principal, with no critical option this server
//! cannot enforce. The store then logs the principal in like a key.

use super::server::Shared;
use crate::audit::EventKind;
use crate::policy::Principal;
use russh::keys::ssh_key::{Certificate, Fingerprint, HashAlg, certificate::CertType};
use std::str::FromStr;

/// Checks a certificate whose signature by the client was verified; returns the principal (or
/// none), the audit event, and the fingerprint of the certified key.
pub(super) async fn check(
    shared: &Shared,
    user: &str,
    certificate: &Certificate,
    session: &str,
    peer: &str,
) -> (Option<Principal>, EventKind, String) {
    let fingerprint = certificate.public_key().fingerprint(HashAlg::Sha256).to_string();
    let refuse = |reason: String| {
        tracing::warn!(user, %fingerprint, %peer, %reason, "certificate refused");
        let kind = EventKind::AuthFail { fingerprint: Some(fingerprint.clone()), peer: peer.to_string(), reason };
        (None, kind, fingerprint.clone())
    };
    let trusted = match shared.db.call(|store| store.trusted_ca_fingerprints()).await {
        Ok(Ok(list)) => list,
        _ => return refuse("store error reading trusted CAs".into()),
    };
    let trusted: Vec<Fingerprint> = trusted.iter().filter_map(|f| Fingerprint::from_str(f).ok()).collect();
    if certificate.validate(trusted.iter()).is_err() {
        return refuse("certificate not signed by a trusted CA, or outside its validity".into());
    }
    if certificate.cert_type() != CertType::User {
        return refuse("not a user certificate".into());
    }
    if !certificate.valid_principals().iter().any(|p| p == user) {
        return refuse(format!("certificate principals {:?} do not include {user:?}", certificate.valid_principals()));
    }
    if !certificate.critical_options().is_empty() {
        return refuse(
            "certificate has critical options (force-command, source-address) this server does not enforce".into(),
        );
    }
    let ca = certificate.signature_key().fingerprint(HashAlg::Sha256).to_string();
    let line = certificate.to_openssh().unwrap_or_default();
    let valid_before = i64::try_from(certificate.valid_before()).unwrap_or(i64::MAX);
    let (name, fp, session) = (user.to_string(), fingerprint.clone(), session.to_string());
    let result =
        shared.db.call(move |store| store.login_certificate(&name, &fp, &line, &ca, valid_before, &session)).await;
    match result {
        Ok(Ok(Ok(principal))) => {
            tracing::info!(user, %fingerprint, %peer, "authenticated by certificate");
            (
                Some(principal),
                EventKind::AuthOk { fingerprint: fingerprint.clone(), peer: peer.to_string() },
                fingerprint,
            )
        }
        Ok(Ok(Err(refusal))) => refuse(format!("certificate: {refusal}")),
        _ => refuse("store error".into()),
    }
}
