//! [`Limits`]: what one side of a connection accepts (frame size, requests in flight), their
//! defaults and floor, and the frame header length the limits are counted without.

use crate::error::WireError;

/// Length of the frame header: a 4-byte big-endian body length.
pub const FRAME_HEADER_LEN: usize = 4;

/// Default largest frame body accepted (and sent), 1 MiB.
///
/// KMS caps plaintexts at 4 KiB and ciphertexts and policies at a few tens of KiB, so even with
/// base64 and JSON overhead a legitimate request is far below this. The limit exists so that a
/// misbehaving peer cannot make the other side allocate an arbitrary amount of memory.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 1 << 20;

/// Default largest number of requests one connection may have in flight.
///
/// An enclave has a handful of vCPUs; more concurrency than this only queues up inside it, where
/// the memory is scarcer than on the parent.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 64;

/// Smallest `max_frame_len` a peer may advertise.
///
/// Below this, not even a [`Hello`](crate::Hello) or a short error response could be relied on to fit, so a
/// connection would be unusable; [`negotiate`](crate::negotiate) refuses it up front with a clear error instead.
pub const MIN_MAX_FRAME_LEN: u32 = 4096;

/// Per-connection limits: what one side accepts, or, after [`negotiate`](crate::negotiate), what both sides honour.
///
/// The codec enforces `max_frame_len` itself (on read and on write). `max_in_flight` is a promise
/// between the peers that the codec cannot see: the parent must not have more requests outstanding
/// on a connection, and the enclave may treat more as a protocol violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Largest frame body, in bytes, excluding the 4-byte header.
    pub max_frame_len: u32,
    /// Largest number of requests awaiting their response on one connection.
    pub max_in_flight: u32,
}

impl Limits {
    /// The defaults: [`DEFAULT_MAX_FRAME_LEN`] and [`DEFAULT_MAX_IN_FLIGHT`].
    pub const DEFAULT: Limits = Limits {
        max_frame_len: DEFAULT_MAX_FRAME_LEN,
        max_in_flight: DEFAULT_MAX_IN_FLIGHT,
    };

    /// Checks that these limits allow a usable connection: `max_frame_len` at least
    /// [`MIN_MAX_FRAME_LEN`] and `max_in_flight` at least 1.
    pub fn validate(&self) -> Result<(), WireError> {
        if self.max_frame_len < MIN_MAX_FRAME_LEN {
            return Err(WireError::InvalidLimit {
                name: "max_frame_len",
                value: self.max_frame_len,
            });
        }
        if self.max_in_flight == 0 {
            return Err(WireError::InvalidLimit {
                name: "max_in_flight",
                value: self.max_in_flight,
            });
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
