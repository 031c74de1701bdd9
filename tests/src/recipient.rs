//! Attestation documents for the `Recipient` tests: a simulated NSM in an enclave's world (whose
//! root the test enclave trusts) that attests an application's key, the `Recipient` member that
//! carries a document, and a key policy that admits only attested callers of one image.

use std::fmt::Display;
use std::path::Path;

use base64::Engine;
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_crypto::{self as crypto, RsaKeySize, RsaPrivateKey};
use serde_json::{Value, json};

/// Standard base64, as KMS JSON carries blobs.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An enclave application: its recipient key, a document binding the key, and its PCR0 (the
/// SHA-384 of its image) as lower-case hex.
pub struct App {
    /// The recipient's RSA-2048 private key.
    pub key: RsaPrivateKey,
    /// The attestation document binding `key`.
    pub document: Vec<u8>,
    /// PCR0 as KMS condition keys compare it.
    pub pcr0_hex: String,
}

/// The simulated NSM of `world`. With `image_bytes`, PCR0 is their SHA-384 (written to an image
/// file in `world`); without, every PCR is zero, as in a Nitro enclave started in debug mode.
/// `clock_offset_ms` moves the NSM's clock (and so the document timestamps) from now.
pub fn simulated_nsm(
    world: &Path,
    image_bytes: Option<&[u8]>,
    clock_offset_ms: i64,
) -> SimulatedNsm {
    must(std::fs::create_dir_all(world), "create the world");
    let mut config = SimulatedNsmConfig::new(world);
    if let Some(bytes) = image_bytes {
        let image = world.join(format!(
            "image-{}",
            crypto::hex_lower(&crypto::sha256(bytes)[..4])
        ));
        must(std::fs::write(&image, bytes), "write the image");
        config = config.with_image(&image);
    }
    if clock_offset_ms != 0 {
        config = config.with_clock(move || {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            u64::try_from(now.saturating_add(clock_offset_ms)).unwrap_or(0)
        });
    }
    must(SimulatedNsm::open(config), "open the simulated NSM")
}

/// A document from `nsm` binding `public_key` (any bytes the NSM accepts, or none).
pub fn attest(nsm: &SimulatedNsm, public_key: Option<&[u8]>) -> Vec<u8> {
    must(nsm.attest(public_key, None, None), "attest")
}

/// A fresh RSA-2048 application of image `image_bytes`, attested by `world`'s simulated NSM.
pub fn app(world: &Path, image_bytes: &[u8], clock_offset_ms: i64) -> App {
    let nsm = simulated_nsm(world, Some(image_bytes), clock_offset_ms);
    let key = must(RsaPrivateKey::generate(RsaKeySize::Rsa2048), "RSA keygen");
    let document = attest(&nsm, Some(key.public_key_spki_der()));
    App {
        key,
        document,
        pcr0_hex: crypto::hex_lower(&crypto::sha384(image_bytes)),
    }
}

/// The `Recipient` request member carrying `document`.
pub fn recipient_member(document: &[u8]) -> Value {
    json!({"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": b64(document)})
}

/// A key policy: the account administers the key; GenerateDataKey and Decrypt are allowed only
/// to callers whose attestation's `condition_key` (e.g. `kms:RecipientAttestation:ImageSha384`
/// or `kms:RecipientAttestation:PCR0`) equals `value` (case-insensitively).
pub fn attested_only_policy(condition_key: &str, value: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Administer",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": ["kms:Describe*", "kms:Get*", "kms:Put*", "kms:Enable*", "kms:Disable*"],
                "Resource": "*"
            },
            {
                "Sid": "OnlyTheEnclaveImage",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringEqualsIgnoreCase": {condition_key: value}}
            }
        ]
    })
    .to_string()
}

fn must<T, E: Display>(result: Result<T, E>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}
