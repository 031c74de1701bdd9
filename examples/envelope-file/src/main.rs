//! An enclave application in 150 lines: envelope encryption of a file with attested data keys.
//!
//! ```text
//! envelope-file encrypt IN OUT --key-id alias/app --endpoint-url URL --recipient simulated:DIR|nsm
//! envelope-file decrypt OUT BACK --endpoint-url URL --recipient simulated:DIR|nsm
//! ```
//!
//! `encrypt` asks KMS for a data key with an attested GenerateDataKey (the `Recipient` carries a
//! fresh attestation document binding the application's RSA key; the parent only ever sees the
//! data key encrypted to that key), encrypts the file with AES-256-GCM under it, writes `OUT`
//! (`nonce || ciphertext || tag`) and stores the `CiphertextBlob` beside it as `OUT.key`, then
//! forgets the data key. `decrypt` sends `OUT.key` back with an attested Decrypt, gets the data
//! key the same way, and opens `OUT`. The encryption context binds the blob to the file's name.
//!
//! Credentials and region come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
//! `AWS_DEFAULT_REGION` (`us-east-1` if unset). `make example` runs it against the simulation.

#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use nitro_kms_api::Blob;
use nitro_kms_api::ops::{DecryptRequest, GenerateDataKeyRequest};
use nitro_kms_attest::nsm::source::NsmSource;
use nitro_kms_client::{ClientConfig, Credentials, KmsClient};
use nitro_kms_crypto::{self as crypto, RsaKeySize};

const USAGE: &str = "usage: envelope-file encrypt IN OUT --key-id KEY --endpoint-url URL --recipient simulated:DIR|nsm\n       envelope-file decrypt OUT BACK --endpoint-url URL --recipient simulated:DIR|nsm";

struct Args {
    command: String,
    input: String,
    output: String,
    key_id: Option<String>,
    endpoint: String,
    recipient: NsmSource,
}

fn parse() -> Result<Args, String> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let [command, input, output, rest @ ..] = argv.as_slice() else {
        return Err(USAGE.into());
    };
    let mut key_id = None;
    let mut endpoint = None;
    let mut recipient = None;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it.next().cloned().ok_or(USAGE)?;
        match flag.as_str() {
            "--key-id" => key_id = Some(value),
            "--endpoint-url" => endpoint = Some(value),
            "--recipient" => recipient = Some(value),
            _ => return Err(USAGE.into()),
        }
    }
    Ok(Args {
        command: command.clone(),
        input: input.clone(),
        output: output.clone(),
        key_id,
        endpoint: endpoint.ok_or(USAGE)?,
        recipient: NsmSource::parse(&recipient.ok_or(USAGE)?)
            .map_err(|e| format!("--recipient: {e}\n{USAGE}"))?,
    })
}

fn client(args: &Args) -> Result<KmsClient, String> {
    let nsm = args
        .recipient
        .open()
        .map_err(|e| format!("--recipient {}: {e}", args.recipient))?;
    let region = std::env::var("AWS_DEFAULT_REGION").unwrap_or_else(|_| "us-east-1".into());
    let credentials = Credentials::from_env().map_err(|e| e.to_string())?;
    KmsClient::new(ClientConfig::new(&args.endpoint, &region, credentials))
        .and_then(|c| c.attested(nsm, RsaKeySize::Rsa2048))
        .map_err(|e| e.to_string())
}

/// The encryption context binding a data key to its file.
fn context(path: &str) -> HashMap<String, String> {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    HashMap::from([("file".to_owned(), name)])
}

async fn encrypt(args: &Args) -> Result<(), String> {
    let kms = client(args)?;
    let data = std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input))?;
    let key = kms
        .generate_data_key(&GenerateDataKeyRequest {
            key_id: args.key_id.clone(),
            key_spec: Some("AES_256".into()),
            encryption_context: Some(context(&args.output)),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let plaintext = key.plaintext.ok_or("no data key in the answer")?;
    let blob = key
        .ciphertext_blob
        .ok_or("no CiphertextBlob in the answer")?;
    let nonce: [u8; crypto::GCM_NONCE_LEN] = crypto::random_array().map_err(|e| e.to_string())?;
    let sealed = crypto::aes256_gcm_seal(plaintext.expose(), &nonce, b"", &data)
        .map_err(|e| e.to_string())?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    std::fs::write(&args.output, out).map_err(|e| format!("{}: {e}", args.output))?;
    std::fs::write(format!("{}.key", args.output), blob.as_bytes())
        .map_err(|e| format!("{}.key: {e}", args.output))?;
    Ok(())
}

async fn decrypt(args: &Args) -> Result<(), String> {
    let kms = client(args)?;
    let sealed = std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input))?;
    let blob = std::fs::read(format!("{}.key", args.input))
        .map_err(|e| format!("{}.key: {e}", args.input))?;
    // The data key is AES-256: holding the answer to 32 bytes leaves a parent that tampers with
    // the envelope no padding oracle (nitro_kms_client's docs).
    let key = kms
        .decrypt_expecting(
            &DecryptRequest {
                ciphertext_blob: Some(Blob::new(blob)),
                encryption_context: Some(context(&args.input)),
                ..Default::default()
            },
            crypto::AES256_KEY_LEN,
        )
        .await
        .map_err(|e| e.to_string())?;
    let plaintext = key.plaintext.ok_or("no data key in the answer")?;
    let (nonce, body) = sealed
        .split_at_checked(crypto::GCM_NONCE_LEN)
        .ok_or("file too short")?;
    let nonce: [u8; crypto::GCM_NONCE_LEN] = nonce.try_into().map_err(|_| "bad nonce")?;
    let data = crypto::aes256_gcm_open(plaintext.expose(), &nonce, b"", body)
        .map_err(|_| "the file does not authenticate under its data key")?;
    std::fs::write(&args.output, data.expose()).map_err(|e| format!("{}: {e}", args.output))
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("envelope-file: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match args.command.as_str() {
            "encrypt" if args.key_id.is_some() => encrypt(&args).await,
            "decrypt" => decrypt(&args).await,
            _ => Err(USAGE.to_owned()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("envelope-file: {e}");
            ExitCode::from(1)
        }
    }
}
