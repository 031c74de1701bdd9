//! Whether a KMS operation changes the keystore or only reads it: [`Access`].
//!
//! Several enclaves of one image can serve one sealed keystore, of which exactly one, the leader,
//! writes (see `docs/horizontal-scale.md`). Every operation that changes keys, aliases, policies,
//! states or tags must therefore run on the leader; the others can run on any enclave that has
//! applied every acknowledged write. The proxy routed by this classification while it parsed
//! requests; a read replica's own HTTP endpoint uses it to decide which requests it hands to the
//! leader (the enclave's `replica_forward` module). It lives here, beside [`Operation`], so both
//! sides share one list.

use crate::operation::Operation;

/// Whether an operation changes the keystore (leader only) or only reads it (any caught-up
/// enclave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Changes keys, aliases, policies, states or tags: journaled, so only the leader may run it.
    Write,
    /// Reads the keystore (or nothing, like GenerateRandom): any enclave that has applied every
    /// acknowledged write answers it the same way.
    Read,
}

impl Access {
    /// The access `op` needs. Every operation is listed, so a new one cannot be added without
    /// deciding where it goes.
    pub const fn of(op: Operation) -> Access {
        match op {
            Operation::CreateKey
            | Operation::CreateAlias
            | Operation::UpdateAlias
            | Operation::DeleteAlias
            | Operation::EnableKey
            | Operation::DisableKey
            | Operation::ScheduleKeyDeletion
            | Operation::CancelKeyDeletion
            | Operation::PutKeyPolicy
            | Operation::TagResource
            | Operation::UntagResource
            | Operation::UpdateKeyDescription
            | Operation::EnableKeyRotation
            | Operation::DisableKeyRotation
            | Operation::RotateKeyOnDemand
            | Operation::ImportKeyMaterial
            | Operation::DeleteImportedKeyMaterial
            | Operation::CreateGrant
            | Operation::RetireGrant
            | Operation::RevokeGrant
            | Operation::ReplicateKey
            | Operation::UpdatePrimaryRegion => Access::Write,
            Operation::GenerateDataKey
            | Operation::GenerateDataKeyWithoutPlaintext
            | Operation::GenerateDataKeyPair
            | Operation::GenerateDataKeyPairWithoutPlaintext
            | Operation::Decrypt
            | Operation::Encrypt
            | Operation::ReEncrypt
            | Operation::GenerateMac
            | Operation::VerifyMac
            | Operation::Sign
            | Operation::Verify
            | Operation::GetPublicKey
            | Operation::DeriveSharedSecret
            | Operation::Encapsulate
            | Operation::Decapsulate
            | Operation::GenerateRandom
            | Operation::DescribeKey
            | Operation::ListKeys
            | Operation::ListAliases
            | Operation::GetKeyPolicy
            | Operation::ListResourceTags
            | Operation::ListKeyPolicies
            // Read replicas answer these; a due automatic rotation is the leader's to write.
            | Operation::GetKeyRotationStatus
            | Operation::ListKeyRotations
            // Usage is tracked in memory and written by the leader's housekeeping timer.
            | Operation::GetKeyLastUsage
            // Stateless: the wrapping key travels sealed in the import token.
            | Operation::GetParametersForImport
            | Operation::ListGrants
            | Operation::ListRetirableGrants
            // No custom key store exists or is ever made: these change nothing.
            | Operation::CreateCustomKeyStore
            | Operation::ConnectCustomKeyStore
            | Operation::DeleteCustomKeyStore
            | Operation::DescribeCustomKeyStores
            | Operation::DisconnectCustomKeyStore
            | Operation::UpdateCustomKeyStore => Access::Read,
        }
    }

    /// The access the operation named `name` needs; a name this crate does not know is treated as
    /// a write (the leader answers it, and it refuses what it does not serve the usual way).
    pub fn of_name(name: &str) -> Access {
        Operation::from_name(name).map_or(Access::Write, Access::of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_classified_and_only_mutations_go_to_the_leader() {
        let writes = [
            "CreateKey",
            "CreateAlias",
            "UpdateAlias",
            "DeleteAlias",
            "EnableKey",
            "DisableKey",
            "ScheduleKeyDeletion",
            "CancelKeyDeletion",
            "PutKeyPolicy",
            "TagResource",
            "UntagResource",
            "UpdateKeyDescription",
            "EnableKeyRotation",
            "DisableKeyRotation",
            "RotateKeyOnDemand",
            "ImportKeyMaterial",
            "DeleteImportedKeyMaterial",
            "CreateGrant",
            "RetireGrant",
            "RevokeGrant",
            "ReplicateKey",
            "UpdatePrimaryRegion",
        ];
        for op in Operation::ALL {
            let expected = if writes.contains(&op.name()) {
                Access::Write
            } else {
                Access::Read
            };
            assert_eq!(Access::of(*op), expected, "{}", op.name());
            assert_eq!(Access::of_name(op.name()), expected, "{}", op.name());
        }
        for read in [
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "Encrypt",
            "Decrypt",
            "ReEncrypt",
            "GenerateRandom",
            "DescribeKey",
            "ListKeys",
            "ListAliases",
            "GetKeyPolicy",
            "ListResourceTags",
            "ListKeyPolicies",
            "CreateCustomKeyStore",
            "DescribeCustomKeyStores",
            "GenerateMac",
            "VerifyMac",
            "Sign",
            "Verify",
            "GetPublicKey",
            "GetKeyRotationStatus",
            "ListKeyRotations",
            "GetParametersForImport",
            "ListGrants",
            "ListRetirableGrants",
            "Encapsulate",
            "Decapsulate",
        ] {
            assert_eq!(Access::of_name(read), Access::Read, "{read}");
        }
    }

    #[test]
    fn operations_this_proxy_does_not_know_go_to_the_leader() {
        for unknown in ["NoSuchOperation", "", "generatedatakey"] {
            assert_eq!(Access::of_name(unknown), Access::Write, "{unknown:?}");
        }
    }
}
