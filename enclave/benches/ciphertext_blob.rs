//! Criterion micro-benchmarks of the ciphertext blob: seal and open of a 32-byte data key with a
//! two-pair encryption context. `cargo bench -p nitro-kms-enclave`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use nitro_kms_enclave::ciphertext_blob::{self, BlobHeader};

fn benches(c: &mut Criterion) {
    let material = [9u8; 32];
    let header = BlobHeader {
        key_id: [1; 16],
        key_material_id: [2; 32],
        multi_region: false,
    };
    let context = BTreeMap::from([
        ("purpose".to_owned(), "bench".to_owned()),
        ("team".to_owned(), "red".to_owned()),
    ]);
    c.bench_function("blob_seal_32_bytes", |b| {
        b.iter(|| {
            ciphertext_blob::seal(
                &material,
                &header,
                black_box(&context),
                black_box(&[5u8; 32]),
            )
            .unwrap()
        })
    });
    let sealed = ciphertext_blob::seal(&material, &header, &context, &[5u8; 32]).unwrap();
    c.bench_function("blob_open_32_bytes", |b| {
        b.iter(|| ciphertext_blob::open(&material, black_box(&sealed), &context).unwrap())
    });
}

criterion_group!(blob_benches, benches);
criterion_main!(blob_benches);
