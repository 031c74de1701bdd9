//! The length prefix: turning messages into frames and a byte stream back into frames.
//!
//! This is the sync half of the codec, independent of any I/O: [`encode`] appends a frame to a
//! buffer, and [`FrameDecoder`] is fed bytes as they arrive, in chunks of any size, and hands back
//! each complete frame. The async helpers in [`super::io`] are thin loops around these two.
//!
//! The decoder's one security property is that it never allocates on the peer's say-so: it reads
//! the 4-byte header, checks the announced length against the limit, and only then waits for (and
//! buffers) the body. An oversize header is refused as soon as its 4 bytes are in, before a single
//! body byte is read.

use crate::error::WireError;
use crate::limits::{FRAME_HEADER_LEN, Limits};
use crate::message::Message;

/// Appends one frame (4-byte length, then the CBOR body) for `message` to `out`.
///
/// Only the format's own ceiling applies (a body must fit in a `u32` length). A sender on an
/// established connection uses [`encode_limited`] instead, so as never to send a frame the peer
/// will refuse. On error `out` is left as it was.
pub fn encode(message: &Message, out: &mut Vec<u8>) -> Result<(), WireError> {
    encode_with_max(message, u32::MAX, out)
}

/// Appends one frame for `message` to `out`, refusing a body larger than `limits.max_frame_len`.
///
/// A peer that receives an oversize frame must close the connection, failing every request in
/// flight on it; refusing here instead fails only this message, and lets the caller answer with a
/// small error response. On error `out` is left as it was.
pub fn encode_limited(
    message: &Message,
    limits: &Limits,
    out: &mut Vec<u8>,
) -> Result<(), WireError> {
    encode_with_max(message, limits.max_frame_len, out)
}

fn encode_with_max(message: &Message, max: u32, out: &mut Vec<u8>) -> Result<(), WireError> {
    let start = out.len();
    out.extend_from_slice(&[0; FRAME_HEADER_LEN]);
    if let Err(error) = message.encode_body(out) {
        out.truncate(start);
        return Err(error);
    }
    let body_len = out.len() - start - FRAME_HEADER_LEN;
    let len = match u32::try_from(body_len) {
        Ok(len) if len <= max => len,
        _ => {
            out.truncate(start);
            return Err(WireError::FrameTooLarge {
                len: u64::try_from(body_len).unwrap_or(u64::MAX),
                max,
            });
        }
    };
    if let Some(header) = out.get_mut(start..start + FRAME_HEADER_LEN) {
        header.copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// Checks a frame header's announced body length against `max`, before anything is allocated.
pub(crate) fn check_frame_len(
    header: [u8; FRAME_HEADER_LEN],
    max: u32,
) -> Result<usize, WireError> {
    let len = u32::from_be_bytes(header);
    if len == 0 {
        return Err(WireError::EmptyFrame);
    }
    if len > max {
        return Err(WireError::FrameTooLarge {
            len: u64::from(len),
            max,
        });
    }
    usize::try_from(len).map_err(|_| WireError::FrameTooLarge {
        len: u64::from(len),
        max,
    })
}

/// An incremental frame decoder: feed it bytes as they arrive, take complete frames out.
///
/// ```
/// use nitro_kms_wire::{FrameDecoder, Limits, Message, encode};
///
/// let mut stream = Vec::new();
/// encode(&Message::Ping { nonce: 1 }, &mut stream)?;
/// encode(&Message::Ping { nonce: 2 }, &mut stream)?;
///
/// let mut decoder = FrameDecoder::new(&Limits::default());
/// let (first_chunk, second_chunk) = stream.split_at(5);
/// decoder.feed(first_chunk);
/// assert_eq!(decoder.next_message()?, None); // needs more bytes
/// decoder.feed(second_chunk);
/// assert_eq!(decoder.next_message()?, Some(Message::Ping { nonce: 1 }));
/// assert_eq!(decoder.next_message()?, Some(Message::Ping { nonce: 2 }));
/// assert_eq!(decoder.next_message()?, None);
/// decoder.finish()?; // the stream ended on a frame boundary
/// # Ok::<(), nitro_kms_wire::WireError>(())
/// ```
///
/// Errors come in two kinds. A bad header ([`WireError::FrameTooLarge`], [`WireError::EmptyFrame`])
/// leaves the stream unsynchronised: the decoder keeps returning that error and the caller closes
/// the connection. A bad body (from [`next_message`](Self::next_message)) consumes its frame; the
/// next call continues with the following frame, though the peer is clearly broken.
///
/// Memory: the decoder buffers at most one incomplete frame plus whatever was fed beyond it, and a
/// body is only awaited after its length has passed the limit.
#[derive(Debug)]
pub struct FrameDecoder {
    /// Bytes fed and not yet consumed start at `start`; bytes before it are consumed frames,
    /// dropped lazily so that taking a frame out is not a copy of everything behind it.
    buf: Vec<u8>,
    start: usize,
    max_frame_len: u32,
}

impl FrameDecoder {
    /// A decoder enforcing `limits.max_frame_len`.
    pub fn new(limits: &Limits) -> FrameDecoder {
        FrameDecoder {
            buf: Vec::new(),
            start: 0,
            max_frame_len: limits.max_frame_len,
        }
    }

    /// Changes the enforced limit (after the Hello exchange); applies to frames not yet started.
    pub fn set_limits(&mut self, limits: &Limits) {
        self.max_frame_len = limits.max_frame_len;
    }

    /// Appends bytes received from the stream.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(bytes);
    }

    /// The buffer to read more stream bytes into (after its current length), with the consumed
    /// prefix dropped. For [`super::io::FramedReader`], which reads straight into it.
    pub(crate) fn read_buffer(&mut self) -> &mut Vec<u8> {
        self.compact();
        &mut self.buf
    }

    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Number of bytes fed and not yet taken out as frames.
    pub fn buffered_len(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    /// The next complete frame body, `None` if more bytes are needed, or a header error.
    ///
    /// The header is checked as soon as its 4 bytes are buffered, whether or not any of the body
    /// has arrived.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        let pending = self.buf.get(self.start..).unwrap_or_default();
        let Some((header, rest)) = pending.split_first_chunk::<FRAME_HEADER_LEN>() else {
            return Ok(None);
        };
        let len = check_frame_len(*header, self.max_frame_len)?;
        let Some(body) = rest.get(..len) else {
            return Ok(None);
        };
        let body = body.to_vec();
        self.start += FRAME_HEADER_LEN + len;
        if self.start == self.buf.len() {
            // Everything consumed: reset cheaply instead of draining later.
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(body))
    }

    /// The next complete message, `None` if more bytes are needed, or an error.
    pub fn next_message(&mut self) -> Result<Option<Message>, WireError> {
        match self.next_frame()? {
            Some(body) => Message::decode_body(&body).map(Some),
            None => Ok(None),
        }
    }

    /// Call when the stream has ended: `Ok` if it ended on a frame boundary, otherwise
    /// [`WireError::Truncated`] (or the pending header error).
    pub fn finish(&self) -> Result<(), WireError> {
        let pending = self.buf.get(self.start..).unwrap_or_default();
        if pending.is_empty() {
            return Ok(());
        }
        let expected = match pending.first_chunk::<FRAME_HEADER_LEN>() {
            Some(header) => FRAME_HEADER_LEN + check_frame_len(*header, self.max_frame_len)?,
            None => FRAME_HEADER_LEN,
        };
        Err(WireError::Truncated {
            received: pending.len(),
            expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::Hello;
    use crate::message::tests::arb_message;
    use crate::message::{Request, Response, Status};
    use proptest::prelude::*;

    fn frame(message: &Message) -> Vec<u8> {
        let mut out = Vec::new();
        encode(message, &mut out).unwrap();
        out
    }

    fn small_limits() -> Limits {
        Limits {
            max_frame_len: 4096,
            max_in_flight: 1,
        }
    }

    /// Decodes a whole stream fed in the given chunk sizes (cycled), collecting every message.
    fn decode_in_chunks(stream: &[u8], chunk_sizes: &[usize]) -> Result<Vec<Message>, WireError> {
        let mut decoder = FrameDecoder::new(&Limits::default());
        let mut messages = Vec::new();
        let mut rest = stream;
        let mut sizes = chunk_sizes.iter().copied().cycle();
        while !rest.is_empty() {
            let size = sizes.next().unwrap_or(1).clamp(1, rest.len());
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            decoder.feed(chunk);
            while let Some(message) = decoder.next_message()? {
                messages.push(message);
            }
        }
        decoder.finish()?;
        Ok(messages)
    }

    #[test]
    fn encode_pins_request_frame_bytes() {
        let message = Message::Request(Request {
            id: 1,
            op: "Encrypt".to_owned(),
            caller: "arn:aws:iam::111122223333:root".to_owned(),
            payload: b"{}".to_vec(),
        });
        let mut expected = vec![
            0x00, 0x00, 0x00, 0x33, // length = 51
            0xa5, // map(5)
            0x00, 0x01, // kind = 1 (Request)
            0x01, 0x01, // id = 1
            0x02, 0x67, // op = text(7)
        ];
        expected.extend_from_slice(b"Encrypt");
        expected.extend_from_slice(&[0x03, 0x78, 0x1e]); // caller = text(30), 1-byte length
        expected.extend_from_slice(b"arn:aws:iam::111122223333:root");
        expected.extend_from_slice(&[0x04, 0x42, b'{', b'}']); // payload = bytes(2)
        assert_eq!(frame(&message), expected);
    }

    #[test]
    fn encode_pins_response_frame_bytes() {
        let message = Message::Response(Response {
            id: 0x1_0000_0000,
            status: Status::BAD_REQUEST,
            payload: b"{}".to_vec(),
        });
        let expected = [
            0x00, 0x00, 0x00, 0x15, // length = 21
            0xa4, // map(4)
            0x00, 0x02, // kind = 2 (Response)
            0x01, 0x1b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
            0x00, // id = 2^32, 8-byte uint
            0x04, 0x42, b'{', b'}', // payload = bytes(2)
            0x05, 0x19, 0x01, 0x90, // status = 400, 2-byte uint
        ];
        assert_eq!(frame(&message), expected);
    }

    #[test]
    fn encode_pins_hello_frame_bytes() {
        let message = Message::Hello(Hello {
            version: 1,
            max_frame_len: 1 << 20,
            max_in_flight: 64,
        });
        let expected = [
            0x00, 0x00, 0x00, 0x0e, // length = 14
            0xa4, // map(4)
            0x00, 0x00, // kind = 0 (Hello)
            0x06, 0x01, // version = 1
            0x07, 0x1a, 0x00, 0x10, 0x00, 0x00, // max_frame_len = 1048576, 4-byte uint
            0x08, 0x18, 0x40, // max_in_flight = 64, 1-byte uint
        ];
        assert_eq!(frame(&message), expected);
    }

    #[test]
    fn encode_pins_ping_and_pong_frame_bytes() {
        assert_eq!(
            frame(&Message::Ping { nonce: 23 }),
            [0x00, 0x00, 0x00, 0x05, 0xa2, 0x00, 0x03, 0x09, 0x17]
        );
        assert_eq!(
            frame(&Message::Pong { nonce: 24 }),
            [0x00, 0x00, 0x00, 0x06, 0xa2, 0x00, 0x04, 0x09, 0x18, 0x18]
        );
    }

    #[test]
    fn encode_appends_after_existing_bytes() {
        let mut out = vec![0xaa];
        encode(&Message::Ping { nonce: 1 }, &mut out).unwrap();
        assert_eq!(out, [0xaa, 0, 0, 0, 5, 0xa2, 0x00, 0x03, 0x09, 0x01]);
    }

    #[test]
    fn encode_limited_refuses_an_oversize_body_and_leaves_output_untouched() {
        let message = Message::Response(Response::ok(1, vec![b'x'; 5000]));
        let mut out = vec![1, 2, 3];
        let error = encode_limited(&message, &small_limits(), &mut out).unwrap_err();
        assert!(
            matches!(error, WireError::FrameTooLarge { len, max: 4096 } if len > 5000),
            "{error:?}"
        );
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn encode_limited_accepts_a_body_of_exactly_the_limit() {
        // Response body overhead: map header (1) + kind (2) + id (2) + payload key and 3-byte
        // bytes header (4) + status (3) = 12.
        let message = Message::Response(Response::ok(1, vec![b'x'; 4096 - 12]));
        let mut out = Vec::new();
        encode_limited(&message, &small_limits(), &mut out).unwrap();
        assert_eq!(out.len(), FRAME_HEADER_LEN + 4096);
        assert_eq!(out.get(..4), Some(&[0, 0, 0x10, 0][..]));
    }

    #[test]
    fn decoder_rejects_oversize_length_before_reading_body() {
        let mut decoder = FrameDecoder::new(&small_limits());
        // Announces 4097 bytes, one over the limit; nothing of the body is fed.
        decoder.feed(&4097u32.to_be_bytes());
        let error = decoder.next_frame().unwrap_err();
        assert!(matches!(
            error,
            WireError::FrameTooLarge {
                len: 4097,
                max: 4096
            }
        ));
        // Nothing was allocated for the body: the only buffer is the one holding the header.
        assert!(decoder.buf.capacity() < 64, "{}", decoder.buf.capacity());
        // The stream is unsynchronised: the error sticks, whatever comes next.
        decoder.feed(&[0xa0; 16]);
        assert!(matches!(
            decoder.next_message(),
            Err(WireError::FrameTooLarge { .. })
        ));
        assert!(matches!(
            decoder.finish(),
            Err(WireError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn decoder_rejects_a_4_gib_length_without_allocating() {
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&[0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            decoder.next_frame(),
            Err(WireError::FrameTooLarge {
                len: 0xffff_ffff,
                max: crate::DEFAULT_MAX_FRAME_LEN
            })
        ));
        assert!(decoder.buf.capacity() < 64);
    }

    #[test]
    fn decoder_accepts_a_frame_of_exactly_the_limit() {
        let message = Message::Response(Response::ok(1, vec![b'x'; 4096 - 12]));
        let stream = frame(&message);
        let mut decoder = FrameDecoder::new(&small_limits());
        decoder.feed(&stream);
        assert_eq!(decoder.next_message().unwrap(), Some(message));
    }

    #[test]
    fn decoder_rejects_zero_length() {
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&[0, 0, 0, 0]);
        assert!(matches!(decoder.next_frame(), Err(WireError::EmptyFrame)));
    }

    #[test]
    fn decoder_needs_all_four_header_bytes() {
        let mut decoder = FrameDecoder::new(&small_limits());
        // Three bytes of a header that will turn out to be oversize: not judged yet.
        decoder.feed(&[0xff, 0xff, 0xff]);
        assert!(matches!(decoder.next_frame(), Ok(None)));
        assert!(matches!(
            decoder.finish(),
            Err(WireError::Truncated {
                received: 3,
                expected: 4
            })
        ));
        decoder.feed(&[0xff]);
        assert!(matches!(
            decoder.next_frame(),
            Err(WireError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn decoder_fed_byte_by_byte_decodes_identically() {
        let messages = vec![
            Message::Hello(Hello {
                version: 1,
                max_frame_len: 1 << 20,
                max_in_flight: 8,
            }),
            Message::Request(Request {
                id: 9,
                op: "GenerateDataKey".to_owned(),
                caller: "arn:aws:iam::111122223333:role/app".to_owned(),
                payload: br#"{"KeyId":"alias/app","KeySpec":"AES_256"}"#.to_vec(),
            }),
            Message::Ping { nonce: 3 },
        ];
        let stream: Vec<u8> = messages.iter().flat_map(frame).collect();

        let mut decoder = FrameDecoder::new(&Limits::default());
        let mut decoded = Vec::new();
        for (i, byte) in stream.iter().enumerate() {
            decoder.feed(&[*byte]);
            if let Some(message) = decoder.next_message().unwrap() {
                decoded.push((i, message));
            }
        }
        // Each message comes out exactly when its last byte arrives, and they are the originals.
        let mut end = 0;
        for ((at, message), original) in decoded.iter().zip(&messages) {
            end += frame(original).len();
            assert_eq!(*at, end - 1);
            assert_eq!(message, original);
        }
        assert_eq!(decoded.len(), messages.len());
        decoder.finish().unwrap();
        assert_eq!(decoder.buffered_len(), 0);
    }

    #[test]
    fn decoder_yields_several_frames_from_one_chunk() {
        let stream: Vec<u8> = (0..5u64)
            .flat_map(|nonce| frame(&Message::Ping { nonce }))
            .collect();
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&stream);
        for nonce in 0..5 {
            assert_eq!(
                decoder.next_message().unwrap(),
                Some(Message::Ping { nonce })
            );
        }
        assert_eq!(decoder.next_message().unwrap(), None);
    }

    #[test]
    fn decoder_finish_reports_a_frame_cut_short() {
        let stream = frame(&Message::Ping { nonce: 1 });
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&stream[..stream.len() - 1]);
        assert_eq!(decoder.next_message().unwrap(), None);
        assert!(matches!(
            decoder.finish(),
            Err(WireError::Truncated { received, expected })
                if received == stream.len() - 1 && expected == stream.len()
        ));
    }

    #[test]
    fn decoder_rejects_trailing_bytes_inside_a_frame_body() {
        // A valid Ping body followed by one extra byte, with the length counting that byte.
        let mut stream = vec![0, 0, 0, 6, 0xa2, 0x00, 0x03, 0x09, 0x01, 0x00];
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&stream);
        assert!(matches!(
            decoder.next_message(),
            Err(WireError::TrailingBytes { count: 1 })
        ));
        // The bad frame was consumed whole; the stream is still in sync.
        stream.clear();
        encode(&Message::Pong { nonce: 1 }, &mut stream).unwrap();
        decoder.feed(&stream);
        assert_eq!(
            decoder.next_message().unwrap(),
            Some(Message::Pong { nonce: 1 })
        );
    }

    #[test]
    fn decoder_rejects_garbage_cbor_with_a_typed_error() {
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&[0, 0, 0, 3, 0xff, 0xfe, 0xfd]);
        assert!(matches!(decoder.next_message(), Err(WireError::Cbor(_))));
        assert_eq!(decoder.buffered_len(), 0);
    }

    #[test]
    fn decoder_applies_a_new_limit_to_later_frames() {
        let big = frame(&Message::Response(Response::ok(1, vec![0; 5000])));
        let mut decoder = FrameDecoder::new(&Limits::default());
        decoder.feed(&big);
        assert!(decoder.next_frame().unwrap().is_some());
        decoder.set_limits(&small_limits());
        decoder.feed(&big);
        assert!(matches!(
            decoder.next_frame(),
            Err(WireError::FrameTooLarge { max: 4096, .. })
        ));
    }

    proptest! {
        #[test]
        fn prop_any_message_round_trips_through_a_frame(message in arb_message()) {
            let mut decoder = FrameDecoder::new(&Limits::default());
            decoder.feed(&frame(&message));
            prop_assert_eq!(decoder.next_message()?, Some(message));
            prop_assert_eq!(decoder.buffered_len(), 0);
        }

        #[test]
        fn prop_arbitrary_chunking_yields_the_same_messages(
            messages in proptest::collection::vec(arb_message(), 0..8),
            chunk_sizes in proptest::collection::vec(1usize..64, 1..16),
        ) {
            let stream: Vec<u8> = messages.iter().flat_map(frame).collect();
            prop_assert_eq!(decode_in_chunks(&stream, chunk_sizes.as_slice())?, messages);
        }

        #[test]
        fn prop_decoder_never_panics_on_arbitrary_byte_streams(
            stream in proptest::collection::vec(any::<u8>(), 0..2048),
            chunk_sizes in proptest::collection::vec(1usize..64, 1..16),
        ) {
            // Any input ends in messages or a typed error; and whatever it is, it does not depend
            // on how the stream was chunked.
            let chunked = decode_in_chunks(&stream, chunk_sizes.as_slice()).map_err(|e| e.to_string());
            let whole = decode_in_chunks(&stream, &[stream.len().max(1)]).map_err(|e| e.to_string());
            prop_assert_eq!(chunked, whole);
        }

        #[test]
        fn prop_decoder_never_panics_on_plausible_frames_with_garbage_bodies(
            bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..64), 1..8),
        ) {
            // Valid headers around random bodies, so the CBOR decoder (not the header check) sees
            // the garbage.
            let mut decoder = FrameDecoder::new(&Limits::default());
            for body in &bodies {
                let len = u32::try_from(body.len()).unwrap();
                decoder.feed(&len.to_be_bytes());
                decoder.feed(body);
                let _ = decoder.next_message();
            }
            // Every frame was consumed, valid or not.
            prop_assert_eq!(decoder.buffered_len(), 0);
        }
    }
}
