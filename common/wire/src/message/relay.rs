//! The relay family: a KMS [`Request`] (kind 1) the parent relayed to the enclave and the
//! enclave's [`Response`] (kind 2), with its HTTP [`Status`]; and their own fields (`op`,
//! `caller`). The JSON payload is carried as opaque bytes: this module never models a KMS
//! operation.
//!
//! Both kinds are refused by the enclave since protocol version 4; no parent sends them (issue
//! 16: the parent must not name the caller, so KMS requests reach the enclave's own HTTP
//! endpoint). The codec stays so that the enclave can decode a Request to log and refuse it,
//! and so that a test can send one to pin that refusal.

use std::fmt;

use serde::ser::SerializeMap;

use super::field::{Entries, Field, FieldSpec, ID, KIND, PAYLOAD, STATUS, keys_of};
use crate::error::WireError;

/// `op` (key 2): the KMS operation name.
pub(crate) const OP: Field<String> = Field::new(2, "op");
/// `caller` (key 3): the ARN of the principal the parent authenticated.
pub(crate) const CALLER: Field<String> = Field::new(3, "caller");

/// The fields of a Request, ascending.
pub(crate) const REQUEST_FIELDS: [FieldSpec; 5] = [
    KIND.spec(),
    ID.spec(),
    OP.spec(),
    CALLER.spec(),
    PAYLOAD.spec(),
];
/// Their keys.
pub(crate) const REQUEST_KEYS: [u64; 5] = keys_of(REQUEST_FIELDS);

/// The fields of a Response, ascending.
pub(crate) const RESPONSE_FIELDS: [FieldSpec; 4] =
    [KIND.spec(), ID.spec(), PAYLOAD.spec(), STATUS.spec()];
/// Their keys.
pub(crate) const RESPONSE_KEYS: [u64; 4] = keys_of(RESPONSE_FIELDS);

/// A KMS operation relayed by the parent: refused by the enclave since protocol version 4; no
/// parent sends one.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// Chosen by the parent, unique among its requests in flight on this connection.
    pub id: u64,
    /// The KMS operation, e.g. `"Encrypt"` (the `X-Amz-Target` suffix after `TrentService.`).
    pub op: String,
    /// ARN of the principal the parent authenticated.
    pub caller: String,
    /// The operation's JSON request body, byte for byte.
    pub payload: Vec<u8>,
}

impl Request {
    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ID.encode(map, &self.id)?;
        OP.encode(map, &self.op)?;
        CALLER.encode(map, &self.caller)?;
        PAYLOAD.encode(map, &self.payload)
    }

    /// Reads the fields of a Request body, each required.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Request, WireError> {
        Ok(Request {
            id: entries.take(ID)?,
            op: entries.take(OP)?,
            caller: entries.take(CALLER)?,
            payload: entries.take(PAYLOAD)?,
        })
    }
}

impl fmt::Debug for Request {
    /// Prints the payload's length only: a request payload can hold plaintext to encrypt.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("id", &self.id)
            .field("op", &self.op)
            .field("caller", &self.caller)
            .field("payload", &Redacted(self.payload.len()))
            .finish()
    }
}

/// The enclave's answer to the [`Request`] with the same `id`: never sent since protocol
/// version 4 (the enclave refuses every Request); no parent expects one.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The id of the request answered.
    pub id: u64,
    /// The HTTP status the parent returns to its client.
    pub status: Status,
    /// On success, the operation's JSON response body; otherwise the KMS error JSON
    /// `{"__type": ..., "message": ...}`.
    pub payload: Vec<u8>,
}

impl Response {
    /// A successful (200) response carrying the operation's JSON response body.
    pub fn ok(id: u64, payload: Vec<u8>) -> Response {
        Response {
            id,
            status: Status::OK,
            payload,
        }
    }

    /// An error response in the shape AWS's JSON 1.1 protocol gives errors:
    /// `{"__type": error_type, "message": message}`, with the given HTTP status.
    ///
    /// `error_type` is the AWS error name, e.g. `"NotFoundException"`; the SDKs dispatch on it.
    pub fn error(id: u64, status: Status, error_type: &str, message: &str) -> Response {
        let body = serde_json::json!({ "__type": error_type, "message": message });
        Response {
            id,
            status,
            payload: body.to_string().into_bytes(),
        }
    }

    /// Whether the status is a success (2xx).
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Writes the fields after `kind`, in key order.
    pub(crate) fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        ID.encode(map, &self.id)?;
        PAYLOAD.encode(map, &self.payload)?;
        STATUS.encode(map, &u64::from(self.status.code()))
    }

    /// Reads the fields of a Response body, each required, the status in range.
    pub(crate) fn decode_fields(entries: &mut Entries) -> Result<Response, WireError> {
        let status = entries.take(STATUS)?;
        Ok(Response {
            id: entries.take(ID)?,
            status: Status::from_wire(status)?,
            payload: entries.take(PAYLOAD)?,
        })
    }
}

impl fmt::Debug for Response {
    /// Prints the payload's length only: a response payload can hold a plaintext data key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("payload", &Redacted(self.payload.len()))
            .finish()
    }
}

/// Debug stand-in for a payload: its length, never its bytes.
struct Redacted(usize);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} bytes]", self.0)
    }
}

/// The HTTP status code of a [`Response`], restricted to 200..=599.
///
/// Why a number and not an `Ok | ClientError | ServerError` enum: the parent must answer its
/// client with exactly the status AWS KMS would, and that is not a function of the error class
/// alone (most KMS errors are 400, `KMSInternalException` is 500, `DependencyTimeoutException` is
/// 503, and the list grows). The enclave, which knows the error, picks the code; the parent copies
/// it into the HTTP response without re-modelling errors, just as it copies the payload. HTTP codes
/// are also a vocabulary every peer implementation already knows. Codes below 200 are refused
/// because they are not final HTTP responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

impl Status {
    /// 200: the operation succeeded.
    pub const OK: Status = Status(200);
    /// 400: the request was refused (what KMS answers for nearly every modelled error).
    pub const BAD_REQUEST: Status = Status(400);
    /// 500: the enclave failed (KMS's `KMSInternalException`).
    pub const INTERNAL_SERVER_ERROR: Status = Status(500);
    /// 503: a dependency is unavailable (KMS's `DependencyTimeoutException`).
    pub const SERVICE_UNAVAILABLE: Status = Status(503);

    /// The status with this code, if it is in 200..=599.
    pub const fn new(code: u16) -> Option<Status> {
        if code >= 200 && code <= 599 {
            Some(Status(code))
        } else {
            None
        }
    }

    /// The numeric HTTP status code.
    pub const fn code(self) -> u16 {
        self.0
    }

    /// Whether this is a success (2xx): the payload is the operation's result, not an error body.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 <= 299
    }

    /// The status a decoded `status` field holds: [`WireError::OutOfRange`] outside 200..=599.
    pub(crate) fn from_wire(value: u64) -> Result<Status, WireError> {
        u16::try_from(value)
            .ok()
            .and_then(Status::new)
            .ok_or(WireError::OutOfRange {
                field: STATUS.name,
                value,
            })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::request;

    #[test]
    fn response_error_payload_is_kms_error_json() {
        let response = Response::error(
            3,
            Status::BAD_REQUEST,
            "ValidationException",
            "1 validation error: \"KeyId\" must not be null",
        );
        assert!(!response.is_success());
        let json: serde_json::Value = serde_json::from_slice(&response.payload).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "__type": "ValidationException",
                "message": "1 validation error: \"KeyId\" must not be null",
            })
        );
    }

    #[test]
    fn status_accepts_only_final_http_codes() {
        assert_eq!(Status::new(199), None);
        assert_eq!(Status::new(600), None);
        assert_eq!(Status::new(200), Some(Status::OK));
        assert_eq!(Status::new(599).map(Status::code), Some(599));
        assert!(Status::OK.is_success());
        assert!(Status::new(204).unwrap().is_success());
        assert!(!Status::new(300).unwrap().is_success());
        assert!(!Status::SERVICE_UNAVAILABLE.is_success());
    }

    #[test]
    fn debug_of_request_and_response_shows_payload_length_only() {
        let request = request();
        let printed = format!("{request:?}");
        let length = format!("payload: [{} bytes]", request.payload.len());
        assert!(printed.contains(&length), "{printed}");
        assert!(!printed.contains("Plaintext"), "{printed}");

        let response = Response::ok(1, br#"{"Plaintext":"c2VjcmV0"}"#.to_vec());
        let printed = format!("{response:?}");
        let length = format!("payload: [{} bytes]", response.payload.len());
        assert!(printed.contains(&length), "{printed}");
        assert!(!printed.contains("c2VjcmV0"), "{printed}");
    }
}
