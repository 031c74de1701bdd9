//! The enums of the KMS model shared by several operations (key specs, usages, states,
//! algorithms, ...), each declared with `kms_enum!` (see [`crate::types::kms_enum`]), and the
//! facts that depend only on them (key lengths, allowed usages, RSA-OAEP limits).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::types::kms_enum::{KmsEnum, UnknownEnumValue, kms_enum};

kms_enum! {
    /// Length of a symmetric data key (GenerateDataKey's `KeySpec`).
    DataKeySpec("DataKeySpec") {
        /// 32 bytes.
        Aes256 = "AES_256",
        /// 16 bytes.
        Aes128 = "AES_128",
    }
    accepted [Aes256, Aes128]
}

impl DataKeySpec {
    /// Length of the data key in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            DataKeySpec::Aes256 => 32,
            DataKeySpec::Aes128 => 16,
        }
    }
}

kms_enum! {
    /// The type of an asymmetric data key pair.
    DataKeyPairSpec("DataKeyPairSpec") {
        /// RSA, 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// RSA, 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// RSA, 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// NIST P-256.
        EccNistP256 = "ECC_NIST_P256",
        /// NIST P-384.
        EccNistP384 = "ECC_NIST_P384",
        /// NIST P-521.
        EccNistP521 = "ECC_NIST_P521",
        /// secp256k1.
        EccSecgP256k1 = "ECC_SECG_P256K1",
        /// SM2 (China regions only).
        Sm2 = "SM2",
        /// Ed25519.
        EccNistEdwards25519 = "ECC_NIST_EDWARDS25519",
        /// ML-KEM-512.
        MlKem512 = "ML_KEM_512",
        /// ML-KEM-768.
        MlKem768 = "ML_KEM_768",
        /// ML-KEM-1024.
        MlKem1024 = "ML_KEM_1024",
    }
    accepted [
        Rsa2048, Rsa3072, Rsa4096, EccNistP256, EccNistP384, EccNistP521, EccSecgP256k1,
        EccNistEdwards25519, MlKem512, MlKem768, MlKem1024,
    ]
}

kms_enum! {
    /// The type of a KMS key.
    KeySpec("KeySpec") {
        /// RSA, 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// RSA, 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// RSA, 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// NIST P-256.
        EccNistP256 = "ECC_NIST_P256",
        /// NIST P-384.
        EccNistP384 = "ECC_NIST_P384",
        /// NIST P-521.
        EccNistP521 = "ECC_NIST_P521",
        /// secp256k1.
        EccSecgP256k1 = "ECC_SECG_P256K1",
        /// 256-bit AES-GCM key (the default).
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// HMAC-SHA-224 key.
        Hmac224 = "HMAC_224",
        /// HMAC-SHA-256 key.
        Hmac256 = "HMAC_256",
        /// HMAC-SHA-384 key.
        Hmac384 = "HMAC_384",
        /// HMAC-SHA-512 key.
        Hmac512 = "HMAC_512",
        /// SM2 (China regions only).
        Sm2 = "SM2",
        /// ML-DSA-44.
        MlDsa44 = "ML_DSA_44",
        /// ML-DSA-65.
        MlDsa65 = "ML_DSA_65",
        /// ML-DSA-87.
        MlDsa87 = "ML_DSA_87",
        /// Ed25519.
        EccNistEdwards25519 = "ECC_NIST_EDWARDS25519",
        /// ML-KEM-512.
        MlKem512 = "ML_KEM_512",
        /// ML-KEM-768.
        MlKem768 = "ML_KEM_768",
        /// ML-KEM-1024.
        MlKem1024 = "ML_KEM_1024",
    }
    // Recorded from real AWS (CreateKey with KeySpec 'HMAC_random'), then later additions.
    accepted [
        Rsa2048, EccNistP384, EccNistP256, EccNistP521, Hmac384, Rsa3072, EccSecgP256k1, Rsa4096,
        SymmetricDefault, Hmac256, Hmac224, Hmac512,
        MlDsa44, MlDsa65, MlDsa87, EccNistEdwards25519, MlKem512, MlKem768, MlKem1024,
    ]
}

impl KeySpec {
    /// The key usages CreateKey allows for this spec (from the CreateKey documentation).
    pub const fn allowed_usages(self) -> &'static [KeyUsageType] {
        use KeyUsageType::*;
        match self {
            KeySpec::SymmetricDefault => &[EncryptDecrypt],
            KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => &[EncryptDecrypt, SignVerify],
            KeySpec::EccNistP256 | KeySpec::EccNistP384 | KeySpec::EccNistP521 => {
                &[SignVerify, KeyAgreement]
            }
            KeySpec::EccSecgP256k1 | KeySpec::EccNistEdwards25519 => &[SignVerify],
            KeySpec::MlDsa44 | KeySpec::MlDsa65 | KeySpec::MlDsa87 => &[SignVerify],
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512 => {
                &[GenerateVerifyMac]
            }
            KeySpec::Sm2 => &[EncryptDecrypt, SignVerify, KeyAgreement],
            KeySpec::MlKem512 | KeySpec::MlKem768 | KeySpec::MlKem1024 => &[EncapsulateDecapsulate],
        }
    }
}

kms_enum! {
    /// The deprecated twin of [`KeySpec`] (same values, without the newer ones).
    CustomerMasterKeySpec("CustomerMasterKeySpec") {
        /// RSA, 2048-bit modulus.
        Rsa2048 = "RSA_2048",
        /// RSA, 3072-bit modulus.
        Rsa3072 = "RSA_3072",
        /// RSA, 4096-bit modulus.
        Rsa4096 = "RSA_4096",
        /// NIST P-256.
        EccNistP256 = "ECC_NIST_P256",
        /// NIST P-384.
        EccNistP384 = "ECC_NIST_P384",
        /// NIST P-521.
        EccNistP521 = "ECC_NIST_P521",
        /// secp256k1.
        EccSecgP256k1 = "ECC_SECG_P256K1",
        /// 256-bit AES-GCM key.
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// HMAC-SHA-224 key.
        Hmac224 = "HMAC_224",
        /// HMAC-SHA-256 key.
        Hmac256 = "HMAC_256",
        /// HMAC-SHA-384 key.
        Hmac384 = "HMAC_384",
        /// HMAC-SHA-512 key.
        Hmac512 = "HMAC_512",
        /// SM2 (China regions only).
        Sm2 = "SM2",
    }
    // The same value set as the recorded KeySpec message, so AWS's (hash) order is the same.
    accepted [
        Rsa2048, EccNistP384, EccNistP256, EccNistP521, Hmac384, Rsa3072, EccSecgP256k1, Rsa4096,
        SymmetricDefault, Hmac256, Hmac224, Hmac512,
    ]
}

impl CustomerMasterKeySpec {
    /// The equivalent [`KeySpec`].
    pub fn key_spec(self) -> KeySpec {
        // Every wire string of this enum is also a KeySpec string.
        KeySpec::from_wire(KmsEnum::as_str(self)).unwrap_or(KeySpec::SymmetricDefault)
    }

    /// The deprecated spec name DescribeKey still reports beside `KeySpec` (`None` for specs that
    /// postdate the deprecation and have no such name).
    pub fn from_key_spec(spec: KeySpec) -> Option<Self> {
        Self::from_wire(KmsEnum::as_str(spec))
    }
}

kms_enum! {
    /// What a KMS key may be used for.
    KeyUsageType("KeyUsageType") {
        /// Sign and verify.
        SignVerify = "SIGN_VERIFY",
        /// Encrypt and decrypt (and make data keys).
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        /// Generate and verify MACs.
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
        /// Derive shared secrets (ECDH).
        KeyAgreement = "KEY_AGREEMENT",
        /// ML-KEM encapsulation.
        EncapsulateDecapsulate = "ENCAPSULATE_DECAPSULATE",
    }
    // Recorded from real AWS (CreateKey with KeyUsage 'RANDOM'), then later additions.
    accepted [EncryptDecrypt, SignVerify, GenerateVerifyMac, KeyAgreement, EncapsulateDecapsulate]
}

kms_enum! {
    /// The lifecycle state of a KMS key.
    KeyState("KeyState") {
        /// Being created (multi-Region replicas).
        Creating = "Creating",
        /// Usable.
        Enabled = "Enabled",
        /// Disabled by its owner.
        Disabled = "Disabled",
        /// Scheduled for deletion.
        PendingDeletion = "PendingDeletion",
        /// Waiting for imported key material.
        PendingImport = "PendingImport",
        /// A replica scheduled for deletion.
        PendingReplicaDeletion = "PendingReplicaDeletion",
        /// Its custom key store is disconnected.
        Unavailable = "Unavailable",
        /// Being updated (multi-Region).
        Updating = "Updating",
    }
    accepted [
        Creating, Enabled, Disabled, PendingDeletion, PendingImport, PendingReplicaDeletion,
        Unavailable, Updating,
    ]
}

kms_enum! {
    /// An encryption algorithm of Encrypt/Decrypt/ReEncrypt.
    EncryptionAlgorithmSpec("EncryptionAlgorithmSpec") {
        /// AES-256-GCM under a symmetric key.
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// RSAES-OAEP with SHA-1.
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        /// RSAES-OAEP with SHA-256.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        /// SM2 public-key encryption (China regions only).
        Sm2Pke = "SM2PKE",
    }
    accepted [SymmetricDefault, RsaesOaepSha1, RsaesOaepSha256]
}

/// The longest plaintext RSAES-OAEP can encrypt under an RSA key spec: `k - 2*hLen - 2`.
/// `None` if the spec is not RSA or the algorithm not OAEP. AWS rejects longer plaintexts with
/// [`crate::error::KmsError::rsa_plaintext_too_large`].
pub fn rsa_oaep_max_plaintext_len(
    key_spec: KeySpec,
    algorithm: EncryptionAlgorithmSpec,
) -> Option<usize> {
    let modulus_bytes = match key_spec {
        KeySpec::Rsa2048 => 256,
        KeySpec::Rsa3072 => 384,
        KeySpec::Rsa4096 => 512,
        _ => return None,
    };
    let hash_len = match algorithm {
        EncryptionAlgorithmSpec::RsaesOaepSha1 => 20,
        EncryptionAlgorithmSpec::RsaesOaepSha256 => 32,
        _ => return None,
    };
    Some(modulus_bytes - 2 * hash_len - 2)
}

kms_enum! {
    /// A signing algorithm (listed in key metadata).
    SigningAlgorithmSpec("SigningAlgorithmSpec") {
        /// RSASSA-PSS with SHA-256.
        RsassaPssSha256 = "RSASSA_PSS_SHA_256",
        /// RSASSA-PSS with SHA-384.
        RsassaPssSha384 = "RSASSA_PSS_SHA_384",
        /// RSASSA-PSS with SHA-512.
        RsassaPssSha512 = "RSASSA_PSS_SHA_512",
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        RsassaPkcs1V15Sha256 = "RSASSA_PKCS1_V1_5_SHA_256",
        /// RSASSA-PKCS1-v1_5 with SHA-384.
        RsassaPkcs1V15Sha384 = "RSASSA_PKCS1_V1_5_SHA_384",
        /// RSASSA-PKCS1-v1_5 with SHA-512.
        RsassaPkcs1V15Sha512 = "RSASSA_PKCS1_V1_5_SHA_512",
        /// ECDSA with SHA-256.
        EcdsaSha256 = "ECDSA_SHA_256",
        /// ECDSA with SHA-384.
        EcdsaSha384 = "ECDSA_SHA_384",
        /// ECDSA with SHA-512.
        EcdsaSha512 = "ECDSA_SHA_512",
        /// SM2 signatures (China regions only).
        Sm2Dsa = "SM2DSA",
        /// ML-DSA with SHAKE-256.
        MlDsaShake256 = "ML_DSA_SHAKE_256",
        /// Ed25519 (pure).
        Ed25519Sha512 = "ED25519_SHA_512",
        /// Ed25519ph.
        Ed25519PhSha512 = "ED25519_PH_SHA_512",
    }
    accepted [
        RsassaPssSha256, RsassaPssSha384, RsassaPssSha512, RsassaPkcs1V15Sha256,
        RsassaPkcs1V15Sha384, RsassaPkcs1V15Sha512, EcdsaSha256, EcdsaSha384, EcdsaSha512,
        MlDsaShake256, Ed25519Sha512, Ed25519PhSha512,
    ]
}

kms_enum! {
    /// A key agreement algorithm (listed in key metadata).
    KeyAgreementAlgorithmSpec("KeyAgreementAlgorithmSpec") {
        /// Elliptic-curve Diffie-Hellman.
        Ecdh = "ECDH",
    }
    accepted [Ecdh]
}

kms_enum! {
    /// A KEM algorithm (listed in key metadata).
    EncapsulationAlgorithmSpec("EncapsulationAlgorithmSpec") {
        /// ML-KEM.
        MlKem = "ML_KEM",
    }
    accepted [MlKem]
}

kms_enum! {
    /// A MAC algorithm (listed in key metadata).
    MacAlgorithmSpec("MacAlgorithmSpec") {
        /// HMAC-SHA-224.
        HmacSha224 = "HMAC_SHA_224",
        /// HMAC-SHA-256.
        HmacSha256 = "HMAC_SHA_256",
        /// HMAC-SHA-384.
        HmacSha384 = "HMAC_SHA_384",
        /// HMAC-SHA-512.
        HmacSha512 = "HMAC_SHA_512",
    }
    // Recorded from real AWS (GenerateMac with MacAlgorithm 'INVALID').
    accepted [HmacSha384, HmacSha256, HmacSha224, HmacSha512]
}

kms_enum! {
    /// How a response is wrapped for an attested recipient.
    KeyEncryptionMechanism("KeyEncryptionMechanism") {
        /// RSAES-OAEP with SHA-256 to the enclave's public key (the only one).
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
    }
    accepted [RsaesOaepSha256]
}

kms_enum! {
    /// Where a key's material comes from.
    OriginType("OriginType") {
        /// Generated by KMS.
        AwsKms = "AWS_KMS",
        /// Imported.
        External = "EXTERNAL",
        /// In a CloudHSM key store.
        AwsCloudhsm = "AWS_CLOUDHSM",
        /// In an external key store.
        ExternalKeyStore = "EXTERNAL_KEY_STORE",
    }
    accepted [AwsKms, External, AwsCloudhsm, ExternalKeyStore]
}

kms_enum! {
    /// Whether imported key material expires.
    ExpirationModelType("ExpirationModelType") {
        /// It expires at `ValidTo`.
        KeyMaterialExpires = "KEY_MATERIAL_EXPIRES",
        /// It does not expire.
        KeyMaterialDoesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }
    accepted [KeyMaterialExpires, KeyMaterialDoesNotExpire]
}

kms_enum! {
    /// Who manages a key.
    KeyManagerType("KeyManagerType") {
        /// An AWS managed key (`alias/aws/...`).
        Aws = "AWS",
        /// A customer managed key.
        Customer = "CUSTOMER",
    }
    accepted [Aws, Customer]
}

kms_enum! {
    /// Role of a multi-Region key.
    MultiRegionKeyType("MultiRegionKeyType") {
        /// The primary key.
        Primary = "PRIMARY",
        /// A replica.
        Replica = "REPLICA",
    }
    accepted [Primary, Replica]
}

kms_enum! {
    /// Whose keys ListKeys returns.
    ResourceOwnerType("ResourceOwnerType") {
        /// The caller's own keys.
        SelfOwned = "SELF",
        /// Keys shared through RAM.
        OtherAccountsViaRam = "OTHER_ACCOUNTS_VIA_RAM",
    }
    accepted [SelfOwned, OtherAccountsViaRam]
}

kms_enum! {
    /// Modifiers of a dry run.
    DryRunModifierType("DryRunModifierType") {
        /// Check authorization only, not the ciphertext.
        IgnoreCiphertext = "IGNORE_CIPHERTEXT",
    }
    accepted [IgnoreCiphertext]
}

kms_enum! {
    /// What Sign's or Verify's `Message` is: the message itself or its digest.
    MessageType("MessageType") {
        /// The message; KMS hashes it with the signing algorithm's digest.
        Raw = "RAW",
        /// The digest of the message, exactly the algorithm's digest length.
        Digest = "DIGEST",
        /// An ML-DSA external mu (ML-DSA keys only).
        ExternalMu = "EXTERNAL_MU",
    }
    accepted [Raw, Digest, ExternalMu]
}
