//! The KMS service of the enclave: one request in (operation name, caller, JSON body), one
//! response out (HTTP status, JSON body).
//!
//! [`Service::handle`] is the single entry point the frame server calls. It parses and validates
//! the body exactly as AWS does ([`KmsRequest::parse`]), hands the typed request to the operation's
//! module under [`crate::ops`], and renders the result or the [`KmsError`] as the body the parent
//! relays to its HTTP client unchanged.

use std::sync::Arc;

use nitro_kms_api::types::RecipientInfo;
use nitro_kms_api::{KmsError, KmsRequest, Operation, key_id};
use nitro_kms_wire::Status;

use crate::clock::Clock;
use crate::recipient::{AttestedRecipient, RecipientVerifier};
use crate::sealed_store::SealedKeystore;

/// Who and where this service is: AWS's notion of the region and account that own its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The region in key ARNs (`us-east-1`).
    pub region: String,
    /// The 12-digit account in key ARNs and the default key policy.
    pub account: String,
}

impl Identity {
    /// The partition of the region (`aws`, `aws-cn`, ...).
    pub fn partition(&self) -> &'static str {
        key_id::partition_for_region(&self.region)
    }

    /// `arn:PARTITION:kms:REGION:ACCOUNT:key/ID`.
    pub fn key_arn(&self, key_id: &str) -> String {
        key_id::key_arn(&self.region, &self.account, key_id)
    }

    /// `arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME` (`alias_name` includes `alias/`).
    pub fn alias_arn(&self, alias_name: &str) -> String {
        key_id::alias_arn(&self.region, &self.account, alias_name)
    }
}

/// Everything an operation may use: identity, the durable keystore, the attestation verifier
/// and the clock.
pub struct Service {
    /// Region and account.
    pub identity: Identity,
    /// The keys, aliases, policies and tags.
    pub store: SealedKeystore,
    /// Verifies `Recipient` attestation documents.
    pub recipients: RecipientVerifier,
    /// Wall-clock time (injected so tests can move it).
    pub clock: Clock,
    /// Parsed key policies.
    pub policies: crate::policy_cache::PolicyCache,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

/// An operation's outcome as the parent relays it: HTTP status and JSON body.
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
    /// Verifies a request's `Recipient`, if it has one, as of the service clock's now.
    pub fn verify_recipient(
        &self,
        recipient: Option<&RecipientInfo>,
    ) -> Result<Option<AttestedRecipient>, KmsError> {
        recipient
            .map(|info| {
                self.recipients
                    .verify(info, crate::clock::to_system_time((self.clock)()))
            })
            .transpose()
    }

    /// Answers one request. `caller` is the principal ARN the parent authenticated.
    pub async fn handle(self: &Arc<Self>, op: &str, caller: &str, body: &[u8]) -> Reply {
        let result = match Operation::from_name(op) {
            None => Err(KmsError::unknown_operation()),
            Some(op) => match KmsRequest::parse(op, body) {
                Ok(request) => crate::ops::dispatch(self, caller, request).await,
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
