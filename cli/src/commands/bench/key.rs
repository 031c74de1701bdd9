//! Which key the bench uses: `--key-id`, or the bench's own key behind `alias/nitro-kms-bench`
//! (or, for Sign, Verify and GenerateMac, behind the alias of that kind of key:
//! [`KeyNeed::alias`]).
//!
//! Without `--key-id` the bench used to create a new key on every run, silently, in whatever
//! state the endpoint keeps — with `make sim`, the user's saved simulation. Now it keeps one
//! dedicated key under a well-known alias: the first run creates the key (described as
//! [`BENCH_KEY_DESCRIPTION`]) and the alias, every later run finds it, and each run says on
//! stderr which key it uses and whether it made it. A key the alias points at that the bench
//! cannot use (disabled, pending deletion, or not of the spec and usage the operation needs) is a usage error naming the two
//! ways out, not a run full of failed requests.
//!
//! The CLI's single process settles the key before it starts any worker, so concurrent workers
//! never race to create it. Two bench processes started at once may still both find no alias;
//! the one whose CreateAlias loses (`AlreadyExistsException`) then uses the winner's key.

use nitro_kms_api::ops::{CreateAliasRequest, CreateKeyRequest, CreateKeyResponse};
use nitro_kms_api::ops::{DescribeKeyRequest, DescribeKeyResponse};
use nitro_kms_api::types::structures::KeyMetadata;
use nitro_kms_api::types::{KeySpec, KeyState, KeyUsageType};
use nitro_kms_api::{KmsErrorType, Operation};
use nitro_kms_client::{ClientError, KmsClient};
use serde_json::Value;

use super::progress::Progress;
use super::workload::KeyNeed;
use crate::error::CliError;

/// The description of the key the bench creates behind [`BENCH_ALIAS`](super::workload::BENCH_ALIAS), so that `list-keys` /
/// `describe-key` tell a user where it came from.
pub(super) const BENCH_KEY_DESCRIPTION: &str = "nitro-kms bench key";

/// The key ID every request of the run names: `given` (`--key-id`) as it is, or the key behind
/// the alias of the kind of key the run `need`s ([`BENCH_ALIAS`](super::workload::BENCH_ALIAS) for the symmetric key), created
/// with the alias if there is none. Says on stderr which key the alias gave and whether this run
/// created it.
pub(super) async fn bench_key(
    client: &KmsClient,
    given: Option<&str>,
    need: KeyNeed,
    progress: Progress,
) -> Result<String, CliError> {
    if let Some(key_id) = given {
        return Ok(key_id.to_owned());
    }
    let alias = need.alias();
    let (metadata, how) = match describe_alias(client, &alias).await? {
        Some(existing) => (existing, "existing"),
        None => match create_key_and_alias(client, need, &alias).await? {
            Created::Now(created) => (*created, "created now"),
            // Another bench created the alias between our DescribeKey and our CreateAlias.
            Created::Lost => (
                describe_alias(client, &alias).await?.ok_or_else(|| {
                    CliError::Other(format!(
                        "{alias} exists (CreateAlias said so) yet DescribeKey cannot find it"
                    ))
                })?,
                "existing",
            ),
        },
    };
    check_usable(&metadata, need, &alias).map_err(CliError::Usage)?;
    progress.note(&format!("using key {} ({alias}, {how})", metadata.key_id));
    Ok(metadata.key_id)
}

/// What CreateKey + CreateAlias gave.
enum Created {
    /// This run made the key and the alias.
    Now(Box<KeyMetadata>),
    /// The alias appeared meanwhile (another bench process): the key made here stays unused.
    Lost,
}

/// The key behind `alias`, or `None` when the alias does not exist.
async fn describe_alias(client: &KmsClient, alias: &str) -> Result<Option<KeyMetadata>, CliError> {
    let request = DescribeKeyRequest {
        key_id: Some(alias.to_owned()),
        grant_tokens: None,
    };
    match client
        .call::<_, DescribeKeyResponse>(Operation::DescribeKey, &request)
        .await
    {
        Ok(answer) => answer
            .key_metadata
            .map(Some)
            .ok_or_else(|| CliError::Other("DescribeKey answered without KeyMetadata".into())),
        Err(ClientError::Service(e)) if e.kind() == KmsErrorType::NotFound => Ok(None),
        Err(e) => Err(CliError::Other(format!("DescribeKey {alias}: {e}"))),
    }
}

/// Creates a bench key of the kind the run needs and points `alias` at it.
async fn create_key_and_alias(
    client: &KmsClient,
    need: KeyNeed,
    alias_name: &str,
) -> Result<Created, CliError> {
    let request = CreateKeyRequest {
        description: Some(BENCH_KEY_DESCRIPTION.to_owned()),
        key_spec: Some(need.spec.as_str().to_owned()),
        key_usage: Some(need.usage.as_str().to_owned()),
        ..CreateKeyRequest::default()
    };
    let created = client
        .call::<_, CreateKeyResponse>(Operation::CreateKey, &request)
        .await
        .map_err(|e| CliError::Other(format!("CreateKey: {e}")))?
        .key_metadata
        .ok_or_else(|| CliError::Other("CreateKey answered without KeyMetadata".into()))?;
    let alias = CreateAliasRequest {
        alias_name: Some(alias_name.to_owned()),
        target_key_id: Some(created.key_id.clone()),
    };
    match client
        .call::<_, Value>(Operation::CreateAlias, &alias)
        .await
    {
        Ok(_) => Ok(Created::Now(Box::new(created))),
        Err(ClientError::Service(e)) if e.kind() == KmsErrorType::AlreadyExists => {
            Ok(Created::Lost)
        }
        Err(e) => Err(CliError::Other(format!("CreateAlias {alias_name}: {e}"))),
    }
}

/// Whether the bench can use the key behind `alias`: an enabled key of the spec and usage the
/// run `need`s (GenerateDataKey and Decrypt: a symmetric encryption key; Sign and Verify: a
/// signing key of the `--key-spec`; GenerateMac: an HMAC key of it). The error is the one line
/// the user sees (exit 252).
fn check_usable(key: &KeyMetadata, need: KeyNeed, alias: &str) -> Result<(), String> {
    let state = key.key_state;
    let spec = key.key_spec;
    let usage = key.key_usage;
    if state == Some(KeyState::Enabled) && spec == Some(need.spec) && usage == Some(need.usage) {
        return Ok(());
    }
    let shown = |v: Option<&'static str>| v.unwrap_or("unknown");
    Err(format!(
        "{alias} points at key {} ({}, {}, {}), but bench needs an Enabled \
         {} {} key: pass --key-id, or delete the alias \
         (nitro-kms delete-alias --alias-name {alias}) to let bench create a new one",
        key.key_id,
        shown(state.map(KeyState::as_str)),
        shown(spec.map(KeySpec::as_str)),
        shown(usage.map(KeyUsageType::as_str)),
        need.spec.as_str(),
        need.usage.as_str(),
    ))
}

#[cfg(test)]
mod tests;
