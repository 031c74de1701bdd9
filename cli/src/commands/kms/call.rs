//! Sending a KMS request and receiving its answer: signed with the settings' credentials,
//! attested with `--recipient` (the `Recipient` sent, `CiphertextForRecipient` opened and dropped
//! so the answer prints as the AWS CLI prints an unattested one; the rules an attested answer must
//! obey are [`KmsClient`]'s, whose typed operations this calls, so a parent that rewrote the
//! answer gets the same refusal here as in an enclave application), the pages of paginated
//! operations followed and merged as the AWS CLI does, and the answer put in model order.

use nitro_kms_api::Operation;
use nitro_kms_attest::nsm::source::NsmSource;
use nitro_kms_client::{ClientError, KmsClient};
use serde_json::{Map, Value};

use super::arguments::Globals;
use super::outcome::KmsOutcome;
use super::settings;
use crate::model::model;

/// Sends `op` with `body`; `None` when the answer has no body.
pub async fn call(op: Operation, g: &Globals, body: Value) -> Result<Option<Value>, KmsOutcome> {
    let config = settings::client_config(&g.settings)?;
    let client = KmsClient::new(config).map_err(|e| KmsOutcome::Other(e.to_string()))?;
    match &g.recipient {
        Some(recipient) => call_attested(op, client, recipient, body).await.map(Some),
        None => call_pages(op, client, body).await,
    }
}

/// Whether `--recipient` applies to `op`: the operations whose answer can carry
/// `CiphertextForRecipient`.
pub fn takes_recipient(op: Operation) -> bool {
    matches!(
        op,
        Operation::GenerateDataKey
            | Operation::GenerateDataKeyPair
            | Operation::Decrypt
            | Operation::GenerateRandom
    )
}

/// The AWS CLI's line for a service error (exit 254); anything else exits 255.
fn service_error(op: Operation, e: ClientError) -> KmsOutcome {
    match e {
        ClientError::Service(k) => KmsOutcome::Service(format!(
            "An error occurred ({}) when calling the {op} operation: {}",
            k.type_name(),
            k.message()
        )),
        other => KmsOutcome::Other(other.to_string()),
    }
}

/// `--recipient`: attests with the NSM it names, sends the `Recipient`, opens
/// `CiphertextForRecipient` into `Plaintext` (`PrivateKeyPlaintext` for a key pair) and drops it
/// from the answer. An answer the attested client refuses (a plaintext member on the wire, no
/// envelope, one that does not open to what was asked for) prints nothing and exits 255.
async fn call_attested(
    op: Operation,
    client: KmsClient,
    recipient: &str,
    body: Value,
) -> Result<Value, KmsOutcome> {
    let service = |e: ClientError| service_error(op, e);
    if !takes_recipient(op) {
        return Err(KmsOutcome::Usage(format!(
            "--recipient is not supported by {op}"
        )));
    }
    let source = NsmSource::parse(recipient)
        .map_err(|e| KmsOutcome::Usage(format!("argument --recipient: {e}")))?;
    source
        .check_present()
        .map_err(|e| KmsOutcome::Usage(format!("--recipient {source}: {e}")))?;
    let nsm = source
        .open()
        .map_err(|e| KmsOutcome::Other(format!("--recipient {source}: {e}")))?;
    let client = client
        .attested(nsm, nitro_kms_crypto::RsaKeySize::Rsa2048)
        .map_err(|e| KmsOutcome::Other(e.to_string()))?;
    let parse_err = |e: serde_json::Error| KmsOutcome::Usage(format!("invalid parameters: {e}"));
    let mut v = match op {
        Operation::GenerateDataKey => serde_json::to_value(
            client
                .generate_data_key(&serde_json::from_value(body).map_err(parse_err)?)
                .await
                .map_err(service)?,
        ),
        Operation::GenerateDataKeyPair => serde_json::to_value(
            client
                .generate_data_key_pair(&serde_json::from_value(body).map_err(parse_err)?)
                .await
                .map_err(service)?,
        ),
        Operation::Decrypt => serde_json::to_value(
            client
                .decrypt(&serde_json::from_value(body).map_err(parse_err)?)
                .await
                .map_err(service)?,
        ),
        _ => serde_json::to_value(
            client
                .generate_random(&serde_json::from_value(body).map_err(parse_err)?)
                .await
                .map_err(service)?,
        ),
    }
    .map_err(|e| KmsOutcome::Other(e.to_string()))?;
    // Printed as the AWS CLI prints an unattested answer.
    if let Value::Object(m) = &mut v {
        m.remove("CiphertextForRecipient");
    }
    Ok(v)
}

/// An unattested call. The AWS CLI follows the pages of paginated operations unless a Marker was
/// given, and prints the merged result key alone.
async fn call_pages(
    op: Operation,
    client: KmsClient,
    body: Value,
) -> Result<Option<Value>, KmsOutcome> {
    let result_key = match op {
        Operation::ListKeys => Some("Keys"),
        Operation::ListAliases => Some("Aliases"),
        Operation::ListResourceTags => Some("Tags"),
        Operation::ListKeyPolicies => Some("PolicyNames"),
        Operation::DescribeCustomKeyStores => Some("CustomKeyStores"),
        _ => None,
    };
    let paginate = result_key.filter(|_| body.get("Marker").is_none());
    let mut body = body;
    let mut merged: Vec<Value> = Vec::new();
    loop {
        let answer = client
            .call_raw(op, body.to_string().into_bytes())
            .await
            .map_err(|e| service_error(op, e))?;
        if answer.is_empty() {
            return Ok(None);
        }
        let page: Value = serde_json::from_slice(&answer)
            .map_err(|e| KmsOutcome::Other(format!("response is not JSON: {e}")))?;
        let Some(key) = paginate else {
            return Ok(Some(page));
        };
        if let Some(items) = page[key].as_array() {
            merged.extend(items.iter().cloned());
        }
        match page["NextMarker"].as_str() {
            Some(marker) if page["Truncated"] == Value::Bool(true) => {
                body["Marker"] = Value::String(marker.to_owned());
            }
            _ => {
                let mut out = Map::new();
                out.insert(key.to_owned(), Value::Array(merged));
                return Ok(Some(Value::Object(out)));
            }
        }
    }
}

/// Re-orders a response the way botocore parses it: structure members in model order (what the
/// AWS CLI prints), anything unknown after them.
pub fn in_model_order(v: Value, shape_name: &str) -> Value {
    let Some(s) = model().shape(shape_name) else {
        return v;
    };
    match (s.kind.as_str(), v) {
        ("structure", Value::Object(mut m)) => {
            let mut out = Map::new();
            for (name, r) in &s.members.0 {
                if let Some(x) = m.remove(name) {
                    out.insert(name.clone(), in_model_order(x, &r.shape));
                }
            }
            out.extend(m);
            Value::Object(out)
        }
        ("list", Value::Array(items)) => {
            let member = s.member.as_ref().map(|m| m.shape.as_str()).unwrap_or("");
            Value::Array(
                items
                    .into_iter()
                    .map(|i| in_model_order(i, member))
                    .collect(),
            )
        }
        (_, v) => v,
    }
}
