//! A simulated NSM, for running nitro-kms without Nitro hardware (laptops, CI, integration tests).
//!
//! [`SimulatedNsm`] answers the same [`Request`]s with the same [`Response`]s and error codes as
//! `/dev/nsm` (see the table in [`crate::nsm`]), and signs real attestation documents: untagged
//! ES384 `COSE_Sign1` over the payload the device writes, with a certificate chain of the same
//! depth as Nitro's. The difference a verifier sees is the root: the simulator's root lives in its
//! state directory (see [below](#state-directory)) and must be pinned explicitly —
//! `nitro-kms attestation simulated-root --state-dir DIR` prints it — so a simulated document can
//! never pass for a Nitro one.
//!
//! # State directory
//!
//! Created on first use, reused afterwards: same root, same module id across restarts; the leaf
//! (one day) and the intermediates are renewed automatically near expiry. Keys are PKCS#8 DER files
//! with mode 0600. Files are written atomically and creation is serialised by a lock file, so two
//! processes opening a fresh directory end up with one root. A directory that was fully
//! initialised but has since lost or damaged a file is refused ([`NsmError::CorruptState`]) rather
//! than silently re-keyed. The exact layout is documented in `state.rs`:
//!
//! ```text
//! .lock  state.json  root.pem
//! root.key root.der  regional.key regional.der  zonal.key zonal.der
//! instance.key instance.der  leaf.key leaf.der
//! ```
//!
//! # PCRs
//!
//! As after a Nitro boot, PCRs 0..=15 are set and locked, PCRs 16..=31 are zero and unlocked.
//! PCR0 is the SHA-384 of the file [`SimulatedNsmConfig::image`] (point it at the enclave binary and
//! a changed binary changes PCR0, as a changed EIF would). Without an image — and for every other
//! boot PCR not set in [`SimulatedNsmConfig::pcrs`] — the value is 48 zero bytes, which is what a
//! Nitro enclave started in debug mode reports: a KMS key policy that pins PCR0 refuses such a
//! document, the safe way to fail.
//!
//! # Attestation documents
//!
//! The `pcrs` map holds every PCR that is **locked** when the document is made, as the NSM
//! specification says ("map of all locked PCRs at the moment the attestation document was
//! generated") and as QEMU's `virtio-nsm` model does: 0..=15 after boot (the 16 entries real
//! documents carry), plus any of 16..=31 the enclave has locked. An extended but unlocked PCR16 is
//! therefore not in the document; once locked it is, with its final value.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_bytes::ByteBuf;

use super::{
    BOOT_LOCKED_PCRS, Digest, MAX_ATTESTATION_FIELD_LEN, MAX_PCRS, MAX_REQUEST_LEN, Nsm, NsmError,
    NsmErrorCode, PCR_LEN, RANDOM_LEN, Request, Response,
};
use crate::attestation::build::build_document;
use crate::attestation::payload::Payload;
use nitro_kms_crypto as crypto;

mod pcrs;
mod state;
/// The file every simulated world holds (its root CA as PEM), so a directory can be told to be one.
pub(crate) use state::ROOT_PEM_FILE;
#[cfg(test)]
mod tests;

use pcrs::PcrBank;

/// The API version the simulator reports in `DescribeNSM` (the version QEMU's NSM model reports).
pub const SIMULATED_VERSION: (u16, u16, u16) = (1, 0, 0);

/// A source of the current time in milliseconds since the Unix epoch.
///
/// Injectable so tests can move time forward (leaf renewal, document timestamps) without sleeping.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// How to start a [`SimulatedNsm`].
#[derive(Clone)]
pub struct SimulatedNsmConfig {
    /// Where the certificate chain, keys and module id live (created on first use).
    pub state_dir: PathBuf,
    /// Overrides the module id; by default one is generated on first use, in the real
    /// `i-<17 hex>-enc<16 hex>` form, and stored in the state directory.
    pub module_id: Option<String>,
    /// Boot-time values of PCRs 0..=15 (others stay zero). Indexes >= 16 are rejected: those are
    /// the enclave's to extend at run time.
    pub pcrs: BTreeMap<u16, [u8; PCR_LEN]>,
    /// The enclave image (binary); PCR0 is the SHA-384 of its bytes. The whole file is read once,
    /// at [`SimulatedNsm::open`].
    pub image: Option<PathBuf>,
    /// The clock; the system clock when `None`.
    pub clock: Option<Clock>,
}

impl SimulatedNsmConfig {
    /// A configuration with defaults: generated module id, no image, zero PCRs, system clock.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        Self {
            state_dir: state_dir.into(),
            module_id: None,
            pcrs: BTreeMap::new(),
            image: None,
            clock: None,
        }
    }

    /// Sets the enclave image whose SHA-384 becomes PCR0.
    pub fn with_image(mut self, image: impl Into<PathBuf>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Overrides the module id.
    pub fn with_module_id(mut self, module_id: impl Into<String>) -> Self {
        self.module_id = Some(module_id.into());
        self
    }

    /// Sets the boot value of PCR `index` (0..=15).
    pub fn with_pcr(mut self, index: u16, value: [u8; PCR_LEN]) -> Self {
        self.pcrs.insert(index, value);
        self
    }

    /// Sets the clock (milliseconds since the Unix epoch).
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }
}

impl fmt::Debug for SimulatedNsmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pcrs: BTreeMap<_, _> = self.pcrs.iter().map(|(i, v)| (i, hex::encode(v))).collect();
        f.debug_struct("SimulatedNsmConfig")
            .field("state_dir", &self.state_dir)
            .field("module_id", &self.module_id)
            .field("pcrs", &pcrs)
            .field("image", &self.image)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

/// The simulated Nitro Security Module. Cheap to share (`Arc<SimulatedNsm>` or `Arc<dyn Nsm>`);
/// every method takes `&self`, and the PCR bank and certificate chain sit behind their own mutexes
/// so `GetRandom` and `DescribePCR` never wait for a document to be signed.
pub struct SimulatedNsm {
    state_dir: PathBuf,
    module_id: String,
    clock: Clock,
    root_der: Vec<u8>,
    root_pem: String,
    pcrs: Mutex<PcrBank>,
    chain: Mutex<state::Chain>,
}

impl fmt::Debug for SimulatedNsm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the keys: only where the state is and what identifies the module.
        f.debug_struct("SimulatedNsm")
            .field("state_dir", &self.state_dir)
            .field("module_id", &self.module_id)
            .field("root_sha256", &hex::encode(crypto::sha256(&self.root_der)))
            .finish_non_exhaustive()
    }
}

impl SimulatedNsm {
    /// Opens the simulator: loads (or, on first use, creates) the state directory, renews
    /// certificates near expiry, measures the image into PCR0 and "boots" the PCR bank.
    pub fn open(config: SimulatedNsmConfig) -> Result<Self, NsmError> {
        let SimulatedNsmConfig {
            state_dir,
            module_id,
            pcrs,
            image,
            clock,
        } = config;
        if let Some(index) = pcrs.keys().find(|&&i| i >= BOOT_LOCKED_PCRS) {
            return Err(NsmError::InvalidConfig(format!(
                "PCR{index} cannot be set at boot: only PCRs 0..={} are, 16..=31 are extended at \
                 run time",
                BOOT_LOCKED_PCRS - 1
            )));
        }
        if image.is_some() && pcrs.contains_key(&0) {
            return Err(NsmError::InvalidConfig(
                "PCR0 is given both as an image and as a value; choose one".into(),
            ));
        }
        if module_id.as_deref().is_some_and(str::is_empty) {
            return Err(NsmError::InvalidConfig(
                "module_id must not be empty".into(),
            ));
        }
        let clock = clock.unwrap_or_else(|| Arc::new(system_clock_ms));

        let mut boot = [[0u8; PCR_LEN]; BOOT_LOCKED_PCRS as usize];
        if let Some(image) = &image {
            let bytes = std::fs::read(image).map_err(|source| NsmError::Io {
                path: image.clone(),
                source,
            })?;
            if let Some(pcr0) = boot.first_mut() {
                *pcr0 = crypto::sha384(&bytes);
            }
        }
        for (index, value) in &pcrs {
            if let Some(slot) = boot.get_mut(usize::from(*index)) {
                *slot = *value;
            }
        }

        let (chain, stored_module_id) = state::open(&state_dir, clock() / 1000)?;
        let root_der = chain.root_der().to_vec();
        let root_pem = state::root_pem(&root_der)?;
        Ok(Self {
            state_dir,
            module_id: module_id.unwrap_or(stored_module_id),
            clock,
            root_der,
            root_pem,
            pcrs: Mutex::new(PcrBank::boot(&boot)),
            chain: Mutex::new(chain),
        })
    }

    /// DER of the simulated root certificate: the trust anchor a verifier must pin to accept this
    /// simulator's documents. The same bytes across restarts on the same state directory.
    pub fn root_certificate_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The simulated root certificate as PEM (what `nitro-kms attestation simulated-root` prints;
    /// also in the state directory as `root.pem`).
    pub fn root_certificate_pem(&self) -> &str {
        &self.root_pem
    }

    /// The module id this simulator reports.
    pub fn module_id(&self) -> &str {
        &self.module_id
    }

    /// The state directory.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    fn pcr_bank(&self) -> MutexGuard<'_, PcrBank> {
        // No code path panics while holding the lock, and every update is a single assignment,
        // so a poisoned bank is still consistent.
        self.pcrs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn handle(&self, request: Request) -> Result<Response, NsmErrorCode> {
        // The driver refuses oversized requests before the device sees them; so do we.
        let mut encoded = Vec::new();
        ciborium::into_writer(&request, &mut encoded).map_err(|_| NsmErrorCode::InternalError)?;
        if encoded.len() > MAX_REQUEST_LEN {
            return Err(NsmErrorCode::InputTooLarge);
        }
        match request {
            Request::DescribePCR { index } => {
                let (lock, value) = self.pcr_bank().describe(index)?;
                Ok(Response::DescribePCR {
                    lock,
                    data: value.to_vec(),
                })
            }
            Request::ExtendPCR { index, data } => {
                let value = self.pcr_bank().extend(index, &data)?;
                Ok(Response::ExtendPCR {
                    data: value.to_vec(),
                })
            }
            Request::LockPCR { index } => {
                self.pcr_bank().lock(index)?;
                Ok(Response::LockPCR)
            }
            Request::LockPCRs { range } => {
                self.pcr_bank().lock_range(range)?;
                Ok(Response::LockPCRs)
            }
            Request::DescribeNSM => {
                let (version_major, version_minor, version_patch) = SIMULATED_VERSION;
                Ok(Response::DescribeNSM {
                    version_major,
                    version_minor,
                    version_patch,
                    module_id: self.module_id.clone(),
                    max_pcrs: MAX_PCRS,
                    locked_pcrs: self.pcr_bank().locked_set(),
                    digest: Digest::SHA384,
                })
            }
            Request::Attestation {
                user_data,
                nonce,
                public_key,
            } => self.make_document(user_data, nonce, public_key),
            Request::GetRandom => {
                let mut random = vec![0u8; RANDOM_LEN];
                crypto::fill_random(&mut random).map_err(|_| NsmErrorCode::InternalError)?;
                Ok(Response::GetRandom { random })
            }
            // A request this NSM does not know (the enum is non-exhaustive).
            _ => Err(NsmErrorCode::InvalidOperation),
        }
    }

    fn make_document(
        &self,
        user_data: Option<ByteBuf>,
        nonce: Option<ByteBuf>,
        public_key: Option<ByteBuf>,
    ) -> Result<Response, NsmErrorCode> {
        let too_large = |f: &Option<ByteBuf>| {
            f.as_ref()
                .is_some_and(|b| b.len() > MAX_ATTESTATION_FIELD_LEN)
        };
        if too_large(&user_data) || too_large(&nonce) || too_large(&public_key) {
            return Err(NsmErrorCode::InputTooLarge);
        }
        let pcrs = self.pcr_bank().locked_values();
        let timestamp_ms = (self.clock)();
        // Renewal failures (disk full, expired root) surface as the device's only option.
        let signer = self
            .chain
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .signer(timestamp_ms / 1000)
            .map_err(|_| NsmErrorCode::InternalError)?;
        let fields = Payload {
            module_id: self.module_id.clone(),
            digest: "SHA384".to_owned(),
            timestamp_ms,
            pcrs,
            certificate: signer.certificate.clone(),
            cabundle: signer.cabundle.clone(),
            public_key: public_key.map(ByteBuf::into_vec),
            user_data: user_data.map(ByteBuf::into_vec),
            nonce: nonce.map(ByteBuf::into_vec),
        };
        let document =
            build_document(&fields, &signer.key).map_err(|_| NsmErrorCode::InternalError)?;
        Ok(Response::Attestation { document })
    }
}

impl Nsm for SimulatedNsm {
    fn process(&self, request: Request) -> Response {
        match self.handle(request) {
            Ok(response) => response,
            Err(code) => Response::Error(code.to_device()),
        }
    }
}

fn system_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
