//! The Nitro Security Module (NSM): attestation documents, PCRs and entropy.
//!
//! Inside a Nitro enclave the NSM is the device `/dev/nsm`. It signs attestation documents,
//! holds 32 SHA-384 Platform Configuration Registers (PCRs) and hands out entropy. nitro-kms talks
//! to it through the request/response types of the official `aws-nitro-enclaves-nsm-api` crate
//! ([`Request`], [`Response`]), re-exported here so callers need only this module.
//!
//! - [`Nsm`] is the one-method trait everything is written against; [`NsmExt`] adds typed helpers
//!   (`attest`, `get_random`, `describe`, `describe_pcr`, `extend_pcr`, `lock_pcr`, `lock_pcrs`)
//!   that turn `Response::Error(code)` and mismatched responses into [`NsmError`].
//! - `device::NsmDevice` is the real driver (feature `nsm-device`, Linux only).
//! - [`simulated::SimulatedNsm`] behaves like the device without Nitro hardware: a persistent
//!   P-384 certificate chain in a state directory, the same PCR rules and the same error codes.
//!
//! # Device behaviour both implementations share
//!
//! | request                      | outcome                                                        |
//! |------------------------------|----------------------------------------------------------------|
//! | any, CBOR-encoded > 4096 B   | `InputTooLarge` (the driver's `NSM_REQUEST_MAX_SIZE`)          |
//! | `DescribePCR`/`ExtendPCR`/`LockPCR`, index >= 32 | `InvalidIndex`                             |
//! | `ExtendPCR`/`LockPCR` on a locked PCR | `ReadOnlyIndex`                                       |
//! | `LockPCRs { range }`, range > 32 | `InvalidIndex`; otherwise locks `[0, range)`               |
//! | `Attestation`, any field > 1024 B | `InputTooLarge`                                           |
//! | `GetRandom`                  | 256 random bytes                                               |
//!
//! A locked PCR answers `ReadOnlyIndex`, not `InvalidOperation`: the crate documents
//! `ReadOnlyIndex` as "the PCR is in read-only mode and the operation attempted to modify it", and
//! QEMU's `virtio-nsm` device model (written against the real device) answers exactly that for
//! both extending and locking a locked PCR. `InvalidOperation` is what the device answers to a
//! request it does not understand.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

pub use aws_nitro_enclaves_nsm_api::api::{Digest, ErrorCode, Request, Response};
use serde_bytes::ByteBuf;

use nitro_kms_crypto::secret::SecretBytes;

#[cfg(all(feature = "nsm-device", target_os = "linux"))]
pub mod device;
pub mod simulated;
pub mod source;

/// Number of PCRs the NSM exposes (`max_pcrs` in `DescribeNSM`).
pub const MAX_PCRS: u16 = 32;
/// PCRs `0..BOOT_LOCKED_PCRS` are measured and locked before the enclave's code runs; the
/// enclave may extend and lock only `BOOT_LOCKED_PCRS..MAX_PCRS`.
pub const BOOT_LOCKED_PCRS: u16 = 16;
/// Length of a PCR value (SHA-384).
pub const PCR_LEN: usize = nitro_kms_crypto::SHA384_LEN;
/// Largest `user_data`, `nonce` or `public_key` an `Attestation` request may carry.
pub const MAX_ATTESTATION_FIELD_LEN: usize = 1024;
/// Largest CBOR-encoded request the driver passes to the device (`NSM_REQUEST_MAX_SIZE`).
pub const MAX_REQUEST_LEN: usize = 0x1000;
/// Number of bytes one `GetRandom` answer carries.
pub const RANDOM_LEN: usize = 256;

/// The NSM as nitro-kms sees it: one request in, one response out.
///
/// Why a trait: the enclave has to run on real Nitro hardware (`device::NsmDevice`) and on
/// laptops and CI where there is no `/dev/nsm` ([`simulated::SimulatedNsm`]). Everything above
/// the NSM (attestation, key release, PCR bookkeeping) is written once against this trait and is
/// generic over — or holds an `Arc<dyn Nsm>` of — whichever one the process started with. The
/// method mirrors `driver::nsm_process_request` exactly, so the simulator is tested against the
/// same request/response contract as the device and cannot grow a friendlier API by accident.
///
/// `Send + Sync` because the NSM is shared by every task of the enclave; implementations take
/// `&self` and synchronise internally.
pub trait Nsm: Send + Sync {
    /// Sends one request and returns the device's response. Never panics: failures come back as
    /// [`Response::Error`].
    fn process(&self, request: Request) -> Response;
}

impl<T: Nsm + ?Sized> Nsm for &T {
    fn process(&self, request: Request) -> Response {
        (**self).process(request)
    }
}

impl<T: Nsm + ?Sized> Nsm for Box<T> {
    fn process(&self, request: Request) -> Response {
        (**self).process(request)
    }
}

impl<T: Nsm + ?Sized> Nsm for Arc<T> {
    fn process(&self, request: Request) -> Response {
        (**self).process(request)
    }
}

/// The NSM's error codes, as a `Copy + Eq` type.
///
/// The crate's [`ErrorCode`] derives neither `Clone` nor `PartialEq`, which makes it awkward to
/// match on, store or compare; this mirrors it one-to-one (minus `Success`, which is no error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NsmErrorCode {
    /// Input argument(s) invalid.
    InvalidArgument,
    /// PCR index out of bounds.
    InvalidIndex,
    /// The response does not correspond to the request.
    InvalidResponse,
    /// The PCR is locked and the operation attempted to modify it.
    ReadOnlyIndex,
    /// The request cannot be fulfilled (unknown or unsupported request).
    InvalidOperation,
    /// The output buffer is too small.
    BufferTooSmall,
    /// The input is too large.
    InputTooLarge,
    /// The NSM failed internally.
    InternalError,
}

impl NsmErrorCode {
    /// Converts a device code; `None` for `Success`, which is not an error.
    pub fn from_device(code: &ErrorCode) -> Option<Self> {
        Some(match code {
            ErrorCode::Success => return None,
            ErrorCode::InvalidArgument => Self::InvalidArgument,
            ErrorCode::InvalidIndex => Self::InvalidIndex,
            ErrorCode::InvalidResponse => Self::InvalidResponse,
            ErrorCode::ReadOnlyIndex => Self::ReadOnlyIndex,
            ErrorCode::InvalidOperation => Self::InvalidOperation,
            ErrorCode::BufferTooSmall => Self::BufferTooSmall,
            ErrorCode::InputTooLarge => Self::InputTooLarge,
            ErrorCode::InternalError => Self::InternalError,
        })
    }

    /// The crate's code, to put into a [`Response::Error`].
    pub fn to_device(self) -> ErrorCode {
        match self {
            Self::InvalidArgument => ErrorCode::InvalidArgument,
            Self::InvalidIndex => ErrorCode::InvalidIndex,
            Self::InvalidResponse => ErrorCode::InvalidResponse,
            Self::ReadOnlyIndex => ErrorCode::ReadOnlyIndex,
            Self::InvalidOperation => ErrorCode::InvalidOperation,
            Self::BufferTooSmall => ErrorCode::BufferTooSmall,
            Self::InputTooLarge => ErrorCode::InputTooLarge,
            Self::InternalError => ErrorCode::InternalError,
        }
    }
}

impl fmt::Display for NsmErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The device's own names, so logs match the NSM documentation.
        fmt::Debug::fmt(self, f)
    }
}

/// Everything that can go wrong talking to an NSM, real or simulated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NsmError {
    /// The NSM refused the request with this code.
    #[error("the NSM refused the request: {0}")]
    Refused(NsmErrorCode),
    /// The NSM answered with a response of the wrong kind (or `Error(Success)`).
    #[error("the NSM answered a {request} request with an unexpected {response} response")]
    UnexpectedResponse {
        /// The request that was sent.
        request: &'static str,
        /// The kind of response that came back.
        response: &'static str,
    },
    /// The response had the right kind but unusable content (e.g. an empty `GetRandom`).
    #[error("the NSM answered a {request} request with a malformed response: {reason}")]
    MalformedResponse {
        /// The request that was sent.
        request: &'static str,
        /// What was wrong with the answer.
        reason: &'static str,
    },
    /// The NSM device node could not be opened (not inside a Nitro enclave, or no permission).
    #[error("cannot open the NSM device {path}: {source}")]
    DeviceUnavailable {
        /// The device node.
        path: &'static str,
        /// Why opening it failed.
        #[source]
        source: std::io::Error,
    },
    /// Reading or writing the simulated NSM's state directory failed.
    #[error("simulated NSM state: {path}: {source}")]
    Io {
        /// The file or directory concerned.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The simulated NSM's state directory exists but cannot be trusted as it is.
    #[error(
        "simulated NSM state directory is corrupted: {path}: {reason} (refusing to use it; \
         deleting the directory creates a new root that verifiers must then be given)"
    )]
    CorruptState {
        /// The file that failed validation.
        path: std::path::PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The simulated root certificate has expired; the simulator never re-keys its root silently.
    #[error(
        "the simulated NSM root certificate {path} has expired; delete the state directory to \
         create a new root"
    )]
    RootExpired {
        /// The root certificate file.
        path: std::path::PathBuf,
    },
    /// The simulated NSM's configuration is inconsistent.
    #[error("invalid simulated NSM configuration: {0}")]
    InvalidConfig(String),
    /// A cryptographic primitive failed (key generation, key parsing, signing).
    #[error("simulated NSM crypto failure: {0}")]
    Crypto(#[from] nitro_kms_crypto::CryptoError),
    /// A simulated certificate could not be minted.
    #[error("cannot mint a simulated NSM certificate: {0}")]
    Certificate(#[from] crate::attestation::cert_builder::CertBuildError),
}

impl NsmError {
    /// The device error code, if the NSM refused the request.
    pub fn code(&self) -> Option<NsmErrorCode> {
        match self {
            Self::Refused(code) => Some(*code),
            _ => None,
        }
    }
}

/// `DescribeNSM`'s answer.
#[derive(Debug, Clone, PartialEq)]
pub struct NsmDescription {
    /// Major API version; breaking changes.
    pub version_major: u16,
    /// Minor API version; backwards compatible.
    pub version_minor: u16,
    /// Patch version.
    pub version_patch: u16,
    /// The enclave's module id, e.g. `i-0123456789abcdef0-enc0123456789abcdef`.
    pub module_id: String,
    /// Number of PCRs (32 on Nitro).
    pub max_pcrs: u16,
    /// Indexes of the PCRs that are locked (read-only).
    pub locked_pcrs: BTreeSet<u16>,
    /// Digest of the PCR bank (SHA-384 on Nitro).
    pub digest: Digest,
}

/// `DescribePCR`'s answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcrState {
    /// Whether the PCR is locked (read-only).
    pub locked: bool,
    /// The PCR's current value (48 bytes for SHA-384).
    pub value: Vec<u8>,
}

/// Typed helpers over [`Nsm::process`], for every implementation (including `dyn Nsm`).
///
/// Each sends one request (or, for [`get_random`](Self::get_random), as many as it takes) and maps
/// `Response::Error(code)` to [`NsmError::Refused`] and a response of the wrong kind to
/// [`NsmError::UnexpectedResponse`], so callers never match on raw responses.
pub trait NsmExt: Nsm {
    /// Asks for a signed attestation document (an untagged `COSE_Sign1`) binding the optional
    /// `public_key` (DER SPKI for KMS recipients), `user_data` and `nonce`, each at most
    /// [`MAX_ATTESTATION_FIELD_LEN`] bytes.
    fn attest(
        &self,
        public_key: Option<&[u8]>,
        user_data: Option<&[u8]>,
        nonce: Option<&[u8]>,
    ) -> Result<Vec<u8>, NsmError> {
        let request = Request::Attestation {
            user_data: user_data.map(ByteBuf::from),
            nonce: nonce.map(ByteBuf::from),
            public_key: public_key.map(ByteBuf::from),
        };
        match expect(self.process(request), "Attestation")? {
            Response::Attestation { document } => Ok(document),
            other => Err(unexpected("Attestation", &other)),
        }
    }

    /// `len` bytes of NSM entropy, from as many `GetRandom` requests as needed (the device gives
    /// [`RANDOM_LEN`] bytes per request). Returned as [`SecretBytes`] because NSM entropy usually
    /// ends up as key material; the intermediate answers are zeroized too.
    fn get_random(&self, len: usize) -> Result<SecretBytes, NsmError> {
        let mut out = SecretBytes::new(Vec::with_capacity(len));
        while out.len() < len {
            let random = match expect(self.process(Request::GetRandom), "GetRandom")? {
                Response::GetRandom { random } => SecretBytes::new(random),
                other => return Err(unexpected("GetRandom", &other)),
            };
            if random.is_empty() {
                // Guarantees progress: an empty answer would otherwise loop forever.
                return Err(NsmError::MalformedResponse {
                    request: "GetRandom",
                    reason: "no random bytes",
                });
            }
            let take = random.len().min(len - out.len());
            out.expose_mut()
                .extend_from_slice(random.expose().get(..take).unwrap_or_default());
        }
        Ok(out)
    }

    /// The NSM's version, module id, PCR count, locked PCRs and digest.
    fn describe(&self) -> Result<NsmDescription, NsmError> {
        match expect(self.process(Request::DescribeNSM), "DescribeNSM")? {
            Response::DescribeNSM {
                version_major,
                version_minor,
                version_patch,
                module_id,
                max_pcrs,
                locked_pcrs,
                digest,
            } => Ok(NsmDescription {
                version_major,
                version_minor,
                version_patch,
                module_id,
                max_pcrs,
                locked_pcrs,
                digest,
            }),
            other => Err(unexpected("DescribeNSM", &other)),
        }
    }

    /// The lock state and value of PCR `index`.
    fn describe_pcr(&self, index: u16) -> Result<PcrState, NsmError> {
        match expect(self.process(Request::DescribePCR { index }), "DescribePCR")? {
            Response::DescribePCR { lock, data } => Ok(PcrState {
                locked: lock,
                value: data,
            }),
            other => Err(unexpected("DescribePCR", &other)),
        }
    }

    /// Extends PCR `index` with `data` (`PCR = SHA-384(PCR || data)`); returns the new value.
    fn extend_pcr(&self, index: u16, data: &[u8]) -> Result<Vec<u8>, NsmError> {
        let request = Request::ExtendPCR {
            index,
            data: data.to_vec(),
        };
        match expect(self.process(request), "ExtendPCR")? {
            Response::ExtendPCR { data } => Ok(data),
            other => Err(unexpected("ExtendPCR", &other)),
        }
    }

    /// Locks PCR `index` against further extension.
    fn lock_pcr(&self, index: u16) -> Result<(), NsmError> {
        match expect(self.process(Request::LockPCR { index }), "LockPCR")? {
            Response::LockPCR => Ok(()),
            other => Err(unexpected("LockPCR", &other)),
        }
    }

    /// Locks PCRs `[0, range)`.
    fn lock_pcrs(&self, range: u16) -> Result<(), NsmError> {
        match expect(self.process(Request::LockPCRs { range }), "LockPCRs")? {
            Response::LockPCRs => Ok(()),
            other => Err(unexpected("LockPCRs", &other)),
        }
    }
}

impl<T: Nsm + ?Sized> NsmExt for T {}

/// Turns `Response::Error` into an `Err`, passing every other response through.
fn expect(response: Response, request: &'static str) -> Result<Response, NsmError> {
    match response {
        Response::Error(code) => Err(match NsmErrorCode::from_device(&code) {
            Some(code) => NsmError::Refused(code),
            None => NsmError::UnexpectedResponse {
                request,
                response: "Error(Success)",
            },
        }),
        other => Ok(other),
    }
}

fn unexpected(request: &'static str, response: &Response) -> NsmError {
    NsmError::UnexpectedResponse {
        request,
        response: response_kind(response),
    }
}

/// The variant name of a response, for error messages (never its content).
fn response_kind(response: &Response) -> &'static str {
    match response {
        Response::DescribePCR { .. } => "DescribePCR",
        Response::ExtendPCR { .. } => "ExtendPCR",
        Response::LockPCR => "LockPCR",
        Response::LockPCRs => "LockPCRs",
        Response::DescribeNSM { .. } => "DescribeNSM",
        Response::Attestation { .. } => "Attestation",
        Response::GetRandom { .. } => "GetRandom",
        Response::Error(_) => "Error",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// An NSM that plays back canned responses and records the requests it saw.
    struct Scripted {
        responses: Mutex<Vec<Response>>,
        seen: Mutex<Vec<String>>,
    }

    impl Scripted {
        fn new(mut responses: Vec<Response>) -> Self {
            responses.reverse();
            Self {
                responses: Mutex::new(responses),
                seen: Mutex::new(Vec::new()),
            }
        }
    }

    impl Nsm for Scripted {
        fn process(&self, request: Request) -> Response {
            self.seen.lock().unwrap().push(format!("{request:?}"));
            self.responses
                .lock()
                .unwrap()
                .pop()
                .unwrap_or(Response::Error(ErrorCode::InternalError))
        }
    }

    #[test]
    fn error_response_maps_to_refused_with_the_same_code() {
        let all = [
            (ErrorCode::InvalidArgument, NsmErrorCode::InvalidArgument),
            (ErrorCode::InvalidIndex, NsmErrorCode::InvalidIndex),
            (ErrorCode::InvalidResponse, NsmErrorCode::InvalidResponse),
            (ErrorCode::ReadOnlyIndex, NsmErrorCode::ReadOnlyIndex),
            (ErrorCode::InvalidOperation, NsmErrorCode::InvalidOperation),
            (ErrorCode::BufferTooSmall, NsmErrorCode::BufferTooSmall),
            (ErrorCode::InputTooLarge, NsmErrorCode::InputTooLarge),
            (ErrorCode::InternalError, NsmErrorCode::InternalError),
        ];
        for (device, typed) in all {
            let nsm = Scripted::new(vec![Response::Error(device)]);
            let err = nsm.lock_pcr(16).unwrap_err();
            assert_eq!(err.code(), Some(typed), "{err}");
            // And back: the simulator answers with the device's code.
            assert_eq!(
                NsmErrorCode::from_device(&typed.to_device()),
                Some(typed),
                "round trip of {typed}"
            );
        }
    }

    #[test]
    fn error_success_is_an_unexpected_response_not_a_refusal() {
        let nsm = Scripted::new(vec![Response::Error(ErrorCode::Success)]);
        let err = nsm.describe().unwrap_err();
        assert!(
            matches!(
                err,
                NsmError::UnexpectedResponse {
                    request: "DescribeNSM",
                    response: "Error(Success)"
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn wrong_response_kind_maps_to_unexpected_response() {
        let nsm = Scripted::new(vec![Response::LockPCRs]);
        let err = nsm.extend_pcr(16, b"x").unwrap_err();
        assert!(
            matches!(
                err,
                NsmError::UnexpectedResponse {
                    request: "ExtendPCR",
                    response: "LockPCRs"
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn get_random_concatenates_answers_until_the_requested_length() {
        let nsm = Scripted::new(vec![
            Response::GetRandom {
                random: vec![1; 256],
            },
            Response::GetRandom {
                random: vec![2; 256],
            },
        ]);
        let out = nsm.get_random(300).unwrap();
        assert_eq!(out.len(), 300);
        assert!(out.expose()[..256].iter().all(|&b| b == 1));
        assert!(out.expose()[256..].iter().all(|&b| b == 2));
        assert_eq!(nsm.seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn get_random_of_zero_bytes_sends_no_request() {
        let nsm = Scripted::new(vec![]);
        assert!(nsm.get_random(0).unwrap().is_empty());
        assert!(nsm.seen.lock().unwrap().is_empty());
    }

    #[test]
    fn get_random_rejects_an_empty_answer_instead_of_looping() {
        let nsm = Scripted::new(vec![Response::GetRandom { random: vec![] }]);
        let err = nsm.get_random(10).unwrap_err();
        assert!(
            matches!(
                err,
                NsmError::MalformedResponse {
                    request: "GetRandom",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn attest_sends_all_three_fields_and_returns_the_document() {
        let nsm = Scripted::new(vec![Response::Attestation {
            document: vec![0x84, 1, 2],
        }]);
        let doc = nsm.attest(Some(b"pk"), Some(b"ud"), None).unwrap();
        assert_eq!(doc, [0x84, 1, 2]);
        let seen = nsm.seen.lock().unwrap();
        assert!(seen[0].starts_with("Attestation"), "{}", seen[0]);
        assert!(seen[0].contains("nonce: None"), "{}", seen[0]);
    }

    #[test]
    fn helpers_work_through_dyn_and_arc() {
        let nsm: Arc<dyn Nsm> = Arc::new(Scripted::new(vec![Response::DescribePCR {
            lock: true,
            data: vec![7; 48],
        }]));
        let pcr = nsm.describe_pcr(3).unwrap();
        assert_eq!(
            pcr,
            PcrState {
                locked: true,
                value: vec![7; 48]
            }
        );
    }
}
