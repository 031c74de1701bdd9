//! Key policies: the JSON policy language subset Nitro users write for AWS KMS, parsed once and
//! evaluated on every operation.
//!
//! Supported: `Version`, `Id`, `Statement` (object or array) with `Sid`, `Effect`
//! (`Allow`/`Deny`), `Principal`/`NotPrincipal` (`"*"` or `{"AWS": ...}`; `Service` principals
//! parse but never match a caller), `Action`/`NotAction` and `Resource`/`NotResource` with `*` and
//! `?` wildcards, and `Condition` with `StringEquals`, `StringNotEquals`,
//! `StringEqualsIgnoreCase`, `StringNotEqualsIgnoreCase`, `StringLike`, `StringNotLike`, `Null`
//! and `Bool`, each with an optional `ForAnyValue:`/`ForAllValues:` prefix and `IfExists` suffix.
//!
//! Condition keys: `kms:RecipientAttestation:ImageSha384` (PCR0) and
//! `kms:RecipientAttestation:PCR<n>` (lower-case hex, present only when the request carried a
//! verified attestation document), `kms:EncryptionContext:<key>`, `kms:EncryptionContextKeys`,
//! `kms:CallerAccount`, `aws:PrincipalArn`, and the grant keys of CreateGrant and ListGrants
//! (`kms:GrantOperations`, `kms:GranteePrincipal`, `kms:RetiringPrincipal`,
//! `kms:GrantConstraintType`, `kms:GrantIsForAWSResource`; see `crate::ops::grants`). Condition key names are case-insensitive (as in IAM),
//! values are compared as the operator says.
//!
//! Encryption-context keys that differ only in (ASCII) case: AWS matches the `<key>` part of
//! `kms:EncryptionContext:<key>` without regard to case, but a context's keys are case-sensitive,
//! so `{"tenant": "bob", "Tenant": "alice"}` has two keys that `kms:EncryptionContext:tenant` both
//! names. Each is read as the condition key's single value in turn: a `Deny` statement's
//! condition holds if it holds for any of them, an `Allow` statement's only if it holds for every
//! one. Adding a key that differs only in case can therefore never turn a `Deny` off nor an
//! `Allow` on. `kms:EncryptionContextKeys` lists the keys exactly as spelled (AWS's advice for a
//! case-sensitive check). See `docs/key-policies.md`.
//!
//! Where this differs from AWS, on purpose: there is no IAM here, so a key policy statement whose
//! principal is an account (`arn:aws:iam::ACCOUNT:root` or `ACCOUNT`) — which on AWS delegates to
//! the account's IAM policies — admits every principal of that account. Evaluation order is
//! AWS's: an explicit `Deny` wins, then any `Allow`, else the request is implicitly denied.
//!
//! Parsing is the expensive part, so [`cache`] keeps each key's parsed policy between requests.

pub mod cache;
mod condition;
mod document;
mod evaluate;

pub use cache::PolicyCache;
pub use document::{MAX_POLICY_LEN, Policy, PolicyError, default_policy};
pub use evaluate::{AttestationFacts, Decision, RequestContext, authorize};

#[cfg(test)]
mod tests;
