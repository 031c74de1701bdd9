//! An enclave application on the official AWS SDK for Rust, getting an attested data key from
//! nitro-kms (or from AWS KMS: the code is the same).
//!
//! ```text
//! aws-sdk-rust-example --key-id KEY --recipient simulated:DIR|nsm
//! ```
//!
//! 1. The SDK is configured the standard way, `aws_config::defaults(...).load()`: endpoint
//!    (`AWS_ENDPOINT_URL`), credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`) and region
//!    (`AWS_REGION`) from the environment, as `nitro-kms-proxy --simulate --print-env` prints
//!    them. The one addition is the HTTPS client ([`https`]): it trusts only the CA file in
//!    `AWS_CA_BUNDLE`, which `nitro-kms service verify --ca-out` wrote after checking the
//!    enclave's attestation (the Rust SDK does not read that variable itself).
//! 2. The application makes an RSA key pair and has the NSM attest its public key
//!    ([`recipient`]): `--recipient nsm` is `/dev/nsm` inside a Nitro enclave,
//!    `--recipient simulated:DIR` the simulated NSM of `nitro-kms-proxy --simulate --state-dir DIR`.
//! 3. GenerateDataKey with `Recipient`: the answer has no `Plaintext`, only the
//!    `CiphertextBlob` (to store) and `CiphertextForRecipient`, which the private key opens.
//! 4. Decrypt of that `CiphertextBlob` with `Recipient`: the same data key comes back, again only
//!    as `CiphertextForRecipient`.
//!
//! Each step prints one line; the data key itself never (only "match", and the SHA-256 of the
//! `CiphertextBlob`, which is not secret). Exit status: 0 done, 1 a step failed (the line says
//! which and why), 2 a usage error.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod error;
mod https;
mod recipient;

use std::process::ExitCode;

use aws_config::BehaviorVersion;
use aws_sdk_kms::Client;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use nitro_kms_attest::nsm::source::NsmSource;

use crate::error::ExampleError;
use crate::recipient::AttestedKeyPair;

const USAGE: &str = "usage: aws-sdk-rust-example --key-id KEY --recipient simulated:DIR|nsm\n\
     (endpoint, credentials, region and CA from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, \
     AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_CA_BUNDLE)";

/// The length of an AES-256 data key.
const AES_256_KEY_LEN: usize = 32;

/// The command line: which key, which NSM.
struct Args {
    key_id: String,
    recipient: NsmSource,
}

/// Reads `--key-id KEY --recipient SOURCE` (in any order), or says how to call it.
fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut key_id = None;
    let mut recipient = None;
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(USAGE)?;
        match flag.as_str() {
            "--key-id" => key_id = Some(value.clone()),
            "--recipient" => {
                let source =
                    NsmSource::parse(value).map_err(|e| format!("--recipient: {e}\n{USAGE}"))?;
                recipient = Some(source);
            }
            _ => return Err(USAGE.into()),
        }
    }
    Ok(Args {
        key_id: key_id.ok_or(USAGE)?,
        recipient: recipient.ok_or(USAGE)?,
    })
}

/// The KMS client as any AWS SDK application makes it, plus the HTTPS client of [`https`].
async fn kms_client() -> Result<Client, ExampleError> {
    let ca_bundle = std::env::var(https::CA_BUNDLE_VAR).ok();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https::client(ca_bundle.as_deref())?)
        .load()
        .await;
    if config.region().is_none() {
        return Err(ExampleError::NoRegion);
    }
    println!(
        "endpoint: {} (trusting {})",
        config
            .endpoint_url()
            .unwrap_or("the AWS KMS endpoint of the region"),
        ca_bundle.as_deref().unwrap_or("the platform's root CAs")
    );
    Ok(Client::new(&config))
}

/// The example's steps, one printed line each.
async fn run(args: &Args) -> Result<(), ExampleError> {
    let kms = kms_client().await?;

    let attested = AttestedKeyPair::new(&args.recipient)?;
    println!(
        "attestation: RSA-2048 key pair, document of {} bytes from {}",
        attested.document().len(),
        args.recipient
    );

    let generated = kms
        .generate_data_key()
        .key_id(&args.key_id)
        .key_spec(DataKeySpec::Aes256)
        .recipient(attested.recipient_info())
        .send()
        .await
        .map_err(|e| ExampleError::kms("GenerateDataKey", e))?;
    let blob = generated.ciphertext_blob().ok_or(ExampleError::Answer {
        operation: "GenerateDataKey",
        problem: "no CiphertextBlob in the answer",
    })?;
    let data_key = attested.open(
        "GenerateDataKey",
        generated.plaintext(),
        generated.ciphertext_for_recipient(),
    )?;
    if data_key.len() != AES_256_KEY_LEN {
        return Err(ExampleError::Answer {
            operation: "GenerateDataKey",
            problem: "the data key in CiphertextForRecipient is not 32 bytes",
        });
    }
    println!(
        "GenerateDataKey: key {}, no Plaintext; CiphertextForRecipient opened to a 32-byte data key; CiphertextBlob sha256 {}",
        generated.key_id().unwrap_or("?"),
        nitro_kms_crypto::hex_lower(&nitro_kms_crypto::sha256(blob.as_ref()))
    );

    let decrypted = kms
        .decrypt()
        .ciphertext_blob(Blob::new(blob.as_ref()))
        .recipient(attested.recipient_info())
        .send()
        .await
        .map_err(|e| ExampleError::kms("Decrypt", e))?;
    let again = attested.open(
        "Decrypt",
        decrypted.plaintext(),
        decrypted.ciphertext_for_recipient(),
    )?;
    if !nitro_kms_crypto::constant_time_eq(data_key.expose(), again.expose()) {
        return Err(ExampleError::Answer {
            operation: "Decrypt",
            problem: "CiphertextForRecipient opened to another data key than GenerateDataKey's",
        });
    }
    println!("Decrypt: no Plaintext; CiphertextForRecipient opened to the same data key: match");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(args) => args,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(()) => {
            println!("aws-sdk-rust example complete: an attested data key, through the AWS SDK");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aws-sdk-rust-example: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests;
