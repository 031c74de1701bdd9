//! A KMS `CiphertextForRecipient` (CMS EnvelopedData, BER) handed back through the parent:
//! `recipient::parse`, `recipient::decrypt` with a fixed RSA-2048 key (the `enclaver` vector's),
//! and the envelope's own `decrypt` whatever its recipient id says (so the RSA-OAEP and AES-CBC
//! steps see every envelope that parses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_attest::recipient;
use nitro_kms_fuzz::recipient_key;

fuzz_target!(|data: &[u8]| {
    let Ok(envelope) = recipient::parse(data) else {
        return;
    };
    let Some(key) = recipient_key() else {
        return;
    };
    let _ = envelope.is_addressed_to(key);
    let _ = envelope.decrypt(key);
    let _ = recipient::decrypt(data, key);
});
