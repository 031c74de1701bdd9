//! Interoperability with OpenSSL's CMS implementation, an independent reader and writer.
//!
//! These tests need the `openssl` command (OpenSSL 3). If it cannot be run they FAIL, saying
//! so, rather than skip: a silently skipped interop test proves nothing. Set `OPENSSL_BIN` to
//! use another binary than the `openssl` on `PATH`.

use std::path::Path;
use std::process::Command;

use super::{build, decrypt, parse, subject_key_identifier};
use crate::recipient::vectors::ENCLAVER_KEY;
use nitro_kms_crypto::{RsaKeySize, RsaPrivateKey};

/// Runs `openssl args…` in `dir` and returns its stdout; panics with stderr on failure.
fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let bin = std::env::var("OPENSSL_BIN").unwrap_or_else(|_| "openssl".to_string());
    let output = Command::new(&bin)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "this interoperability test needs the `{bin}` command (OpenSSL 3), which could \
                 not be run: {e}. Install OpenSSL or set OPENSSL_BIN."
            )
        });
    assert!(
        output.status.success(),
        "openssl {args:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Writes `key` as `key.pem` (PKCS#8 PEM, converted by `openssl pkey`) in `dir`.
fn write_key_pem(dir: &Path, key: &RsaPrivateKey) {
    std::fs::write(dir.join("key.der"), key.pkcs8_der().expose()).unwrap();
    openssl(
        dir,
        &[
            "pkey", "-inform", "DER", "-in", "key.der", "-out", "key.pem",
        ],
    );
}

#[test]
fn openssl_cms_decrypts_envelopes_we_build() {
    let dir = tempfile::tempdir().unwrap();
    let key = RsaPrivateKey::from_pkcs8_der(ENCLAVER_KEY).unwrap();
    write_key_pem(dir.path(), &key);
    for len in [0usize, 12, 32, 1000, 4096] {
        let plaintext: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
        let envelope = build(&plaintext, key.public_key_spki_der()).unwrap();
        std::fs::write(dir.path().join("env.der"), &envelope).unwrap();
        openssl(
            dir.path(),
            &[
                "cms", "-decrypt", "-inform", "DER", "-in", "env.der", "-inkey", "key.pem",
                "-binary", "-out", "out.bin",
            ],
        );
        let decrypted = std::fs::read(dir.path().join("out.bin")).unwrap();
        assert_eq!(decrypted, plaintext, "plaintext of {len} bytes");
    }
}

#[test]
fn we_decrypt_envelopes_openssl_builds_with_definite_and_indefinite_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let key = RsaPrivateKey::generate(RsaKeySize::Rsa2048).unwrap();
    write_key_pem(dir.path(), &key);
    // A self-signed certificate whose SubjectKeyIdentifier is KMS's: SHA-256 of the SPKI.
    let ski = hex::encode(subject_key_identifier(key.public_key_spki_der()));
    openssl(
        dir.path(),
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "key.pem",
            "-subj",
            "/CN=nitro-kms recipient test",
            "-days",
            "1",
            "-addext",
            &format!("subjectKeyIdentifier={ski}"),
            "-out",
            "cert.pem",
        ],
    );
    for (len, stream) in [(12usize, false), (5000, false), (12, true), (5000, true)] {
        let plaintext: Vec<u8> = (0..len).map(|i| (i * 13 + 1) as u8).collect();
        std::fs::write(dir.path().join("pt.bin"), &plaintext).unwrap();
        let mut args = vec![
            "cms",
            "-encrypt",
            "-binary",
            "-outform",
            "DER",
            "-aes-256-cbc",
            "-keyid",
            "-recip",
            "cert.pem",
            "-keyopt",
            "rsa_padding_mode:oaep",
            "-keyopt",
            "rsa_oaep_md:sha256",
            "-keyopt",
            "rsa_mgf1_md:sha256",
            "-in",
            "pt.bin",
            "-out",
            "env.der",
        ];
        if stream {
            // Streaming makes OpenSSL write indefinite lengths and chunk the content.
            args.push("-stream");
        }
        openssl(dir.path(), &args);
        let envelope = std::fs::read(dir.path().join("env.der")).unwrap();
        // Check that each run exercised the encoding it was meant to.
        assert_eq!(
            envelope.get(1) == Some(&0x80),
            stream,
            "outer length form, stream={stream}"
        );
        let parsed = parse(&envelope).unwrap();
        assert_eq!(
            parsed.subject_key_identifier,
            subject_key_identifier(key.public_key_spki_der())
        );
        // Normalised into KMS's layout, it still parses to the same fields.
        assert_eq!(parse(&parsed.to_ber()).unwrap(), parsed);
        assert_eq!(
            decrypt(&envelope, &key).unwrap().expose(),
            &plaintext[..],
            "plaintext of {len} bytes, stream={stream}"
        );
    }
}
