//! A `CiphertextBlob` from a caller (Decrypt, ReEncrypt): the enclave's
//! `ciphertext_blob::peek_header` (how Decrypt without `KeyId` finds the key) and
//! `ciphertext_blob::open` with a fixed key material, under no encryption context and under one
//! pair.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_enclave::ciphertext_blob;
use nitro_kms_fuzz::{BLOB_MATERIAL, blob_contexts};

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = ciphertext_blob::peek_header(data) {
        let _ = ciphertext_blob::parse_key_id(&header.key_id_string());
        let _ = header.key_material_id_hex();
    }
    for context in blob_contexts() {
        let _ = ciphertext_blob::open(&BLOB_MATERIAL, data, &context);
    }
});
