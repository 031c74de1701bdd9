//! The KMS service of the enclave: one request in (operation name, caller, JSON body), one
//! response out (HTTP status, JSON body).
//!
//! [`Service::handle`] is the single entry point, called by the enclave's HTTP endpoint
//! ([`crate::http::answer`]) with the principal it verified. It parses and validates the body
//! exactly as AWS does ([`KmsRequest::parse`]), hands the typed request to the operation's module
//! under [`crate::ops`] ([`dispatch`]) with the [`Context`] the operations run against, and
//! renders the result or the [`KmsError`] as the HTTP answer's body.

use std::sync::Arc;

use nitro_kms_api::{KmsError, KmsRequest, Operation};
use nitro_kms_wire::Status;
use serde::Serialize;

use crate::context::Context;
use crate::ops::derive_shared_secret;
use crate::ops::get_key_last_usage;
use crate::ops::{self, create_grant, list_grants, retire_grant};
use crate::ops::{
    cancel_key_deletion, create_alias, create_key, custom_key_stores, decrypt, delete_alias,
    describe_key, disable_key, enable_key, encrypt, generate_data_key, generate_data_key_pair,
    generate_data_key_pair_without_plaintext, generate_data_key_without_plaintext, generate_mac,
    generate_random, get_key_policy, get_public_key, list_aliases, list_key_policies, list_keys,
    list_resource_tags, put_key_policy, re_encrypt, schedule_key_deletion, sign, tag_resource,
    untag_resource, update_alias, update_key_description, verify, verify_mac,
};
use crate::ops::{decapsulate, encapsulate};
use crate::ops::{delete_imported_key_material, get_parameters_for_import, import_key_material};
use crate::ops::{
    disable_key_rotation, enable_key_rotation, get_key_rotation_status, list_key_rotations,
    rotate_key_on_demand,
};
use crate::ops::{replicate_key, update_primary_region};

/// The KMS service: its [`Context`] (identity, keystore, verifier, clock, policies), answering
/// requests through [`Service::handle`]. One type under two names, so the operations can take the
/// context without depending on the service that dispatches to them.
pub type Service = Context;

/// An operation's outcome: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// 200, or the error's HTTP status.
    pub status: Status,
    /// The JSON response, or `{"__type":..,"message":..}`.
    pub body: Vec<u8>,
}

impl Reply {
    /// The reply for an error.
    pub fn error(err: &KmsError) -> Reply {
        Reply {
            status: Status::new(err.http_status()).unwrap_or(Status::INTERNAL_SERVER_ERROR),
            body: err.to_json().into_bytes(),
        }
    }
}

impl Service {
    /// Answers one request. `caller` is the principal ARN the enclave authenticated (SigV4).
    pub async fn handle(self: &Arc<Self>, op: &str, caller: &str, body: &[u8]) -> Reply {
        let target = format!("{}{op}", nitro_kms_api::operation::TARGET_PREFIX);
        let result = match Operation::from_target(&target) {
            Err(e) => Err(e),
            Ok(op) => match KmsRequest::parse(op, body) {
                Ok(request) => dispatch(self, caller, request).await,
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(body) => Reply {
                status: Status::OK,
                body,
            },
            Err(e) => Reply::error(&e),
        }
    }
}

/// Runs `request` for `caller` and renders the response body (empty for operations without an
/// output shape, as AWS answers them).
pub async fn dispatch(
    svc: &Arc<Context>,
    caller: &str,
    request: KmsRequest,
) -> Result<Vec<u8>, KmsError> {
    // Every token must be one this service made (issue 18); grants authorize with or without
    // them, as they take effect at once (see `ops::grant_tokens`).
    svc.store
        .read(|ks| ops::grant_tokens::check(ks, Some(request.grant_tokens())))?;
    match request {
        KmsRequest::GenerateDataKey(r) => {
            let out = generate_data_key::run(svc, caller, r).await?;
            used(svc, Operation::GenerateDataKey, [&out.key_id]);
            json(out)
        }
        KmsRequest::GenerateDataKeyWithoutPlaintext(r) => {
            let out = generate_data_key_without_plaintext::run(svc, caller, r).await?;
            used(
                svc,
                Operation::GenerateDataKeyWithoutPlaintext,
                [&out.key_id],
            );
            json(out)
        }
        KmsRequest::Decrypt(r) => {
            let out = decrypt::run(svc, caller, r).await?;
            used(svc, Operation::Decrypt, [&out.key_id]);
            json(out)
        }
        KmsRequest::Encrypt(r) => {
            let out = encrypt::run(svc, caller, r).await?;
            used(svc, Operation::Encrypt, [&out.key_id]);
            json(out)
        }
        KmsRequest::ReEncrypt(r) => {
            let out = re_encrypt::run(svc, caller, r).await?;
            used(svc, Operation::ReEncrypt, [&out.source_key_id, &out.key_id]);
            json(out)
        }
        KmsRequest::GenerateMac(r) => {
            let out = generate_mac::run(svc, caller, r).await?;
            used(svc, Operation::GenerateMac, [&out.key_id]);
            json(out)
        }
        KmsRequest::VerifyMac(r) => {
            let out = verify_mac::run(svc, caller, r).await?;
            used(svc, Operation::VerifyMac, [&out.key_id]);
            json(out)
        }
        KmsRequest::GenerateRandom(r) => json(generate_random::run(svc, caller, r).await?),
        KmsRequest::CreateKey(r) => json(create_key::run(svc, caller, r).await?),
        KmsRequest::DescribeKey(r) => json(describe_key::run(svc, caller, r).await?),
        KmsRequest::ListKeys(r) => json(list_keys::run(svc, caller, r).await?),
        KmsRequest::CreateAlias(r) => empty(create_alias::run(svc, caller, r).await?),
        KmsRequest::UpdateAlias(r) => empty(update_alias::run(svc, caller, r).await?),
        KmsRequest::DeleteAlias(r) => empty(delete_alias::run(svc, caller, r).await?),
        KmsRequest::ListAliases(r) => json(list_aliases::run(svc, caller, r).await?),
        KmsRequest::EnableKey(r) => empty(enable_key::run(svc, caller, r).await?),
        KmsRequest::DisableKey(r) => empty(disable_key::run(svc, caller, r).await?),
        KmsRequest::ScheduleKeyDeletion(r) => {
            json(schedule_key_deletion::run(svc, caller, r).await?)
        }
        KmsRequest::CancelKeyDeletion(r) => json(cancel_key_deletion::run(svc, caller, r).await?),
        KmsRequest::GetKeyPolicy(r) => json(get_key_policy::run(svc, caller, r).await?),
        KmsRequest::PutKeyPolicy(r) => empty(put_key_policy::run(svc, caller, r).await?),
        KmsRequest::GenerateDataKeyPair(r) => {
            let out = generate_data_key_pair::run(svc, caller, r).await?;
            used(svc, Operation::GenerateDataKeyPair, [&out.key_id]);
            json(out)
        }
        KmsRequest::GenerateDataKeyPairWithoutPlaintext(r) => {
            let out = generate_data_key_pair_without_plaintext::run(svc, caller, r).await?;
            used(
                svc,
                Operation::GenerateDataKeyPairWithoutPlaintext,
                [&out.key_id],
            );
            json(out)
        }
        KmsRequest::TagResource(r) => empty(tag_resource::run(svc, caller, r).await?),
        KmsRequest::UntagResource(r) => empty(untag_resource::run(svc, caller, r).await?),
        KmsRequest::ListResourceTags(r) => json(list_resource_tags::run(svc, caller, r).await?),
        KmsRequest::UpdateKeyDescription(r) => {
            empty(update_key_description::run(svc, caller, r).await?)
        }
        KmsRequest::ListKeyPolicies(r) => json(list_key_policies::run(svc, caller, r).await?),
        KmsRequest::CreateCustomKeyStore(r) => {
            json(custom_key_stores::create(svc, caller, r).await?)
        }
        KmsRequest::ConnectCustomKeyStore(r) => {
            json(custom_key_stores::connect(svc, caller, r).await?)
        }
        KmsRequest::DeleteCustomKeyStore(r) => {
            json(custom_key_stores::delete(svc, caller, r).await?)
        }
        KmsRequest::DescribeCustomKeyStores(r) => {
            json(custom_key_stores::describe(svc, caller, r).await?)
        }
        KmsRequest::DisconnectCustomKeyStore(r) => {
            json(custom_key_stores::disconnect(svc, caller, r).await?)
        }
        KmsRequest::UpdateCustomKeyStore(r) => {
            json(custom_key_stores::update(svc, caller, r).await?)
        }
        KmsRequest::Sign(r) => {
            let out = sign::run(svc, caller, r).await?;
            used(svc, Operation::Sign, [&out.key_id]);
            json(out)
        }
        KmsRequest::Verify(r) => {
            let out = verify::run(svc, caller, r).await?;
            used(svc, Operation::Verify, [&out.key_id]);
            json(out)
        }
        KmsRequest::GetPublicKey(r) => json(get_public_key::run(svc, caller, r).await?),
        KmsRequest::EnableKeyRotation(r) => empty(enable_key_rotation::run(svc, caller, r).await?),
        KmsRequest::DisableKeyRotation(r) => {
            empty(disable_key_rotation::run(svc, caller, r).await?)
        }
        KmsRequest::GetKeyRotationStatus(r) => {
            json(get_key_rotation_status::run(svc, caller, r).await?)
        }
        KmsRequest::RotateKeyOnDemand(r) => json(rotate_key_on_demand::run(svc, caller, r).await?),
        KmsRequest::ListKeyRotations(r) => json(list_key_rotations::run(svc, caller, r).await?),
        KmsRequest::GetParametersForImport(r) => {
            json(get_parameters_for_import::run(svc, caller, r).await?)
        }
        KmsRequest::ImportKeyMaterial(r) => json(import_key_material::run(svc, caller, r).await?),
        KmsRequest::DeleteImportedKeyMaterial(r) => {
            json(delete_imported_key_material::run(svc, caller, r).await?)
        }
        KmsRequest::DeriveSharedSecret(r) => {
            let out = derive_shared_secret::run(svc, caller, r).await?;
            used(svc, Operation::DeriveSharedSecret, [&out.key_id]);
            json(out)
        }
        KmsRequest::CreateGrant(r) => json(create_grant::run(svc, caller, r).await?),
        KmsRequest::ListGrants(r) => json(list_grants::run(svc, caller, r).await?),
        KmsRequest::ListRetirableGrants(r) => json(list_grants::retirable(svc, caller, r).await?),
        KmsRequest::RetireGrant(r) => empty(retire_grant::retire(svc, caller, r).await?),
        KmsRequest::RevokeGrant(r) => empty(retire_grant::revoke(svc, caller, r).await?),
        KmsRequest::Encapsulate(r) => {
            let out = encapsulate::run(svc, caller, r).await?;
            used(svc, Operation::Encapsulate, [&out.key_id]);
            json(out)
        }
        KmsRequest::Decapsulate(r) => {
            let out = decapsulate::run(svc, caller, r).await?;
            used(svc, Operation::Decapsulate, [&out.key_id]);
            json(out)
        }
        KmsRequest::ReplicateKey(r) => json(replicate_key::run(svc, caller, r).await?),
        KmsRequest::UpdatePrimaryRegion(r) => {
            empty(update_primary_region::run(svc, caller, r).await?)
        }
        KmsRequest::GetKeyLastUsage(r) => json(get_key_last_usage::run(svc, caller, r).await?),
    }
}

/// Records a successful tracked operation's use of the keys its answer names (key ARNs) for
/// GetKeyLastUsage ([`crate::key_usage`]): in memory only, so the call waits for no write.
fn used<const N: usize>(svc: &Context, op: Operation, key_arns: [&Option<String>; N]) {
    let now = (svc.clock)();
    for arn in key_arns.into_iter().flatten() {
        let key_id = arn.rsplit('/').next().unwrap_or(arn);
        svc.usage
            .record(key_id, op, now, crate::key_usage::current_request_id());
    }
}

fn json<T: Serialize>(response: T) -> Result<Vec<u8>, KmsError> {
    serde_json::to_vec(&response)
        .map_err(|e| KmsError::internal(format!("response serialization failed: {e}")))
}

fn empty(_: ()) -> Result<Vec<u8>, KmsError> {
    Ok(Vec::new())
}
