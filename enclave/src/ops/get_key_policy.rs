//! GetKeyPolicy: the key policy document, verbatim as it was set. The only policy name is
//! `default`.

use std::sync::Arc;

use nitro_kms_api::ops::{GetKeyPolicyRequest, GetKeyPolicyResponse};
use nitro_kms_api::{KmsError, KmsErrorType, Operation};

use super::access::{self, Aliases};
use crate::context::Context;

const OP: Operation = Operation::GetKeyPolicy;

/// Runs GetKeyPolicy for `caller`.
pub async fn run(
    svc: &Arc<Context>,
    caller: &str,
    req: GetKeyPolicyRequest,
) -> Result<GetKeyPolicyResponse, KmsError> {
    let name = req.policy_name().to_owned();
    let key_id = req.key_id.unwrap_or_default();
    svc.store.read(|ks| {
        let key = access::resolve(svc, ks, caller, OP, &key_id, Aliases::Refused)?;
        let key = access::authorize(svc, key, caller, OP, &Default::default(), None)?;
        if name != "default" {
            return Err(KmsError::new(
                KmsErrorType::NotFound,
                format!("No such policy exists: {name}"),
            ));
        }
        Ok(GetKeyPolicyResponse {
            policy: Some(key.policy.clone()),
            policy_name: Some(name),
        })
    })
}
