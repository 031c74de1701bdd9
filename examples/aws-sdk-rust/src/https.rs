//! The SDK's HTTPS client, trusting the CA in `AWS_CA_BUNDLE` and nothing else.
//!
//! The AWS CLI and boto3 read `AWS_CA_BUNDLE`; the AWS SDK for Rust does not (aws-config 1.13
//! has no such setting: awslabs/aws-sdk-rust#1362). So the application builds the SDK's own
//! client (`aws-smithy-http-client`: hyper 1 + rustls on aws-lc) with a trust store holding only
//! that file's certificates, and hands it to `aws_config`. Against nitro-kms the file is the CA
//! that `nitro-kms service verify --ca-out` wrote after checking the enclave's attestation, so a
//! TLS connection succeeds only to the attested enclave: the parent instance that relays the
//! bytes cannot stand in for it.
//!
//! Without `AWS_CA_BUNDLE` the client trusts the platform's roots, as the SDK's default client
//! does: that is what reaching the real AWS KMS needs.

use aws_sdk_kms::config::SharedHttpClient;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::ExampleError;

/// The environment variable naming the CA file, as the AWS CLI and the other SDKs name it.
pub const CA_BUNDLE_VAR: &str = "AWS_CA_BUNDLE";

/// The SDK HTTPS client for the trust `ca_bundle` names: only the certificates in that PEM file,
/// or the platform's roots when it is `None`.
pub fn client(ca_bundle: Option<&str>) -> Result<SharedHttpClient, ExampleError> {
    let trust_store = match ca_bundle {
        Some(path) => TrustStore::empty().with_pem_certificate(read_ca_bundle(path)?),
        None => TrustStore::default(),
    };
    let context = TlsContext::builder()
        .with_trust_store(trust_store)
        .build()
        .map_err(|e| ExampleError::Tls(e.to_string()))?;
    Ok(Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https())
}

/// The bytes of the PEM file at `path`, once they are known to load: the SDK's client reads them
/// only at its first connection and panics if they do not, so they are checked here with the
/// same PEM reader and root store, and refused with a message instead.
fn read_ca_bundle(path: &str) -> Result<Vec<u8>, ExampleError> {
    let bad = |reason: String| ExampleError::CaBundle {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not PEM: {e}")))?;
    let mut roots = RootCertStore::empty();
    let (loaded, refused) = roots.add_parsable_certificates(certificates);
    match (loaded, refused) {
        (0, 0) => Err(bad("no CERTIFICATE block in it".into())),
        (_, 0) => Ok(pem),
        (_, refused) => Err(bad(format!("{refused} certificate(s) do not parse"))),
    }
}

#[cfg(test)]
mod tests;
