//! The parent <-> enclave byte stream: `FrameDecoder::feed` in chunks, then `next_message` until
//! it needs more bytes, as `wire::io::FramedReader` does; a peer's Hello is negotiated and its
//! limits applied, as the link does. Input: a config byte (see `frame_config`), then the stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nitro_kms_wire::hello::{Hello, negotiate};
use nitro_kms_wire::{FrameDecoder, Limits, MIN_MAX_FRAME_LEN, Message};
use nitro_kms_fuzz::frame_config;

fuzz_target!(|data: &[u8]| {
    let Some((config, stream)) = data.split_first() else {
        return;
    };
    let (small, chunk) = frame_config(*config);
    let limits = if small {
        Limits {
            max_frame_len: MIN_MAX_FRAME_LEN,
            ..Limits::default()
        }
    } else {
        Limits::default()
    };
    let ours = Hello::new(&limits);
    let mut decoder = FrameDecoder::new(&limits);
    'stream: for piece in stream.chunks(chunk) {
        decoder.feed(piece);
        loop {
            let before = decoder.buffered_len();
            match decoder.next_message() {
                Ok(Some(Message::Hello(theirs))) => {
                    if let Ok(agreed) = negotiate(&ours, &theirs) {
                        decoder.set_limits(&agreed);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                // A header error leaves the stream where it was: the reader closes the connection.
                Err(_) if decoder.buffered_len() == before => break 'stream,
                Err(_) => {}
            }
        }
    }
    let _ = decoder.finish();
});
