//! Writes the committed seed corpus, `fuzz/corpus/<target>/`, and the simulated root the
//! `attestation_document` target pins, `fuzz/fixtures/simulated_root.der`.
//!
//! Seeds come from the project's test vectors (`common/attest/tests/vectors`, copied unchanged) and from
//! the real encoders: frames and envelopes of every message kind, request bodies of every KMS
//! operation, documents of a simulated NSM (in a temporary directory), envelopes, blobs and sealed
//! state made with the fixed keys of `nitro_kms_fuzz`, policies, and correctly signed requests.
//! Each target's directory is replaced as a whole; every seed must stay under 64 KiB and all of
//! them under 2 MiB.
//!
//! Run it from the repository root (`make fuzz-seeds`), then rebuild the targets: the simulated
//! root is compiled into them.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use nitro_kms_api::Operation;
use nitro_kms_api::sigv4::{
    SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY, SignedRequest, SigningKey, sign_request,
};
use nitro_kms_api::types::{KeySpec, KeyUsageType};
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_wire::hello::Hello;
use nitro_kms_wire::{
    Limits, Message, Persist, PersistAck, PersistAction, Request, Response, Status, encode,
};
use nitro_kms_enclave::ciphertext_blob;
use nitro_kms_enclave::keystore::{
    AliasGuard, KeyMaterial, KeyStateRecord, Keystore, Mutation, StoredAlias, StoredKey,
};
use nitro_kms_enclave::policy::default_policy;
use nitro_kms_enclave::storage::seal::{self, JournalCursor};
use nitro_kms_fuzz::{
    BLOB_HEADER, BLOB_MATERIAL, REGION, SESSION_ACCESS_KEY_ID, SESSION_TOKEN, SNAPSHOT_HEADER,
    SealedMode, SigV4Input, blob_contexts, join_raw_state, join_records, operation_selector,
    recipient_key, sealing_key,
};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const MAX_SEED_LEN: usize = 64 * 1024;
const MAX_CORPUS_LEN: usize = 2 * 1024 * 1024;

/// The seed directories being written, and their sizes.
struct Corpus {
    root: PathBuf,
    total: usize,
    counts: BTreeMap<String, (usize, usize)>,
}

impl Corpus {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) -> Result<()> {
        if bytes.len() > MAX_SEED_LEN {
            return Err(format!("seed {target}/{name} is {} bytes", bytes.len()).into());
        }
        let dir = self.root.join(target);
        if !self.counts.contains_key(target) {
            if dir.exists() {
                fs::remove_dir_all(&dir)?;
            }
            fs::create_dir_all(&dir)?;
        }
        fs::write(dir.join(name), bytes)?;
        let entry = self.counts.entry(target.to_owned()).or_default();
        entry.0 += 1;
        entry.1 += bytes.len();
        self.total += bytes.len();
        Ok(())
    }
}

// The key, its ARN and the caller of the seed requests.
const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const CALLER: &str = "arn:aws:iam::111122223333:user/simulation";

fn main() -> Result<()> {
    let fuzz_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let vectors = fuzz_dir.join("../common/attest/tests/vectors");
    let mut corpus = Corpus {
        root: fuzz_dir.join("corpus"),
        total: 0,
        counts: BTreeMap::new(),
    };
    let documents = attestation_documents(&mut corpus, &vectors, &fuzz_dir)?;
    let blobs = ciphertext_blobs(&mut corpus)?;
    frames_and_envelopes(&mut corpus)?;
    kms_requests(&mut corpus, &documents, &blobs)?;
    cms_envelopes(&mut corpus, &vectors)?;
    key_policies(&mut corpus)?;
    sealed_state(&mut corpus)?;
    signed_requests(&mut corpus)?;
    sts_query_requests(&mut corpus)?;
    etcd_answers(&mut corpus)?;
    for (target, (count, bytes)) in &corpus.counts {
        println!("{target:<22} {count:>3} seeds {bytes:>8} bytes");
    }
    println!("{:<22} {:>3}       {:>8} bytes", "total", "", corpus.total);
    if corpus.total > MAX_CORPUS_LEN {
        return Err(format!("the corpus is {} bytes, over 2 MiB", corpus.total).into());
    }
    Ok(())
}

/// The real documents of the vectors and fresh ones of a simulated NSM; returns a simulated one
/// with a public key (for the `Recipient` of request bodies).
fn attestation_documents(corpus: &mut Corpus, vectors: &Path, fuzz_dir: &Path) -> Result<Vec<u8>> {
    const TARGET: &str = "attestation_document";
    for name in [
        "anjuna_prod_with_rsa_public_key.cose",
        "evervault_prod_with_nonce.cose",
        "evervault_debug_mode.cose",
    ] {
        corpus.put(
            TARGET,
            name,
            &fs::read(vectors.join("attestation").join(name))?,
        )?;
    }
    let dir = tempfile::tempdir()?;
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path()))?;
    fs::write(
        fuzz_dir.join("fixtures/simulated_root.der"),
        nsm.root_certificate_der(),
    )?;
    let spki = recipient_key()
        .ok_or("the recipient key does not load")?
        .public_key_spki_der();
    let with_key = nsm.attest(Some(spki), None, None)?;
    corpus.put(TARGET, "simulated_public_key.cose", &with_key)?;
    corpus.put(
        TARGET,
        "simulated_bare.cose",
        &nsm.attest(None, None, None)?,
    )?;
    corpus.put(
        TARGET,
        "simulated_all_fields.cose",
        &nsm.attest(Some(spki), Some(b"user data"), Some(&[7; 32]))?,
    )?;
    Ok(with_key)
}

/// Blobs sealed with the fixed material, under each context; returns one for request bodies.
fn ciphertext_blobs(corpus: &mut Corpus) -> Result<Vec<u8>> {
    let mut first = Vec::new();
    for (c, context) in blob_contexts().iter().enumerate() {
        for len in [1, 32, 300] {
            let sealed =
                ciphertext_blob::seal(&BLOB_MATERIAL, &BLOB_HEADER, context, &vec![0xa5; len])?;
            corpus.put(
                "ciphertext_blob",
                &format!("context{c}_len{len}.bin"),
                &sealed,
            )?;
            if first.is_empty() {
                first = sealed;
            }
        }
    }
    Ok(first)
}

/// One message of every kind, as envelopes (bodies) and as framed streams.
fn frames_and_envelopes(corpus: &mut Corpus) -> Result<()> {
    let mut messages = vec![
        ("hello", Message::Hello(Hello::new(&Limits::default()))),
        (
            "request",
            Message::Request(Request {
                id: 1,
                op: "GenerateDataKey".to_owned(),
                caller: CALLER.to_owned(),
                payload: format!(r#"{{"KeyId":"{KEY_ID}","KeySpec":"AES_256"}}"#).into_bytes(),
            }),
        ),
        (
            "response_ok",
            Message::Response(Response::ok(
                1,
                format!(r#"{{"KeyId":"{KEY_ARN}"}}"#).into_bytes(),
            )),
        ),
        (
            "response_error",
            Message::Response(Response::error(
                2,
                Status::BAD_REQUEST,
                "ValidationException",
                "1 validation error detected",
            )),
        ),
        ("ping", Message::Ping { nonce: 7 }),
        ("pong", Message::Pong { nonce: u64::MAX }),
        (
            "persist_ack",
            Message::PersistAck(PersistAck {
                id: 3,
                status: Status::OK,
                total: 1234,
                payload: vec![1, 2, 3],
            }),
        ),
        (
            "persist_ack_failed",
            Message::PersistAck(PersistAck::failed(4, "disk full")),
        ),
    ];
    for action in PersistAction::ALL {
        messages.push((
            "persist",
            Message::Persist(Persist {
                id: 5 + action.code(),
                action,
                offset: 64,
                total: 96,
                payload: vec![0x5a; 32],
            }),
        ));
    }
    let mut stream = Vec::new();
    for (i, (name, message)) in messages.iter().enumerate() {
        let mut body = Vec::new();
        message.encode_body(&mut body)?;
        corpus.put("envelope_cbor", &format!("{i:02}_{name}.cbor"), &body)?;
        let mut framed = vec![0x00];
        encode(message, &mut framed)?;
        corpus.put("frame_decoder", &format!("{i:02}_{name}.bin"), &framed)?;
        encode(message, &mut stream)?;
    }
    // The whole conversation fed 1, 4 (small limit) and 128 bytes at a time, cut short, and the
    // two header errors.
    for (config, name) in [
        (0x00, "stream_chunk1"),
        (0x07, "stream_chunk4_small"),
        (0xfe, "stream_chunk128"),
    ] {
        let mut input = vec![config];
        input.extend_from_slice(&stream);
        corpus.put("frame_decoder", &format!("{name}.bin"), &input)?;
    }
    let mut truncated = vec![0x10];
    truncated.extend_from_slice(stream.get(..stream.len() / 2).unwrap_or_default());
    corpus.put("frame_decoder", "stream_truncated.bin", &truncated)?;
    corpus.put(
        "frame_decoder",
        "header_oversize.bin",
        &[0x01, 0xff, 0xff, 0xff, 0xff],
    )?;
    corpus.put(
        "frame_decoder",
        "header_empty_frame.bin",
        &[0x00, 0, 0, 0, 0],
    )?;
    Ok(())
}

/// A handful of bodies per operation (valid ones, and ones AWS refuses), plus `{}` for all.
fn kms_requests(corpus: &mut Corpus, document: &[u8], blob: &[u8]) -> Result<()> {
    let recipient = format!(
        r#"{{"KeyEncryptionAlgorithm":"RSAES_OAEP_SHA_256","AttestationDocument":"{}"}}"#,
        BASE64.encode(document)
    );
    let blob = BASE64.encode(blob);
    let context = r#"{"purpose":"test","team":"red"}"#;
    let policy = serde_json::to_string(&default_policy("111122223333"))?;
    let key = format!(r#""KeyId":"{KEY_ID}""#);
    let bodies: Vec<(Operation, String)> = vec![
        (Operation::GenerateDataKey, format!(r#"{{{key},"KeySpec":"AES_256"}}"#)),
        (Operation::GenerateDataKey, format!(r#"{{"KeyId":"alias/demo","NumberOfBytes":32,"EncryptionContext":{context}}}"#)),
        (Operation::GenerateDataKey, format!(r#"{{"KeyId":"{KEY_ARN}","KeySpec":"AES_128","GrantTokens":["token"],"DryRun":false}}"#)),
        (Operation::GenerateDataKey, format!(r#"{{{key},"KeySpec":"AES_256","Recipient":{recipient}}}"#)),
        (Operation::GenerateDataKey, format!(r#"{{{key},"KeySpec":"AES_256","NumberOfBytes":1025}}"#)),
        (Operation::GenerateDataKeyWithoutPlaintext, format!(r#"{{{key},"KeySpec":"AES_256","EncryptionContext":{context}}}"#)),
        (Operation::GenerateDataKeyWithoutPlaintext, format!(r#"{{{key},"NumberOfBytes":0}}"#)),
        (Operation::Decrypt, format!(r#"{{"CiphertextBlob":"{blob}"}}"#)),
        (Operation::Decrypt, format!(r#"{{"CiphertextBlob":"{blob}",{key},"EncryptionContext":{context},"EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#)),
        (Operation::Decrypt, format!(r#"{{"CiphertextBlob":"{blob}","Recipient":{recipient},"DryRun":true,"DryRunModifiers":["IGNORE_CIPHERTEXT"]}}"#)),
        (Operation::Decrypt, r#"{"CiphertextBlob": 5}"#.to_owned()),
        (Operation::Decrypt, r#"{"CiphertextBlob":"not base64!"}"#.to_owned()),
        (Operation::Encrypt, format!(r#"{{{key},"Plaintext":"aGVsbG8gd29ybGQ="}}"#)),
        (Operation::Encrypt, format!(r#"{{"KeyId":"alias/demo","Plaintext":"AA==","EncryptionContext":{context},"EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}}"#)),
        (Operation::ReEncrypt, format!(r#"{{"CiphertextBlob":"{blob}","DestinationKeyId":"alias/other","SourceEncryptionContext":{context},"DestinationEncryptionContext":{{"a":"b"}}}}"#)),
        (Operation::ReEncrypt, format!(r#"{{"CiphertextBlob":"{blob}","SourceKeyId":"{KEY_ARN}","DestinationKeyId":"{KEY_ID}","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#)),
        (Operation::GenerateMac, format!(r#"{{"Message":"aGVsbG8=",{key},"MacAlgorithm":"HMAC_SHA_256","GrantTokens":["token"],"DryRun":false}}"#)),
        (Operation::GenerateMac, format!(r#"{{"Message":"",{key},"MacAlgorithm":"INVALID"}}"#)),
        (Operation::VerifyMac, r#"{"Message":"aGVsbG8=","KeyId":"alias/mac","MacAlgorithm":"HMAC_SHA_512","Mac":"AAECAwQ=","DryRun":true}"#.to_owned()),
        (Operation::GenerateRandom, r#"{"NumberOfBytes":32}"#.to_owned()),
        (Operation::GenerateRandom, r#"{"NumberOfBytes":0}"#.to_owned()),
        (Operation::GenerateRandom, format!(r#"{{"NumberOfBytes":1024,"Recipient":{recipient}}}"#)),
        (Operation::GenerateRandom, r#"{"CustomKeyStoreId":"cks-1234567890abcdef0"}"#.to_owned()),
        (Operation::CreateKey, r#"{"Description":"demo","KeyUsage":"ENCRYPT_DECRYPT","KeySpec":"SYMMETRIC_DEFAULT","Tags":[{"TagKey":"team","TagValue":"red"}]}"#.to_owned()),
        (Operation::CreateKey, r#"{"KeySpec":"RSA_2048","KeyUsage":"ENCRYPT_DECRYPT","MultiRegion":false}"#.to_owned()),
        (Operation::CreateKey, r#"{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC","Origin":"AWS_KMS"}"#.to_owned()),
        (Operation::CreateKey, format!(r#"{{"Policy":{policy},"BypassPolicyLockoutSafetyCheck":true,"CustomerMasterKeySpec":"SYMMETRIC_DEFAULT"}}"#)),
        (Operation::CreateKey, r#"{"Origin":"EXTERNAL","XksKeyId":"x","CustomKeyStoreId":"cks-1"}"#.to_owned()),
        (Operation::DescribeKey, format!(r#"{{{key},"GrantTokens":[]}}"#)),
        (Operation::DescribeKey, r#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:alias/demo"}"#.to_owned()),
        (Operation::DescribeKey, r#"{"KeyId":""}"#.to_owned()),
        (Operation::ListKeys, r#"{"Limit":10}"#.to_owned()),
        (Operation::ListKeys, r#"{"Limit":1,"Marker":"abc","ResourceOwners":["111122223333"]}"#.to_owned()),
        (Operation::CreateAlias, format!(r#"{{"AliasName":"alias/demo","TargetKeyId":"{KEY_ID}"}}"#)),
        (Operation::CreateAlias, format!(r#"{{"AliasName":"alias/aws/reserved","TargetKeyId":"{KEY_ARN}"}}"#)),
        (Operation::CreateAlias, format!(r#"{{"AliasName":"demo","TargetKeyId":"{KEY_ID}"}}"#)),
        (Operation::UpdateAlias, format!(r#"{{"AliasName":"alias/demo","TargetKeyId":"{KEY_ID}"}}"#)),
        (Operation::DeleteAlias, r#"{"AliasName":"alias/demo"}"#.to_owned()),
        (Operation::ListAliases, format!(r#"{{{key},"Limit":50,"Marker":"m"}}"#)),
        (Operation::EnableKey, format!(r#"{{{key}}}"#)),
        (Operation::DisableKey, format!(r#"{{"KeyId":"{KEY_ARN}"}}"#)),
        (Operation::ScheduleKeyDeletion, format!(r#"{{{key},"PendingWindowInDays":7}}"#)),
        (Operation::ScheduleKeyDeletion, format!(r#"{{{key},"PendingWindowInDays":31}}"#)),
        (Operation::CancelKeyDeletion, format!(r#"{{{key}}}"#)),
        (Operation::GetKeyPolicy, format!(r#"{{{key},"PolicyName":"default"}}"#)),
        (Operation::PutKeyPolicy, format!(r#"{{{key},"PolicyName":"default","Policy":{policy},"BypassPolicyLockoutSafetyCheck":false}}"#)),
        (Operation::GenerateDataKeyPair, format!(r#"{{{key},"KeyPairSpec":"RSA_2048","EncryptionContext":{context}}}"#)),
        (Operation::GenerateDataKeyPair, format!(r#"{{{key},"KeyPairSpec":"ECC_NIST_P256","Recipient":{recipient}}}"#)),
        (Operation::GenerateDataKeyPairWithoutPlaintext, format!(r#"{{{key},"KeyPairSpec":"ECC_NIST_P384","DryRun":true}}"#)),
        (Operation::TagResource, format!(r#"{{{key},"Tags":[{{"TagKey":"a","TagValue":"b"}},{{"TagKey":"aws:x","TagValue":""}}]}}"#)),
        (Operation::UntagResource, format!(r#"{{{key},"TagKeys":["a","b"]}}"#)),
        (Operation::ListResourceTags, format!(r#"{{{key},"Limit":10}}"#)),
        (Operation::UpdateKeyDescription, format!(r#"{{{key},"Description":"new description"}}"#)),
        (Operation::UpdateKeyDescription, format!(r#"{{"KeyId":"{KEY_ARN}","Description":""}}"#)),
        (Operation::ListKeyPolicies, format!(r#"{{{key},"Limit":1,"Marker":"m"}}"#)),
        (Operation::CreateCustomKeyStore, r#"{"CustomKeyStoreName":"s","CloudHsmClusterId":"cluster-2a23b4cdefg","TrustAnchorCertificate":"c","KeyStorePassword":"kmsPswd1"}"#.to_owned()),
        (Operation::CreateCustomKeyStore, r#"{"CustomKeyStoreName":"x","CustomKeyStoreType":"EXTERNAL_KEY_STORE","XksProxyConnectivity":"VPC_ENDPOINT_SERVICE","XksProxyUriEndpoint":"https://p.example.com","XksProxyUriPath":"/a/kms/xks/v1","XksProxyVpcEndpointServiceName":"com.amazonaws.vpce.us-east-1.vpce-svc-0a1b","XksProxyVpcEndpointServiceOwner":"111122223333","XksProxyAuthenticationCredential":{"AccessKeyId":"ABCDEFGHIJKLMNOPQRST","RawSecretAccessKey":"DXjSUawnel2fr6SKC7G25CNxTyWKE5PF9XX6H/u9pSo="}}"#.to_owned()),
        (Operation::ConnectCustomKeyStore, r#"{"CustomKeyStoreId":"cks-1234567890abcdef0"}"#.to_owned()),
        (Operation::DeleteCustomKeyStore, r#"{"CustomKeyStoreId":"cks-1234567890abcdef0"}"#.to_owned()),
        (Operation::DescribeCustomKeyStores, r#"{"CustomKeyStoreName":"s","Limit":5,"Marker":"m"}"#.to_owned()),
        (Operation::DisconnectCustomKeyStore, r#"{"CustomKeyStoreId":"cks-1234567890abcdef0"}"#.to_owned()),
        (Operation::UpdateCustomKeyStore, r#"{"CustomKeyStoreId":"cks-1","NewCustomKeyStoreName":"n","KeyStorePassword":"short"}"#.to_owned()),
        (Operation::Sign, format!(r#"{{{key},"Message":"aGVsbG8=","MessageType":"RAW","SigningAlgorithm":"ECDSA_SHA_256","GrantTokens":["token"],"DryRun":false}}"#)),
        (Operation::Sign, r#"{"KeyId":"alias/signer","Message":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","MessageType":"DIGEST","SigningAlgorithm":"RSASSA_PSS_SHA_256"}"#.to_owned()),
        (Operation::Verify, format!(r#"{{"KeyId":"{KEY_ARN}","Message":"aGVsbG8=","MessageType":"RAW","Signature":"MEUCIQ==","SigningAlgorithm":"ECDSA_SHA_384","DryRun":true}}"#)),
        (Operation::Verify, format!(r#"{{{key},"Message":"","MessageType":"EXTERNAL_MU","Signature":"","SigningAlgorithm":"INVALID"}}"#)),
        (Operation::GetPublicKey, format!(r#"{{{key},"GrantTokens":[]}}"#)),
        (Operation::EnableKeyRotation, format!(r#"{{{key},"RotationPeriodInDays":90}}"#)),
        (Operation::EnableKeyRotation, format!(r#"{{{key},"RotationPeriodInDays":2561}}"#)),
        (Operation::DisableKeyRotation, format!(r#"{{"KeyId":"{KEY_ARN}"}}"#)),
        (Operation::GetKeyRotationStatus, format!(r#"{{{key}}}"#)),
        (Operation::RotateKeyOnDemand, format!(r#"{{{key}}}"#)),
        (Operation::ListKeyRotations, format!(r#"{{{key},"IncludeKeyMaterial":"ALL_KEY_MATERIAL","Limit":2,"Marker":"m"}}"#)),
        (Operation::GetParametersForImport, format!(r#"{{{key},"WrappingAlgorithm":"RSA_AES_KEY_WRAP_SHA_256","WrappingKeySpec":"RSA_4096"}}"#)),
        (Operation::GetParametersForImport, format!(r#"{{"KeyId":"{KEY_ARN}","WrappingAlgorithm":"SM2PKE","WrappingKeySpec":"SM2"}}"#)),
        (Operation::ImportKeyMaterial, format!(r#"{{{key},"ImportToken":"AQID","EncryptedKeyMaterial":"BAUG","ExpirationModel":"KEY_MATERIAL_EXPIRES","ValidTo":1.7E9,"ImportType":"EXISTING_KEY_MATERIAL","KeyMaterialDescription":"first import","KeyMaterialId":"{MATERIAL_ID}"}}"#)),
        (Operation::ImportKeyMaterial, format!(r#"{{{key},"ImportToken":"","EncryptedKeyMaterial":"AQID","ExpirationModel":"KEY_MATERIAL_DOES_NOT_EXPIRE","KeyMaterialId":"ABC"}}"#)),
        (Operation::DeleteImportedKeyMaterial, format!(r#"{{{key},"KeyMaterialId":"{MATERIAL_ID}"}}"#)),
        (Operation::DeriveSharedSecret, format!(r#"{{{key},"KeyAgreementAlgorithm":"ECDH","PublicKey":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE","GrantTokens":["token"],"DryRun":false,"Recipient":{recipient}}}"#)),
        (Operation::DeriveSharedSecret, format!(r#"{{"KeyId":"{KEY_ARN}","KeyAgreementAlgorithm":"INVALID","PublicKey":""}}"#)),
        (Operation::CreateGrant, format!(r#"{{{key},"GranteePrincipal":"arn:aws:iam::111122223333:user/bob","RetiringPrincipal":"arn:aws:iam::111122223333:user/carol","Operations":["Encrypt","Decrypt"],"Constraints":{{"EncryptionContextSubset":{{"tenant":"a"}}}},"Name":"g-1","GrantTokens":["token"],"DryRun":false}}"#)),
        (Operation::CreateGrant, format!(r#"{{{key},"GranteeServicePrincipal":"a.b","Operations":["CreateGrant","Nope"],"Constraints":{{"EncryptionContextEquals":{{}},"EncryptionContextSubset":{{}},"SourceArn":"x"}}}}"#)),
        (Operation::ListGrants, format!(r#"{{{key},"GrantId":"{}","GranteePrincipal":"arn:aws:iam::111122223333:user/bob","Limit":2,"Marker":"m"}}"#, "ab".repeat(32))),
        (Operation::ListRetirableGrants, r#"{"RetiringPrincipal":"arn:aws:iam::111122223333:user/carol","Limit":1000}"#.to_owned()),
        (Operation::RetireGrant, format!(r#"{{"GrantToken":"{}"}}"#, "0".repeat(232))),
        (Operation::RetireGrant, format!(r#"{{{key},"GrantId":"{}","DryRun":true}}"#, "ab".repeat(32))),
        (Operation::RevokeGrant, format!(r#"{{"KeyId":"{KEY_ARN}","GrantId":"g"}}"#)),
        (Operation::Encapsulate, format!(r#"{{{key},"EncapsulationAlgorithm":"ML_KEM","GrantTokens":["token"],"DryRun":false}}"#)),
        (Operation::Encapsulate, r#"{"KeyId":"alias/kem","EncapsulationAlgorithm":"KYBER"}"#.to_owned()),
        (Operation::Decapsulate, format!(r#"{{{key},"EncapsulationAlgorithm":"ML_KEM","SharedSecretCiphertextBlob":"AAECAwQFBgcICQ==","DryRun":true}}"#)),
        (Operation::Decapsulate, format!(r#"{{"KeyId":"{KEY_ARN}","EncapsulationAlgorithm":"ML_KEM","SharedSecretCiphertextBlob":""}}"#)),
        (Operation::ReplicateKey, format!(r#"{{{key},"ReplicaRegion":"eu-west-1","Policy":"{{}}","BypassPolicyLockoutSafetyCheck":true,"Description":"replica","Tags":[{{"TagKey":"k","TagValue":"v"}}]}}"#)),
        (Operation::ReplicateKey, format!(r#"{{"KeyId":"{KEY_ARN}","ReplicaRegion":"Mars"}}"#)),
        (Operation::UpdatePrimaryRegion, format!(r#"{{{key},"PrimaryRegion":"eu-west-1"}}"#)),
        (Operation::GetKeyLastUsage, format!(r#"{{{key}}}"#)),
        (Operation::GetKeyLastUsage, format!(r#"{{"KeyId":"{KEY_ARN}"}}"#)),
        (Operation::GetKeyLastUsage, r#"{"KeyId":"alias/demo"}"#.to_owned()),
    ];
    let mut per_op: BTreeMap<&str, usize> = BTreeMap::new();
    let every_op = Operation::ALL.iter().map(|op| (*op, "{}".to_owned()));
    for (op, body) in bodies.into_iter().chain(every_op) {
        let n = per_op.entry(op.name()).or_default();
        *n += 1;
        let mut input = vec![operation_selector(op)];
        input.extend_from_slice(body.as_bytes());
        corpus.put(
            "kms_json_request",
            &format!("{}_{n}.json", op.name()),
            &input,
        )?;
    }
    Ok(())
}

/// A well-formed `KeyMaterialId` (64 lower-case hex digits) for the import seeds.
const MATERIAL_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// The two CMS vectors, and envelopes built to the fixed recipient key.
fn cms_envelopes(corpus: &mut Corpus, vectors: &Path) -> Result<()> {
    const TARGET: &str = "cms_recipient";
    for name in ["kms_cms_input_ber.bin", "enclaver_cms_hello_world.ber"] {
        corpus.put(TARGET, name, &fs::read(vectors.join("cms").join(name))?)?;
    }
    let spki = recipient_key()
        .ok_or("the recipient key does not load")?
        .public_key_spki_der();
    for len in [1, 32, 4096] {
        let envelope = recipient::build(&vec![0x3c; len], spki)?;
        corpus.put(TARGET, &format!("built_len{len}.ber"), &envelope)?;
    }
    Ok(())
}

/// The default policy and the statements of the policy tests (conditions of every kind).
fn key_policies(corpus: &mut Corpus) -> Result<()> {
    let pcr0 = "ab".repeat(48);
    let statements = [
        r#"{"Effect":"Allow","Principal":"*","Action":"KMS:decrypt","Resource":"*"}"#.to_owned(),
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:*","Resource":"*"}"#.to_owned(),
        r#"{"Effect":"Allow","Principal":"*","NotAction":["kms:Schedule*","kms:Put*"],"Resource":"*"}"#.to_owned(),
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:root"]},"Action":"kms:*","NotResource":"arn:aws:kms:*:*:key/????abcd-*"}"#.to_owned(),
        format!(r#"{{"Sid":"enclave","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/data-processing"}},"Action":["kms:Decrypt","kms:GenerateDataKey","kms:GenerateRandom"],"Resource":"*","Condition":{{"StringEqualsIgnoreCase":{{"kms:RecipientAttestation:ImageSha384":"{pcr0}"}}}}}}"#),
        format!(r#"{{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{{"StringEquals":{{"kms:RecipientAttestation:PCR0":"{pcr0}","kms:recipientattestation:pcr8":"{pcr0}"}}}}}}"#),
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:purpose":"backup"},"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["purpose","tenant"]}}}"#.to_owned(),
        r#"{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"Null":{"kms:RecipientAttestation:ImageSha384":"true"}}}"#.to_owned(),
        r#"{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringLikeIfExists":{"kms:EncryptionContext:path":"/data/??/*"}}}"#.to_owned(),
        r#"{"Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"kms:EncryptionContext:tenant":"7"},"ForAnyValue:StringNotLike":{"kms:EncryptionContextKeys":"t*"},"Bool":{"aws:SecureTransport":"false"},"StringNotEqualsIgnoreCase":{"kms:CallerAccount":"111122223333"},"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}}"#.to_owned(),
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"kms:*","Resource":"*"}"#.to_owned(),
    ];
    corpus.put(
        "key_policy",
        "default.json",
        default_policy("111122223333").as_bytes(),
    )?;
    for (i, statement) in statements.iter().enumerate() {
        let policy = format!(r#"{{"Version":"2012-10-17","Id":"p{i}","Statement":[{statement}]}}"#);
        corpus.put(
            "key_policy",
            &format!("statement_{i:02}.json"),
            policy.as_bytes(),
        )?;
    }
    let one = format!(
        r#"{{"Version":"2008-10-17","Statement":{}}}"#,
        statements.join(",")
    );
    corpus.put("key_policy", "statement_object.json", one.as_bytes())?;
    Ok(())
}

/// Every kind of mutation, for a keystore with one key of each material kind and an alias.
fn mutations() -> Vec<Mutation> {
    let key = |id: &str, spec, usage, secret: Option<Vec<u8>>| StoredKey {
        key_id: id.to_owned(),
        creation_date_ms: 1_700_000_000_000,
        description: "seed".to_owned(),
        key_spec: spec,
        key_usage: usage,
        state: KeyStateRecord::Enabled,
        policy: default_policy("111122223333"),
        tags: BTreeMap::from([("team".to_owned(), "red".to_owned())]),
        material: secret.map(|s| KeyMaterial {
            id: [0x5a; 32],
            secret: SecretBytes::new(s),
        }),
        rotation: Default::default(),
        import: None,
        grants: Vec::new(),
        multi_region: None,
    };
    let other = "0000aaaa-00aa-00aa-00aa-0000000000aa";
    vec![
        Mutation::CreateKey(key(
            KEY_ID,
            KeySpec::SymmetricDefault,
            KeyUsageType::EncryptDecrypt,
            Some(vec![1; 32]),
        )),
        Mutation::CreateKey(key(
            other,
            KeySpec::Hmac256,
            KeyUsageType::GenerateVerifyMac,
            None,
        )),
        Mutation::CreateAlias(StoredAlias {
            name: "alias/demo".to_owned(),
            target_key_id: KEY_ID.to_owned(),
            creation_date_ms: 1_700_000_000_000,
            last_updated_ms: 1_700_000_000_000,
        }),
        Mutation::TagResource {
            key_id: KEY_ID.to_owned(),
            tags: BTreeMap::from([("a".to_owned(), "b".to_owned())]),
        },
        Mutation::UntagResource {
            key_id: KEY_ID.to_owned(),
            tag_keys: vec!["team".to_owned()],
        },
        Mutation::UpdateKeyDescription {
            key_id: KEY_ID.to_owned(),
            description: "updated".to_owned(),
        },
        Mutation::PutKeyPolicy {
            key_id: KEY_ID.to_owned(),
            policy: default_policy("444455556666"),
        },
        Mutation::SetKeyState {
            key_id: KEY_ID.to_owned(),
            state: KeyStateRecord::Disabled,
        },
        Mutation::UpdateAlias {
            name: "alias/demo".to_owned(),
            target_key_id: other.to_owned(),
            at_ms: 1_700_000_100_000,
            guard: AliasGuard::Any,
        },
        Mutation::SetKeyState {
            key_id: other.to_owned(),
            state: KeyStateRecord::PendingDeletion {
                deletion_date_ms: 1_700_604_800_000,
                window_days: 7,
            },
        },
        Mutation::DeleteAlias {
            name: "alias/demo".to_owned(),
            guard: AliasGuard::Any,
        },
        Mutation::DeleteKey {
            key_id: other.to_owned(),
        },
    ]
}

/// Sealed snapshots and journals as a parent hands them back, and their plaintexts.
fn sealed_state(corpus: &mut Corpus) -> Result<()> {
    const TARGET: &str = "sealed_state";
    let key = sealing_key().ok_or("the sealing key does not load")?;
    let mutations = mutations();
    let records = mutations
        .iter()
        .map(Mutation::to_record_bytes)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let records: Vec<&[u8]> = records.iter().map(SecretBytes::expose).collect();
    let (before, after) = records.split_at(3);
    let mut keystore = Keystore::new();
    for mutation in mutations.iter().take(3) {
        keystore.apply(mutation)?;
    }
    let state = keystore.to_snapshot_bytes()?;
    let snapshot = seal::seal_snapshot(&key, &SNAPSHOT_HEADER, state.expose())?;
    let mut cursor = JournalCursor::after_snapshot(&SNAPSHOT_HEADER);
    let mut journal = Vec::new();
    for record in after {
        let (framed, next) = seal::seal_record(&key, &cursor, record)?;
        journal.extend(framed);
        cursor = next;
    }
    let mode = |m: SealedMode, payload: &[u8]| {
        let mut input = vec![m as u8];
        input.extend_from_slice(payload);
        input
    };
    let torn = journal
        .get(..journal.len().saturating_sub(20))
        .unwrap_or_default();
    for (name, snapshot, journal) in [
        (
            "raw_snapshot_and_journal",
            snapshot.as_slice(),
            journal.as_slice(),
        ),
        ("raw_snapshot_only", &snapshot, &[]),
        ("raw_journal_only", &[], &journal),
        ("raw_torn_tail", &snapshot, torn),
    ] {
        corpus.put(
            TARGET,
            &format!("{name}.bin"),
            &mode(SealedMode::Raw, &join_raw_state(snapshot, journal)),
        )?;
    }
    corpus.put(
        TARGET,
        "plain_snapshot.bin",
        &mode(SealedMode::PlainSnapshot, state.expose()),
    )?;
    corpus.put(
        TARGET,
        "plain_snapshot_empty.bin",
        &mode(
            SealedMode::PlainSnapshot,
            Keystore::new().to_snapshot_bytes()?.expose(),
        ),
    )?;
    corpus.put(
        TARGET,
        "plain_records.bin",
        &mode(SealedMode::PlainRecords, &join_records(&records)),
    )?;
    corpus.put(
        TARGET,
        "plain_records_after_snapshot.bin",
        &mode(SealedMode::PlainRecords, &join_records(before)),
    )?;
    corpus.put(
        TARGET,
        "torn_records.bin",
        &mode(SealedMode::TornRecords, &join_records(&records)),
    )?;
    Ok(())
}

/// Requests signed as the AWS CLI signs them, with and without a session token, and broken ones.
fn signed_requests(corpus: &mut Corpus) -> Result<()> {
    /// 2023-11-14T22:13:20Z, the fixed time `sigv4_header` also verifies at.
    const NOW: i64 = 1_700_000_000;
    let sign = |access_key: &str, token: &str, path: &str, query: &str| -> Result<SigV4Input> {
        let mut input = SigV4Input {
            token: token.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            body: format!(r#"{{"KeyId":"{KEY_ID}","KeySpec":"AES_256"}}"#).into_bytes(),
            ..SigV4Input::default()
        };
        let request = SignedRequest {
            method: "POST",
            path: &input.path,
            query: &input.query,
            headers: input.headers(),
            body: &input.body,
        };
        let key = SigningKey {
            access_key_id: access_key,
            secret_access_key: SIMULATION_SECRET_ACCESS_KEY,
            session_token: (!token.is_empty()).then_some(token),
        };
        let signed = sign_request(&request, &key, REGION, NOW)?;
        input.amz_date = signed.amz_date;
        input.authorization = signed.authorization;
        Ok(input)
    };
    let good = sign(SIMULATION_ACCESS_KEY_ID, "", "/", "")?;
    let cases = [
        ("valid", good.clone()),
        (
            "valid_session_token",
            sign(SESSION_ACCESS_KEY_ID, SESSION_TOKEN, "/", "")?,
        ),
        (
            "valid_path_and_query",
            sign(SIMULATION_ACCESS_KEY_ID, "", "/a%20b/c~d", "b=2&a=1&c")?,
        ),
        (
            "wrong_signature",
            SigV4Input {
                authorization: good.authorization.replace("Signature=", "Signature=0"),
                ..good.clone()
            },
        ),
        (
            "wrong_region",
            SigV4Input {
                authorization: good.authorization.replace(REGION, "eu-west-1"),
                ..good.clone()
            },
        ),
        (
            "wrong_terminator",
            SigV4Input {
                authorization: good.authorization.replace("aws4_request", "aws4_reques"),
                ..good.clone()
            },
        ),
        (
            "no_signed_host",
            SigV4Input {
                authorization: good.authorization.replace(";host", ""),
                ..good.clone()
            },
        ),
        (
            "unknown_key",
            SigV4Input {
                authorization: good
                    .authorization
                    .replace(SIMULATION_ACCESS_KEY_ID, "AKIAUNKNOWN"),
                ..good.clone()
            },
        ),
        (
            "bad_date",
            SigV4Input {
                amz_date: "2023-11-14T22:13:20Z".to_owned(),
                ..good.clone()
            },
        ),
        (
            "missing_signature",
            SigV4Input {
                authorization:
                    "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host"
                        .to_owned(),
                ..good.clone()
            },
        ),
    ];
    for (name, input) in cases {
        corpus.put("sigv4_header", &format!("{name}.txt"), &input.to_bytes())?;
    }
    Ok(())
}

/// STS form bodies: `GetCallerIdentity` as the SDKs send it, and the variants real STS answers
/// differently (unknown action, missing or other version, repeated fields, escapes, no action).
fn sts_query_requests(corpus: &mut Corpus) -> Result<()> {
    const TARGET: &str = "sts_query_request";
    for (name, body) in [
        (
            "get_caller_identity.txt",
            "Action=GetCallerIdentity&Version=2011-06-15",
        ),
        ("unknown_action.txt", "Action=AssumeRole&Version=2011-06-15"),
        ("no_version.txt", "Action=GetCallerIdentity"),
        (
            "repeated_and_escaped.txt",
            "Action=Get%43aller+Identity&Action=X&Version=2011-06-15&Unknown=%zz",
        ),
        ("no_action.txt", "Version=2011-06-15"),
        (
            "principal_like.txt",
            "arn:aws:sts::111122223333:assumed-role/R/S&Action=GetCallerIdentity&Version=2011-06-15",
        ),
    ] {
        corpus.put(TARGET, name, body.as_bytes())?;
    }
    Ok(())
}

/// etcd gateway answers as etcd 3.4 writes them (a txn's failure branch with a range, a lease
/// grant, a watch stream with a delete, an expired lease's keepalive, an error body) and a store
/// `head` value.
fn etcd_answers(corpus: &mut Corpus) -> Result<()> {
    const TARGET: &str = "etcd_answer";
    let seeds: [(&str, &str); 6] = [
        (
            "txn_failure_with_range.json",
            r#"{"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"2","raft_term":"2"},"responses":[{"response_range":{"header":{"revision":"2"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2","version":"1","value":"YmFy"}],"count":"1"}}]}"#,
        ),
        (
            "lease_grant.json",
            r#"{"header":{"revision":"2"},"ID":"7587899392064044039","TTL":"2"}"#,
        ),
        (
            "watch_stream.ndjson",
            "{\"result\":{\"header\":{\"revision\":\"2\"},\"created\":true}}\n{\"result\":{\"header\":{\"revision\":\"4\"},\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":\"4\"}}]}}\n",
        ),
        (
            "keepalive_expired.json",
            r#"{"result":{"header":{"revision":"4"},"ID":"7587899392064044039"}}"#,
        ),
        (
            "error_unavailable.json",
            r#"{"error":"etcdserver: request timed out","code":14,"message":"etcdserver: request timed out"}"#,
        ),
        ("head.txt", "3/1024"),
    ];
    for (name, text) in seeds {
        corpus.put(TARGET, name, text.as_bytes())?;
    }
    Ok(())
}
