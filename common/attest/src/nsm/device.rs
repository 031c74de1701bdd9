//! The real NSM: `/dev/nsm` inside a Nitro enclave (feature `nsm-device`, Linux only).
//!
//! A thin wrapper over the official driver functions of `aws-nitro-enclaves-nsm-api`
//! (`nsm_init`, `nsm_process_request`, `nsm_exit`). They are safe functions, so this module needs
//! no `unsafe` and the workspace's `forbid(unsafe_code)` stays as it is.
//!
//! Thread safety: the descriptor is shared by every caller without a lock of ours. Each request
//! is one `ioctl` carrying its own request and response buffers, and the kernel driver serialises
//! requests to the device itself, so concurrent calls are safe (the crate's own multithreaded test
//! exercises exactly that).

use std::fmt;
use std::fs::OpenOptions;

use aws_nitro_enclaves_nsm_api::driver;

use super::{Nsm, NsmError, Request, Response};

/// The NSM device node.
pub const DEVICE_PATH: &str = "/dev/nsm";

/// An open `/dev/nsm`. Closed when dropped.
pub struct NsmDevice {
    fd: i32,
}

impl NsmDevice {
    /// Opens `/dev/nsm`.
    ///
    /// Fails with [`NsmError::DeviceUnavailable`] outside a Nitro enclave or without permission.
    /// The driver's `nsm_init` only reports `-1`, so on failure the node is opened once more here
    /// to recover the operating system's reason for the error message.
    pub fn open() -> Result<Self, NsmError> {
        let fd = driver::nsm_init();
        if fd < 0 {
            let source = match OpenOptions::new().read(true).write(true).open(DEVICE_PATH) {
                Err(e) => e,
                Ok(_) => std::io::Error::other("nsm_init failed, although the node opens now"),
            };
            return Err(NsmError::DeviceUnavailable {
                path: DEVICE_PATH,
                source,
            });
        }
        Ok(Self { fd })
    }
}

impl Nsm for NsmDevice {
    fn process(&self, request: Request) -> Response {
        driver::nsm_process_request(self.fd, request)
    }
}

impl Drop for NsmDevice {
    fn drop(&mut self) {
        driver::nsm_exit(self.fd);
    }
}

impl fmt::Debug for NsmDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NsmDevice")
            .field("path", &DEVICE_PATH)
            .field("fd", &self.fd)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nsm::{MAX_PCRS, NsmExt};

    #[test]
    fn open_reports_a_typed_error_without_dev_nsm_and_works_with_it() {
        if std::path::Path::new(DEVICE_PATH).exists() {
            // Inside a Nitro enclave: the device must answer.
            let nsm = NsmDevice::open().unwrap();
            assert_eq!(nsm.describe().unwrap().max_pcrs, MAX_PCRS);
        } else {
            let err = NsmDevice::open().unwrap_err();
            match &err {
                NsmError::DeviceUnavailable { path, source } => {
                    assert_eq!(*path, DEVICE_PATH);
                    assert_eq!(source.kind(), std::io::ErrorKind::NotFound, "{err}");
                }
                other => panic!("expected DeviceUnavailable, got {other:?}"),
            }
            assert!(err.to_string().contains(DEVICE_PATH), "{err}");
        }
    }
}
