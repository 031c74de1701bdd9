//! PutKeyPolicy: replaces a key's policy. The new policy must parse
//! (`MalformedPolicyDocumentException`) and must still let the caller change it later unless
//! `BypassPolicyLockoutSafetyCheck` is set — the same check as CreateKey.

use std::sync::Arc;

use nitro_kms_api::ops::PutKeyPolicyRequest;
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases};
use super::create_key::check_new_policy;
use crate::context::Context;
use crate::keystore::Mutation;

const OP: Operation = Operation::PutKeyPolicy;

/// Runs PutKeyPolicy for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: PutKeyPolicyRequest,
) -> Result<(), KmsError> {
    let name = req.policy_name().to_owned();
    let key_id = req.key_id.clone().unwrap_or_default();
    let text = req.policy.clone().unwrap_or_default();
    let bypass = req.bypass_policy_lockout_safety_check == Some(true);
    let mutation = svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        access::require_not_pending_deletion(svc, &key)?;
        if name != "default" {
            return Err(KmsError::new(
                KmsErrorType::NotFound,
                format!("No such policy exists: {name}"),
            ));
        }
        check_new_policy(caller, &svc.identity.key_arn(&key.key_id), &text, bypass)?;
        Ok(Mutation::PutKeyPolicy {
            key_id: key.key_id.clone(),
            policy: text.clone(),
        })
    })?;
    super::commit::commit(svc, mutation).await
}
