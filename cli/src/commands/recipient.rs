//! `nitro-kms recipient …`: KMS `CiphertextForRecipient` envelopes (CMS EnvelopedData).
//!
//! - `inspect FILE` prints the parts of an envelope as hex JSON, without decrypting;
//! - `decrypt FILE --key PKCS8` (PEM or DER) decrypts it with the recipient's RSA private key and prints the
//!   plaintext as base64 (as `aws kms` prints `Plaintext`); every failure is the one message of
//!   [`nitro_kms_client::open_envelope`] (`inspect` says what is wrong with the structure);
//! - `encrypt` does what KMS does for an attested request: encrypts a plaintext to the public key in
//!   a verified attestation document (or to a given SPKI) and writes the envelope.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use nitro_kms_attest::recipient;
use nitro_kms_crypto::RsaPrivateKey;
use serde_json::json;

use super::attestation::{TrustArgs, verify_document};
use crate::error::CliError;
use crate::input::key_file::{read_private_key, read_public_key};
use crate::input::{b64, base64_arg, read_blob};
use crate::output::{self, JsonStyle, print_json};

/// `nitro-kms recipient` subcommands.
#[derive(Subcommand, Debug)]
pub enum RecipientCommand {
    /// Print the parts of an envelope (ski, encrypted_key, iv, ciphertext) as hex JSON.
    Inspect {
        /// The envelope, raw BER or base64.
        file: PathBuf,
    },
    /// Decrypt an envelope with the recipient's private key; prints the plaintext as base64.
    Decrypt {
        /// The envelope, raw BER or base64.
        file: PathBuf,
        /// The recipient's RSA private key, PKCS#8 (PEM or DER).
        #[arg(long)]
        key: PathBuf,
    },
    /// Encrypt a plaintext to a recipient, as KMS does for a `Recipient` request.
    Encrypt(EncryptArgs),
}

/// Arguments of `recipient encrypt`.
#[derive(Args, Debug)]
pub struct EncryptArgs {
    /// The recipient's public key, SubjectPublicKeyInfo PEM or DER (RSA, 2048 bits or more).
    #[arg(
        long,
        conflicts_with = "attestation_document",
        required_unless_present = "attestation_document"
    )]
    public_key: Option<PathBuf>,
    /// An attestation document whose `public_key` is the recipient; it is verified first.
    #[arg(long)]
    attestation_document: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// The plaintext, base64.
    #[arg(long)]
    plaintext: String,
    /// Where to write the envelope (raw BER); without it, base64 goes to standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs a `recipient` subcommand.
pub fn run(cmd: RecipientCommand) -> Result<(), CliError> {
    match cmd {
        RecipientCommand::Inspect { file } => {
            let env = recipient::parse(&read_blob(&file)?)
                .map_err(|e| CliError::Check(format!("invalid envelope: {e}")))?;
            let out = json!({
                "ski": hex::encode(&env.subject_key_identifier),
                "encrypted_key": hex::encode(&env.encrypted_key),
                "iv": hex::encode(env.iv),
                "ciphertext": hex::encode(&env.ciphertext),
            });
            print_json(&out, JsonStyle::Pretty).map_err(CliError::stdout)
        }
        RecipientCommand::Decrypt { file, key } => {
            let envelope = read_blob(&file)?;
            let key = RsaPrivateKey::from_pkcs8_der(&read_private_key("--key", &key)?)
                .map_err(|e| CliError::Usage(format!("--key: not an RSA PKCS#8 key: {e}")))?;
            // One message whatever failed (no padding oracle, as in the attested client).
            let plaintext = nitro_kms_client::open_envelope(&envelope, &key, |_| true)
                .map_err(|e| CliError::Check(format!("cannot decrypt envelope: {e}")))?;
            output::line(&b64(plaintext.expose())).map_err(CliError::stdout)?;
            Ok(())
        }
        RecipientCommand::Encrypt(args) => encrypt(args),
    }
}

fn encrypt(args: EncryptArgs) -> Result<(), CliError> {
    let plaintext = base64_arg("--plaintext", &args.plaintext)?;
    let spki = match (&args.public_key, &args.attestation_document) {
        (Some(path), _) => read_public_key("--public-key", path)?,
        (None, Some(path)) => {
            let doc = verify_document(&read_blob(path)?, &args.trust)?;
            doc.public_key.ok_or_else(|| {
                CliError::Check("the attestation document has no public_key".to_owned())
            })?
        }
        (None, None) => {
            return Err(CliError::Usage(
                "one of --public-key or --attestation-document is required".to_owned(),
            ));
        }
    };
    let envelope = recipient::build(&plaintext, &spki)
        .map_err(|e| CliError::Check(format!("cannot encrypt to this recipient: {e}")))?;
    match args.out {
        Some(path) => std::fs::write(&path, &envelope)
            .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display()))),
        None => {
            output::line(&b64(&envelope)).map_err(CliError::stdout)?;
            Ok(())
        }
    }
}
