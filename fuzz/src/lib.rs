//! What the fuzz targets and the seed writer (`src/bin/make_seeds.rs`) share: the fixed keys and
//! fixtures the targets decrypt and verify with, and the layouts of the inputs that carry more
//! than one field. Whatever a target reads, the seed writer writes with the same function here,
//! so the committed seeds always reach the code they were made for.
//!
//! Nothing here panics: a fixture that does not load makes its target skip that step.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use nitro_kms_attest::attestation::TrustAnchor;
use nitro_kms_crypto::RsaPrivateKey;
use nitro_kms_api::Operation;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_enclave::ciphertext_blob::BlobHeader;
use nitro_kms_enclave::storage::seal::{SealingKey, SnapshotHeader, StoreId};
use nitro_kms_api::sigv4::{
    AccessKey, AccessKeyStore, SIMULATION_PRINCIPAL, SIMULATION_SECRET_ACCESS_KEY,
};

/// The root of the simulated NSM that signed the simulated seeds of `attestation_document`
/// (written by `make_seeds` together with them; only the certificate, no key, is kept).
pub const SIMULATED_ROOT_DER: &[u8] = include_bytes!("../fixtures/simulated_root.der");

/// The RSA-2048 key of the `enclaver` CMS vector (`common/attest/tests/vectors/cms`, Apache-2.0), the
/// recipient `cms_recipient` decrypts with and `make_seeds` builds envelopes to.
pub const RECIPIENT_KEY_PKCS8: &[u8] =
    include_bytes!("../../common/attest/tests/vectors/cms/enclaver_cms_hello_world_rsa2048_pkcs8.der");

/// The recipient key, parsed once.
pub fn recipient_key() -> Option<&'static RsaPrivateKey> {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::from_pkcs8_der(RECIPIENT_KEY_PKCS8).ok())
        .as_ref()
}

/// The simulated root as a trust anchor.
pub fn simulated_root() -> Option<TrustAnchor> {
    TrustAnchor::simulated_from_der(SIMULATED_ROOT_DER).ok()
}

/// The operation a `kms_json_request` input is for: its first byte, modulo the number of
/// operations (the body is the rest).
pub fn operation(selector: u8) -> Operation {
    let all = Operation::ALL;
    all.get(usize::from(selector) % all.len().max(1))
        .copied()
        .unwrap_or(Operation::GenerateDataKey)
}

/// The selector byte of `operation` (the inverse of [`operation`]).
pub fn operation_selector(op: Operation) -> u8 {
    let index = Operation::ALL.iter().position(|o| *o == op).unwrap_or(0);
    u8::try_from(index).unwrap_or(0)
}

/// The AES-256 key material `ciphertext_blob` opens blobs with.
pub const BLOB_MATERIAL: [u8; 32] = [0x42; 32];

/// The key and material ids of the blobs `make_seeds` seals.
pub const BLOB_HEADER: BlobHeader = BlobHeader {
    key_id: [
        0x12, 0x34, 0xab, 0xcd, 0x12, 0xab, 0x34, 0xcd, 0x56, 0xef, 0x12, 0x34, 0x56, 0x78, 0x90,
        0xab,
    ],
    key_material_id: [0x5a; 32],
    multi_region: false,
};

/// The encryption contexts `ciphertext_blob` tries every blob under: none, and one pair.
pub fn blob_contexts() -> [BTreeMap<String, String>; 2] {
    [
        BTreeMap::new(),
        BTreeMap::from([("purpose".to_owned(), "fuzz".to_owned())]),
    ]
}

/// The sealing key `sealed_state` opens snapshots and journals with.
pub fn sealing_key() -> Option<SealingKey> {
    SealingKey::new(SecretBytes::new(vec![0x5e; 32])).ok()
}

/// The snapshot header of the sealed seeds (and the one a raw journal is replayed after).
pub const SNAPSHOT_HEADER: SnapshotHeader = SnapshotHeader {
    store_id: StoreId([0x51; 16]),
    generation: 3,
    last_seq: 7,
};

/// How `sealed_state` reads the rest of its input, chosen by the first byte (modulo 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedMode {
    /// The rest is `u32 BE snapshot length | snapshot | journal`, as the parent hands them back.
    Raw = 0,
    /// The rest is a keystore state in plaintext: sealed, opened and decoded as a snapshot.
    PlainSnapshot = 1,
    /// The rest is journal records in plaintext (`u16 BE length | record`, repeated): sealed as a
    /// journal, replayed and applied to an empty keystore.
    PlainRecords = 2,
    /// As [`SealedMode::PlainRecords`], then the sealed journal is cut at a point chosen by the
    /// record bytes (a torn tail) before the replay.
    TornRecords = 3,
}

impl SealedMode {
    /// The mode of selector byte `b`.
    pub fn from_selector(b: u8) -> SealedMode {
        match b % 4 {
            0 => SealedMode::Raw,
            1 => SealedMode::PlainSnapshot,
            2 => SealedMode::PlainRecords,
            _ => SealedMode::TornRecords,
        }
    }
}

/// Splits a [`SealedMode::Raw`] payload into (snapshot, journal).
pub fn split_raw_state(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return (data, &[]);
    };
    let len = usize::try_from(u32::from_be_bytes(*len)).unwrap_or(usize::MAX);
    rest.split_at_checked(len).unwrap_or((rest, &[]))
}

/// The [`SealedMode::Raw`] payload for `snapshot` and `journal`.
pub fn join_raw_state(snapshot: &[u8], journal: &[u8]) -> Vec<u8> {
    let len = u32::try_from(snapshot.len()).unwrap_or(u32::MAX);
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(snapshot);
    out.extend_from_slice(journal);
    out
}

/// Splits a [`SealedMode::PlainRecords`] payload into records (a short last one included).
pub fn split_records(mut data: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    while let Some((len, rest)) = data.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len));
        let (record, tail) = rest.split_at_checked(len).unwrap_or((rest, &[]));
        records.push(record);
        data = tail;
    }
    records
}

/// The [`SealedMode::PlainRecords`] payload for `records`.
pub fn join_records(records: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for record in records {
        let len = u16::try_from(record.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(record);
    }
    out
}

/// The access keys `sigv4_header` verifies against: the simulation's access key, and one with a
/// session token.
pub fn access_key_store() -> AccessKeyStore {
    let mut store = AccessKeyStore::simulation();
    store.insert(
        SESSION_ACCESS_KEY_ID,
        AccessKey::new(
            SIMULATION_SECRET_ACCESS_KEY,
            Some(SESSION_TOKEN.to_owned()),
            SIMULATION_PRINCIPAL,
        ),
    );
    store
}

/// The access key of [`access_key_store`] that needs a session token.
pub const SESSION_ACCESS_KEY_ID: &str = "ASIANITROKMSFUZZ0000";
/// Its session token.
pub const SESSION_TOKEN: &str = "fuzz-session-token";
/// The region `sigv4_header` verifies for.
pub const REGION: &str = "us-east-1";

/// The parts of a request `sigv4_header` verifies. Its input is these fields joined by `\n`, in
/// this order, the body last (it may hold newlines); an empty token means no token header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SigV4Input {
    /// The `Authorization` header value.
    pub authorization: String,
    /// The `X-Amz-Date` header value.
    pub amz_date: String,
    /// The `X-Amz-Security-Token` header value, if not empty.
    pub token: String,
    /// The request path.
    pub path: String,
    /// The query string, without `?`.
    pub query: String,
    /// The body.
    pub body: Vec<u8>,
}

impl SigV4Input {
    /// Reads an input (invalid UTF-8 in the text fields becomes U+FFFD).
    pub fn parse(data: &[u8]) -> SigV4Input {
        let mut parts = data.splitn(6, |b| *b == b'\n');
        let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let (authorization, amz_date, token, path, query) =
            (text(), text(), text(), text(), text());
        SigV4Input {
            authorization,
            amz_date,
            token,
            path,
            query,
            body: parts.next().unwrap_or_default().to_vec(),
        }
    }

    /// The input bytes for these parts.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = [
            &self.authorization,
            &self.amz_date,
            &self.token,
            &self.path,
            &self.query,
        ]
        .map(|s| s.as_bytes())
        .join(&b'\n');
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }

    /// The request headers, as the proxy collects them (lower-case names).
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![
            ("host".to_owned(), "localhost:4000".to_owned()),
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            (
                "x-amz-target".to_owned(),
                "TrentService.GenerateDataKey".to_owned(),
            ),
            ("x-amz-date".to_owned(), self.amz_date.clone()),
            ("authorization".to_owned(), self.authorization.clone()),
        ];
        if !self.token.is_empty() {
            headers.push(("x-amz-security-token".to_owned(), self.token.clone()));
        }
        headers
    }
}

/// How `frame_decoder` feeds its input (the first byte): bit 0 picks the smallest frame limit
/// instead of the default one, the other bits the chunk size (1 to 128 bytes).
pub fn frame_config(b: u8) -> (bool, usize) {
    (b & 1 == 1, usize::from(b >> 1) + 1)
}
