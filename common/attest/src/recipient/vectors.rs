//! The third-party vectors of `common/attest/tests/vectors/cms/` (attribution in its README).

/// A real AWS KMS `CiphertextForRecipient` (aws-nitro-enclaves-sdk-c, Apache-2.0).
pub(crate) const KMS_ENVELOPE: &[u8] =
    include_bytes!("../../tests/vectors/cms/kms_cms_input_ber.bin");
/// Its `encryptedKey`, as the SDK's test expects it.
pub(crate) const KMS_ENCRYPTED_KEY: &[u8] =
    include_bytes!("../../tests/vectors/cms/kms_cms_encrypted_key_out.bin");
/// Its IV.
pub(crate) const KMS_IV: &[u8] = include_bytes!("../../tests/vectors/cms/kms_cms_iv_out.bin");
/// Its `encryptedContent`.
pub(crate) const KMS_CIPHERTEXT: &[u8] =
    include_bytes!("../../tests/vectors/cms/kms_cms_ciphertext_out.bin");
/// An envelope from edgebitio/enclaver (Apache-2.0) that decrypts to `Hello, World`.
pub(crate) const ENCLAVER_ENVELOPE: &[u8] =
    include_bytes!("../../tests/vectors/cms/enclaver_cms_hello_world.ber");
/// Its RSA-2048 recipient key, PKCS#8 DER.
pub(crate) const ENCLAVER_KEY: &[u8] =
    include_bytes!("../../tests/vectors/cms/enclaver_cms_hello_world_rsa2048_pkcs8.der");
