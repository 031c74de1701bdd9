//! The simulated NSM's state directory: a persistent P-384 certificate chain and the module id.
//!
//! # Layout
//!
//! ```text
//! <state_dir>/                 0700 when the simulator creates it
//!   .lock                      0600, empty; advisory lock (flock) held by every writer
//!   state.json                 {"format":1,"module_id":"i-…-enc…","created_at":<unix s>}, written last
//!   root.key      root.der     the root CA (self-signed, 30 years)
//!   regional.key  regional.der CA, pathlen 2, 10 years
//!   zonal.key     zonal.der    CA, pathlen 1, 5 years
//!   instance.key  instance.der CA, pathlen 0, 2 years
//!   leaf.key      leaf.der     document signer, CA:FALSE, 1 day, renewed within 1 hour of expiry
//!   root.pem                   root.der as PEM (derived; rewritten if missing or different)
//! ```
//!
//! `*.key` are PKCS#8 DER private keys, mode 0600; `*.der` are DER certificates, mode 0644. The
//! chain mirrors Nitro's depth (root -> regional -> zonal -> instance -> leaf) so a verifier is
//! exercised on the same path lengths as in production.
//!
//! # Concurrency and crash safety
//!
//! Every file is written to a `.tmp-*` file in the same directory, fsynced, renamed over its final
//! name, and the directory is fsynced: a reader sees the old file or the new one, never a torn
//! one. Every *writer* (first-use creation, certificate renewal) holds an exclusive `flock` on
//! `.lock`, so two processes (or two `SimulatedNsm`s in one process) that open a fresh directory at
//! the same time serialise: the first creates the chain, the second finds `state.json` and loads
//! the same root. `state.json` is written after everything else, so its presence means "fully
//! initialised"; a directory without it (a creation that crashed half-way) is initialised again
//! from scratch, while a directory with it whose files are missing, unparsable or inconsistent is
//! refused with [`NsmError::CorruptState`] — silently replacing a root would invalidate whatever
//! verifiers were told to trust. Leftover `.tmp-*` files are removed under the lock.
//!
//! Renewal keeps each certificate's key (only the certificate is reissued), so any `*.der` that
//! any process writes always matches its `*.key`, and certificates signed by the old certificate
//! still chain. Before renewing, a writer re-reads the file under the lock and adopts a fresh one
//! that another process already wrote.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use der::{Decode, Encode};
use serde::{Deserialize, Serialize};
use x509_cert::{Certificate, name::Name};

use crate::attestation::cert_builder::{CertSpec, issue, self_signed};
use crate::nsm::NsmError;
use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, SignatureEncoding};

/// Marker file: present once the directory is fully initialised.
pub(crate) const STATE_FILE: &str = "state.json";
/// Advisory lock file.
pub(crate) const LOCK_FILE: &str = ".lock";
/// The root certificate as PEM, for `nitro-kms attestation simulated-root` and `openssl`.
pub(crate) const ROOT_PEM_FILE: &str = "root.pem";
const TMP_PREFIX: &str = ".tmp-";
const FORMAT: u32 = 1;

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
const YEAR: u64 = 365 * DAY;
/// Certificates start this long before "now", to tolerate verifiers whose clock is a bit behind.
const BACKDATE: u64 = 300;

const KEY_MODE: u32 = 0o600;
const PUBLIC_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o700;

#[derive(Debug, Clone, Copy)]
enum Role {
    Root,
    Ca { path_len: u8 },
    Leaf,
}

/// One level of the simulated chain.
#[derive(Debug)]
pub(crate) struct LevelSpec {
    /// File stem: `<name>.key`, `<name>.der`.
    pub(crate) name: &'static str,
    subject: &'static str,
    role: Role,
    lifetime: u64,
    /// Renew when fewer than this many seconds of validity remain.
    renew_before: u64,
}

/// The chain, root first. Lifetimes: the real root lives 30 years and the real leaf about three
/// hours; the simulator's intermediates are long-lived so that only the leaf turns over in
/// practice, and its leaf lives a day so a development session rarely sees a renewal.
pub(crate) const LEVELS: [LevelSpec; 5] = [
    LevelSpec {
        name: "root",
        subject: "CN=nitro-kms simulated root,OU=simulated NSM,O=nitro-kms",
        role: Role::Root,
        lifetime: 30 * YEAR,
        renew_before: 0,
    },
    LevelSpec {
        name: "regional",
        subject: "CN=nitro-kms simulated regional CA,OU=simulated NSM,O=nitro-kms",
        role: Role::Ca { path_len: 2 },
        lifetime: 10 * YEAR,
        renew_before: 30 * DAY,
    },
    LevelSpec {
        name: "zonal",
        subject: "CN=nitro-kms simulated zonal CA,OU=simulated NSM,O=nitro-kms",
        role: Role::Ca { path_len: 1 },
        lifetime: 5 * YEAR,
        renew_before: 30 * DAY,
    },
    LevelSpec {
        name: "instance",
        subject: "CN=nitro-kms simulated instance CA,OU=simulated NSM,O=nitro-kms",
        role: Role::Ca { path_len: 0 },
        lifetime: 2 * YEAR,
        renew_before: 30 * DAY,
    },
    LevelSpec {
        name: "leaf",
        subject: "CN=nitro-kms simulated enclave,OU=simulated NSM,O=nitro-kms",
        role: Role::Leaf,
        lifetime: DAY,
        renew_before: HOUR,
    },
];

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    format: u32,
    module_id: String,
    created_at: u64,
}

/// One loaded level: its key and current certificate.
struct Level {
    spec: &'static LevelSpec,
    key: Arc<EcdsaP384KeyPair>,
    cert: Vec<u8>,
    not_before: u64,
    not_after: u64,
}

impl Level {
    fn needs_renewal(&self, now: u64) -> bool {
        needs_renewal(self.spec, self.not_before, self.not_after, now)
    }
}

/// Whether a certificate of `spec` valid over `[not_before, not_after]` must be reissued at `now`:
/// not yet valid (the clock went back) or within `renew_before` of expiry. The root never is: its
/// bytes are what verifiers pin.
fn needs_renewal(spec: &LevelSpec, not_before: u64, not_after: u64, now: u64) -> bool {
    match spec.role {
        Role::Root => false,
        Role::Ca { .. } | Role::Leaf => {
            now < not_before || now.saturating_add(spec.renew_before) >= not_after
        }
    }
}

/// What attestation needs: the leaf key, the leaf certificate and the CA bundle (root first).
pub(crate) struct Signer {
    pub(crate) key: Arc<EcdsaP384KeyPair>,
    pub(crate) certificate: Vec<u8>,
    pub(crate) cabundle: Vec<Vec<u8>>,
}

/// The loaded chain, bound to its directory for renewals.
pub(crate) struct Chain {
    dir: PathBuf,
    levels: Vec<Level>,
    signer: Arc<Signer>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Certificates only; the keys are never printed.
        let levels: Vec<_> = self
            .levels
            .iter()
            .map(|l| (l.spec.name, l.not_before, l.not_after))
            .collect();
        f.debug_struct("Chain")
            .field("dir", &self.dir)
            .field("levels", &levels)
            .finish_non_exhaustive()
    }
}

/// Opens (creating on first use) the state directory `dir` at time `now` (Unix seconds), renewing
/// any certificate that is expired or about to expire. Returns the chain and the stored module id.
pub(crate) fn open(dir: &Path, now: u64) -> Result<(Chain, String), NsmError> {
    create_dir(dir)?;
    let _lock = DirLock::acquire(dir)?;
    remove_stale_temp_files(dir)?;
    let state_path = dir.join(STATE_FILE);
    let (module_id, levels) = match fs::read(&state_path) {
        Ok(bytes) => load(dir, &state_path, &bytes)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => create(dir, now)?,
        Err(e) => return Err(io_err(&state_path, e)),
    };
    let signer = signer_of(&levels)?;
    let mut chain = Chain {
        dir: dir.to_path_buf(),
        levels,
        signer,
    };
    chain.ensure_root_pem()?;
    chain.refresh_locked(now)?;
    Ok((chain, module_id))
}

impl Chain {
    /// DER of the root certificate.
    pub(crate) fn root_der(&self) -> &[u8] {
        self.levels
            .first()
            .map(|l| l.cert.as_slice())
            .unwrap_or_default()
    }

    /// The signer to use at `now` (Unix seconds), renewing certificates first if needed.
    pub(crate) fn signer(&mut self, now: u64) -> Result<Arc<Signer>, NsmError> {
        let root_expired = self.levels.first().is_some_and(|r| now >= r.not_after);
        if root_expired || self.levels.iter().any(|l| l.needs_renewal(now)) {
            let _lock = DirLock::acquire(&self.dir)?;
            self.refresh_locked(now)?;
        }
        Ok(Arc::clone(&self.signer))
    }

    /// Renews every certificate below the root that needs it. The caller holds the lock.
    fn refresh_locked(&mut self, now: u64) -> Result<(), NsmError> {
        let root_path = self.dir.join("root.der");
        if self.levels.first().is_none_or(|r| now >= r.not_after) {
            return Err(NsmError::RootExpired { path: root_path });
        }
        let mut changed = false;
        for i in 1..self.levels.len() {
            let (parents, rest) = self.levels.split_at_mut(i);
            let (Some(parent), Some(level)) = (parents.last(), rest.first_mut()) else {
                continue;
            };
            if !level.needs_renewal(now) {
                continue;
            }
            let path = self.dir.join(format!("{}.der", level.spec.name));
            // Another process may have renewed it while we were not holding the lock.
            let on_disk = match fs::read(&path) {
                Ok(bytes) => check_certificate(&bytes, level.spec, &level.key, parent)
                    .ok()
                    .map(|(nb, na)| (bytes, nb, na)),
                Err(_) => None,
            };
            let renewed = match on_disk {
                Some((cert, nb, na)) if !needs_renewal(level.spec, nb, na, now) => (cert, nb, na),
                _ => {
                    let minted = mint(level.spec, &level.key, parent.spec, &parent.key, now)?;
                    let name = format!("{}.der", level.spec.name);
                    write_atomic(&self.dir, &name, &minted.0, PUBLIC_MODE)?;
                    minted
                }
            };
            (level.cert, level.not_before, level.not_after) = renewed;
            changed = true;
        }
        if changed {
            self.signer = signer_of(&self.levels)?;
        }
        Ok(())
    }

    /// Rewrites `root.pem` if it is missing or does not match `root.der`. The caller holds the lock.
    fn ensure_root_pem(&self) -> Result<(), NsmError> {
        let pem = root_pem(self.root_der())?;
        let path = self.dir.join(ROOT_PEM_FILE);
        match fs::read(&path) {
            Ok(existing) if existing == pem.as_bytes() => Ok(()),
            Ok(_) => write_atomic(&self.dir, ROOT_PEM_FILE, pem.as_bytes(), PUBLIC_MODE),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                write_atomic(&self.dir, ROOT_PEM_FILE, pem.as_bytes(), PUBLIC_MODE)
            }
            Err(e) => Err(io_err(&path, e)),
        }
    }
}

/// PEM encoding of a DER certificate.
pub(crate) fn root_pem(der: &[u8]) -> Result<String, NsmError> {
    der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, der).map_err(|e| {
        NsmError::Certificate(crate::attestation::cert_builder::CertBuildError::Der(
            e.into(),
        ))
    })
}

fn signer_of(levels: &[Level]) -> Result<Arc<Signer>, NsmError> {
    let Some((leaf, cas)) = levels.split_last() else {
        return Err(NsmError::InvalidConfig("empty certificate chain".into()));
    };
    Ok(Arc::new(Signer {
        key: Arc::clone(&leaf.key),
        certificate: leaf.cert.clone(),
        cabundle: cas.iter().map(|l| l.cert.clone()).collect(),
    }))
}

/// First use: generates every key and certificate, writes them, then the marker.
fn create(dir: &Path, now: u64) -> Result<(String, Vec<Level>), NsmError> {
    let mut levels: Vec<Level> = Vec::with_capacity(LEVELS.len());
    for spec in &LEVELS {
        let key = Arc::new(EcdsaP384KeyPair::generate()?);
        let (cert, not_before, not_after) = match levels.last() {
            Some(parent) => mint(spec, &key, parent.spec, &parent.key, now)?,
            None => mint(spec, &key, spec, &key, now)?,
        };
        levels.push(Level {
            spec,
            key,
            cert,
            not_before,
            not_after,
        });
    }
    for level in &levels {
        let name = level.spec.name;
        write_atomic(
            dir,
            &format!("{name}.key"),
            level.key.pkcs8_der().expose(),
            KEY_MODE,
        )?;
        write_atomic(dir, &format!("{name}.der"), &level.cert, PUBLIC_MODE)?;
    }
    let module_id = generate_module_id()?;
    let state = StateFile {
        format: FORMAT,
        module_id: module_id.clone(),
        created_at: now,
    };
    let json = serde_json::to_vec_pretty(&state)
        .map_err(|e| NsmError::InvalidConfig(format!("cannot encode {STATE_FILE}: {e}")))?;
    // Last: from here on the directory counts as initialised.
    write_atomic(dir, STATE_FILE, &json, PUBLIC_MODE)?;
    Ok((module_id, levels))
}

/// Later uses: reads and cross-checks everything; any inconsistency is `CorruptState`.
fn load(dir: &Path, state_path: &Path, state: &[u8]) -> Result<(String, Vec<Level>), NsmError> {
    let state: StateFile = serde_json::from_slice(state)
        .map_err(|e| corrupt(state_path, format!("not a valid state file: {e}")))?;
    if state.format != FORMAT {
        return Err(corrupt(
            state_path,
            format!("unsupported format {} (expected {FORMAT})", state.format),
        ));
    }
    if state.module_id.is_empty() {
        return Err(corrupt(state_path, "empty module_id".into()));
    }
    let mut levels: Vec<Level> = Vec::with_capacity(LEVELS.len());
    for spec in &LEVELS {
        let key_path = dir.join(format!("{}.key", spec.name));
        let key_der = SecretBytes::new(read_required(&key_path)?);
        let key = Arc::new(
            EcdsaP384KeyPair::from_pkcs8_der(key_der.expose())
                .map_err(|_| corrupt(&key_path, "not a PKCS#8 DER P-384 private key".into()))?,
        );
        let cert_path = dir.join(format!("{}.der", spec.name));
        let cert = read_required(&cert_path)?;
        let this = Level {
            spec,
            key,
            cert: Vec::new(),
            not_before: 0,
            not_after: 0,
        };
        let (not_before, not_after) =
            check_certificate(&cert, spec, &this.key, levels.last().unwrap_or(&this))
                .map_err(|reason| corrupt(&cert_path, reason))?;
        levels.push(Level {
            cert,
            not_before,
            not_after,
            ..this
        });
    }
    Ok((state.module_id, levels))
}

/// Mints the certificate of `spec` for `key`, issued by `issuer` (itself for the root), valid
/// from `now - BACKDATE` for the level's lifetime. Returns DER and validity.
fn mint(
    spec: &LevelSpec,
    key: &EcdsaP384KeyPair,
    issuer: &LevelSpec,
    issuer_key: &EcdsaP384KeyPair,
    now: u64,
) -> Result<(Vec<u8>, u64, u64), NsmError> {
    let not_before = now.saturating_sub(BACKDATE);
    let not_after = now.saturating_add(spec.lifetime);
    let mut cert_spec = match spec.role {
        Role::Root => CertSpec::root(spec.subject, not_before, not_after),
        Role::Ca { path_len } => {
            CertSpec::intermediate(spec.subject, not_before, not_after, path_len)
        }
        Role::Leaf => CertSpec::leaf(spec.subject, not_before, not_after),
    };
    // Random serials: a renewed certificate never shares issuer + serial with its predecessor.
    cert_spec.serial = (u64::from_be_bytes(crypto::random_array()?) >> 1).max(1);
    let der = match spec.role {
        Role::Root => self_signed(&cert_spec, key)?,
        _ => issue(
            &cert_spec,
            &key.public_key_spki_der()?,
            issuer.subject,
            issuer_key,
        )?,
    };
    Ok((der, not_before, not_after))
}

/// Checks that `der` is `spec`'s certificate for `key`, issued and signed by `issuer`. Returns its
/// validity (Unix seconds), or why it is not acceptable.
fn check_certificate(
    der: &[u8],
    spec: &LevelSpec,
    key: &EcdsaP384KeyPair,
    issuer: &Level,
) -> Result<(u64, u64), String> {
    let cert = Certificate::from_der(der).map_err(|e| format!("not a DER certificate: {e}"))?;
    let tbs = cert.tbs_certificate();
    if tbs.subject_public_key_info().subject_public_key.raw_bytes() != key.public_point() {
        return Err(format!("certificate does not match {}.key", spec.name));
    }
    let subject: Name = spec
        .subject
        .parse()
        .map_err(|e| format!("bad expected subject: {e}"))?;
    if tbs.subject() != &subject {
        return Err(format!(
            "subject is {}, expected {}",
            tbs.subject(),
            spec.subject
        ));
    }
    let issuer_name: Name = issuer
        .spec
        .subject
        .parse()
        .map_err(|e| format!("bad expected issuer: {e}"))?;
    if tbs.issuer() != &issuer_name {
        return Err(format!(
            "issuer is {}, expected {}",
            tbs.issuer(),
            issuer.spec.subject
        ));
    }
    let tbs_der = tbs.to_der().map_err(|e| format!("cannot re-encode: {e}"))?;
    crypto::verify_p384_sha384(
        issuer.key.public_point(),
        &tbs_der,
        cert.signature().raw_bytes(),
        SignatureEncoding::Asn1,
    )
    .map_err(|_| format!("signature does not verify with {}.key", issuer.spec.name))?;
    let validity = tbs.validity();
    Ok((
        validity.not_before.to_unix_duration().as_secs(),
        validity.not_after.to_unix_duration().as_secs(),
    ))
}

/// A realistic module id, `i-<17 hex>-enc<16 hex>`, like `i-0685ead7f58d20e1d-enc017bb6c0e9d0f6ea`.
fn generate_module_id() -> Result<String, NsmError> {
    let hex = hex::encode(crypto::random_array::<17>()?);
    let instance = hex.get(..17).unwrap_or_default();
    let enclave = hex.get(17..33).unwrap_or_default();
    Ok(format!("i-{instance}-enc{enclave}"))
}

/// An exclusive advisory lock on `<dir>/.lock`, released when dropped (the file is closed).
struct DirLock {
    _file: File,
}

impl DirLock {
    fn acquire(dir: &Path) -> Result<Self, NsmError> {
        let path = dir.join(LOCK_FILE);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        set_mode(&mut options, KEY_MODE);
        let file = options.open(&path).map_err(|e| io_err(&path, e))?;
        file.lock().map_err(|e| io_err(&path, e))?;
        Ok(Self { _file: file })
    }
}

fn create_dir(dir: &Path) -> Result<(), NsmError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir).map_err(|e| io_err(dir, e))
}

fn remove_stale_temp_files(dir: &Path) -> Result<(), NsmError> {
    for entry in fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            match fs::remove_file(entry.path()) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&entry.path(), e)),
            }
        }
    }
    Ok(())
}

/// Writes `bytes` to `<dir>/<name>` atomically: temp file, fsync, rename, fsync of the directory.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> Result<(), NsmError> {
    let target = dir.join(name);
    let suffix = hex::encode(crypto::random_array::<8>()?);
    let tmp = dir.join(format!("{TMP_PREFIX}{name}.{suffix}"));
    let written = (|| -> io::Result<()> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        set_mode(&mut options, mode);
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        // Best effort; a leftover temp file is removed by the next open anyway.
        let _ = fs::remove_file(&tmp);
        return Err(io_err(&target, e));
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))
}

fn set_mode(options: &mut OpenOptions, mode: u32) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, mode);
    #[cfg(not(unix))]
    let _ = (options, mode);
}

fn read_required(path: &Path) -> Result<Vec<u8>, NsmError> {
    fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => corrupt(
            path,
            format!("missing, although {STATE_FILE} marks the directory as initialised"),
        ),
        _ => io_err(path, e),
    })
}

fn corrupt(path: &Path, reason: String) -> NsmError {
    NsmError::CorruptState {
        path: path.to_path_buf(),
        reason,
    }
}

fn io_err(path: &Path, source: io::Error) -> NsmError {
    NsmError::Io {
        path: path.to_path_buf(),
        source,
    }
}
