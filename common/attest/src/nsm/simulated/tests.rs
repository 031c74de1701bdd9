//! Behaviour of the simulated NSM: state directory, PCRs, attestation, description and entropy.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use aws_nitro_enclaves_nsm_api::api::AttestationDoc;
use coset::{CborSerializable, CoseSign1};
use der::{Decode, Encode};
use serde_bytes::ByteBuf;
use x509_cert::Certificate;
use x509_cert::ext::pkix::BasicConstraints;

use super::state::{LEVELS, ROOT_PEM_FILE, STATE_FILE};
use super::*;
use crate::nsm::NsmExt;
use nitro_kms_crypto::{SignatureEncoding, verify_p384_sha384};

const DAY_MS: u64 = 24 * 3600 * 1000;

/// A temporary parent with a not-yet-existing state directory inside it.
fn fresh() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    (tmp, dir)
}

fn open(dir: &Path) -> SimulatedNsm {
    SimulatedNsm::open(SimulatedNsmConfig::new(dir)).unwrap()
}

/// A clock the test moves by hand, starting at the real time.
fn manual_clock() -> (Arc<AtomicU64>, impl Fn() -> u64 + Send + Sync + 'static) {
    let now = Arc::new(AtomicU64::new(system_clock_ms()));
    let reader = Arc::clone(&now);
    (now, move || reader.load(Ordering::SeqCst))
}

fn refusal<T: fmt::Debug>(result: Result<T, NsmError>) -> NsmErrorCode {
    let err = result.unwrap_err();
    err.code()
        .unwrap_or_else(|| panic!("expected a device refusal, got {err:?}"))
}

/// SHA-384 computed by OpenSSL, independently of `nitro_kms_crypto`.
fn openssl_sha384(data: &[u8]) -> Vec<u8> {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("input");
    fs::write(&path, data).unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha384", "-binary"])
        .arg(&path)
        .output()
        .expect("openssl must be installed for this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout.len(), 48);
    out.stdout
}

fn pem(der: &[u8]) -> String {
    state::root_pem(der).unwrap()
}

/// Parses a document and checks its COSE signature with the leaf's key; returns the payload.
fn verified_payload(document: &[u8]) -> AttestationDoc {
    let sign1 = CoseSign1::from_slice(document).unwrap();
    let payload = sign1.payload.clone().expect("payload present");
    let doc = AttestationDoc::from_binary(&payload).unwrap();
    let leaf = Certificate::from_der(&doc.certificate).unwrap();
    let leaf_point = leaf
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec();
    verify_p384_sha384(
        &leaf_point,
        &sign1.tbs_data(b""),
        &sign1.signature,
        SignatureEncoding::Fixed,
    )
    .expect("COSE signature verifies with the leaf key");
    doc
}

/// Checks in Rust that each certificate of `[root, ..., leaf]` is signed by the one before it
/// (the root by itself).
fn assert_chain_signatures(chain: &[Vec<u8>]) {
    let certs: Vec<Certificate> = chain
        .iter()
        .map(|d| Certificate::from_der(d).unwrap())
        .collect();
    for (i, cert) in certs.iter().enumerate() {
        let issuer = &certs[i.saturating_sub(1)];
        assert_eq!(
            cert.tbs_certificate().issuer(),
            issuer.tbs_certificate().subject()
        );
        let issuer_point = issuer
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        verify_p384_sha384(
            issuer_point,
            &cert.tbs_certificate().to_der().unwrap(),
            cert.signature().raw_bytes(),
            SignatureEncoding::Asn1,
        )
        .unwrap_or_else(|e| panic!("certificate {i} of the chain: {e}"));
    }
}

/// Runs `openssl verify` on a document's chain against `root_pem`, optionally at a given time.
fn openssl_verify(root_pem: &str, doc: &AttestationDoc, at_unix: Option<u64>) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root.pem");
    let inter = tmp.path().join("inter.pem");
    let leaf = tmp.path().join("leaf.pem");
    fs::write(&root, root_pem).unwrap();
    let intermediates: String = doc.cabundle.iter().skip(1).map(|c| pem(c)).collect();
    fs::write(&inter, intermediates).unwrap();
    fs::write(&leaf, pem(&doc.certificate)).unwrap();
    let mut cmd = Command::new("openssl");
    cmd.arg("verify");
    if let Some(t) = at_unix {
        cmd.args(["-attime", &t.to_string()]);
    }
    let out = cmd
        .arg("-CAfile")
        .arg(&root)
        .arg("-untrusted")
        .arg(&inter)
        .arg(&leaf)
        .output()
        .expect("openssl must be installed for this test");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "openssl verify failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[cfg(unix)]
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ------------------------------------------------------------------------------------------------
// State directory
// ------------------------------------------------------------------------------------------------

#[test]
#[cfg(unix)]
fn first_open_creates_state_files_with_private_key_modes() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    assert_eq!(mode_of(&dir), 0o700, "state directory");
    for level in &LEVELS {
        let key = dir.join(format!("{}.key", level.name));
        let cert = dir.join(format!("{}.der", level.name));
        assert_eq!(mode_of(&key), 0o600, "{}", key.display());
        // The key file is the PKCS#8 DER of a P-384 key whose public half is in the certificate.
        let kp = crypto::EcdsaP384KeyPair::from_pkcs8_der(&fs::read(&key).unwrap()).unwrap();
        let c = Certificate::from_der(&fs::read(&cert).unwrap()).unwrap();
        assert_eq!(
            c.tbs_certificate()
                .subject_public_key_info()
                .subject_public_key
                .raw_bytes(),
            kp.public_point()
        );
        assert_eq!(mode_of(&cert) & 0o022, 0, "{}", cert.display());
    }
    assert_eq!(mode_of(&dir.join(".lock")), 0o600);
    assert!(dir.join(STATE_FILE).is_file());
    assert_eq!(
        fs::read(dir.join("root.der")).unwrap(),
        nsm.root_certificate_der()
    );
}

#[test]
fn second_open_reuses_the_same_root_and_module_id() {
    let (_tmp, dir) = fresh();
    let first = open(&dir);
    let second = open(&dir);
    assert_eq!(first.root_certificate_der(), second.root_certificate_der());
    assert_eq!(first.module_id(), second.module_id());
    // And the leaf, which is still fresh, is not reissued either.
    let leaf =
        |n: &SimulatedNsm| verified_payload(&n.attest(None, None, None).unwrap()).certificate;
    assert_eq!(leaf(&first), leaf(&second));
}

#[test]
fn corrupted_key_file_is_refused_as_corrupt_state() {
    let (_tmp, dir) = fresh();
    drop(open(&dir));
    let key = dir.join("regional.key");
    fs::write(&key, b"not a key at all").unwrap();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir)).unwrap_err();
    match &err {
        NsmError::CorruptState { path, reason } => {
            assert_eq!(path, &key);
            assert!(reason.contains("PKCS#8"), "{reason}");
        }
        other => panic!("expected CorruptState, got {other:?}"),
    }
    // The message names the file and says what to do.
    let msg = err.to_string();
    assert!(
        msg.contains("regional.key") && msg.contains("deleting the directory"),
        "{msg}"
    );
}

#[test]
fn key_that_does_not_match_its_certificate_is_refused() {
    let (_tmp, dir) = fresh();
    drop(open(&dir));
    fs::copy(dir.join("zonal.key"), dir.join("regional.key")).unwrap();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir)).unwrap_err();
    assert!(
        matches!(&err, NsmError::CorruptState { path, reason }
            if path.ends_with("regional.der") && reason.contains("does not match regional.key")),
        "{err:?}"
    );
}

#[test]
fn certificate_not_signed_by_its_issuer_is_refused() {
    let (_tmp, dir) = fresh();
    drop(open(&dir));
    // A leaf certificate from another state directory: right subject, wrong key and issuer key.
    let (_other_tmp, other) = fresh();
    drop(open(&other));
    fs::copy(other.join("leaf.der"), dir.join("leaf.der")).unwrap();
    fs::copy(other.join("leaf.key"), dir.join("leaf.key")).unwrap();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir)).unwrap_err();
    assert!(
        matches!(&err, NsmError::CorruptState { path, reason }
            if path.ends_with("leaf.der") && reason.contains("signature")),
        "{err:?}"
    );
}

#[test]
fn missing_file_in_an_initialised_state_is_refused() {
    let (_tmp, dir) = fresh();
    drop(open(&dir));
    fs::remove_file(dir.join("instance.der")).unwrap();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir)).unwrap_err();
    assert!(
        matches!(&err, NsmError::CorruptState { path, reason }
            if path.ends_with("instance.der") && reason.contains("missing")),
        "{err:?}"
    );
}

#[test]
fn corrupted_state_file_is_refused() {
    let (_tmp, dir) = fresh();
    drop(open(&dir));
    fs::write(
        dir.join(STATE_FILE),
        b"{\"format\": 99, \"module_id\": \"x\", \"created_at\": 1}",
    )
    .unwrap();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir)).unwrap_err();
    assert!(
        matches!(&err, NsmError::CorruptState { reason, .. } if reason.contains("format 99")),
        "{err:?}"
    );
}

#[test]
fn interrupted_first_use_without_marker_is_initialised_again() {
    let (_tmp, dir) = fresh();
    // What a crash half-way through creation leaves: some files, no state.json.
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("root.key"), b"half-written").unwrap();
    fs::write(dir.join(".tmp-root.der.0011223344556677"), b"torn").unwrap();
    let nsm = open(&dir);
    assert!(dir.join(STATE_FILE).is_file());
    assert!(!dir.join(".tmp-root.der.0011223344556677").exists());
    assert_eq!(
        open(&dir).root_certificate_der(),
        nsm.root_certificate_der()
    );
}

#[test]
fn concurrent_first_open_yields_one_root() {
    let (_tmp, dir) = fresh();
    let threads = 4;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (barrier, dir) = (Arc::clone(&barrier), dir.clone());
            thread::spawn(move || {
                barrier.wait();
                let nsm = open(&dir);
                let doc = verified_payload(&nsm.attest(None, None, None).unwrap());
                (
                    nsm.root_certificate_der().to_vec(),
                    nsm.module_id().to_owned(),
                    doc,
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let on_disk = fs::read(dir.join("root.der")).unwrap();
    for (root, module_id, doc) in &results {
        assert_eq!(root, &on_disk);
        assert_eq!(module_id, &results[0].1);
        assert_eq!(&doc.cabundle[0].to_vec(), &on_disk);
        let mut chain: Vec<Vec<u8>> = doc.cabundle.iter().map(|c| c.to_vec()).collect();
        chain.push(doc.certificate.to_vec());
        assert_chain_signatures(&chain);
    }
}

#[test]
fn root_pem_is_the_pem_of_the_root_der_and_is_restored_if_deleted() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let pem_text = nsm.root_certificate_pem();
    assert!(
        pem_text.starts_with("-----BEGIN CERTIFICATE-----\n"),
        "{pem_text}"
    );
    let (label, der) = der::pem::decode_vec(pem_text.as_bytes()).unwrap();
    assert_eq!(label, "CERTIFICATE");
    assert_eq!(der, nsm.root_certificate_der());
    assert_eq!(
        fs::read_to_string(dir.join(ROOT_PEM_FILE)).unwrap(),
        pem_text
    );
    // Derived data: deleting it is not corruption.
    fs::remove_file(dir.join(ROOT_PEM_FILE)).unwrap();
    drop(open(&dir));
    assert_eq!(
        fs::read_to_string(dir.join(ROOT_PEM_FILE)).unwrap(),
        pem_text
    );
}

#[test]
fn expired_root_is_refused() {
    let (_tmp, dir) = fresh();
    drop(open(&dir));
    let in_31_years = system_clock_ms() + 31 * 365 * DAY_MS;
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_clock(move || in_31_years))
        .unwrap_err();
    assert!(
        matches!(&err, NsmError::RootExpired { path } if path.ends_with("root.der")),
        "{err:?}"
    );
}

#[test]
fn debug_output_never_contains_private_keys() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let printed = format!("{nsm:?} {:?}", nsm.chain.lock().unwrap());
    for level in &LEVELS {
        let key = fs::read(dir.join(format!("{}.key", level.name))).unwrap();
        // No 8-byte window of the key file appears in the output, in hex, whatever its layout.
        for window in key.windows(8) {
            assert!(!printed.contains(&hex::encode(window)), "{printed}");
        }
    }
    assert!(printed.contains(nsm.module_id()));
}

// ------------------------------------------------------------------------------------------------
// PCRs
// ------------------------------------------------------------------------------------------------

#[test]
fn pcr0_is_sha384_of_the_image_file() {
    let (tmp, dir) = fresh();
    let image = tmp.path().join("enclave.bin");
    fs::write(&image, b"\x7fELF pretend enclave binary v1").unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_image(&image)).unwrap();
    let pcr0 = nsm.describe_pcr(0).unwrap();
    assert!(pcr0.locked);
    assert_eq!(pcr0.value, openssl_sha384(&fs::read(&image).unwrap()));

    // A changed image is observable as a changed PCR0, with the same state directory.
    fs::write(&image, b"\x7fELF pretend enclave binary v2").unwrap();
    let changed = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_image(&image)).unwrap();
    let pcr0_v2 = changed.describe_pcr(0).unwrap().value;
    assert_ne!(pcr0_v2, pcr0.value);
    assert_eq!(
        pcr0_v2,
        openssl_sha384(b"\x7fELF pretend enclave binary v2")
    );
}

#[test]
fn missing_image_file_is_an_io_error_naming_it() {
    let (tmp, dir) = fresh();
    let image = tmp.path().join("no-such-image");
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_image(&image)).unwrap_err();
    assert!(
        matches!(&err, NsmError::Io { path, .. } if path == &image),
        "{err:?}"
    );
}

#[test]
fn boot_pcrs_without_image_or_override_are_zero_like_a_debug_mode_enclave() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    for index in 0..16 {
        let pcr = nsm.describe_pcr(index).unwrap();
        assert!(pcr.locked, "PCR{index}");
        assert_eq!(pcr.value, vec![0u8; 48], "PCR{index}");
    }
}

#[test]
fn configured_boot_pcrs_are_reported_locked_and_attested() {
    let (_tmp, dir) = fresh();
    let config = SimulatedNsmConfig::new(&dir)
        .with_pcr(0, [0xa0; 48])
        .with_pcr(3, [0x33; 48])
        .with_pcr(8, [0x88; 48]);
    let nsm = SimulatedNsm::open(config).unwrap();
    for (index, value) in [(0u16, 0xa0u8), (3, 0x33), (8, 0x88), (1, 0), (15, 0)] {
        let pcr = nsm.describe_pcr(index).unwrap();
        assert_eq!(pcr.value, vec![value; 48], "PCR{index}");
        assert!(pcr.locked, "PCR{index}");
        assert_eq!(
            refusal(nsm.extend_pcr(index, b"x")),
            NsmErrorCode::ReadOnlyIndex
        );
    }
    let doc = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert_eq!(doc.pcrs[&3].to_vec(), vec![0x33; 48]);
    assert_eq!(doc.pcrs[&8].to_vec(), vec![0x88; 48]);
}

#[test]
fn boot_pcr_config_outside_0_to_15_is_rejected() {
    let (_tmp, dir) = fresh();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_pcr(16, [1; 48])).unwrap_err();
    assert!(
        matches!(&err, NsmError::InvalidConfig(m) if m.contains("PCR16")),
        "{err:?}"
    );
}

#[test]
fn pcr0_from_both_image_and_value_is_rejected() {
    let (tmp, dir) = fresh();
    let image = tmp.path().join("enclave.bin");
    fs::write(&image, b"image").unwrap();
    let config = SimulatedNsmConfig::new(&dir)
        .with_image(&image)
        .with_pcr(0, [1; 48]);
    let err = SimulatedNsm::open(config).unwrap_err();
    assert!(
        matches!(&err, NsmError::InvalidConfig(m) if m.contains("PCR0")),
        "{err:?}"
    );
}

#[test]
fn empty_module_id_override_is_rejected() {
    let (_tmp, dir) = fresh();
    let err = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_module_id("")).unwrap_err();
    assert!(matches!(&err, NsmError::InvalidConfig(_)), "{err:?}");
}

#[test]
fn pcrs_16_to_31_start_zeroed_and_unlocked() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    for index in 16..32 {
        let pcr = nsm.describe_pcr(index).unwrap();
        assert!(!pcr.locked, "PCR{index}");
        assert_eq!(pcr.value, vec![0u8; 48], "PCR{index}");
    }
}

#[test]
fn extend_pcr_computes_sha384_of_old_value_and_data() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let first = nsm.extend_pcr(16, b"nitro-kms config v1").unwrap();
    let mut input = vec![0u8; 48];
    input.extend_from_slice(b"nitro-kms config v1");
    let expected_first = openssl_sha384(&input);
    assert_eq!(first, expected_first);

    let second = nsm.extend_pcr(16, b"more").unwrap();
    let mut input = expected_first.clone();
    input.extend_from_slice(b"more");
    assert_eq!(second, openssl_sha384(&input));

    // Empty data is a valid extension too and still changes the value.
    let third = nsm.extend_pcr(16, b"").unwrap();
    assert_eq!(third, openssl_sha384(&second));
    assert_eq!(nsm.describe_pcr(16).unwrap().value, third);
    // Other PCRs are untouched.
    assert_eq!(nsm.describe_pcr(17).unwrap().value, vec![0u8; 48]);
}

#[test]
fn extend_pcr_on_locked_pcr_returns_read_only_index() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    // Locked at boot.
    assert_eq!(
        refusal(nsm.extend_pcr(0, b"x")),
        NsmErrorCode::ReadOnlyIndex
    );
    assert_eq!(
        refusal(nsm.extend_pcr(15, b"x")),
        NsmErrorCode::ReadOnlyIndex
    );
    // Locked by the enclave.
    let value = nsm.extend_pcr(20, b"x").unwrap();
    nsm.lock_pcr(20).unwrap();
    assert_eq!(
        refusal(nsm.extend_pcr(20, b"y")),
        NsmErrorCode::ReadOnlyIndex
    );
    assert_eq!(nsm.describe_pcr(20).unwrap().value, value);
}

#[test]
fn lock_pcr_on_locked_pcr_returns_read_only_index() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    for index in 0..16 {
        assert_eq!(refusal(nsm.lock_pcr(index)), NsmErrorCode::ReadOnlyIndex);
    }
    nsm.lock_pcr(16).unwrap();
    assert_eq!(refusal(nsm.lock_pcr(16)), NsmErrorCode::ReadOnlyIndex);
}

#[test]
fn lock_pcr_freezes_the_value_and_reports_the_lock() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let value = nsm.extend_pcr(31, b"final").unwrap();
    nsm.lock_pcr(31).unwrap();
    assert_eq!(
        nsm.describe_pcr(31).unwrap(),
        crate::nsm::PcrState {
            locked: true,
            value
        }
    );
    let expected: BTreeSet<u16> = (0..16).chain([31]).collect();
    assert_eq!(nsm.describe().unwrap().locked_pcrs, expected);
}

#[test]
fn lock_pcrs_locks_the_prefix_and_tolerates_locked_ones() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    nsm.lock_pcr(17).unwrap();
    // [0, 20): 0..16 were locked at boot and 17 by hand; LockPCRs does not mind.
    nsm.lock_pcrs(20).unwrap();
    let expected: BTreeSet<u16> = (0..20).collect();
    assert_eq!(nsm.describe().unwrap().locked_pcrs, expected);
    assert!(!nsm.describe_pcr(20).unwrap().locked);
    // The whole bank.
    nsm.lock_pcrs(32).unwrap();
    assert_eq!(nsm.describe().unwrap().locked_pcrs.len(), 32);
}

#[test]
fn lock_pcrs_beyond_32_returns_invalid_index() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    assert_eq!(refusal(nsm.lock_pcrs(33)), NsmErrorCode::InvalidIndex);
    assert_eq!(refusal(nsm.lock_pcrs(u16::MAX)), NsmErrorCode::InvalidIndex);
    // Nothing was locked by the refused request.
    assert_eq!(nsm.describe().unwrap().locked_pcrs.len(), 16);
}

#[test]
fn pcr_index_out_of_range_returns_invalid_index() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    for index in [32u16, 33, 1000, u16::MAX] {
        assert_eq!(refusal(nsm.describe_pcr(index)), NsmErrorCode::InvalidIndex);
        assert_eq!(
            refusal(nsm.extend_pcr(index, b"x")),
            NsmErrorCode::InvalidIndex
        );
        assert_eq!(refusal(nsm.lock_pcr(index)), NsmErrorCode::InvalidIndex);
    }
}

#[test]
fn request_over_4096_encoded_bytes_returns_input_too_large() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    // 4096 bytes of data plus the CBOR framing exceed the driver's 4096-byte request limit.
    assert_eq!(
        refusal(nsm.extend_pcr(16, &[7u8; 4096])),
        NsmErrorCode::InputTooLarge
    );
    assert_eq!(nsm.describe_pcr(16).unwrap().value, vec![0u8; 48]);
    // Well under the limit is fine.
    nsm.extend_pcr(16, &[7u8; 4000]).unwrap();
}

#[test]
fn concurrent_extensions_from_many_threads_are_each_applied_once() {
    let (_tmp, dir) = fresh();
    let nsm = Arc::new(open(&dir));
    let handles: Vec<_> = (16u16..24)
        .map(|index| {
            let nsm = Arc::clone(&nsm);
            thread::spawn(move || {
                for round in 0..20u8 {
                    nsm.extend_pcr(index, &[round]).unwrap();
                    if round % 5 == 0 {
                        verified_payload(&nsm.attest(None, None, None).unwrap());
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // Each PCR saw its own 20 extensions, in order: recompute sequentially.
    let mut expected = [0u8; 48];
    for round in 0..20u8 {
        expected = crypto::sha384_concat(&[&expected, &[round]]);
    }
    for index in 16..24 {
        assert_eq!(nsm.describe_pcr(index).unwrap().value, expected.to_vec());
    }
}

// ------------------------------------------------------------------------------------------------
// Attestation
// ------------------------------------------------------------------------------------------------

#[test]
fn attestation_signature_verifies_with_the_leaf_key() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let document = nsm.attest(None, Some(b"hello"), None).unwrap();
    let doc = verified_payload(&document);
    // And a flipped payload byte breaks it.
    let mut sign1 = CoseSign1::from_slice(&document).unwrap();
    if let Some(payload) = sign1.payload.as_mut() {
        let last = payload.len() - 1;
        payload[last] ^= 1;
    }
    let leaf = Certificate::from_der(&doc.certificate).unwrap();
    let point = leaf
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    assert!(
        verify_p384_sha384(
            point,
            &sign1.tbs_data(b""),
            &sign1.signature,
            SignatureEncoding::Fixed
        )
        .is_err()
    );
}

#[test]
fn attestation_chain_verifies_with_openssl() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let doc = verified_payload(&nsm.attest(None, None, None).unwrap());
    let out = openssl_verify(nsm.root_certificate_pem(), &doc, None);
    assert!(out.contains("leaf.pem: OK"), "{out}");
    // The same with the root.pem file of the state directory, as the CLI hands it out.
    let from_dir = fs::read_to_string(dir.join(ROOT_PEM_FILE)).unwrap();
    assert!(openssl_verify(&from_dir, &doc, None).contains(": OK"));
}

#[test]
fn cabundle_is_root_first_and_mirrors_nitro_depth() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let doc = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert_eq!(doc.cabundle.len(), 4, "root, regional, zonal, instance");
    assert_eq!(doc.cabundle[0].to_vec(), nsm.root_certificate_der());
    let mut chain: Vec<Vec<u8>> = doc.cabundle.iter().map(|c| c.to_vec()).collect();
    chain.push(doc.certificate.to_vec());
    assert_chain_signatures(&chain);
    // Path lengths as on Nitro: root unlimited, then 2, 1, 0, and a non-CA leaf.
    let constraints: Vec<(bool, Option<u8>)> = chain
        .iter()
        .map(|der| {
            let cert = Certificate::from_der(der).unwrap();
            let (_, bc) = cert
                .tbs_certificate()
                .get_extension::<BasicConstraints>()
                .unwrap()
                .unwrap();
            (bc.ca, bc.path_len_constraint)
        })
        .collect();
    assert_eq!(
        constraints,
        [
            (true, None),
            (true, Some(2)),
            (true, Some(1)),
            (true, Some(0)),
            (false, None)
        ]
    );
    // The specification caps every certificate at 1024 bytes.
    assert!(chain.iter().all(|c| (1..=1024).contains(&c.len())));
}

#[test]
fn attestation_payload_carries_request_fields_and_locked_pcrs() {
    let (tmp, dir) = fresh();
    let image = tmp.path().join("enclave.bin");
    fs::write(&image, b"enclave").unwrap();
    let nsm = SimulatedNsm::open(
        SimulatedNsmConfig::new(&dir)
            .with_image(&image)
            .with_pcr(4, [4; 48]),
    )
    .unwrap();
    let spki = crypto::RsaPrivateKey::generate(crypto::RsaKeySize::Rsa2048)
        .unwrap()
        .public_key_spki_der()
        .to_vec();
    let doc = verified_payload(
        &nsm.attest(Some(&spki), Some(b"user data"), Some(b"nonce-123"))
            .unwrap(),
    );
    assert_eq!(doc.module_id, nsm.module_id());
    assert_eq!(doc.digest, Digest::SHA384);
    assert_eq!(doc.public_key.map(|b| b.into_vec()), Some(spki));
    assert_eq!(
        doc.user_data.map(|b| b.into_vec()),
        Some(b"user data".to_vec())
    );
    assert_eq!(doc.nonce.map(|b| b.into_vec()), Some(b"nonce-123".to_vec()));
    assert_eq!(
        doc.pcrs.keys().copied().collect::<Vec<usize>>(),
        (0..16usize).collect::<Vec<usize>>()
    );
    for (index, value) in &doc.pcrs {
        let current = nsm.describe_pcr(u16::try_from(*index).unwrap()).unwrap();
        assert_eq!(value.to_vec(), current.value, "PCR{index}");
    }
    assert_eq!(doc.pcrs[&0].to_vec(), openssl_sha384(b"enclave"));

    // Absent fields are absent (null), not empty.
    let bare = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert_eq!(
        (bare.public_key, bare.user_data, bare.nonce),
        (None, None, None)
    );
}

#[test]
fn attestation_field_over_1024_bytes_returns_input_too_large() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let big = vec![1u8; 1025];
    let max = vec![1u8; 1024];
    assert_eq!(
        refusal(nsm.attest(Some(&big), None, None)),
        NsmErrorCode::InputTooLarge
    );
    assert_eq!(
        refusal(nsm.attest(None, Some(&big), None)),
        NsmErrorCode::InputTooLarge
    );
    assert_eq!(
        refusal(nsm.attest(None, None, Some(&big))),
        NsmErrorCode::InputTooLarge
    );
    // 1024 bytes each, all three at once, is accepted (as the real device's own test checks).
    let doc = verified_payload(&nsm.attest(Some(&max), Some(&max), Some(&max)).unwrap());
    assert_eq!(doc.user_data.map(|b| b.len()), Some(1024));
}

#[test]
fn attestation_includes_pcr16_only_once_locked() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let extended = nsm.extend_pcr(16, b"app config").unwrap();
    let before = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert!(
        !before.pcrs.contains_key(&16),
        "unlocked PCR16 must not be attested"
    );
    assert_eq!(before.pcrs.len(), 16);

    nsm.lock_pcr(16).unwrap();
    let after = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert_eq!(after.pcrs.get(&16).map(|v| v.to_vec()), Some(extended));
    assert_eq!(after.pcrs.len(), 17);
}

#[test]
fn attestation_timestamp_comes_from_the_clock() {
    let (_tmp, dir) = fresh();
    let (now, clock) = manual_clock();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_clock(clock)).unwrap();
    let t0 = now.load(Ordering::SeqCst);
    assert_eq!(
        verified_payload(&nsm.attest(None, None, None).unwrap()).timestamp,
        t0
    );
    now.store(t0 + 1234, Ordering::SeqCst);
    assert_eq!(
        verified_payload(&nsm.attest(None, None, None).unwrap()).timestamp,
        t0 + 1234
    );
}

#[test]
fn leaf_is_renewed_near_expiry_persisted_and_still_chains() {
    let (_tmp, dir) = fresh();
    let (now, clock) = manual_clock();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_clock(clock)).unwrap();
    let t0 = now.load(Ordering::SeqCst);
    let first = verified_payload(&nsm.attest(None, None, None).unwrap());

    // 23.5 hours later the one-day leaf has under an hour left: renewed.
    let t1 = t0 + DAY_MS - DAY_MS / 48;
    now.store(t1, Ordering::SeqCst);
    let second = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert_ne!(second.certificate, first.certificate);
    assert_eq!(second.cabundle, first.cabundle, "only the leaf changes");
    let leaf = Certificate::from_der(&second.certificate).unwrap();
    let validity = leaf.tbs_certificate().validity();
    let t1_s = t1 / 1000;
    assert!(validity.not_before.to_unix_duration().as_secs() <= t1_s);
    assert!(validity.not_after.to_unix_duration().as_secs() > t1_s + 23 * 3600);
    // OpenSSL agrees at that time, and the old leaf would no longer have been valid a day later.
    let at = t1_s + 12 * 3600;
    assert!(openssl_verify(nsm.root_certificate_pem(), &second, Some(at)).contains(": OK"));
    // Persisted: the directory holds the new leaf, which a restart at that time reuses.
    assert_eq!(
        fs::read(dir.join("leaf.der")).unwrap(),
        second.certificate.to_vec()
    );
    let restarted =
        SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_clock(move || t1)).unwrap();
    let third = verified_payload(&restarted.attest(None, None, None).unwrap());
    assert_eq!(third.certificate, second.certificate);
}

#[test]
fn intermediate_near_expiry_is_renewed_on_open_with_the_same_key() {
    let (_tmp, dir) = fresh();
    let first = open(&dir);
    let doc = verified_payload(&first.attest(None, None, None).unwrap());
    // Two years on, the instance CA (two years) must be reissued; the others are fine.
    let later = system_clock_ms() + 2 * 365 * DAY_MS;
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_clock(move || later)).unwrap();
    let renewed = verified_payload(&nsm.attest(None, None, None).unwrap());
    assert_eq!(renewed.cabundle[..3], doc.cabundle[..3]);
    assert_ne!(renewed.cabundle[3], doc.cabundle[3]);
    let key_of = |der: &[u8]| {
        Certificate::from_der(der)
            .unwrap()
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap()
    };
    assert_eq!(key_of(&renewed.cabundle[3]), key_of(&doc.cabundle[3]));
    let mut chain: Vec<Vec<u8>> = renewed.cabundle.iter().map(|c| c.to_vec()).collect();
    chain.push(renewed.certificate.to_vec());
    assert_chain_signatures(&chain);
    assert!(
        openssl_verify(nsm.root_certificate_pem(), &renewed, Some(later / 1000)).contains(": OK")
    );
}

// ------------------------------------------------------------------------------------------------
// DescribeNSM, module id, GetRandom
// ------------------------------------------------------------------------------------------------

#[test]
fn describe_nsm_reports_version_32_pcrs_sha384_locked_set_and_module_id() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let description = nsm.describe().unwrap();
    assert_eq!(
        (
            description.version_major,
            description.version_minor,
            description.version_patch
        ),
        SIMULATED_VERSION
    );
    assert_eq!(description.max_pcrs, 32);
    assert_eq!(description.digest, Digest::SHA384);
    assert_eq!(description.locked_pcrs, (0..16).collect::<BTreeSet<u16>>());
    assert_eq!(description.module_id, nsm.module_id());
}

#[test]
fn generated_module_id_has_the_nitro_format_and_is_stored() {
    let (_tmp, dir) = fresh();
    let id = open(&dir).module_id().to_owned();
    let (instance, enclave) = id
        .strip_prefix("i-")
        .and_then(|rest| rest.split_once("-enc"))
        .unwrap_or_else(|| panic!("{id}"));
    assert_eq!(instance.len(), 17, "{id}");
    assert_eq!(enclave.len(), 16, "{id}");
    assert!(
        instance
            .chars()
            .chain(enclave.chars())
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
        "{id}"
    );
    assert!(
        fs::read_to_string(dir.join(STATE_FILE))
            .unwrap()
            .contains(&id)
    );
    // Another state directory gets another id.
    let (_tmp2, other) = fresh();
    assert_ne!(open(&other).module_id(), id);
}

#[test]
fn module_id_override_is_reported_in_describe_and_documents() {
    let (_tmp, dir) = fresh();
    let stored = open(&dir).module_id().to_owned();
    let id = "i-0123456789abcdef0-enc0123456789abcdef";
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(&dir).with_module_id(id)).unwrap();
    assert_eq!(nsm.describe().unwrap().module_id, id);
    assert_eq!(
        verified_payload(&nsm.attest(None, None, None).unwrap()).module_id,
        id
    );
    // The override is not persisted.
    assert_eq!(open(&dir).module_id(), stored);
}

#[test]
fn get_random_returns_256_fresh_bytes_per_request() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let mut answers = Vec::new();
    for _ in 0..4 {
        match nsm.process(Request::GetRandom) {
            Response::GetRandom { random } => answers.push(random),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(answers.iter().all(|r| r.len() == RANDOM_LEN));
    let distinct: BTreeSet<&Vec<u8>> = answers.iter().collect();
    assert_eq!(distinct.len(), answers.len());
    // The helper stitches requests together.
    assert_eq!(nsm.get_random(1000).unwrap().len(), 1000);
}

#[test]
fn raw_attestation_request_with_null_fields_is_accepted() {
    let (_tmp, dir) = fresh();
    let nsm = open(&dir);
    let response = nsm.process(Request::Attestation {
        user_data: Some(ByteBuf::from(vec![])),
        nonce: None,
        public_key: None,
    });
    let Response::Attestation { document } = response else {
        panic!("unexpected {response:?}")
    };
    // An empty user_data is kept as an empty byte string, distinct from absent.
    assert_eq!(
        verified_payload(&document).user_data.map(|b| b.len()),
        Some(0)
    );
}
