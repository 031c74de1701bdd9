//! Frames over tokio streams.
//!
//! Two styles, for two situations:
//!
//! - [`read_message`] and [`write_message`] do one message on any `AsyncRead`/`AsyncWrite`. The
//!   reader reads exactly one frame and nothing beyond it, which suits the [`Hello`] exchange
//!   (see [`super::handshake`]) before a stream is handed to a buffered reader. It is not
//!   cancellation-safe: dropping its future mid-frame loses the bytes read so far.
//! - [`FramedReader`] and [`FramedWriter`] own one half of a connection each (split it with
//!   `tokio::io::split` or a stream's `into_split`), so that one task can read responses while
//!   others write requests: the connection is multiplexed. `FramedReader::read_message` is
//!   cancellation-safe, so it can sit in a `tokio::select!` loop.
//!
//! Both enforce the frame limit on read before anything is allocated for a body, and on write
//! before anything is sent.
//!
//! [`Hello`]: super::Hello

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::WireError;
use crate::frame::{FrameDecoder, check_frame_len, encode_limited};
use crate::limits::{FRAME_HEADER_LEN, Limits};
use crate::message::Message;

/// How much a [`FramedReader`] asks its stream for at a time, at least.
const READ_CHUNK: usize = 8 * 1024;

/// Reads one message: `Ok(None)` if the stream ended cleanly before it (on a frame boundary).
///
/// Reads the 4-byte header, checks the announced length against `limits.max_frame_len`, and only
/// then allocates and reads the body; an oversize or zero length is returned as an error without
/// reading any further. Never reads past the end of the frame.
pub async fn read_message<R>(reader: &mut R, limits: &Limits) -> Result<Option<Message>, WireError>
where
    R: AsyncRead + Unpin + ?Sized,
{
    let mut header = [0u8; FRAME_HEADER_LEN];
    let got = read_until_full_or_eof(reader, &mut header).await?;
    if got == 0 {
        return Ok(None);
    }
    if got < FRAME_HEADER_LEN {
        return Err(WireError::Truncated {
            received: got,
            expected: FRAME_HEADER_LEN,
        });
    }
    let len = check_frame_len(header, limits.max_frame_len)?;
    let mut body = vec![0u8; len];
    let got = read_until_full_or_eof(reader, &mut body).await?;
    if got < len {
        return Err(WireError::Truncated {
            received: FRAME_HEADER_LEN + got,
            expected: FRAME_HEADER_LEN + len,
        });
    }
    Message::decode_body(&body).map(Some)
}

/// Fills `buf` from `reader`, stopping early only at end of stream; returns the bytes read.
async fn read_until_full_or_eof<R>(reader: &mut R, buf: &mut [u8]) -> Result<usize, WireError>
where
    R: AsyncRead + Unpin + ?Sized,
{
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|rest| !rest.is_empty()) {
        match reader.read(rest).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Writes one message as one frame and flushes, refusing (before writing anything) a body larger
/// than `limits.max_frame_len`.
///
/// The frame is written with a single `write_all` of a buffer holding header and body, so that
/// with a `&mut` writer shared by turns between tasks, frames never interleave.
pub async fn write_message<W>(
    writer: &mut W,
    message: &Message,
    limits: &Limits,
) -> Result<(), WireError>
where
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut frame = Vec::new();
    encode_limited(message, limits, &mut frame)?;
    writer.write_all(&frame).await?;
    writer.flush().await?;
    Ok(())
}

/// The reading half of a framed connection: a stream plus a [`FrameDecoder`].
#[derive(Debug)]
pub struct FramedReader<R> {
    inner: R,
    decoder: FrameDecoder,
}

impl<R: AsyncRead + Unpin> FramedReader<R> {
    /// Wraps `inner`, accepting frames up to `limits.max_frame_len`.
    pub fn new(inner: R, limits: &Limits) -> FramedReader<R> {
        FramedReader {
            inner,
            decoder: FrameDecoder::new(limits),
        }
    }

    /// Changes the frame limit, e.g. to the negotiated one; applies to frames not yet started.
    pub fn set_limits(&mut self, limits: &Limits) {
        self.decoder.set_limits(limits);
    }

    /// The next message, or `Ok(None)` once the stream has ended cleanly on a frame boundary.
    ///
    /// Cancellation-safe: bytes are only ever moved from the stream into the decoder's buffer by a
    /// completed read, so dropping this future loses nothing, and the next call resumes where it
    /// stopped. A header error is returned as soon as the header is in, without reading further.
    pub async fn read_message(&mut self) -> Result<Option<Message>, WireError> {
        loop {
            if let Some(message) = self.decoder.next_message()? {
                return Ok(Some(message));
            }
            let buf = self.decoder.read_buffer();
            buf.reserve(READ_CHUNK);
            if self.inner.read_buf(buf).await? == 0 {
                self.decoder.finish()?;
                return Ok(None);
            }
        }
    }

    /// The wrapped stream. Bytes already buffered (read but not yet returned as messages) are not
    /// in it.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

/// The writing half of a framed connection.
///
/// Holds a reusable encoding buffer, so steady-state writes do not allocate.
#[derive(Debug)]
pub struct FramedWriter<W> {
    inner: W,
    limits: Limits,
    buf: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> FramedWriter<W> {
    /// Wraps `inner`, refusing to send frames over `limits.max_frame_len`.
    pub fn new(inner: W, limits: &Limits) -> FramedWriter<W> {
        FramedWriter {
            inner,
            limits: *limits,
            buf: Vec::new(),
        }
    }

    /// Changes the frame limit, e.g. to the negotiated one.
    pub fn set_limits(&mut self, limits: &Limits) {
        self.limits = *limits;
    }

    /// Encodes `message` as one frame, writes it whole and flushes.
    ///
    /// A frame over the limit is refused with [`WireError::FrameTooLarge`] before anything is
    /// written, so the connection stays usable (answer the request with a small error instead).
    /// Not cancellation-safe: if the future is dropped mid-write, part of a frame may have been
    /// sent and the connection must be closed.
    pub async fn write_message(&mut self, message: &Message) -> Result<(), WireError> {
        self.buf.clear();
        encode_limited(message, &self.limits, &mut self.buf)?;
        self.inner.write_all(&self.buf).await?;
        self.inner.flush().await?;
        Ok(())
    }

    /// Shuts the write direction down (the peer reads end of stream after the frames sent).
    pub async fn shutdown(&mut self) -> Result<(), WireError> {
        self.inner.shutdown().await?;
        Ok(())
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::ReadBuf;

    use super::*;
    use crate::encode;
    use crate::message::{Request, Response, Status};

    /// A reader that hands out `data` one byte per read, then fails any further read: a test
    /// using it proves the code under test never reads past `data`.
    struct FailPastEnd {
        data: Vec<u8>,
        pos: usize,
    }

    impl FailPastEnd {
        fn new(data: &[u8]) -> FailPastEnd {
            FailPastEnd {
                data: data.to_vec(),
                pos: 0,
            }
        }
    }

    impl AsyncRead for FailPastEnd {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            match self.data.get(self.pos).copied() {
                Some(byte) => {
                    buf.put_slice(&[byte]);
                    self.pos += 1;
                    Poll::Ready(Ok(()))
                }
                None => Poll::Ready(Err(io::Error::other("read past the allowed bytes"))),
            }
        }
    }

    fn small_limits() -> Limits {
        Limits {
            max_frame_len: 4096,
            max_in_flight: 4,
        }
    }

    fn frame(message: &Message) -> Vec<u8> {
        let mut out = Vec::new();
        encode(message, &mut out).unwrap();
        out
    }

    #[tokio::test]
    async fn read_message_rejects_oversize_length_without_reading_past_the_header() {
        let mut reader = FailPastEnd::new(&4097u32.to_be_bytes());
        let result = read_message(&mut reader, &small_limits()).await;
        assert!(
            matches!(
                result,
                Err(WireError::FrameTooLarge {
                    len: 4097,
                    max: 4096
                })
            ),
            "{result:?}"
        );
        assert_eq!(reader.pos, 4);
    }

    #[tokio::test]
    async fn framed_reader_rejects_oversize_length_without_reading_past_the_header() {
        let mut reader = FramedReader::new(FailPastEnd::new(&[0xff; 4]), &small_limits());
        let result = reader.read_message().await;
        assert!(
            matches!(
                result,
                Err(WireError::FrameTooLarge {
                    len: 0xffff_ffff,
                    max: 4096
                })
            ),
            "{result:?}"
        );
        assert_eq!(reader.get_ref().pos, 4);
    }

    #[tokio::test]
    async fn read_message_rejects_zero_length_without_reading_further() {
        let mut reader = FailPastEnd::new(&[0, 0, 0, 0]);
        let result = read_message(&mut reader, &small_limits()).await;
        assert!(matches!(result, Err(WireError::EmptyFrame)), "{result:?}");
    }

    #[tokio::test]
    async fn read_message_reads_exactly_one_frame() {
        // Two frames available, but the reader fails past the first: read_message must stop at
        // the boundary.
        let first = frame(&Message::Ping { nonce: 1 });
        let mut reader = FailPastEnd::new(&first);
        let message = read_message(&mut reader, &small_limits()).await.unwrap();
        assert_eq!(message, Some(Message::Ping { nonce: 1 }));
        assert_eq!(reader.pos, first.len());
    }

    #[tokio::test]
    async fn read_message_returns_none_at_a_clean_end_of_stream() {
        let mut empty: &[u8] = &[];
        assert!(matches!(
            read_message(&mut empty, &small_limits()).await,
            Ok(None)
        ));
    }

    #[tokio::test]
    async fn read_message_reports_a_stream_cut_inside_a_frame() {
        let whole = frame(&Message::Ping { nonce: 1 });
        let mut header_cut: &[u8] = &whole[..2];
        assert!(matches!(
            read_message(&mut header_cut, &small_limits()).await,
            Err(WireError::Truncated {
                received: 2,
                expected: 4
            })
        ));
        let mut body_cut: &[u8] = &whole[..whole.len() - 1];
        assert!(matches!(
            read_message(&mut body_cut, &small_limits()).await,
            Err(WireError::Truncated { received, expected })
                if received == whole.len() - 1 && expected == whole.len()
        ));
    }

    #[tokio::test]
    async fn framed_reader_reports_a_stream_cut_inside_a_frame() {
        let whole = frame(&Message::Pong { nonce: 7 });
        let mut reader = FramedReader::new(&whole[..whole.len() - 2], &small_limits());
        assert!(matches!(
            reader.read_message().await,
            Err(WireError::Truncated { .. })
        ));
    }

    #[tokio::test]
    async fn write_message_refuses_an_oversize_frame_and_writes_nothing() {
        let mut sink = Vec::new();
        let big = Message::Response(Response::ok(1, vec![0; 5000]));
        let result = write_message(&mut sink, &big, &small_limits()).await;
        assert!(matches!(
            result,
            Err(WireError::FrameTooLarge { max: 4096, .. })
        ));
        assert!(sink.is_empty());

        let mut writer = FramedWriter::new(Vec::new(), &small_limits());
        let result = writer.write_message(&big).await;
        assert!(matches!(
            result,
            Err(WireError::FrameTooLarge { max: 4096, .. })
        ));
        assert!(writer.get_ref().is_empty());
        // The writer is still usable afterwards.
        writer
            .write_message(&Message::Ping { nonce: 2 })
            .await
            .unwrap();
        assert_eq!(*writer.get_ref(), frame(&Message::Ping { nonce: 2 }));
    }

    #[tokio::test]
    async fn framed_writer_and_reader_carry_every_kind_in_order() {
        let messages = vec![
            Message::Hello(crate::Hello::new(&small_limits())),
            Message::Request(Request {
                id: 1,
                op: "Decrypt".to_owned(),
                caller: "arn:aws:iam::111122223333:role/app".to_owned(),
                payload: br#"{"CiphertextBlob":"AQID"}"#.to_vec(),
            }),
            Message::Response(Response::error(
                1,
                Status::BAD_REQUEST,
                "InvalidCiphertextException",
                "",
            )),
            Message::Ping { nonce: 5 },
            Message::Pong { nonce: 5 },
        ];
        let (client, server) = tokio::io::duplex(16);
        let mut writer = FramedWriter::new(client, &small_limits());
        let mut reader = FramedReader::new(server, &small_limits());
        let to_send = messages.clone();
        let sender = tokio::spawn(async move {
            for message in &to_send {
                writer.write_message(message).await?;
            }
            writer.shutdown().await
        });
        let mut received = Vec::new();
        while let Some(message) = reader.read_message().await.unwrap() {
            received.push(message);
        }
        sender.await.unwrap().unwrap();
        assert_eq!(received, messages);
    }

    #[tokio::test]
    async fn read_message_then_framed_reader_continue_at_the_frame_boundary() {
        // What the handshake relies on: one unbuffered read, then a buffered reader takes over.
        let mut stream = frame(&Message::Ping { nonce: 1 });
        stream.extend(frame(&Message::Ping { nonce: 2 }));
        let mut source: &[u8] = &stream;
        let first = read_message(&mut source, &small_limits()).await.unwrap();
        let mut reader = FramedReader::new(source, &small_limits());
        let second = reader.read_message().await.unwrap();
        assert_eq!(first, Some(Message::Ping { nonce: 1 }));
        assert_eq!(second, Some(Message::Ping { nonce: 2 }));
        assert_eq!(reader.read_message().await.unwrap(), None);
    }

    #[tokio::test]
    async fn multiplexed_requests_are_answered_out_of_order_by_id() {
        let (parent, enclave) = tokio::io::duplex(256);
        let limits = small_limits();

        // The "enclave": collects every request in flight, then answers them in reverse order.
        let server = tokio::spawn(async move {
            let (read_half, write_half) = tokio::io::split(enclave);
            let mut reader = FramedReader::new(read_half, &limits);
            let mut writer = FramedWriter::new(write_half, &limits);
            let mut pending = Vec::new();
            while pending.len() < 4 {
                match reader.read_message().await? {
                    Some(Message::Request(request)) => pending.push(request),
                    other => panic!("unexpected {other:?}"),
                }
            }
            for request in pending.iter().rev() {
                let body = format!(r#"{{"echo":"{}"}}"#, request.op);
                writer
                    .write_message(&Message::Response(Response::ok(
                        request.id,
                        body.into_bytes(),
                    )))
                    .await?;
            }
            Ok::<_, WireError>(())
        });

        let (read_half, write_half) = tokio::io::split(parent);
        let mut reader = FramedReader::new(read_half, &limits);
        let mut writer = FramedWriter::new(write_half, &limits);
        let ops = ["Encrypt", "Decrypt", "Sign", "Verify"];
        for (id, op) in (100u64..).zip(ops) {
            let request = Request {
                id,
                op: op.to_owned(),
                caller: "arn:aws:iam::111122223333:root".to_owned(),
                payload: b"{}".to_vec(),
            };
            writer
                .write_message(&Message::Request(request))
                .await
                .unwrap();
        }
        let mut answers = Vec::new();
        for _ in 0..4 {
            match reader.read_message().await.unwrap() {
                Some(Message::Response(response)) => answers.push(response),
                other => panic!("unexpected {other:?}"),
            }
        }
        server.await.unwrap().unwrap();

        let order: Vec<u64> = answers.iter().map(|r| r.id).collect();
        assert_eq!(order, [103, 102, 101, 100]);
        for answer in &answers {
            let op = ops[usize::try_from(answer.id - 100).unwrap()];
            assert_eq!(answer.payload, format!(r#"{{"echo":"{op}"}}"#).into_bytes());
        }
    }

    #[tokio::test]
    async fn framed_reader_is_resumable_after_a_cancelled_read() {
        // Half a frame arrives, the read is cancelled (its future dropped), the rest arrives:
        // the message is still decoded whole.
        let whole = frame(&Message::Request(Request {
            id: 1,
            op: "Encrypt".to_owned(),
            caller: "arn:aws:iam::111122223333:root".to_owned(),
            payload: vec![b'x'; 100],
        }));
        let (mut tx, rx) = tokio::io::duplex(1024);
        let mut reader = FramedReader::new(rx, &small_limits());
        let (first, second) = whole.split_at(whole.len() / 2);
        tx.write_all(first).await.unwrap();
        {
            let read = reader.read_message();
            tokio::pin!(read);
            // Poll once: it consumes the available half and then must wait for more.
            let polled = futures_poll_once(read.as_mut()).await;
            assert!(polled.is_none(), "a half frame must not complete a read");
        }
        assert_eq!(reader.decoder.buffered_len(), first.len());
        tx.write_all(second).await.unwrap();
        let message = reader.read_message().await.unwrap().unwrap();
        assert_eq!(frame(&message), whole);
    }

    /// Polls a future exactly once, returning its output if it was ready.
    async fn futures_poll_once<F: std::future::Future + Unpin>(mut future: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            Poll::Ready(match Pin::new(&mut future).poll(cx) {
                Poll::Ready(output) => Some(output),
                Poll::Pending => None,
            })
        })
        .await
    }
}
