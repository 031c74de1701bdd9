//! The KMS ciphertext blob: what Encrypt and GenerateDataKey return as `CiphertextBlob`, and
//! what Decrypt and ReEncrypt take back.
//!
//! # Layout (version 1)
//!
//! ```text
//! offset  len  field
//!      0    1  version = 0x01
//!      1   16  key id: the KMS key's UUID, binary (big-endian, as written)
//!     17   32  key-material id: which material of that key encrypted it (KeyMaterialId, hex)
//!     49   12  nonce: random per blob
//!     61    n  AES-256-GCM ciphertext of the plaintext (1..=4096 bytes)
//!   61+n   16  GCM tag
//! ```
//!
//! Version 2 is the same layout for a multi-Region key (issue 18): its 16 key-id bytes are the 32
//! hex digits of its `mrk-` id. Every replica of a multi-Region key has the same id and material,
//! so a blob made in one region opens in another. Version 1 blobs read as before.
//!
//! The AAD is the 61-byte header (so the version, key id, material id and nonce are all
//! authenticated) followed by [`encode_encryption_context`]: a `u32` big-endian pair count, then
//! for every pair, sorted by key bytes, `u32 BE key length | key | u32 BE value length | value`.
//! Every string carries its length, so no two different contexts encode alike —
//! `{"ab":"c"}` and `{"a":"bc"}` differ, unlike the plain concatenation popular emulators use.
//! An absent and an empty context encode alike (count 0), as in AWS KMS.
//!
//! A blob is at most 61 + 4096 + 16 = 4173 bytes, under KMS's 6144-byte `CiphertextBlob` limit.
//! Every way a blob can fail to open is the same [`BlobError::Invalid`]: KMS answers all of them
//! with `InvalidCiphertextException` and an empty message, and so must we (no oracle).

use std::collections::BTreeMap;

use nitro_kms_crypto as crypto;
use nitro_kms_crypto::secret::SecretBytes;

/// The blob version of a key with a UUID id.
pub const VERSION: u8 = 1;
/// The blob version of a multi-Region key (`mrk-` id): the same layout.
pub const VERSION_MULTI_REGION: u8 = 2;
/// Length of the authenticated header: version, key id, key-material id, nonce.
pub const HEADER_LEN: usize = 1 + 16 + 32 + crypto::GCM_NONCE_LEN;
/// Bytes a blob adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + crypto::GCM_TAG_LEN;
/// Largest plaintext (KMS Encrypt's limit).
pub const MAX_PLAINTEXT_LEN: usize = 4096;
/// Largest blob accepted (KMS's `CiphertextBlob` limit).
pub const MAX_BLOB_LEN: usize = 6144;

/// What a blob says about itself before it is opened: which key, which material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobHeader {
    /// The KMS key's UUID (or multi-Region id's hex digits), binary.
    pub key_id: [u8; 16],
    /// The key material's id.
    pub key_material_id: [u8; 32],
    /// Whether the key is a multi-Region key (`mrk-` id, blob version 2).
    pub multi_region: bool,
}

impl BlobHeader {
    /// The key id as KMS writes it: lower-case `8-4-4-4-12` hex, or `mrk-` and 32 hex digits.
    pub fn key_id_string(&self) -> String {
        if self.multi_region {
            format!("{MULTI_REGION_PREFIX}{}", hex::encode(self.key_id))
        } else {
            format_key_id(&self.key_id)
        }
    }

    /// The key-material id as KMS writes it: 64 lower-case hex digits.
    pub fn key_material_id_hex(&self) -> String {
        nitro_kms_crypto::hex_lower(&self.key_material_id)
    }
}

/// Why a blob could not be made or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    /// The blob is malformed, tampered with, under another key or another context. Never more
    /// precise than that, on purpose.
    #[error("invalid ciphertext")]
    Invalid,
    /// The plaintext to seal is empty or over [`MAX_PLAINTEXT_LEN`].
    #[error("plaintext must be 1 to {MAX_PLAINTEXT_LEN} bytes")]
    PlaintextLength,
    /// The key material is not a 32-byte AES key, or the random generator failed.
    #[error("cannot seal: {0}")]
    Crypto(#[from] crypto::CryptoError),
}

/// The unambiguous encoding of an encryption context (see the module docs). Key policies and
/// ReEncrypt use the same bytes.
pub fn encode_encryption_context(context: &BTreeMap<String, String>) -> Vec<u8> {
    let size: usize = context.iter().map(|(k, v)| 8 + k.len() + v.len()).sum();
    let mut out = Vec::with_capacity(4 + size);
    push_len(&mut out, context.len());
    // BTreeMap<String, _> iterates in byte order of the keys' UTF-8.
    for (k, v) in context {
        push_len(&mut out, k.len());
        out.extend_from_slice(k.as_bytes());
        push_len(&mut out, v.len());
        out.extend_from_slice(v.as_bytes());
    }
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Contexts are bounded far below 4 GiB by the request size limits; saturate rather than wrap.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

fn aad(header: &[u8], context: &BTreeMap<String, String>) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend(encode_encryption_context(context));
    aad
}

/// Seals `plaintext` under `material` (a 32-byte AES key) for the key and material in `header`.
pub fn seal(
    material: &[u8],
    header: &BlobHeader,
    context: &BTreeMap<String, String>,
    plaintext: &[u8],
) -> Result<Vec<u8>, BlobError> {
    seal_with_nonce(
        material,
        header,
        &crypto::random_array()?,
        context,
        plaintext,
    )
}

fn seal_with_nonce(
    material: &[u8],
    header: &BlobHeader,
    nonce: &[u8; crypto::GCM_NONCE_LEN],
    context: &BTreeMap<String, String>,
    plaintext: &[u8],
) -> Result<Vec<u8>, BlobError> {
    if plaintext.is_empty() || plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(BlobError::PlaintextLength);
    }
    let mut blob = Vec::with_capacity(OVERHEAD + plaintext.len());
    blob.push(if header.multi_region {
        VERSION_MULTI_REGION
    } else {
        VERSION
    });
    blob.extend_from_slice(&header.key_id);
    blob.extend_from_slice(&header.key_material_id);
    blob.extend_from_slice(nonce);
    let sealed = crypto::aes256_gcm_seal(material, nonce, &aad(&blob, context), plaintext)?;
    blob.extend(sealed);
    Ok(blob)
}

/// Reads the header of a blob without opening it (Decrypt without `KeyId` finds the key this way).
/// A header that parses proves nothing until [`open`] succeeds.
pub fn peek_header(blob: &[u8]) -> Result<BlobHeader, BlobError> {
    let multi_region = match blob.first() {
        Some(&VERSION) => false,
        Some(&VERSION_MULTI_REGION) => true,
        _ => return Err(BlobError::Invalid),
    };
    if blob.len() < OVERHEAD + 1 || blob.len() > MAX_BLOB_LEN {
        return Err(BlobError::Invalid);
    }
    let key_id = blob
        .get(1..17)
        .and_then(|b| b.try_into().ok())
        .ok_or(BlobError::Invalid)?;
    let key_material_id = blob
        .get(17..49)
        .and_then(|b| b.try_into().ok())
        .ok_or(BlobError::Invalid)?;
    Ok(BlobHeader {
        key_id,
        key_material_id,
        multi_region,
    })
}

/// The prefix of a multi-Region key id.
pub const MULTI_REGION_PREFIX: &str = "mrk-";

/// A stored key id's 16 bytes and whether it is a multi-Region one: a canonical UUID
/// ([`parse_key_id`]) or `mrk-` and 32 lower-case hex digits.
pub fn parse_any_key_id(text: &str) -> Option<([u8; 16], bool)> {
    match text.strip_prefix(MULTI_REGION_PREFIX) {
        Some(digits) => {
            if digits.len() != 32
                || !digits
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                return None;
            }
            let mut out = [0u8; 16];
            hex::decode_to_slice(digits, &mut out).ok()?;
            Some((out, true))
        }
        None => parse_key_id(text).map(|id| (id, false)),
    }
}

/// Opens a blob with `material` under `context`; any mismatch or tampering is [`BlobError::Invalid`].
pub fn open(
    material: &[u8],
    blob: &[u8],
    context: &BTreeMap<String, String>,
) -> Result<SecretBytes, BlobError> {
    peek_header(blob)?;
    let (header, sealed) = blob
        .split_at_checked(HEADER_LEN)
        .ok_or(BlobError::Invalid)?;
    let nonce: [u8; crypto::GCM_NONCE_LEN] = header
        .get(49..HEADER_LEN)
        .and_then(|n| n.try_into().ok())
        .ok_or(BlobError::Invalid)?;
    crypto::aes256_gcm_open(material, &nonce, &aad(header, context), sealed)
        .map_err(|_| BlobError::Invalid)
}

/// Parses a canonical lower-case `8-4-4-4-12` UUID into its 16 bytes.
pub fn parse_key_id(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut hex_digits = Vec::with_capacity(32);
    for (i, b) in bytes.iter().enumerate() {
        match i {
            8 | 13 | 18 | 23 => {
                if *b != b'-' {
                    return None;
                }
            }
            _ if b.is_ascii_digit() || (b'a'..=b'f').contains(b) => hex_digits.push(*b),
            _ => return None,
        }
    }
    let mut out = [0u8; 16];
    hex::decode_to_slice(&hex_digits, &mut out).ok()?;
    Some(out)
}

/// Formats 16 bytes as a lower-case `8-4-4-4-12` UUID.
pub fn format_key_id(id: &[u8; 16]) -> String {
    let h = hex::encode(id);
    let part = |r: std::ops::Range<usize>| h.get(r).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MATERIAL: [u8; 32] = [0x11; 32];

    fn header() -> BlobHeader {
        BlobHeader {
            key_id: parse_key_id("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
            key_material_id: [0x22; 32],
            multi_region: false,
        }
    }

    #[test]
    fn a_multi_region_keys_blob_names_its_mrk_id_and_opens() {
        let id = "mrk-1234abcd12ab34cd56ef1234567890ab";
        let (key_id, multi_region) = parse_any_key_id(id).unwrap();
        assert!(multi_region);
        let header = BlobHeader {
            key_id,
            key_material_id: [0x22; 32],
            multi_region,
        };
        let material = [7u8; 32];
        let blob = seal(&material, &header, &BTreeMap::new(), b"hi").unwrap();
        assert_eq!(blob[0], VERSION_MULTI_REGION);
        assert_eq!(peek_header(&blob).unwrap().key_id_string(), id);
        assert_eq!(
            open(&material, &blob, &BTreeMap::new()).unwrap().expose(),
            b"hi"
        );
        assert_eq!(parse_any_key_id("mrk-1234"), None);
        assert_eq!(
            parse_any_key_id("mrk-1234ABCD12ab34cd56ef1234567890ab"),
            None
        );
    }

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn blob_round_trips_and_names_its_key() {
        let c = ctx(&[("purpose", "test")]);
        let blob = seal(&MATERIAL, &header(), &c, b"data key").unwrap();
        assert_eq!(blob.len(), OVERHEAD + 8);
        assert_eq!(open(&MATERIAL, &blob, &c).unwrap().expose(), b"data key");
        let h = peek_header(&blob).unwrap();
        assert_eq!(h.key_id_string(), "1234abcd-12ab-34cd-56ef-1234567890ab");
        assert_eq!(h.key_material_id_hex(), "22".repeat(32));
    }

    #[test]
    fn blob_layout_is_pinned() {
        let blob = seal_with_nonce(
            &MATERIAL,
            &header(),
            &[0x33; 12],
            &ctx(&[("a", "b")]),
            &[0x44; 4],
        )
        .unwrap();
        let expected_header = format!(
            "01{}{}{}",
            "1234abcd12ab34cd56ef1234567890ab",
            "22".repeat(32),
            "33".repeat(12)
        );
        assert_eq!(hex::encode(&blob[..HEADER_LEN]), expected_header);
        assert_eq!(blob.len(), HEADER_LEN + 4 + 16);
        // Deterministic for a fixed nonce: the same inputs give the same bytes.
        let again = seal_with_nonce(
            &MATERIAL,
            &header(),
            &[0x33; 12],
            &ctx(&[("a", "b")]),
            &[0x44; 4],
        )
        .unwrap();
        assert_eq!(blob, again);
    }

    #[test]
    fn context_encoding_is_pinned_and_length_prefixed() {
        assert_eq!(
            hex::encode(encode_encryption_context(&ctx(&[]))),
            "00000000"
        );
        assert_eq!(
            hex::encode(encode_encryption_context(&ctx(&[("b", "2"), ("a", "1")]))),
            "00000002".to_owned()
                + "00000001"
                + "61"
                + "00000001"
                + "31"
                + "00000001"
                + "62"
                + "00000001"
                + "32"
        );
    }

    #[test]
    fn concatenation_lookalike_contexts_differ() {
        let ab_c = ctx(&[("ab", "c")]);
        let a_bc = ctx(&[("a", "bc")]);
        assert_ne!(
            encode_encryption_context(&ab_c),
            encode_encryption_context(&a_bc)
        );
        let blob = seal(&MATERIAL, &header(), &ab_c, b"k").unwrap();
        assert_eq!(
            open(&MATERIAL, &blob, &a_bc).unwrap_err(),
            BlobError::Invalid
        );
    }

    #[test]
    fn any_context_change_fails_to_open() {
        let c = ctx(&[("purpose", "Test"), ("tenant", "7")]);
        let blob = seal(&MATERIAL, &header(), &c, b"k").unwrap();
        for other in [
            ctx(&[("purpose", "test"), ("tenant", "7")]),
            ctx(&[("purpose", "Test")]),
            ctx(&[("purpose", "Test"), ("tenant", "7"), ("x", "")]),
            ctx(&[]),
        ] {
            assert_eq!(
                open(&MATERIAL, &blob, &other).unwrap_err(),
                BlobError::Invalid,
                "{other:?}"
            );
        }
    }

    #[test]
    fn every_bit_flip_and_truncation_fails() {
        let c = ctx(&[("a", "b")]);
        let blob = seal(&MATERIAL, &header(), &c, b"0123456789abcdef").unwrap();
        for i in 0..blob.len() {
            for bit in 0..8 {
                let mut bad = blob.clone();
                bad[i] ^= 1 << bit;
                assert_eq!(
                    open(&MATERIAL, &bad, &c).unwrap_err(),
                    BlobError::Invalid,
                    "byte {i} bit {bit}"
                );
            }
        }
        for len in 0..blob.len() {
            assert_eq!(
                open(&MATERIAL, &blob[..len], &c).unwrap_err(),
                BlobError::Invalid,
                "len {len}"
            );
        }
    }

    #[test]
    fn wrong_material_version_and_oversize_fail() {
        let c = ctx(&[]);
        let blob = seal(&MATERIAL, &header(), &c, b"k").unwrap();
        assert_eq!(
            open(&[0x12; 32], &blob, &c).unwrap_err(),
            BlobError::Invalid
        );
        let mut v2 = blob.clone();
        v2[0] = 2;
        assert_eq!(open(&MATERIAL, &v2, &c).unwrap_err(), BlobError::Invalid);
        v2[0] = 3;
        assert_eq!(peek_header(&v2).unwrap_err(), BlobError::Invalid);
        assert_eq!(
            peek_header(&vec![1u8; MAX_BLOB_LEN + 1]).unwrap_err(),
            BlobError::Invalid
        );
        assert_eq!(
            peek_header(&blob[..OVERHEAD]).unwrap_err(),
            BlobError::Invalid
        );
    }

    #[test]
    fn seal_refuses_empty_and_oversize_plaintext() {
        let c = ctx(&[]);
        assert_eq!(
            seal(&MATERIAL, &header(), &c, b"").unwrap_err(),
            BlobError::PlaintextLength
        );
        assert_eq!(
            seal(&MATERIAL, &header(), &c, &[0; 4097]).unwrap_err(),
            BlobError::PlaintextLength
        );
        let max = seal(&MATERIAL, &header(), &c, &[0; 4096]).unwrap();
        assert!(max.len() <= MAX_BLOB_LEN);
    }

    #[test]
    fn key_ids_parse_only_in_canonical_form() {
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(format_key_id(&parse_key_id(id).unwrap()), id);
        for bad in [
            "1234ABCD-12ab-34cd-56ef-1234567890ab",
            "1234abcd12ab34cd56ef1234567890ab",
            "1234abcd-12ab-34cd-56ef-1234567890a",
            "",
        ] {
            assert_eq!(parse_key_id(bad), None, "{bad}");
        }
    }

    fn context_strategy() -> impl Strategy<Value = BTreeMap<String, String>> {
        proptest::collection::btree_map("[a-z=,\\x00:]{0,6}", "[a-zA-Z=,\\x00 ]{0,6}", 0..5)
    }

    proptest! {
        #[test]
        fn blobs_round_trip_for_random_contexts(
            c in context_strategy(),
            plaintext in proptest::collection::vec(any::<u8>(), 1..=MAX_PLAINTEXT_LEN),
        ) {
            let blob = seal(&MATERIAL, &header(), &c, &plaintext).unwrap();
            let opened = open(&MATERIAL, &blob, &c).unwrap();
            prop_assert_eq!(opened.expose(), &plaintext[..]);
        }

        #[test]
        fn distinct_contexts_never_collide(a in context_strategy(), b in context_strategy()) {
            prop_assume!(a != b);
            prop_assert_ne!(encode_encryption_context(&a), encode_encryption_context(&b));
            let blob = seal(&MATERIAL, &header(), &a, b"k").unwrap();
            prop_assert!(open(&MATERIAL, &blob, &b).is_err());
        }

        #[test]
        fn open_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = peek_header(&bytes);
            prop_assert!(open(&MATERIAL, &bytes, &BTreeMap::new()).is_err());
        }
    }
}
