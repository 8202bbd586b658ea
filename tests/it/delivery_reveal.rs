//! One-time reveal: once only, by an allowed person only, never after the
//! expiry; every attempt audited without the value.

use crate::support::policy::{context, seed};
use entra_connect::audit::{self, AuditAction, AuditFilter, AuditResult};
use entra_connect::config::policy::PolicyConfig;
use entra_connect::config::policy::SecretRecipient;
use entra_connect::delivery::{
    self, purge_expired, reveal, secret_for_response, viewers_for, DeliveryError, DeliveryRequest,
    RecipientAccounts, RevealError,
};
use entra_connect::host::memory::MemoryHost;
use entra_connect::lifecycle::{CredentialKind, IssuedCredential};
use entra_connect::policy::{RequesterKind, ServiceApiAuth};
use entra_connect::route::Route;
use entra_connect::secret::Secret;

const HOUR_MS: u64 = 3_600_000;
const VALUE: &str = "Tmp-Pass-Value-7781!";

fn credential() -> IssuedCredential {
    IssuedCredential {
        kind: CredentialKind::TemporaryPassword,
        secret: Secret::new(VALUE),
        lifetime_minutes: None,
    }
}

fn request(viewers: &[&str]) -> DeliveryRequest {
    DeliveryRequest {
        operation: Route::UserResetPassword,
        target_id: seed::ADELE_ID.into(),
        target_label: seed::ADELE.into(),
        issue_key: Some("ITSM-9".into()),
        audit_id: "audit-1".into(),
        viewers: viewers.iter().map(|v| v.to_string()).collect(),
        lifetime_ms: 24 * HOUR_MS,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn reveals_once_to_an_allowed_viewer_only() {
    let host = MemoryHost::new();
    let receipt = delivery::store(&host, credential(), request(&["alice"]))
        .await
        .unwrap();
    assert_eq!(receipt.id.len(), 32, "24 random bytes, base64url");
    assert_eq!(
        reveal(&host, &receipt.id, "mallory").await.unwrap_err(),
        RevealError::NotAllowed
    );
    // The refused attempt did not consume it.
    let secret = reveal(&host, &receipt.id, "alice").await.unwrap();
    assert_eq!(secret.expose(), VALUE);
    assert_eq!(
        reveal(&host, &receipt.id, "alice").await.unwrap_err(),
        RevealError::NotFoundOrRevealed
    );
    assert!(host.secrets_snapshot().is_empty());

    let trail = audit::query(
        &host,
        &AuditFilter {
            issue_key: Some("ITSM-9".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let reveals: Vec<_> = trail
        .iter()
        .filter(|r| r.action == AuditAction::RevealCredential)
        .collect();
    assert_eq!(reveals.len(), 2);
    assert!(reveals
        .iter()
        .any(|r| r.result == AuditResult::Revealed && r.requester.account_id == "alice"));
    assert!(reveals
        .iter()
        .any(|r| matches!(&r.result, AuditResult::RevealRefused { .. })
            && r.requester.account_id == "mallory"));
    assert!(reveals
        .iter()
        .all(|r| r.delivery_id.as_deref() == Some(receipt.id.as_str())
            && r.related_audit_id.as_deref() == Some("audit-1")));
    assert!(!serde_json::to_string(&host.kvs_snapshot())
        .unwrap()
        .contains(VALUE));
}

#[tokio::test(flavor = "current_thread")]
async fn expired_credentials_cannot_be_revealed() {
    let host = MemoryHost::new();
    let receipt = delivery::store(&host, credential(), request(&["alice"]))
        .await
        .unwrap();
    host.advance(24 * HOUR_MS);
    match reveal(&host, &receipt.id, "alice").await {
        Err(RevealError::Expired { expired_at_ms }) => {
            assert_eq!(expired_at_ms, receipt.expires_at_ms)
        }
        other => panic!("{other:?}"),
    }
    assert!(host.secrets_snapshot().is_empty(), "deleted on expiry");
    assert_eq!(
        reveal(&host, &receipt.id, "alice").await.unwrap_err(),
        RevealError::NotFoundOrRevealed
    );
    assert_eq!(RevealError::Expired { expired_at_ms: 0 }.http_status(), 410);
}

#[tokio::test(flavor = "current_thread")]
async fn sweeping_deletes_only_expired_credentials() {
    let host = MemoryHost::new();
    let mut short = request(&["alice"]);
    short.lifetime_ms = HOUR_MS;
    let gone = delivery::store(&host, credential(), short).await.unwrap();
    let kept = delivery::store(&host, credential(), request(&["alice"]))
        .await
        .unwrap();
    host.advance(2 * HOUR_MS);
    assert_eq!(purge_expired(&host).await.unwrap(), 1);
    assert_eq!(
        reveal(&host, &gone.id, "alice").await.unwrap_err(),
        RevealError::NotFoundOrRevealed
    );
    assert_eq!(
        reveal(&host, &kept.id, "alice").await.unwrap().expose(),
        VALUE
    );
    assert_eq!(
        delivery::store(&host, credential(), request(&[]))
            .await
            .unwrap_err(),
        DeliveryError::NoViewers
    );
}

#[test]
fn recipients_follow_the_operation_config() {
    let mut config = PolicyConfig::default();
    config.secret_recipients.user.reset_password =
        [SecretRecipient::Requester, SecretRecipient::AssignedAgent].into();
    let accounts = RecipientAccounts {
        requester: Some("req"),
        target_manager: Some("mgr"),
        assigned_agent: Some("agent"),
    };
    assert_eq!(
        viewers_for(&config, Route::UserResetPassword, &accounts),
        vec!["agent", "req"]
    );
    assert_eq!(
        viewers_for(&config, Route::UserCreate, &accounts),
        vec!["mgr"]
    );
    assert!(viewers_for(&config, Route::UserDisable, &accounts).is_empty());
}

#[test]
fn secret_in_response_only_for_signed_hr_when_enabled() {
    let cred = credential();
    let signed = context(RequesterKind::ServiceApi, "hr", None)
        .with_service_auth(ServiceApiAuth::HmacSigned);
    let keyed = context(RequesterKind::ServiceApi, "rule", None)
        .with_service_auth(ServiceApiAuth::ServiceKey);
    let off = PolicyConfig::default();
    let on = PolicyConfig {
        return_secret_in_response_for_signed_hr: true,
        ..PolicyConfig::default()
    };
    assert!(secret_for_response(&off, &signed, &cred).is_none());
    assert!(secret_for_response(&on, &keyed, &cred).is_none());
    assert!(secret_for_response(&on, &context(RequesterKind::Agent, "a", None), &cred).is_none());
    assert_eq!(
        secret_for_response(&on, &signed, &cred).map(Secret::expose),
        Some(VALUE)
    );
}
