//! The opening exchange: protocol version and limits.
//!
//! Each side's first frame on a new connection is a [`Hello`], carrying the protocol version it
//! speaks and the limits it accepts. Both sides send theirs immediately, without waiting for the
//! other's (a Hello is a few bytes, far below any socket buffer, so neither write can block on the
//! peer), then read the peer's. Each then computes the same result with [`negotiate`]:
//!
//! - the versions must be equal, or the connection is refused with
//!   [`WireError::VersionMismatch`]: the enclave and its proxy are released together, so a
//!   mismatch is a deployment mistake to report clearly, not something to paper over;
//! - each limit is the smaller of the two advertised values, so neither side ever receives more
//!   than it said it accepts. Both sides send and receive under the same negotiated limits.
//!
//! [`handshake`] does all of this over a stream. A Hello anywhere but first is a protocol violation
//! for the caller to treat as such.
//!
//! The [`Hello`] message itself (its fields and their encoding) is in [`crate::message::hello`];
//! it is re-exported here, where the exchange that uses it is.

use tokio::io::{AsyncRead, AsyncWrite};

pub use crate::message::{Hello, PROTOCOL_VERSION};

use crate::error::WireError;
use crate::io::{read_message, write_message};
use crate::limits::Limits;
use crate::message::Message;

/// Checks the peer's Hello against ours and returns the limits both sides now honour: the smaller
/// of each.
///
/// Fails with [`WireError::VersionMismatch`] if the versions differ, and with
/// [`WireError::InvalidLimit`] if either side advertised a limit that leaves no usable connection
/// (see [`Limits::validate`]). The function is symmetric in its limits, so both sides arrive at the
/// same answer.
pub fn negotiate(ours: &Hello, theirs: &Hello) -> Result<Limits, WireError> {
    if ours.version != theirs.version {
        return Err(WireError::VersionMismatch {
            ours: ours.version,
            theirs: theirs.version,
        });
    }
    ours.limits().validate()?;
    theirs.limits().validate()?;
    Ok(Limits {
        max_frame_len: ours.max_frame_len.min(theirs.max_frame_len),
        max_in_flight: ours.max_in_flight.min(theirs.max_in_flight),
    })
}

/// Performs the Hello exchange on a freshly opened stream and returns the negotiated limits.
///
/// Sends `ours`, then reads exactly one frame (never more: the stream is left at the boundary of
/// the peer's next frame, ready for a [`crate::FramedReader`]), which must be the peer's Hello,
/// accepted under our own `max_frame_len`.
///
/// Errors: [`WireError::Closed`] if the peer closed the stream first, [`WireError::ExpectedHello`]
/// if its first message is something else, and the errors of [`negotiate`].
pub async fn handshake<S>(stream: &mut S, ours: &Hello) -> Result<Limits, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    ours.limits().validate()?;
    write_message(stream, &Message::Hello(*ours), &ours.limits()).await?;
    match read_message(stream, &ours.limits()).await? {
        Some(Message::Hello(theirs)) => negotiate(ours, &theirs),
        Some(other) => Err(WireError::ExpectedHello {
            got: other.kind().name(),
        }),
        None => Err(WireError::Closed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DEFAULT_MAX_FRAME_LEN, MIN_MAX_FRAME_LEN, encode};

    fn hello(version: u32, max_frame_len: u32, max_in_flight: u32) -> Hello {
        Hello {
            version,
            max_frame_len,
            max_in_flight,
        }
    }

    #[test]
    fn negotiate_rejects_a_version_mismatch() {
        let ours = hello(PROTOCOL_VERSION, DEFAULT_MAX_FRAME_LEN, 8);
        let theirs = hello(PROTOCOL_VERSION + 1, DEFAULT_MAX_FRAME_LEN, 8);
        let error = negotiate(&ours, &theirs).unwrap_err();
        assert!(matches!(
            error,
            WireError::VersionMismatch { ours: o, theirs: t }
                if o == PROTOCOL_VERSION && t == PROTOCOL_VERSION + 1
        ));
        assert_eq!(
            error.to_string(),
            "protocol version mismatch: we speak 4, the peer speaks 5"
        );
    }

    #[test]
    fn negotiate_takes_the_smaller_of_each_limit() {
        let ours = hello(PROTOCOL_VERSION, 1 << 20, 4);
        let theirs = hello(PROTOCOL_VERSION, 64 * 1024, 32);
        let expected = Limits {
            max_frame_len: 64 * 1024,
            max_in_flight: 4,
        };
        assert_eq!(negotiate(&ours, &theirs).unwrap(), expected);
        // Both sides compute the same limits.
        assert_eq!(negotiate(&theirs, &ours).unwrap(), expected);
    }

    #[test]
    fn negotiate_rejects_unusable_limits_from_either_side() {
        let good = hello(PROTOCOL_VERSION, DEFAULT_MAX_FRAME_LEN, 8);
        let tiny_frames = hello(PROTOCOL_VERSION, MIN_MAX_FRAME_LEN - 1, 8);
        let no_requests = hello(PROTOCOL_VERSION, DEFAULT_MAX_FRAME_LEN, 0);
        assert!(matches!(
            negotiate(&good, &tiny_frames),
            Err(WireError::InvalidLimit {
                name: "max_frame_len",
                ..
            })
        ));
        assert!(matches!(
            negotiate(&no_requests, &good),
            Err(WireError::InvalidLimit {
                name: "max_in_flight",
                value: 0
            })
        ));
    }

    #[test]
    fn hello_new_carries_our_version_and_limits() {
        let limits = Limits {
            max_frame_len: 8192,
            max_in_flight: 3,
        };
        let ours = Hello::new(&limits);
        assert_eq!(ours.version, PROTOCOL_VERSION);
        assert_eq!(ours.limits(), limits);
    }

    #[tokio::test]
    async fn handshake_between_two_peers_returns_the_same_negotiated_limits() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let hello_a = Hello::new(&Limits {
            max_frame_len: 1 << 20,
            max_in_flight: 2,
        });
        let hello_b = Hello::new(&Limits {
            max_frame_len: 1 << 16,
            max_in_flight: 16,
        });
        let (limits_a, limits_b) =
            tokio::join!(handshake(&mut a, &hello_a), handshake(&mut b, &hello_b));
        let expected = Limits {
            max_frame_len: 1 << 16,
            max_in_flight: 2,
        };
        assert_eq!(limits_a.unwrap(), expected);
        assert_eq!(limits_b.unwrap(), expected);
    }

    #[tokio::test]
    async fn handshake_reports_the_peers_version_mismatch() {
        let (mut a, mut b) = tokio::io::duplex(64);
        let ours = Hello::new(&Limits::default());
        let theirs = Hello {
            version: 99,
            ..ours
        };
        let (ours_result, theirs_result) =
            tokio::join!(handshake(&mut a, &ours), handshake(&mut b, &theirs));
        assert!(matches!(
            ours_result,
            Err(WireError::VersionMismatch {
                ours: PROTOCOL_VERSION,
                theirs: 99
            })
        ));
        assert!(matches!(
            theirs_result,
            Err(WireError::VersionMismatch {
                ours: 99,
                theirs: PROTOCOL_VERSION
            })
        ));
    }

    #[tokio::test]
    async fn handshake_rejects_a_first_message_that_is_not_a_hello() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        let mut ping = Vec::new();
        encode(&Message::Ping { nonce: 1 }, &mut ping).unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut b, &ping)
            .await
            .unwrap();
        let result = handshake(&mut a, &Hello::new(&Limits::default())).await;
        assert!(matches!(
            result,
            Err(WireError::ExpectedHello { got: "Ping" })
        ));
    }

    #[tokio::test]
    async fn handshake_reports_a_peer_that_closes_without_a_hello() {
        let (mut a, b) = tokio::io::duplex(1024);
        drop(b);
        // Our Hello cannot be delivered either; either way the error says the peer is gone.
        let result = handshake(&mut a, &Hello::new(&Limits::default())).await;
        assert!(
            matches!(&result, Err(WireError::Closed))
                || matches!(&result, Err(WireError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn handshake_reports_closed_after_our_hello_was_sent() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        let peer = tokio::spawn(async move {
            // Read our Hello, then hang up without answering.
            let hello = read_message(&mut b, &Limits::default()).await;
            drop(b);
            hello
        });
        let result = handshake(&mut a, &Hello::new(&Limits::default())).await;
        assert!(matches!(result, Err(WireError::Closed)), "{result:?}");
        assert!(matches!(peer.await.unwrap(), Ok(Some(Message::Hello(_)))));
    }
}
