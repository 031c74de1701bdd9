//! One frame body from the peer: `Message::decode_body`, and what was decoded encoded again (the
//! enclave answers, and the proxy relays, what it decoded).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_wire::{Limits, Message, encode_limited};

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::decode_body(data) {
        let _ = message.kind();
        let mut out = Vec::new();
        let _ = encode_limited(&message, &Limits::default(), &mut out);
    }
});
