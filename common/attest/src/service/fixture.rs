//! Test fixtures (feature `test-support`): a service identity made the way the shared format
//! says — a simulated NSM, a self-signed P-384 CA (`CA:TRUE`, pathlen 0), a P-384 leaf with
//! SubjectAltNames and the attestation extension — plus the deliberately wrong variants the
//! verifier's tests need (no extension, a critical one, another OID or value, a document of
//! another root, a leaf signed by another CA). One place, so the enclave's real issuer can
//! replace it.
//!
//! The leaf is made with rcgen, the extension as a custom extension: `id-pe-cmw`
//! ([`super::ATTESTATION_EXTENSION_ARCS`]) with the value [`super::extension::extension_value`]
//! writes, exactly as the enclave's issuer does.

use std::path::Path;
use std::time::Duration;

use super::ATTESTATION_EXTENSION_ARCS;
use super::extension::extension_value;
use crate::attestation::TrustAnchor;
use crate::nsm::NsmExt;
use crate::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, RsaKeySize};

/// Why a fixture could not be made (a broken test setup).
#[derive(Debug, thiserror::Error)]
#[error("service fixture: {0}")]
pub struct FixtureError(String);

fn fail(what: &str) -> impl FnOnce(String) -> FixtureError + '_ {
    move |e| FixtureError(format!("{what}: {e}"))
}

/// A P-384 CA as the enclave's: self-signed, `CA:TRUE` with path length 0.
pub struct FixtureCa {
    key: EcdsaP384KeyPair,
    params: rcgen::CertificateParams,
    der: Vec<u8>,
}

impl FixtureCa {
    /// A fresh CA named `common_name`.
    pub fn generate(common_name: &str) -> Result<Self, FixtureError> {
        let key = EcdsaP384KeyPair::generate().map_err(|e| fail("CA key")(e.to_string()))?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
            .map_err(|e| fail("CA params")(e.to_string()))?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let der = params
            .self_signed(&rcgen_key(&key)?)
            .map_err(|e| fail("CA certificate")(e.to_string()))?
            .der()
            .to_vec();
        Ok(Self { key, params, der })
    }

    /// The CA certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        super::pem::certificate_pem(&self.der)
    }

    /// The CA key's DER SubjectPublicKeyInfo (what the document's `public_key` holds).
    pub fn spki(&self) -> Result<Vec<u8>, FixtureError> {
        self.key
            .public_key_spki_der()
            .map_err(|e| fail("CA SPKI")(e.to_string()))
    }
}

/// How a leaf should be made.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// SubjectAltNames (IP addresses in text form become iPAddress names).
    pub names: Vec<String>,
    /// The document to embed; `None` embeds a fresh one from the fixture's NSM.
    pub document: Option<Vec<u8>>,
    /// Whether the extension is there at all.
    pub with_extension: bool,
    /// Whether it is marked critical.
    pub critical: bool,
    /// The extension's OID as arcs: [`ATTESTATION_EXTENSION_ARCS`] unless a test wants another.
    pub extension_arcs: Vec<u64>,
    /// The extension's value as given (`extnValue`'s content); `None`: the CMW holding the
    /// document, as the enclave writes it.
    pub extension_value: Option<Vec<u8>>,
}

impl LeafSpec {
    /// A well-formed leaf for the simulation's names (`localhost`, `127.0.0.1`, `::1`).
    pub fn simulation() -> Self {
        Self {
            names: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            document: None,
            with_extension: true,
            critical: false,
            extension_arcs: ATTESTATION_EXTENSION_ARCS.to_vec(),
            extension_value: None,
        }
    }
}

/// A leaf certificate and its key.
pub struct IssuedLeaf {
    /// The leaf, DER.
    pub der: Vec<u8>,
    /// Its key, PKCS#8 DER (for a TLS server).
    pub key_pkcs8: crypto::SecretBytes,
}

/// A simulated enclave's service identity.
pub struct ServiceFixture {
    nsm: SimulatedNsm,
    ca: FixtureCa,
    provisioning_spki: Vec<u8>,
}

impl ServiceFixture {
    /// A fixture whose NSM keeps its state in `state_dir`, reports `pcr0`, and stamps documents
    /// `behind` the real time (zero for fresh documents).
    pub fn open(state_dir: &Path, pcr0: [u8; 48], behind: Duration) -> Result<Self, FixtureError> {
        let behind_ms = u64::try_from(behind.as_millis()).unwrap_or(u64::MAX);
        let config = SimulatedNsmConfig::new(state_dir)
            .with_pcr(0, pcr0)
            .with_clock(move || {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default();
                u64::try_from(now.as_millis())
                    .unwrap_or(u64::MAX)
                    .saturating_sub(behind_ms)
            });
        let nsm = SimulatedNsm::open(config).map_err(|e| fail("NSM")(e.to_string()))?;
        let provisioning = crypto::RsaPrivateKey::generate(RsaKeySize::Rsa3072)
            .map_err(|e| fail("provisioning key")(e.to_string()))?;
        Ok(Self {
            nsm,
            ca: FixtureCa::generate("nitro-kms service CA (fixture)")?,
            provisioning_spki: provisioning.public_key_spki_der().to_vec(),
        })
    }

    /// The simulated root, as a trust anchor.
    pub fn root(&self) -> Result<TrustAnchor, FixtureError> {
        TrustAnchor::simulated_from_der(self.nsm.root_certificate_der())
            .map_err(|e| fail("root")(e.to_string()))
    }

    /// The simulated root, PEM (what `--trust-simulated-root` reads).
    pub fn root_pem(&self) -> &str {
        self.nsm.root_certificate_pem()
    }

    /// The simulated NSM (for documents of other shapes).
    pub fn nsm(&self) -> &SimulatedNsm {
        &self.nsm
    }

    /// The service CA.
    pub fn ca(&self) -> &FixtureCa {
        &self.ca
    }

    /// The provisioning key's DER SPKI (`user_data` is its SHA-256).
    pub fn provisioning_spki(&self) -> &[u8] {
        &self.provisioning_spki
    }

    /// A document as the enclave makes it: `public_key` = the CA's SPKI, `user_data` = SHA-256 of
    /// the provisioning key's SPKI, and `nonce` if given.
    pub fn document(&self, nonce: Option<&[u8]>) -> Result<Vec<u8>, FixtureError> {
        self.document_binding(&self.ca.spki()?, nonce)
    }

    /// A document binding `public_key` (say, another CA's SPKI).
    pub fn document_binding(
        &self,
        public_key: &[u8],
        nonce: Option<&[u8]>,
    ) -> Result<Vec<u8>, FixtureError> {
        let user_data = crypto::sha256(&self.provisioning_spki);
        self.nsm
            .attest(Some(public_key), Some(&user_data), nonce)
            .map_err(|e| fail("document")(e.to_string()))
    }

    /// A leaf issued by the fixture's CA.
    pub fn leaf(&self, spec: &LeafSpec) -> Result<IssuedLeaf, FixtureError> {
        self.leaf_signed_by(spec, &self.ca)
    }

    /// A leaf issued by `ca` (the document still as `spec` says: by default the fixture's,
    /// binding the fixture's CA).
    pub fn leaf_signed_by(
        &self,
        spec: &LeafSpec,
        ca: &FixtureCa,
    ) -> Result<IssuedLeaf, FixtureError> {
        let document = match &spec.document {
            Some(document) => document.clone(),
            None => self.document(None)?,
        };
        let key = EcdsaP384KeyPair::generate().map_err(|e| fail("leaf key")(e.to_string()))?;
        let mut params = rcgen::CertificateParams::new(spec.names.clone())
            .map_err(|e| fail("leaf params")(e.to_string()))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "nitro-kms service (fixture)");
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        // OpenSSL's strict mode (Python 3.13's default for the AWS CLI and boto3) refuses a leaf
        // without an Authority Key Identifier.
        params.use_authority_key_identifier_extension = true;
        if spec.with_extension {
            let value = match &spec.extension_value {
                Some(value) => value.clone(),
                None => extension_value(&document).map_err(|e| fail("CMW")(e.to_string()))?,
            };
            let mut ext = rcgen::CustomExtension::from_oid_content(&spec.extension_arcs, value);
            ext.set_criticality(spec.critical);
            params.custom_extensions.push(ext);
        }
        let ca_key = rcgen_key(&ca.key)?;
        let issuer = rcgen::Issuer::from_params(&ca.params, &ca_key);
        let made = params
            .signed_by(&rcgen_key(&key)?, &issuer)
            .map_err(|e| fail("leaf")(e.to_string()))?;
        Ok(IssuedLeaf {
            der: made.der().to_vec(),
            key_pkcs8: crypto::SecretBytes::copy_from(key.pkcs8_der().expose()),
        })
    }
}

fn rcgen_key(key: &EcdsaP384KeyPair) -> Result<rcgen::KeyPair, FixtureError> {
    rcgen::KeyPair::try_from(key.pkcs8_der().expose()).map_err(|e| fail("rcgen key")(e.to_string()))
}
