//! The one-time reveal of a generated password or Temporary Access Pass, for
//! a person the policy named as its recipient. The credential is deleted as
//! it is revealed; the audit trail records who revealed it, never the value.

use super::{internal, ResolverContext, ResolverError};
use crate::delivery::{self, RevealError};
use crate::host::Host;
use serde_json::{json, Value};

/// `secret.reveal` with `{credentialId}`.
pub async fn reveal(
    context: &ResolverContext,
    host: &impl Host,
    payload: &Value,
) -> Result<Value, ResolverError> {
    let Some(viewer) = context.account_id.as_deref() else {
        return Err(ResolverError::Forbidden {
            reason: "Sign in to reveal a credential.".to_string(),
        });
    };
    let id = payload["credentialId"].as_str().unwrap_or_default().trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ResolverError::Invalid {
            field: "credentialId".to_string(),
            message: "The credential id is not valid.".to_string(),
        });
    }
    match delivery::reveal(host, id, viewer).await {
        // Shown once to the allowed person; the page must not keep it.
        Ok(secret) => Ok(json!({ "value": secret.expose() })),
        Err(RevealError::NotAllowed) => Err(ResolverError::Forbidden {
            reason: "This credential is for someone else.".to_string(),
        }),
        Err(e @ (RevealError::NotFoundOrRevealed | RevealError::Expired { .. })) => {
            Err(ResolverError::Gone {
                reason: format!("Cannot reveal: {e}."),
            })
        }
        Err(RevealError::Storage(e)) => Err(internal(host, &e.to_string())),
    }
}
