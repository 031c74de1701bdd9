//! Test fixtures (feature `test-support`): a service identity made the way the shared format
//! says — a simulated NSM, a self-signed P-384 CA (`CA:TRUE`, pathlen 0), a P-384 leaf with
//! SubjectAltNames and the attestation extension — plus the deliberately wrong variants the
//! verifier's tests need (no extension, a critical one, a document of another root, a leaf signed
//! by another CA). One place, so the enclave's real issuer can replace it.
//!
//! rcgen cannot write the extension's OID (its arcs are `u64`, the OID's last arc is 128 bits),
//! so the leaf is made with a placeholder OID of the same encoded length, which is then replaced
//! by the real one in the TBSCertificate, and the TBS signed again with the CA key through
//! nitro-kms-crypto.

use std::path::Path;
use std::time::Duration;

use der::{Decode, Header, Reader, SliceReader};

use super::ATTESTATION_EXTENSION_OID_DER;
use crate::attestation::TrustAnchor;
use crate::nsm::NsmExt;
use crate::nsm::simulated::{SimulatedNsm, SimulatedNsmConfig};
use nitro_kms_crypto::{self as crypto, EcdsaP384KeyPair, RsaKeySize, SignatureEncoding};

/// The placeholder `2.25.(2^63+1).(2^56+2)`: 20 content octets, as the real OID.
const PLACEHOLDER_ARCS: [u64; 4] = [2, 25, (1 << 63) + 1, (1 << 56) + 2];

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
}

impl LeafSpec {
    /// A well-formed leaf for the simulation's names (`localhost`, `127.0.0.1`, `::1`).
    pub fn simulation() -> Self {
        Self {
            names: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            document: None,
            with_extension: true,
            critical: false,
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
            let mut ext = rcgen::CustomExtension::from_oid_content(&PLACEHOLDER_ARCS, document);
            ext.set_criticality(spec.critical);
            params.custom_extensions.push(ext);
        }
        let ca_key = rcgen_key(&ca.key)?;
        let issuer = rcgen::Issuer::from_params(&ca.params, &ca_key);
        let made = params
            .signed_by(&rcgen_key(&key)?, &issuer)
            .map_err(|e| fail("leaf")(e.to_string()))?;
        let der = if spec.with_extension {
            with_real_oid(made.der(), &ca.key)?
        } else {
            made.der().to_vec()
        };
        Ok(IssuedLeaf {
            der,
            key_pkcs8: crypto::SecretBytes::copy_from(key.pkcs8_der().expose()),
        })
    }
}

fn rcgen_key(key: &EcdsaP384KeyPair) -> Result<rcgen::KeyPair, FixtureError> {
    rcgen::KeyPair::try_from(key.pkcs8_der().expose()).map_err(|e| fail("rcgen key")(e.to_string()))
}

/// Replaces the placeholder OID in `cert`'s TBS by the real one and signs the TBS again.
fn with_real_oid(cert: &[u8], ca: &EcdsaP384KeyPair) -> Result<Vec<u8>, FixtureError> {
    let bad = |e: der::Error| fail("leaf DER")(e.to_string());
    let mut reader = SliceReader::new(cert).map_err(bad)?;
    Header::decode(&mut reader).map_err(bad)?;
    let mut tbs = reader.tlv_bytes().map_err(bad)?.to_vec();
    let alg = reader.tlv_bytes().map_err(bad)?.to_vec();
    let placeholder = rcgen::CustomExtension::from_oid_content(&PLACEHOLDER_ARCS, Vec::new());
    let placeholder = oid_content(&placeholder.oid_components().collect::<Vec<_>>());
    let at = tbs
        .windows(placeholder.len())
        .position(|w| w == placeholder.as_slice())
        .ok_or_else(|| FixtureError("placeholder OID not found".into()))?;
    tbs.splice(
        at..at + placeholder.len(),
        ATTESTATION_EXTENSION_OID_DER.iter().copied(),
    );
    let signature = ca
        .sign(&tbs, SignatureEncoding::Asn1)
        .map_err(|e| fail("signature")(e.to_string()))?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(&signature);
    let mut body = tbs;
    body.extend_from_slice(&alg);
    body.extend_from_slice(&tlv(0x03, &bits));
    Ok(tlv(0x30, &body))
}

/// The content octets of an OID given as arcs (first two combined, base 128).
fn oid_content(arcs: &[u64]) -> Vec<u8> {
    let mut out = Vec::new();
    let first = arcs.first().copied().unwrap_or(0) * 40 + arcs.get(1).copied().unwrap_or(0);
    for arc in std::iter::once(first).chain(arcs.iter().skip(2).copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    out
}

/// A DER TLV with a one-byte tag.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}
