//! What a run calls: the operation, the kind of key it needs, and for Sign, Verify and
//! GenerateMac the algorithm and the message.
//!
//! The data-key operations (GenerateDataKey, GenerateDataKeyWithoutPlaintext, Decrypt) need a
//! `SYMMETRIC_DEFAULT` `ENCRYPT_DECRYPT` key. So do the mutations benchmarked (each request
//! changes the sealed state, a journal record on the store — the write path of a fleet's
//! leader): CreateKey (a new symmetric key each time), CreateAlias (a new alias to that key each
//! time) and TagResource (sets one tag of that key to a new value each time). Sign and Verify need a `SIGN_VERIFY` key of the
//! `--key-spec` (`ECC_NIST_P256` by default, or `ECC_NIST_P384/P521`, `ECC_SECG_P256K1`,
//! `RSA_2048/3072/4096`) and GenerateMac a `GENERATE_VERIFY_MAC` key (`HMAC_256` by default, or
//! `HMAC_224/384/512`). Without `--key-id` each kind of key is the bench's own behind an alias
//! of its own ([`KeyNeed::alias`]): Sign and Verify share one per spec, so a Verify run reuses
//! the key a Sign run made.
//!
//! The signing algorithm follows the spec, the one a caller of that key would most likely use:
//! `ECDSA_SHA_256/384/512` for the curve's own hash, and `RSASSA_PSS_SHA_256` for RSA (PSS being
//! what new RSA signers pick; PKCS#1 v1.5 costs the same private-key operation). The MAC
//! algorithm is the spec's (`HMAC_SHA_256` for `HMAC_256`). Every message is the same 32 bytes,
//! `MessageType` `RAW`: a small message, so the key's own operation is what is measured.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use nitro_kms_api::Operation;
use nitro_kms_api::types::{KeySpec, KeyUsageType};
use serde_json::{Value, json};

/// The alias of the bench's own symmetric key, used when `--key-id` is not given (the prefix of
/// the aliases of its other keys).
pub(super) const BENCH_ALIAS: &str = "alias/nitro-kms-bench";

/// The message every Sign, Verify and GenerateMac request carries (32 bytes, `RAW`).
pub(super) const MESSAGE: &[u8; 32] = b"nitro-kms bench message, 32 B ok";

/// What one run calls, settled from `--operation` and `--key-spec` before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Workload {
    /// The operation every timed request calls.
    pub(super) op: Operation,
    /// The kind of key it needs.
    pub(super) key: KeyNeed,
}

/// The kind of key a workload needs: its spec and usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyNeed {
    /// The key spec (`SYMMETRIC_DEFAULT` for the data-key operations).
    pub(super) spec: KeySpec,
    /// The key usage.
    pub(super) usage: KeyUsageType,
}

impl Workload {
    /// The workload of `--operation` with `--key-spec`, or the usage error to show.
    pub(super) fn parse(operation: &str, key_spec: Option<&str>) -> Result<Self, String> {
        let op = Operation::from_name(operation)
            .ok_or_else(|| format!("--operation {operation} is not benchmarked"))?;
        let (usage, default, allowed): (_, _, &[KeySpec]) = match op {
            Operation::GenerateDataKey
            | Operation::GenerateDataKeyWithoutPlaintext
            | Operation::Decrypt
            | Operation::CreateKey
            | Operation::CreateAlias
            | Operation::TagResource => {
                if key_spec.is_some() {
                    return Err(format!(
                        "--key-spec is for Sign, Verify and GenerateMac; {operation} uses a \
                         SYMMETRIC_DEFAULT key"
                    ));
                }
                let key = KeyNeed {
                    spec: KeySpec::SymmetricDefault,
                    usage: KeyUsageType::EncryptDecrypt,
                };
                return Ok(Workload { op, key });
            }
            Operation::Sign | Operation::Verify => (
                KeyUsageType::SignVerify,
                KeySpec::EccNistP256,
                &[
                    KeySpec::EccNistP256,
                    KeySpec::EccNistP384,
                    KeySpec::EccNistP521,
                    KeySpec::EccSecgP256k1,
                    KeySpec::Rsa2048,
                    KeySpec::Rsa3072,
                    KeySpec::Rsa4096,
                ],
            ),
            Operation::GenerateMac => (
                KeyUsageType::GenerateVerifyMac,
                KeySpec::Hmac256,
                &[
                    KeySpec::Hmac224,
                    KeySpec::Hmac256,
                    KeySpec::Hmac384,
                    KeySpec::Hmac512,
                ],
            ),
            _ => return Err(format!("--operation {operation} is not benchmarked")),
        };
        let spec = match key_spec {
            None => default,
            Some(given) => allowed
                .iter()
                .copied()
                .find(|s| s.as_str() == given)
                .ok_or_else(|| {
                    let names: Vec<_> = allowed.iter().map(|s| s.as_str()).collect();
                    format!(
                        "--key-spec {given} is not benchmarked with {operation}: use one of {}",
                        names.join(", ")
                    )
                })?,
        };
        Ok(Workload {
            op,
            key: KeyNeed { spec, usage },
        })
    }

    /// The `SigningAlgorithm` (Sign, Verify) or `MacAlgorithm` (GenerateMac) every request
    /// names; `None` for the data-key operations.
    pub(super) fn algorithm(&self) -> Option<&'static str> {
        Some(match self.key.spec {
            KeySpec::EccNistP256 | KeySpec::EccSecgP256k1 => "ECDSA_SHA_256",
            KeySpec::EccNistP384 => "ECDSA_SHA_384",
            KeySpec::EccNistP521 => "ECDSA_SHA_512",
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => "RSASSA_PSS_SHA_256",
            KeySpec::Hmac224 => "HMAC_SHA_224",
            KeySpec::Hmac256 => "HMAC_SHA_256",
            KeySpec::Hmac384 => "HMAC_SHA_384",
            KeySpec::Hmac512 => "HMAC_SHA_512",
            _ => return None,
        })
    }

    /// The body of a Sign request (also what Verify signs once, uncounted, before its run).
    pub(super) fn sign_body(&self, key_id: &str) -> Value {
        json!({
            "KeyId": key_id,
            "Message": STANDARD.encode(MESSAGE),
            "MessageType": "RAW",
            "SigningAlgorithm": self.algorithm(),
        })
    }

    /// The body of a Verify request checking `signature` (base64, as Sign answered it).
    pub(super) fn verify_body(&self, key_id: &str, signature: &Value) -> Value {
        let mut body = self.sign_body(key_id);
        body["Signature"] = signature.clone();
        body
    }

    /// The body of a GenerateMac request.
    pub(super) fn mac_body(&self, key_id: &str) -> Value {
        json!({
            "KeyId": key_id,
            "Message": STANDARD.encode(MESSAGE),
            "MacAlgorithm": self.algorithm(),
        })
    }
}

impl KeyNeed {
    /// The alias of the bench's own key of this kind: [`BENCH_ALIAS`] for the symmetric key
    /// (as before), else `alias/nitro-kms-bench-sign-<spec>` or `alias/nitro-kms-bench-mac-<spec>`
    /// (spec in lower case with dashes, e.g. `alias/nitro-kms-bench-sign-ecc-nist-p256`).
    pub(super) fn alias(&self) -> String {
        let family = match self.usage {
            KeyUsageType::EncryptDecrypt if self.spec == KeySpec::SymmetricDefault => {
                return BENCH_ALIAS.to_owned();
            }
            KeyUsageType::SignVerify => "sign",
            KeyUsageType::GenerateVerifyMac => "mac",
            other => other.as_str(),
        };
        let spec = self.spec.as_str().to_ascii_lowercase().replace('_', "-");
        format!("{BENCH_ALIAS}-{family}-{spec}")
    }
}

#[cfg(test)]
mod tests;
