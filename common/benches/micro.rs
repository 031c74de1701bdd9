//! Criterion micro-benchmarks of the hot path's building blocks: attestation verification (cold,
//! and with the intermediate cache warm), the CiphertextForRecipient build, the frame codec and
//! the KMS JSON parse. `cargo bench -p nitro-kms-common`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::SystemTime;

use criterion::{Criterion, criterion_group, criterion_main};
use nitro_kms_common::attestation::{TrustAnchor, Verifier, VerifyOptions, verify};
use nitro_kms_common::crypto::{RsaKeySize, RsaPrivateKey};
use nitro_kms_common::kms::{KmsRequest, Operation};
use nitro_kms_common::nsm::NsmExt;
use nitro_kms_common::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_common::recipient;
use nitro_kms_common::wire::{FrameDecoder, Limits, Message, Request, encode};

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let nsm = SimulatedNsm::open(SimulatedNsmConfig::new(dir.path())).unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    let document = nsm
        .attest(Some(key.public_key_spki_der()), None, None)
        .unwrap();
    let root = TrustAnchor::simulated_from_pem(nsm.root_certificate_pem().as_bytes()).unwrap();

    c.bench_function("attestation_verify_cold", |b| {
        b.iter(|| {
            verify(
                black_box(&document),
                &VerifyOptions::new(root.clone(), SystemTime::now()),
            )
            .unwrap()
        })
    });
    let verifier = Verifier::new(root.clone());
    verifier.verify(&document).unwrap();
    c.bench_function("attestation_verify_cached_intermediates", |b| {
        b.iter(|| verifier.verify(black_box(&document)).unwrap())
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

criterion_group!(micro, benches);
criterion_main!(micro);
