#![allow(clippy::unwrap_used, clippy::expect_used)]
//! TLS on the enclave's own endpoint (`--http-listen`, a Unix socket in place of vsock), end to
//! end: a client fetches the CA over cleartext, trusts only it, and over TLS sends a SigV4-signed
//! GenerateDataKey and fetches a fresh attestation document, which verifies against the simulated
//! root and binds the CA and the provisioning key; the leaf in the handshake carries the
//! attestation extension (`id-pe-cmw`, a CMW holding the document), signed by the key the
//! document names, and OpenSSL and Python's `cryptography` read it; a client trusting another CA
//! fails the handshake.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use nitro_kms_attest::attestation::{TrustAnchor, VerifyOptions, verify};
use nitro_kms_attest::service::certificate::ServiceCertificate;
use nitro_kms_attest::service::{ATTESTATION_EXTENSION_OID, extension};
use nitro_kms_crypto::{self as crypto, SignatureEncoding};
use nitro_kms_tests::enclave::{Dirs, Enclave};
use nitro_kms_tests::proxy::{HttpResponse, Signing, kms_headers, send};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};

/// A TLS session over the enclave's Unix socket.
type Session = rustls::StreamOwned<rustls::ClientConnection, UnixStream>;

fn connect(path: &Path) -> UnixStream {
    let stream = UnixStream::connect(path).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// A client configuration trusting only `root` (DER).
fn client_config(root: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(root.to_vec())).unwrap();
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// A TLS session to `localhost` on `path`, its handshake completed (or why it failed).
fn tls(path: &Path, config: Arc<rustls::ClientConfig>) -> Result<Session, std::io::Error> {
    let name = ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(config, name).unwrap();
    let mut session = rustls::StreamOwned::new(connection, connect(path));
    while session.conn.is_handshaking() {
        session.conn.complete_io(&mut session.sock)?;
    }
    Ok(session)
}

/// `GET path` on `stream`.
fn get<S: Read + Write>(stream: &mut S, path: &str) -> HttpResponse {
    send(
        stream,
        "GET",
        path,
        &[("host".into(), "localhost".into())],
        b"",
    )
    .unwrap()
}

/// `op` with `body`, signed with the simulation's key, on `stream`.
fn call<S: Read + Write>(stream: &mut S, op: &str, body: &Value) -> HttpResponse {
    let body = serde_json::to_vec(body).unwrap();
    let headers = kms_headers("localhost", op, &body, Some(&Signing::simulation()));
    send(stream, "POST", "/", &headers, &body).unwrap()
}

#[track_caller]
fn assert_ok(answer: &HttpResponse) -> Value {
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()
}

/// The DER of the one certificate in `pem`.
fn pem_to_der(pem: &str) -> Vec<u8> {
    let base64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(base64)
        .unwrap()
}

/// The DER SubjectPublicKeyInfo of the certificate in `pem_file`, as OpenSSL reads it.
fn openssl_spki(pem_file: &Path) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-pubkey", "-in"])
        .arg(pem_file)
        .output()
        .expect("openssl is required by this test");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    pem_to_der(&String::from_utf8_lossy(&out.stdout))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_on_the_enclave_port_is_attested_and_serves_signed_requests() {
    let dirs = Dirs::new();
    std::fs::create_dir_all(&dirs.world).unwrap();
    // Ready (the sealed state loaded) implies the TLS identity exists: it is set first.
    let enclave = Enclave::start(&dirs.world, &dirs.parent, &[]).await;
    let http: PathBuf = enclave.http_socket.clone();

    // The CA, over cleartext (allowed in the simulation).
    let ca = get(&mut connect(&http), "/.well-known/nitro-kms/ca.pem");
    assert_eq!(ca.status, 200);
    assert_eq!(ca.header("content-type"), Some("application/x-pem-file"));
    let ca_pem = String::from_utf8(ca.body).unwrap();
    let ca_file = dirs.world.join("service-ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let ca_der = pem_to_der(&ca_pem);
    let ca_spki = openssl_spki(&ca_file);

    // TLS, trusting only that CA, for "localhost": the handshake completes.
    let mut session = tls(&http, client_config(&ca_der)).unwrap();
    let chain: Vec<Vec<u8>> = session
        .conn
        .peer_certificates()
        .unwrap()
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    assert_eq!(chain.len(), 2, "the server presents [leaf, CA]");
    assert_eq!(chain[1], ca_der);

    // A signed CreateKey and GenerateDataKey over it (keep-alive: one session).
    let created = assert_ok(&call(&mut session, "CreateKey", &json!({})));
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned();
    let data_key = assert_ok(&call(
        &mut session,
        "GenerateDataKey",
        &json!({"KeyId": key_id, "KeySpec": "AES_256"}),
    ));
    let plaintext = base64::engine::general_purpose::STANDARD
        .decode(data_key["Plaintext"].as_str().unwrap())
        .unwrap();
    assert_eq!(plaintext.len(), 32);
    // Unsigned over TLS is refused as over cleartext: TLS does not replace SigV4.
    let body = b"{}".to_vec();
    let unsigned = send(
        &mut session,
        "POST",
        "/",
        &kms_headers("localhost", "ListKeys", &body, None),
        &body,
    )
    .unwrap();
    assert_eq!(unsigned.status, 400);
    assert_eq!(
        unsigned.json()["__type"],
        "MissingAuthenticationTokenException"
    );

    // The provisioning key and a fresh document with our nonce, over TLS.
    let provisioning = get(&mut session, "/.well-known/nitro-kms/provisioning-key.der");
    assert_eq!(provisioning.status, 200);
    let nonce: Vec<u8> = (0u8..64).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
    let answer = get(
        &mut session,
        &format!(
            "/.well-known/nitro-kms/attestation?nonce={}",
            crypto::hex_lower(&nonce)
        ),
    );
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/cbor"));
    let root_pem = std::fs::read(dirs.world.join("root.pem")).unwrap();
    let root = TrustAnchor::simulated_from_pem(&root_pem).unwrap();
    let options = VerifyOptions::new(root, SystemTime::now());
    let document = verify(&answer.body, &options).unwrap();
    assert!(document.simulated);
    assert_eq!(document.nonce.as_deref(), Some(&nonce[..]));
    assert_eq!(document.public_key.as_deref(), Some(&ca_spki[..]));
    assert_eq!(
        document.user_data.as_deref(),
        Some(&crypto::sha256(&provisioning.body)[..])
    );
    // A nonce over 64 bytes is refused, saying why.
    let too_long = get(
        &mut session,
        &format!(
            "/.well-known/nitro-kms/attestation?nonce={}",
            "00".repeat(65)
        ),
    );
    assert_eq!(too_long.status, 400);
    assert!(String::from_utf8_lossy(&too_long.body).contains("longer than 64 bytes"));

    // The leaf of the handshake: its attestation extension is present, not critical, and holds
    // a document of the same enclave binding the CA, whose key signed the leaf.
    let leaf = ServiceCertificate::parse(&chain[0], "the leaf").unwrap();
    let found = leaf.attestation_extension().unwrap();
    assert!(!found.critical);
    let in_leaf = verify(&found.document, &options).unwrap();
    assert_eq!(in_leaf.public_key.as_deref(), Some(&ca_spki[..]));
    assert_eq!(in_leaf.user_data, document.user_data);
    assert_eq!(in_leaf.pcrs, document.pcrs);
    assert_eq!(in_leaf.nonce, None);
    // A P-384 SPKI ends with the 97-byte uncompressed point.
    let point = &ca_spki[ca_spki.len() - 97..];
    crypto::verify_p384_sha384(point, leaf.tbs(), leaf.signature(), SignatureEncoding::Asn1)
        .unwrap();
    other_readers_read_the_leaf(&dirs.world, &chain[0], &found.document);

    // A client trusting another CA fails the handshake.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let refused = tls(&http, client_config(other.cert.der())).err();
    let why = refused
        .expect("a handshake trusting another CA completed")
        .to_string();
    assert!(
        why.contains("UnknownIssuer") || why.contains("certificate"),
        "{why}"
    );

    drop(session);
    assert_eq!(enclave.terminate().await, Some(0));
}

/// OpenSSL and Python's `cryptography` (from the test virtualenv) read the enclave's leaf: both
/// parse it whole, name the extension by its OID, see it non-critical, and Python finds the value
/// the format says — the DER CMW around `document`.
fn other_readers_read_the_leaf(dir: &Path, leaf_der: &[u8], document: &[u8]) {
    let leaf = dir.join("leaf.der");
    std::fs::write(&leaf, leaf_der).unwrap();
    let out = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&leaf)
        .output()
        .expect("openssl must be installed for this test");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("{ATTESTATION_EXTENSION_OID}:")),
        "{text}"
    );
    assert!(
        !text.contains(&format!("{ATTESTATION_EXTENSION_OID}: critical")),
        "{text}"
    );

    let script = r#"
import sys
from cryptography import x509
cert = x509.load_der_x509_certificate(open(sys.argv[1], "rb").read())
ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(sys.argv[2]))
assert not ext.critical, "critical"
names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
print(",".join(str(n.value) for n in names))
print(ext.value.value.hex())
"#;
    let python = nitro_kms_tests::proxy::venv().join("bin/python");
    let out = Command::new(python)
        .args(["-c", script])
        .arg(&leaf)
        .arg(ATTESTATION_EXTENSION_OID)
        .output()
        .expect("the test virtualenv's python (make test-venv)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.first(), Some(&"localhost,127.0.0.1,::1"), "{stdout}");
    let value = extension::extension_value(document).unwrap();
    assert_eq!(
        lines.get(1).copied(),
        Some(crypto::hex_lower(&value).as_str())
    );
}
