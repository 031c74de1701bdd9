#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `Debug` of every type that carries a secret shows none of it: not the bytes as a list, not as
//! base64, not as hex. A secret ends up in a log most often through `{:?}` of a struct that holds
//! it, so each such struct is formatted here with a known secret inside.
//!
//! Covered: `SecretBytes`; the KMS shapes with a secret member (GenerateDataKey, Decrypt,
//! GenerateRandom and GenerateDataKeyPair responses, the Encrypt request); RSA and P-384 private
//! keys; client credentials; the simulated NSM (which holds its CA keys). The enclave's
//! `KeyMaterial` and `SealingKey` and the SigV4 `AccessKey` and `SigningKey` of
//! `nitro_kms_api::sigv4` have the same test beside their code.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use nitro_kms_api::ops::{
    DecapsulateResponse, DecryptResponse, EncapsulateResponse, EncryptRequest,
    GenerateDataKeyPairResponse, GenerateDataKeyResponse, GenerateRandomResponse,
};
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_client::Credentials;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{EcdsaP384KeyPair, RsaKeySize, RsaPrivateKey};
use serde_json::json;

/// 32 recognisable secret bytes.
const SECRET: [u8; 32] = *b"\x9eSECRET-key-material-0123456789\x01";

/// Panics if `debug` shows `secret` in any usual rendering.
fn assert_hidden(what: &str, debug: &str, secret: &[u8]) {
    let list = format!("{:?}", &secret[..6]);
    let list = list.trim_end_matches(']');
    for (form, needle) in [
        ("base64", STANDARD.encode(secret)),
        ("hex", hex::encode(secret)),
        ("HEX", hex::encode_upper(secret)),
        ("byte list", list.to_owned()),
        ("text", String::from_utf8_lossy(&secret[1..20]).into_owned()),
    ] {
        assert!(
            !debug.contains(&needle),
            "{what}: Debug shows the secret as {form}: {debug}"
        );
    }
}

#[test]
fn secret_bytes_debug_shows_only_its_length() {
    let s = SecretBytes::copy_from(&SECRET);
    let debug = format!("{s:?}");
    assert_hidden("SecretBytes", &debug, &SECRET);
    assert!(debug.contains("32"), "{debug}");
}

#[test]
fn kms_shapes_with_a_secret_member_redact_it() {
    let b64 = STANDARD.encode(SECRET);
    let gdk: GenerateDataKeyResponse = serde_json::from_value(json!({
        "CiphertextBlob": "AQID", "KeyId": "k", "Plaintext": b64
    }))
    .unwrap();
    assert!(gdk.plaintext.is_some());
    assert_hidden("GenerateDataKeyResponse", &format!("{gdk:?}"), &SECRET);

    let decrypt: DecryptResponse =
        serde_json::from_value(json!({"KeyId": "k", "Plaintext": b64})).unwrap();
    assert_hidden("DecryptResponse", &format!("{decrypt:?}"), &SECRET);

    let random: GenerateRandomResponse = serde_json::from_value(json!({"Plaintext": b64})).unwrap();
    assert_hidden("GenerateRandomResponse", &format!("{random:?}"), &SECRET);

    let pair: GenerateDataKeyPairResponse = serde_json::from_value(json!({
        "KeyId": "k", "KeyPairSpec": "ECC_NIST_P256", "PublicKey": "AQID",
        "PrivateKeyCiphertextBlob": "AQID", "PrivateKeyPlaintext": b64
    }))
    .unwrap();
    assert!(pair.private_key_plaintext.is_some());
    assert_hidden("GenerateDataKeyPairResponse", &format!("{pair:?}"), &SECRET);

    let encrypt: EncryptRequest =
        serde_json::from_value(json!({"KeyId": "k", "Plaintext": b64})).unwrap();
    assert_hidden("EncryptRequest", &format!("{encrypt:?}"), &SECRET);

    let encapsulated: EncapsulateResponse = serde_json::from_value(json!({
        "KeyId": "k", "SharedSecret": b64, "SharedSecretCiphertextBlob": "AQID"
    }))
    .unwrap();
    assert!(encapsulated.shared_secret.is_some());
    assert_hidden("EncapsulateResponse", &format!("{encapsulated:?}"), &SECRET);
    let decapsulated: DecapsulateResponse =
        serde_json::from_value(json!({"KeyId": "k", "SharedSecret": b64})).unwrap();
    assert_hidden("DecapsulateResponse", &format!("{decapsulated:?}"), &SECRET);
}

#[test]
fn private_keys_debug_shows_no_key_material() {
    let rsa = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let der = rsa.pkcs8_der().expose().to_vec();
    // The middle of the PKCS#8 (past the common header) is private material.
    assert_hidden("RsaPrivateKey", &format!("{rsa:?}"), &der[40..72]);

    let ec = EcdsaP384KeyPair::generate().unwrap();
    let der = ec.pkcs8_der().expose().to_vec();
    assert_hidden("EcdsaP384KeyPair", &format!("{ec:?}"), &der[36..68]);
}

#[test]
fn credentials_debug_shows_the_key_id_but_not_the_secret_or_token() {
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let token = "IQoJb3JpZ2luX2VjEXAMPLETOKENxxxxxxxxxxxxxxxxxxxx";
    let creds = Credentials::new("AKIDEXAMPLE", secret, Some(token.to_owned()));
    let debug = format!("{creds:?}");
    assert!(debug.contains("AKIDEXAMPLE"), "{debug}");
    assert!(!debug.contains(secret), "{debug}");
    assert!(!debug.contains(&secret[..12]), "{debug}");
    assert!(!debug.contains(&token[..16]), "{debug}");
}

#[test]
fn simulated_nsm_debug_shows_no_private_key() {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let debug = format!("{nsm:?}");
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "key") {
            let key = std::fs::read(&path).unwrap();
            let body = &key[key.len() / 2..key.len() / 2 + 24];
            assert_hidden(&path.display().to_string(), &debug, body);
        }
    }
}
