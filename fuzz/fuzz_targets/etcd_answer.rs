//! etcd's answers as the enclave's etcd store reads them (issue 19): the JSON gateway's range,
//! put, txn, lease and watch answers and error bodies, the streamed-object splitter of watches
//! and keepalives, the store's `head` value and journal key names
//! (`nitro_kms_etcd::fuzz_decode_answers`). They come from etcd through the parent's relay: TLS
//! authenticates them, and they are parsed behind limits without panics all the same.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nitro_kms_etcd::fuzz_decode_answers(data);
});
