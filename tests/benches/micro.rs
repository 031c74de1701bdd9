//! Criterion micro-benchmarks of the hot path's building blocks: one P-384 ECDSA verification (the
//! unit a fresh Recipient document costs), attestation verification (cold; with the certificate
//! cache warm, for the same document and for fresh ones from a known enclave; a document found in
//! the cache of verified documents), the
//! CiphertextForRecipient build, the frame codec and the KMS JSON parse.
//! `cargo bench -p nitro-kms-tests --bench micro`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use nitro_kms_api::{KmsRequest, Operation};
use nitro_kms_attest::attestation::{TrustAnchor, Verifier, VerifyOptions, verify};
use nitro_kms_attest::nsm::NsmExt;
use nitro_kms_attest::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::{
    EcdsaP384KeyPair, RsaKeySize, RsaPrivateKey, SignatureEncoding, verify_p384_sha384,
};
use nitro_kms_wire::{FrameDecoder, Limits, Message, Request, encode};

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let document = nsm
        .attest(Some(key.public_key_spki_der()), None, None)
        .unwrap();
    let root = TrustAnchor::simulated_from_pem(nsm.root_certificate_pem().as_bytes()).unwrap();

    let signer = EcdsaP384KeyPair::generate().unwrap();
    let message = vec![0x5a; 4096];
    let signature = signer.sign(&message, SignatureEncoding::Fixed).unwrap();
    let verify_once = || {
        verify_p384_sha384(
            signer.public_point(),
            black_box(&message),
            &signature,
            SignatureEncoding::Fixed,
        )
        .unwrap()
    };
    c.bench_function("p384_ecdsa_verify", |b| b.iter(verify_once));

    // What all the machine's cores verify together (time per verification, wall clock): on a
    // small VM two vCPUs do not verify twice as fast as one, and this is the ceiling a
    // fresh-document Recipient load is judged against.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    c.bench_function("p384_ecdsa_verify_all_cores", |b| {
        b.iter_custom(|iters| all_cores(threads, iters, verify_once))
    });

    c.bench_function("attestation_verify_cold", |b| {
        b.iter(|| {
            verify(
                black_box(&document),
                &VerifyOptions::new(root.clone(), SystemTime::now()),
            )
            .unwrap()
        })
    });
    // Certificates cached, documents not: every call checks the document's own signature.
    let verifier = Verifier::new(root.clone()).with_document_cache(0);
    verifier.verify(&document).unwrap();
    c.bench_function("attestation_verify_cached_intermediates", |b| {
        b.iter(|| verifier.verify(black_box(&document)).unwrap())
    });
    // Fresh documents (distinct nonces) from the same enclave: what a Recipient load looks like.
    let fresh: Vec<Vec<u8>> = (0..256u32)
        .map(|i| {
            nsm.attest(
                Some(key.public_key_spki_der()),
                None,
                Some(&i.to_be_bytes()),
            )
            .unwrap()
        })
        .collect();
    let mut next = 0usize;
    c.bench_function("attestation_verify_fresh_document_warm_cache", |b| {
        b.iter(|| {
            next = (next + 1) % fresh.len();
            verifier.verify(black_box(&fresh[next])).unwrap()
        })
    });
    c.bench_function("attestation_verify_fresh_document_all_cores", |b| {
        b.iter_custom(|iters| {
            let next = std::sync::atomic::AtomicUsize::new(0);
            all_cores(threads, iters, || {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % fresh.len();
                verifier.verify(black_box(&fresh[i])).unwrap();
            })
        })
    });
    // The same document again, from the cache of verified documents (dates and age re-checked).
    let reuse = Verifier::new(root.clone());
    reuse.verify(&document).unwrap();
    c.bench_function("attestation_verify_same_document_cached", |b| {
        b.iter(|| reuse.verify(black_box(&document)).unwrap())
    });
    c.bench_function("cms_build_32_bytes", |b| {
        b.iter(|| recipient::build(black_box(&[7u8; 32]), key.public_key_spki_der()).unwrap())
    });

    let message = Message::Request(Request {
        id: 42,
        op: "GenerateDataKey".into(),
        caller: "arn:aws:iam::111122223333:user/alice".into(),
        payload: br#"{"KeyId":"alias/app","KeySpec":"AES_256"}"#.to_vec(),
    });
    c.bench_function("frame_encode_request", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(128);
            encode(black_box(&message), &mut out).unwrap();
            out
        })
    });
    let mut frame = Vec::new();
    encode(&message, &mut frame).unwrap();
    c.bench_function("frame_decode_request", |b| {
        b.iter(|| {
            let mut decoder = FrameDecoder::new(&Limits::default());
            decoder.feed(black_box(&frame));
            decoder.next_message().unwrap().unwrap()
        })
    });
    let body = br#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/0b1c8a44-2b3c-4d5e-8f90-123456789abc","KeySpec":"AES_256","EncryptionContext":{"purpose":"bench","team":"red"}}"#;
    c.bench_function("kms_json_parse_generate_data_key", |b| {
        b.iter(|| KmsRequest::parse(Operation::GenerateDataKey, black_box(body)).unwrap())
    });
}

/// Runs `work` `iters` times spread over `threads` threads and returns the wall time, scaled to
/// exactly `iters` runs: criterion then reports wall time per run with all cores busy.
fn all_cores(threads: usize, iters: u64, work: impl Fn() + Sync) -> Duration {
    let per = iters.div_ceil(threads as u64).max(1);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..per {
                    work();
                }
            });
        }
    });
    started
        .elapsed()
        .mul_f64(iters as f64 / (per * threads as u64) as f64)
}

criterion_group!(micro, benches);
criterion_main!(micro);
