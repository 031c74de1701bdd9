//! The KMS subcommands: `nitro-kms generate-data-key --key-id ... --key-spec AES_256`, and every
//! other operation of the design, with the AWS CLI's option names, input forms and output.
//!
//! Options come from the embedded service model exactly as the AWS CLI derives them: one
//! `--kebab-name` per input member in model order, booleans as `--flag`/`--no-flag`, lists as
//! several values, maps and structures as JSON or shorthand (`K=V,K2=V2`), blobs as base64,
//! `fileb://` (raw file) or `file://` (text file); `--cli-input-json` (JSON or `file://`) supplies
//! members that options then override; `--generate-cli-skeleton [input|output]` prints the
//! skeleton. Globals: `--endpoint-url` (default `https://kms.REGION.amazonaws.com`), `--region`,
//! `--profile`, `--ca-bundle PEM`, `--output json|text|table`, `--query EXPR`, the service trust
//! (`--service-pcr N=HEX`, repeatable, with `--service-root PEM` or `--trust-simulated-root PEM`:
//! the endpoint is trusted only as an attested nitro-kms enclave, checked in the TLS handshake
//! before the request is sent), and
//! `--recipient nsm|simulated:DIR` (parsed by [`nitro_kms_attest::nsm::source::NsmSource`]) on
//! GenerateDataKey, GenerateDataKeyPair, Decrypt and GenerateRandom: the command attests, sends
//! the `Recipient`, opens `CiphertextForRecipient` and prints `Plaintext` (`PrivateKeyPlaintext`)
//! as the AWS CLI would have (the drop-in replacement for `kmstool-enclave-cli`), after
//! [`nitro_kms_client::KmsClient`]'s checks of the attested answer: one with a plaintext member,
//! without the envelope, or whose envelope does not open to what was asked for is refused.
//!
//! Exit status as the AWS CLI v2: 0, 252 for usage errors (before anything is sent), 254 for
//! service errors (`An error occurred (Type) when calling the Op operation: message`), 255 else.
//!
//! The layout, one step of a subcommand per file:
//!
//! - `subcommand.rs`: one subcommand from its arguments to its printed answer ([`run`]);
//! - `arguments.rs`: the AWS-CLI-shaped options, parsed from the model into the request body and
//!   the global options, and the AWS CLI's client-side checks;
//! - `settings.rs`: where and how to call — endpoint, region, profile, credentials, CA bundle —
//!   and the output format;
//! - `call.rs`: sending the request (attested with `--recipient`), following pages, and ordering
//!   the answer as botocore does;
//! - `skeleton.rs`: `--generate-cli-skeleton`;
//! - `help.rs`: `nitro-kms <op> help` (or `--help` anywhere) and the list of operations in
//!   `nitro-kms --help`, from the model's documentation (`doc_text.rs` makes its HTML text);
//! - `query.rs`: `--query EXPR`, JMESPath applied to the answer before it is formatted;
//! - `outcome.rs`: how a subcommand ended ([`KmsOutcome`]), which decides the exit status.
//!
//! Rendering is not here: answers are printed by [`crate::output`] (JSON), [`crate::text`] and
//! [`crate::table`].

mod arguments;
mod call;
mod doc_text;
mod help;
mod outcome;
mod query;
mod settings;
mod skeleton;
mod subcommand;

pub use help::operation_list;
pub use outcome::KmsOutcome;
pub use subcommand::{not_served, operation, run};
