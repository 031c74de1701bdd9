//! Which NSM a process talks to, as a command line names it: `nsm` or `simulated:DIR`.
//!
//! Every tool that attests (`nitro-kms ... --recipient`, `nitro-kms bench --recipient`, the
//! envelope-file example) takes the same option, so it is parsed here once, into a type: `nsm` is
//! the real `/dev/nsm` ([`super::device`], feature `nsm-device`, Linux only) and `simulated:DIR`
//! is the [`super::simulated::SimulatedNsm`] whose state lives in `DIR`. [`NsmSource::open`] gives
//! the `Arc<dyn Nsm>` the client's attestation is built on.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use super::simulated::{SimulatedNsm, SimulatedNsmConfig};
use super::{Nsm, NsmError};

/// The prefix of the simulated source: `simulated:DIR`.
const SIMULATED_PREFIX: &str = "simulated:";
/// The name of the device source.
const DEVICE_NAME: &str = "nsm";

/// An NSM named on a command line (`nsm` or `simulated:DIR`), not yet opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsmSource {
    /// `nsm`: the real `/dev/nsm` inside a Nitro enclave.
    Device,
    /// `simulated:DIR`: the simulated NSM whose state directory is `DIR` (created on first use).
    Simulated(PathBuf),
}

/// Why a text does not name an NSM source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NsmSourceError {
    /// The text is neither `nsm` nor `simulated:...`.
    #[error("expected `nsm` or `simulated:DIR`, got `{0}`")]
    Unknown(String),
    /// `simulated:` without a directory after the colon.
    #[error("`simulated:` needs the simulated NSM's state directory: `simulated:DIR`")]
    MissingDirectory,
    /// `simulated:DIR` where `DIR` holds no simulated world (a typo would otherwise create a new
    /// world whose documents the service refuses, far from the cause).
    #[error(
        "no simulated world at {}: run `nitro-kms-proxy --simulate --state-dir {}` first",
        .0.display(),
        .0.display()
    )]
    NoSimulatedWorld(PathBuf),
    /// `nsm` where there is no `/dev/nsm`: this is not a Nitro enclave.
    #[error(
        "not inside a Nitro enclave (no {DEVICE_PATH}); use --recipient simulated:DIR for local development"
    )]
    NotInEnclave,
}

/// The NSM device node of a Nitro enclave.
const DEVICE_PATH: &str = "/dev/nsm";

impl NsmSource {
    /// Parses `nsm` or `simulated:DIR` (exactly; anything else is [`NsmSourceError::Unknown`]).
    pub fn parse(text: &str) -> Result<Self, NsmSourceError> {
        if text == DEVICE_NAME {
            return Ok(Self::Device);
        }
        match text.strip_prefix(SIMULATED_PREFIX) {
            Some("") => Err(NsmSourceError::MissingDirectory),
            Some(dir) => Ok(Self::Simulated(PathBuf::from(dir))),
            None => Err(NsmSourceError::Unknown(text.to_owned())),
        }
    }

    /// Opens the NSM: the device, or the simulated NSM of the directory (creating its state on
    /// first use).
    ///
    /// Without the `nsm-device` feature (or off Linux) the device is
    /// [`NsmError::DeviceUnavailable`] with an `Unsupported` reason: this build cannot talk to it.
    pub fn open(&self) -> Result<Arc<dyn Nsm>, NsmError> {
        match self {
            Self::Simulated(dir) => Ok(Arc::new(SimulatedNsm::open(SimulatedNsmConfig::new(dir))?)),
            Self::Device => open_device(),
        }
    }
}

#[cfg(all(feature = "nsm-device", target_os = "linux"))]
fn open_device() -> Result<Arc<dyn Nsm>, NsmError> {
    Ok(Arc::new(super::device::NsmDevice::open()?))
}

#[cfg(not(all(feature = "nsm-device", target_os = "linux")))]
fn open_device() -> Result<Arc<dyn Nsm>, NsmError> {
    Err(NsmError::DeviceUnavailable {
        path: "/dev/nsm",
        source: std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "this build has no NSM device support (feature nsm-device, Linux only)",
        ),
    })
}

impl NsmSource {
    /// Checks, before any request is made, that the source can be opened as a client's: a
    /// simulated world must already exist (its `root.pem` is there), and `nsm` needs `/dev/nsm`.
    /// Command-line clients call this so a typo is refused at once with a clear one-line reason;
    /// [`NsmSource::open`] alone still creates a simulated world on first use.
    pub fn check_present(&self) -> Result<(), NsmSourceError> {
        match self {
            Self::Simulated(dir) => {
                if dir.join(super::simulated::ROOT_PEM_FILE).is_file() {
                    Ok(())
                } else {
                    Err(NsmSourceError::NoSimulatedWorld(dir.clone()))
                }
            }
            Self::Device => {
                if std::path::Path::new(DEVICE_PATH).exists() {
                    Ok(())
                } else {
                    Err(NsmSourceError::NotInEnclave)
                }
            }
        }
    }
}

impl FromStr for NsmSource {
    type Err = NsmSourceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for NsmSource {
    /// The command-line form: `nsm` or `simulated:DIR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Device => f.write_str(DEVICE_NAME),
            Self::Simulated(dir) => write!(f, "{SIMULATED_PREFIX}{}", dir.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nsm::NsmExt;

    #[test]
    fn nsm_names_the_device_and_simulated_dir_the_simulator() {
        assert_eq!(NsmSource::parse("nsm"), Ok(NsmSource::Device));
        assert_eq!(
            "simulated:/tmp/world".parse::<NsmSource>(),
            Ok(NsmSource::Simulated(PathBuf::from("/tmp/world")))
        );
        // Everything after the first colon is the directory, colons included.
        assert_eq!(
            NsmSource::parse("simulated:a:b"),
            Ok(NsmSource::Simulated(PathBuf::from("a:b")))
        );
    }

    #[test]
    fn anything_else_is_a_typed_error_naming_the_text() {
        for text in [
            "",
            "NSM",
            "nsm ",
            "/dev/nsm",
            "simulated",
            "Simulated:/x",
            "{}",
        ] {
            assert_eq!(
                NsmSource::parse(text),
                Err(NsmSourceError::Unknown(text.to_owned())),
                "{text:?}"
            );
        }
        let message = NsmSource::parse("device").unwrap_err().to_string();
        assert!(message.contains("`device`"), "{message}");
        assert!(message.contains("simulated:DIR"), "{message}");
    }

    #[test]
    fn a_directory_without_a_simulated_world_is_refused_with_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-world");
        let err = NsmSource::Simulated(missing.clone())
            .check_present()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "no simulated world at {0}: run `nitro-kms-proxy --simulate --state-dir {0}` first",
                missing.display()
            )
        );
        assert!(!missing.exists(), "checking must not create the world");
        SimulatedNsm::open(SimulatedNsmConfig::new(&missing)).unwrap();
        assert_eq!(NsmSource::Simulated(missing).check_present(), Ok(()));
    }

    #[test]
    fn nsm_outside_an_enclave_says_so_in_one_line() {
        if std::path::Path::new(DEVICE_PATH).exists() {
            return; // inside an enclave: nothing to refuse
        }
        assert_eq!(
            NsmSource::Device.check_present().unwrap_err().to_string(),
            "not inside a Nitro enclave (no /dev/nsm); use --recipient simulated:DIR for local development"
        );
    }

    #[test]
    fn simulated_without_a_directory_is_refused() {
        assert_eq!(
            NsmSource::parse("simulated:"),
            Err(NsmSourceError::MissingDirectory)
        );
    }

    #[test]
    fn display_is_the_command_line_form() {
        for text in ["nsm", "simulated:/tmp/world"] {
            assert_eq!(NsmSource::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn the_simulated_source_opens_a_working_nsm() {
        let dir = tempfile::tempdir().unwrap();
        let nsm = NsmSource::Simulated(dir.path().join("world"))
            .open()
            .unwrap();
        assert_eq!(nsm.get_random(32).unwrap().len(), 32);
    }

    #[test]
    fn the_device_source_without_dev_nsm_is_unavailable() {
        if std::path::Path::new("/dev/nsm").exists() {
            return; // Inside a Nitro enclave: device.rs's own test covers opening it.
        }
        match NsmSource::Device.open() {
            Err(NsmError::DeviceUnavailable { path, .. }) => assert_eq!(path, "/dev/nsm"),
            Err(other) => panic!("expected DeviceUnavailable, got {other:?}"),
            Ok(_) => panic!("opened /dev/nsm where there is none"),
        }
    }
}
