//! Tests that pin this crate to botocore's service model (`common/api/spec/kms-service-2.json`).
//!
//! Nothing here hard-codes what the model says: every expectation is read from the model file,
//! so a newer model that adds a member, a value or a constraint makes these tests fail until the
//! structs follow it.

use std::collections::BTreeSet;
use std::fmt;

use proptest::prelude::*;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::blob::encode_base64;
use crate::error::KmsErrorType;
use crate::json::{self, Kind, Member, Shape};
use crate::key_id::KeyRef;
use crate::ops::*;
use crate::types::*;
use crate::validate::{Validate, Violations};
use crate::{KmsError, KmsRequest, Operation};

const MODEL_TEXT: &str = crate::SERVICE_MODEL;

static MODEL: std::sync::LazyLock<Value> =
    std::sync::LazyLock::new(|| serde_json::from_str(MODEL_TEXT).unwrap());

fn model() -> Value {
    MODEL.clone()
}

fn shape<'a>(model: &'a Value, name: &str) -> &'a Value {
    let s = &model["shapes"][name];
    assert!(s.is_object(), "shape {name} not in the model");
    s
}

/// Decodes a request body and checks its model constraints.
type ConstraintCheck = fn(&[u8]) -> Result<(), KmsError>;

/// What the tests need to know about one Rust struct.
struct ShapeInfo {
    name: &'static str,
    members: &'static [Member],
    /// Deserialize a JSON value into the struct and serialize it back.
    round_trip: fn(&Value) -> Value,
    /// Deserialize a JSON value into the struct and serialize the struct to text.
    to_text: fn(&Value) -> String,
    /// Request structs only: decode a body and check model constraints (no service rules).
    constraints: Option<ConstraintCheck>,
}

fn round_trip<T: Serialize + DeserializeOwned>(value: &Value) -> Value {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{value} does not deserialize: {e}"));
    serde_json::to_value(typed).unwrap()
}

fn to_text<T: Serialize + DeserializeOwned>(value: &Value) -> String {
    serde_json::to_string(&serde_json::from_value::<T>(value.clone()).unwrap()).unwrap()
}

fn constraints<T: Shape + DeserializeOwned + Validate>(body: &[u8]) -> Result<(), KmsError> {
    let request: T = json::decode(body)?;
    let mut v = Violations::new();
    request.check_constraints(&mut v);
    v.into_result()
}

fn request<T: Shape + Serialize + DeserializeOwned + Validate>() -> ShapeInfo {
    ShapeInfo {
        name: T::NAME,
        members: T::MEMBERS,
        round_trip: round_trip::<T>,
        to_text: to_text::<T>,
        constraints: Some(constraints::<T>),
    }
}

fn response<T: Shape + Serialize + DeserializeOwned>() -> ShapeInfo {
    ShapeInfo {
        name: T::NAME,
        members: T::MEMBERS,
        round_trip: round_trip::<T>,
        to_text: to_text::<T>,
        constraints: None,
    }
}

/// Every operation with its request and (if the model has one) response struct.
fn operations() -> Vec<(Operation, ShapeInfo, Option<ShapeInfo>)> {
    use Operation as O;
    vec![
        (
            O::GenerateDataKey,
            request::<GenerateDataKeyRequest>(),
            Some(response::<GenerateDataKeyResponse>()),
        ),
        (
            O::GenerateDataKeyWithoutPlaintext,
            request::<GenerateDataKeyWithoutPlaintextRequest>(),
            Some(response::<GenerateDataKeyWithoutPlaintextResponse>()),
        ),
        (
            O::Decrypt,
            request::<DecryptRequest>(),
            Some(response::<DecryptResponse>()),
        ),
        (
            O::Encrypt,
            request::<EncryptRequest>(),
            Some(response::<EncryptResponse>()),
        ),
        (
            O::ReEncrypt,
            request::<ReEncryptRequest>(),
            Some(response::<ReEncryptResponse>()),
        ),
        (
            O::GenerateRandom,
            request::<GenerateRandomRequest>(),
            Some(response::<GenerateRandomResponse>()),
        ),
        (
            O::CreateKey,
            request::<CreateKeyRequest>(),
            Some(response::<CreateKeyResponse>()),
        ),
        (
            O::DescribeKey,
            request::<DescribeKeyRequest>(),
            Some(response::<DescribeKeyResponse>()),
        ),
        (
            O::ListKeys,
            request::<ListKeysRequest>(),
            Some(response::<ListKeysResponse>()),
        ),
        (O::CreateAlias, request::<CreateAliasRequest>(), None),
        (O::UpdateAlias, request::<UpdateAliasRequest>(), None),
        (O::DeleteAlias, request::<DeleteAliasRequest>(), None),
        (
            O::ListAliases,
            request::<ListAliasesRequest>(),
            Some(response::<ListAliasesResponse>()),
        ),
        (O::EnableKey, request::<EnableKeyRequest>(), None),
        (O::DisableKey, request::<DisableKeyRequest>(), None),
        (
            O::ScheduleKeyDeletion,
            request::<ScheduleKeyDeletionRequest>(),
            Some(response::<ScheduleKeyDeletionResponse>()),
        ),
        (
            O::CancelKeyDeletion,
            request::<CancelKeyDeletionRequest>(),
            Some(response::<CancelKeyDeletionResponse>()),
        ),
        (
            O::GetKeyPolicy,
            request::<GetKeyPolicyRequest>(),
            Some(response::<GetKeyPolicyResponse>()),
        ),
        (O::PutKeyPolicy, request::<PutKeyPolicyRequest>(), None),
        (
            O::GenerateDataKeyPair,
            request::<GenerateDataKeyPairRequest>(),
            Some(response::<GenerateDataKeyPairResponse>()),
        ),
        (
            O::GenerateDataKeyPairWithoutPlaintext,
            request::<GenerateDataKeyPairWithoutPlaintextRequest>(),
            Some(response::<GenerateDataKeyPairWithoutPlaintextResponse>()),
        ),
        (O::TagResource, request::<TagResourceRequest>(), None),
        (O::UntagResource, request::<UntagResourceRequest>(), None),
        (
            O::ListResourceTags,
            request::<ListResourceTagsRequest>(),
            Some(response::<ListResourceTagsResponse>()),
        ),
        (
            O::UpdateKeyDescription,
            request::<UpdateKeyDescriptionRequest>(),
            None,
        ),
        (
            O::ListKeyPolicies,
            request::<ListKeyPoliciesRequest>(),
            Some(response::<ListKeyPoliciesResponse>()),
        ),
        (
            O::CreateCustomKeyStore,
            request::<CreateCustomKeyStoreRequest>(),
            Some(response::<CreateCustomKeyStoreResponse>()),
        ),
        (
            O::ConnectCustomKeyStore,
            request::<ConnectCustomKeyStoreRequest>(),
            Some(response::<ConnectCustomKeyStoreResponse>()),
        ),
        (
            O::DeleteCustomKeyStore,
            request::<DeleteCustomKeyStoreRequest>(),
            Some(response::<DeleteCustomKeyStoreResponse>()),
        ),
        (
            O::DescribeCustomKeyStores,
            request::<DescribeCustomKeyStoresRequest>(),
            Some(response::<DescribeCustomKeyStoresResponse>()),
        ),
        (
            O::DisconnectCustomKeyStore,
            request::<DisconnectCustomKeyStoreRequest>(),
            Some(response::<DisconnectCustomKeyStoreResponse>()),
        ),
        (
            O::UpdateCustomKeyStore,
            request::<UpdateCustomKeyStoreRequest>(),
            Some(response::<UpdateCustomKeyStoreResponse>()),
        ),
        (
            O::Sign,
            request::<SignRequest>(),
            Some(response::<SignResponse>()),
        ),
        (
            O::Verify,
            request::<VerifyRequest>(),
            Some(response::<VerifyResponse>()),
        ),
        (
            O::GetPublicKey,
            request::<GetPublicKeyRequest>(),
            Some(response::<GetPublicKeyResponse>()),
        ),
        (
            O::EnableKeyRotation,
            request::<EnableKeyRotationRequest>(),
            None,
        ),
        (
            O::DisableKeyRotation,
            request::<DisableKeyRotationRequest>(),
            None,
        ),
        (
            O::GetKeyRotationStatus,
            request::<GetKeyRotationStatusRequest>(),
            Some(response::<GetKeyRotationStatusResponse>()),
        ),
        (
            O::RotateKeyOnDemand,
            request::<RotateKeyOnDemandRequest>(),
            Some(response::<RotateKeyOnDemandResponse>()),
        ),
        (
            O::ListKeyRotations,
            request::<ListKeyRotationsRequest>(),
            Some(response::<ListKeyRotationsResponse>()),
        ),
        (
            O::GetParametersForImport,
            request::<GetParametersForImportRequest>(),
            Some(response::<GetParametersForImportResponse>()),
        ),
        (
            O::ImportKeyMaterial,
            request::<ImportKeyMaterialRequest>(),
            Some(response::<ImportKeyMaterialResponse>()),
        ),
        (
            O::DeleteImportedKeyMaterial,
            request::<DeleteImportedKeyMaterialRequest>(),
            Some(response::<DeleteImportedKeyMaterialResponse>()),
        ),
        (
            O::CreateGrant,
            request::<CreateGrantRequest>(),
            Some(response::<CreateGrantResponse>()),
        ),
        (
            O::ListGrants,
            request::<ListGrantsRequest>(),
            Some(response::<ListGrantsResponse>()),
        ),
        (
            O::ListRetirableGrants,
            request::<ListRetirableGrantsRequest>(),
            Some(response::<ListGrantsResponse>()),
        ),
        (O::RetireGrant, request::<RetireGrantRequest>(), None),
        (O::RevokeGrant, request::<RevokeGrantRequest>(), None),
        (
            O::Encapsulate,
            request::<EncapsulateRequest>(),
            Some(response::<EncapsulateResponse>()),
        ),
        (
            O::Decapsulate,
            request::<DecapsulateRequest>(),
            Some(response::<DecapsulateResponse>()),
        ),
        (
            O::GetKeyLastUsage,
            request::<GetKeyLastUsageRequest>(),
            Some(response::<GetKeyLastUsageResponse>()),
        ),
        (
            O::GenerateMac,
            request::<GenerateMacRequest>(),
            Some(response::<GenerateMacResponse>()),
        ),
        (
            O::VerifyMac,
            request::<VerifyMacRequest>(),
            Some(response::<VerifyMacResponse>()),
        ),
        (
            O::DeriveSharedSecret,
            request::<DeriveSharedSecretRequest>(),
            Some(response::<DeriveSharedSecretResponse>()),
        ),
        (
            O::ReplicateKey,
            request::<ReplicateKeyRequest>(),
            Some(response::<ReplicateKeyResponse>()),
        ),
        (
            O::UpdatePrimaryRegion,
            request::<UpdatePrimaryRegionRequest>(),
            None,
        ),
    ]
}

fn camel(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

// ------------------------------------------------------------------------------------------------
// Operations, errors and enums
// ------------------------------------------------------------------------------------------------

#[test]
fn every_operation_maps_to_the_models_input_and_output_shapes() {
    let model = model();
    let ops = operations();
    let listed: BTreeSet<_> = ops
        .iter()
        .map(|(op, ..)| *op)
        .map(Operation::name)
        .collect();
    let all: BTreeSet<_> = Operation::ALL.iter().map(|op| op.name()).collect();
    assert_eq!(listed, all, "the test table must cover Operation::ALL");
    for (op, input, output) in &ops {
        let entry = &model["operations"][op.name()];
        assert!(entry.is_object(), "{op} is not a model operation");
        assert_eq!(entry["input"]["shape"], input.name, "{op} input");
        assert_eq!(
            entry["output"]["shape"].as_str(),
            output.as_ref().map(|o| o.name),
            "{op} output"
        );
        assert_eq!(
            entry.get("output").is_some(),
            op.has_output(),
            "{op} has_output"
        );
    }
}

#[test]
fn every_error_the_model_lists_for_these_operations_is_a_known_type() {
    let model = model();
    for &op in Operation::ALL {
        for error in model["operations"][op.name()]["errors"].as_array().unwrap() {
            let name = error["shape"].as_str().unwrap();
            let kind = KmsErrorType::from_type_name(name)
                .unwrap_or_else(|| panic!("{op} may return {name}, unknown to KmsErrorType"));
            assert_eq!(kind.type_name(), name);
        }
    }
}

#[test]
fn every_error_shape_of_the_model_is_known_and_faults_are_500() {
    let model = model();
    for (name, s) in model["shapes"].as_object().unwrap() {
        if s["exception"] != json!(true) {
            continue;
        }
        let kind = KmsErrorType::from_type_name(name)
            .unwrap_or_else(|| panic!("model error {name} unknown to KmsErrorType"));
        let fault = s["fault"] == json!(true);
        assert_eq!(kind.http_status(), if fault { 500 } else { 400 }, "{name}");
        // The model gives no explicit HTTP codes; if it ever does, they must agree.
        if let Some(code) = s["error"]["httpStatusCode"].as_u64() {
            assert_eq!(u64::from(kind.http_status()), code, "{name}");
        }
    }
}

fn assert_enum_matches_model<E: KmsEnum + fmt::Debug>(model: &Value) {
    let values: Vec<&str> = shape(model, E::SHAPE)["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let ours: Vec<&str> = E::ALL.iter().map(|v| v.as_str()).collect();
    assert_eq!(ours, values, "{} values (in model order)", E::SHAPE);
}

#[test]
fn every_enum_has_exactly_the_models_values_in_model_order() {
    let model = model();
    assert_enum_matches_model::<DataKeySpec>(&model);
    assert_enum_matches_model::<DataKeyPairSpec>(&model);
    assert_enum_matches_model::<KeySpec>(&model);
    assert_enum_matches_model::<CustomerMasterKeySpec>(&model);
    assert_enum_matches_model::<KeyUsageType>(&model);
    assert_enum_matches_model::<KeyState>(&model);
    assert_enum_matches_model::<EncryptionAlgorithmSpec>(&model);
    assert_enum_matches_model::<SigningAlgorithmSpec>(&model);
    assert_enum_matches_model::<KeyAgreementAlgorithmSpec>(&model);
    assert_enum_matches_model::<EncapsulationAlgorithmSpec>(&model);
    assert_enum_matches_model::<MacAlgorithmSpec>(&model);
    assert_enum_matches_model::<KeyEncryptionMechanism>(&model);
    assert_enum_matches_model::<OriginType>(&model);
    assert_enum_matches_model::<ExpirationModelType>(&model);
    assert_enum_matches_model::<KeyManagerType>(&model);
    assert_enum_matches_model::<MultiRegionKeyType>(&model);
    assert_enum_matches_model::<ResourceOwnerType>(&model);
    assert_enum_matches_model::<DryRunModifierType>(&model);
    assert_enum_matches_model::<crate::ops::custom_key_stores::CustomKeyStoreType>(&model);
    assert_enum_matches_model::<crate::ops::custom_key_stores::XksProxyConnectivityType>(&model);
}

// ------------------------------------------------------------------------------------------------
// Members
// ------------------------------------------------------------------------------------------------

/// Compares a Rust member list with a model structure, recursively.
fn assert_members_match(model: &Value, shape_name: &str, members: &[Member]) {
    let s = shape(model, shape_name);
    assert_eq!(s["type"], "structure", "{shape_name}");
    let model_members = s["members"].as_object().unwrap();
    let theirs: BTreeSet<&str> = model_members.keys().map(String::as_str).collect();
    let ours: BTreeSet<&str> = members.iter().map(|m| m.name).collect();
    assert_eq!(ours.len(), members.len(), "{shape_name}: duplicate member");
    assert_eq!(ours, theirs, "{shape_name}: member names");
    for member in members {
        let target = model_members[member.name]["shape"].as_str().unwrap();
        assert_kind_matches(
            model,
            &format!("{shape_name}.{}", member.name),
            target,
            member.kind,
        );
    }
}

fn assert_kind_matches(model: &Value, at: &str, target: &str, kind: Kind) {
    let s = shape(model, target);
    let sensitive = s["sensitive"] == json!(true);
    match (s["type"].as_str().unwrap(), kind) {
        ("string", Kind::String)
        | ("integer", Kind::Integer)
        | ("boolean", Kind::Boolean)
        | ("timestamp", Kind::Timestamp) => {}
        ("blob", Kind::Blob) => assert!(!sensitive, "{at} is sensitive in the model"),
        ("blob", Kind::SensitiveBlob) => assert!(sensitive, "{at} is not sensitive in the model"),
        ("list", Kind::List(inner)) => {
            assert_kind_matches(model, at, s["member"]["shape"].as_str().unwrap(), *inner);
        }
        ("map", Kind::Map(inner)) => {
            assert_eq!(
                shape(model, s["key"]["shape"].as_str().unwrap())["type"],
                "string"
            );
            assert_kind_matches(model, at, s["value"]["shape"].as_str().unwrap(), *inner);
        }
        ("structure", Kind::Structure(members)) => assert_members_match(model, target, members),
        (model_type, ours) => panic!("{at}: model type {model_type}, ours {ours:?}"),
    }
}

#[test]
fn every_struct_has_exactly_the_models_members_and_types() {
    let model = model();
    for (_, input, output) in operations() {
        assert_members_match(&model, input.name, input.members);
        if let Some(output) = output {
            assert_members_match(&model, output.name, output.members);
        }
    }
}

/// A JSON value of the model's shape `name` with every member populated, each value satisfying
/// the model's constraints (first enum value, minimum lengths, ...).
fn sample(model: &Value, name: &str) -> Value {
    let s = shape(model, name);
    match s["type"].as_str().unwrap() {
        "string" => match s["enum"].as_array() {
            Some(values) => values[0].clone(),
            None => match s["pattern"].as_str().and_then(pattern_sample) {
                Some(value) => json!(value),
                None => Value::String("a".repeat(s["min"].as_u64().unwrap_or(1).max(1) as usize)),
            },
        },
        "integer" => json!(s["min"].as_i64().unwrap_or(1)),
        "boolean" => json!(true),
        "blob" => json!("AAAA"),
        "timestamp" => json!(1.5),
        "list" => json!([sample(model, s["member"]["shape"].as_str().unwrap())]),
        "map" => json!({"k": sample(model, s["value"]["shape"].as_str().unwrap())}),
        "structure" => {
            let mut object = Map::new();
            for (member, target) in s["members"].as_object().unwrap() {
                object.insert(
                    member.clone(),
                    sample(model, target["shape"].as_str().unwrap()),
                );
            }
            Value::Object(object)
        }
        other => panic!("{name}: unexpected type {other}"),
    }
}

#[test]
fn fully_populated_model_samples_survive_a_serde_round_trip_unchanged() {
    // Deserialize a body with every member of the model set, serialize it back: any member the
    // struct misses or renames is lost or changed, and the comparison fails.
    let model = model();
    for (op, input, output) in operations() {
        for info in std::iter::once(&input).chain(output.as_ref()) {
            let sample = sample(&model, info.name);
            assert_eq!((info.round_trip)(&sample), sample, "{op}: {}", info.name);
        }
    }
}

#[test]
fn empty_structs_serialize_to_empty_objects() {
    // `None` members are omitted; only KeyMetadata.KeyId is never optional (required output).
    let model = model();
    for (op, input, output) in operations() {
        for info in std::iter::once(&input).chain(output.as_ref()) {
            assert_eq!(
                (info.round_trip)(&json!({})),
                json!({}),
                "{op}: {}",
                info.name
            );
        }
    }
    let metadata = serde_json::to_value(KeyMetadata::default()).unwrap();
    assert_eq!(metadata, json!({"KeyId": ""}));
    assert_eq!(shape(&model, "KeyMetadata")["required"], json!(["KeyId"]));
}

/// A JSON value that remembers the order of object keys.
enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    Scalar,
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;
        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry()? {
                    entries.push((key, value));
                }
                Ok(Ordered::Object(entries))
            }
        }
        deserializer.deserialize_any(OrderedVisitor)
    }
}

fn assert_keys_sorted(value: &Ordered, at: &str) {
    match value {
        Ordered::Object(entries) => {
            let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(keys, sorted, "{at}: members not in ASCII order");
            for (key, inner) in entries {
                assert_keys_sorted(inner, &format!("{at}.{key}"));
            }
        }
        Ordered::Array(items) => items.iter().for_each(|i| assert_keys_sorted(i, at)),
        Ordered::Scalar => {}
    }
}

#[test]
fn responses_write_members_in_ascii_order_like_aws() {
    let model = model();
    for (_, _, output) in operations() {
        let Some(output) = output else { continue };
        // Through the struct to text (serde_json::Value would sort keys by itself).
        let text = (output.to_text)(&sample(&model, output.name));
        let ordered: Ordered = serde_json::from_str(&text).unwrap();
        assert_keys_sorted(&ordered, output.name);
    }
}

#[test]
fn response_member_lists_are_declared_in_ascii_order() {
    fn check(members: &[Member], at: &str) {
        let names: Vec<&str> = members.iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted, "{at}");
        for m in members {
            let mut kind = m.kind;
            while let Kind::List(inner) = kind {
                kind = *inner;
            }
            if let Kind::Structure(inner) = kind {
                check(inner, &format!("{at}.{}", m.name));
            }
        }
    }
    for (_, _, output) in operations() {
        if let Some(output) = output {
            check(output.members, output.name);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Constraints
// ------------------------------------------------------------------------------------------------

#[test]
fn model_samples_of_every_request_satisfy_every_constraint() {
    let model = model();
    for (op, input, _) in operations() {
        let body = sample(&model, input.name).to_string();
        let check = input.constraints.unwrap();
        if let Err(e) = check(body.as_bytes()) {
            panic!("{op}: sample {body} violates: {e}");
        }
    }
}

/// One way to break a constraint of the model: the value to put at `path` (None = remove the
/// member) and the violation AWS would report.
struct Breach {
    path: Vec<PathStep>,
    value: Option<Value>,
    expected: String,
}

#[derive(Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

/// A value that breaks a model pattern without breaking its length constraints. Keyed by the
/// pattern text, so a new pattern in the model makes the test fail until one is added here.
fn pattern_breaker(pattern: &str) -> &'static str {
    match pattern {
        "^[a-zA-Z0-9:/_-]+$" | "[\\w]+" | "^[a-zA-Z0-9-_.]+$" => "a b",
        "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+" => "\u{100}",
        "[\\u0020-\\u00FF]*" => "\n",
        // The custom key store patterns (issue 18), each inside its member's length bounds.
        "cluster-[2-7a-zA-Z]{11,16}" => "cluster-0000000000000",
        "^https://[a-zA-Z0-9.-]+$" => "http://example.com",
        r"^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$" => "/kms/xks/v1x",
        r"^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$" => {
            "com.amazonaws.vpce.us-east-1.vpce-svc-X"
        }
        "[0-9]{12}" => "11112222333a",
        "^[A-Z2-7]+$" => "ABCDEFGHIJKLMNOPQRS1",
        r"^[a-zA-Z0-9\/+=]+$" => "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        // Imported key material (issue 18): KeyMaterialDescription, and KeyMaterialId (64 long).
        r"^[a-zA-Z0-9:/_\s.-]+$" => "a;b",
        "^[a-f0-9]+$" => "ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD",
        // The grant patterns (issue 18).
        r"^[\w+=,.@:/-]+$" => "a b",
        r"^([A-Za-z0-9\-]+)\.([A-Za-z0-9\-]+)(\.[A-Za-z0-9\-]+)+$" => "a.b",
        "^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$" => "arn:aws:s3:us-east-1:1111:b",
        // RegionType (ReplicateKey, UpdatePrimaryRegion).
        r"^([a-z]+-){2,3}\d+$" => "us-east-1a",
        other => panic!("no breaking value known for pattern {other}"),
    }
}

/// A value that satisfies a model pattern and its member's length bounds, for the patterns a
/// run of `a` does not satisfy.
fn pattern_sample(pattern: &str) -> Option<&'static str> {
    Some(match pattern {
        "cluster-[2-7a-zA-Z]{11,16}" => "cluster-abcdefghijk",
        "^https://[a-zA-Z0-9.-]+$" => "https://a.example.com",
        r"^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$" => "/kms/xks/v1",
        r"^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$" => {
            "com.amazonaws.vpce.us-east-1.vpce-svc-0a1b"
        }
        "[0-9]{12}" => "111122223333",
        "^[A-Z2-7]+$" => "ABCDEFGHIJKLMNOPQRST",
        r"^([A-Za-z0-9\-]+)\.([A-Za-z0-9\-]+)(\.[A-Za-z0-9\-]+)+$" => "dynamodb.amazonaws.com",
        "^arn:aws[a-z0-9-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]{12}:.+$" => {
            "arn:aws:s3:us-east-1:111122223333:b"
        }
        r"^([a-z]+-){2,3}\d+$" => "eu-west-1",
        _ => return None,
    })
}

fn render_list(items: &[Value]) -> String {
    let texts: Vec<String> = items
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    format!("[{}]", texts.join(", "))
}

/// Every breach of every constraint reachable from structure `name` (camelCase `prefix`).
fn breaches(model: &Value, name: &str, path: &[PathStep], prefix: &str, out: &mut Vec<Breach>) {
    let s = shape(model, name);
    let required: Vec<&str> = s["required"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    for (member, target) in s["members"].as_object().unwrap() {
        let target = target["shape"].as_str().unwrap();
        let mut member_path = path.to_vec();
        member_path.push(PathStep::Key(member.clone()));
        let aws_path = if prefix.is_empty() {
            camel(member)
        } else {
            format!("{prefix}.{}", camel(member))
        };
        if required.contains(&member.as_str()) {
            let shown = if shape(model, target)["sensitive"] == json!(true) {
                "Value"
            } else {
                "Value null"
            };
            out.push(Breach {
                path: member_path.clone(),
                value: None,
                expected: format!(
                    "{shown} at '{aws_path}' failed to satisfy constraint: Member must not be null"
                ),
            });
        }
        value_breaches(model, target, &member_path, &aws_path, out);
    }
}

fn value_breaches(
    model: &Value,
    target: &str,
    path: &[PathStep],
    aws_path: &str,
    out: &mut Vec<Breach>,
) {
    let s = shape(model, target);
    let min = s["min"].as_u64();
    let max = s["max"].as_u64();
    let mut push = |value: Value, shown: String, constraint: String| {
        out.push(Breach {
            path: path.to_vec(),
            value: Some(value),
            expected: format!("{shown} at '{aws_path}' failed to satisfy constraint: {constraint}"),
        });
    };
    // A sensitive string is never quoted (`Value at '...'`).
    let quoted = |text: &str| {
        if s["sensitive"] == json!(true) {
            "Value".to_owned()
        } else {
            format!("Value '{text}'")
        }
    };
    match s["type"].as_str().unwrap() {
        "string" => {
            if let Some(values) = s["enum"].as_array() {
                let set: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
                assert!(!set.contains(&"NOT_A_VALUE"));
                push(
                    json!("NOT_A_VALUE"),
                    "Value 'NOT_A_VALUE'".into(),
                    "Member must satisfy enum value set: [".into(),
                );
            }
            if let Some(min) = min.filter(|&m| m > 0) {
                let short = "a".repeat(min as usize - 1);
                push(
                    json!(short),
                    quoted(&short),
                    format!("Member must have length greater than or equal to {min}"),
                );
            }
            if let Some(max) = max {
                let long = "a".repeat(max as usize + 1);
                push(
                    json!(long),
                    quoted(&long),
                    format!("Member must have length less than or equal to {max}"),
                );
            }
            if let Some(pattern) = s["pattern"].as_str() {
                let bad = pattern_breaker(pattern);
                push(
                    json!(bad),
                    quoted(bad),
                    format!("Member must satisfy regular expression pattern: {pattern}"),
                );
            }
        }
        "integer" => {
            if let Some(min) = s["min"].as_i64() {
                push(
                    json!(min - 1),
                    format!("Value '{}'", min - 1),
                    format!("Member must have value greater than or equal to {min}"),
                );
            }
            if let Some(max) = s["max"].as_i64() {
                push(
                    json!(max + 1),
                    format!("Value '{}'", max + 1),
                    format!("Member must have value less than or equal to {max}"),
                );
            }
        }
        "blob" => {
            let sensitive = s["sensitive"] == json!(true);
            let shown = |len: u64| {
                if sensitive {
                    "Value".to_owned()
                } else {
                    format!("Value 'java.nio.HeapByteBuffer[pos=0 lim={len} cap={len}]'")
                }
            };
            if let Some(min) = min.filter(|&m| m > 0) {
                let len = min - 1;
                push(
                    json!(encode_base64(&vec![0; len as usize])),
                    shown(len),
                    format!("Member must have length greater than or equal to {min}"),
                );
            }
            if let Some(max) = max {
                let len = max + 1;
                push(
                    json!(encode_base64(&vec![0; len as usize])),
                    shown(len),
                    format!("Member must have length less than or equal to {max}"),
                );
            }
        }
        "list" => {
            let element_shape = s["member"]["shape"].as_str().unwrap();
            let element = sample(model, element_shape);
            if let Some(min) = min.filter(|&m| m > 0) {
                let items = vec![element.clone(); min as usize - 1];
                push(
                    Value::Array(items.clone()),
                    format!("Value '{}'", render_list(&items)),
                    format!("Member must have length greater than or equal to {min}"),
                );
            }
            if let Some(max) = max {
                let items = vec![element.clone(); max as usize + 1];
                push(
                    Value::Array(items.clone()),
                    format!("Value '{}'", render_list(&items)),
                    format!("Member must have length less than or equal to {max}"),
                );
            }
            let mut element_path = path.to_vec();
            element_path.push(PathStep::Index(0));
            let element_aws_path = format!("{aws_path}.1.member");
            if shape(model, element_shape)["type"] == "structure" {
                breaches(model, element_shape, &element_path, &element_aws_path, out);
            } else {
                value_breaches(model, element_shape, &element_path, &element_aws_path, out);
            }
        }
        "structure" => breaches(model, target, path, aws_path, out),
        _ => {}
    }
}

fn apply(body: &mut Value, path: &[PathStep], value: Option<Value>) {
    let (last, parents) = path.split_last().unwrap();
    let mut at = body;
    for step in parents {
        at = match step {
            PathStep::Key(k) => &mut at[k.as_str()],
            PathStep::Index(i) => &mut at[*i],
        };
    }
    match (last, value) {
        (PathStep::Key(k), Some(v)) => at[k.as_str()] = v,
        (PathStep::Key(k), None) => {
            at.as_object_mut().unwrap().remove(k);
        }
        (PathStep::Index(i), Some(v)) => at[*i] = v,
        (PathStep::Index(_), None) => unreachable!("list elements are never removed"),
    }
}

#[test]
fn every_model_constraint_of_every_request_is_enforced_in_aws_wording() {
    let model = model();
    let mut checked = 0;
    for (op, input, _) in operations() {
        let base = sample(&model, input.name);
        let mut found = Vec::new();
        breaches(&model, input.name, &[], "", &mut found);
        let check = input.constraints.unwrap();
        for breach in found {
            let mut body = base.clone();
            apply(&mut body, &breach.path, breach.value.clone());
            let err = check(body.to_string().as_bytes())
                .err()
                .unwrap_or_else(|| panic!("{op}: accepted a breach, expected {}", breach.expected));
            assert_eq!(err.kind(), KmsErrorType::Validation, "{op}: {err}");
            assert!(
                err.message().contains(&breach.expected),
                "{op}: expected `{}` in `{}`",
                breach.expected,
                err.message()
            );
            // The full request path (rules included) reports it too.
            let parsed = KmsRequest::parse(op, body.to_string().as_bytes()).unwrap_err();
            assert_eq!(parsed, err, "{op}");
            checked += 1;
        }
    }
    // Sanity: the model yields well over a hundred breaches for these 24 operations.
    assert!(checked > 100, "only {checked} breaches checked");
}

// ------------------------------------------------------------------------------------------------
// Robustness
// ------------------------------------------------------------------------------------------------

/// Member names of every request, nested ones included, to steer generated bodies towards
/// something the parser actually looks at.
fn member_names() -> Vec<&'static str> {
    fn collect(members: &[Member], out: &mut BTreeSet<&'static str>) {
        for m in members {
            out.insert(m.name);
            let mut kind = m.kind;
            while let Kind::List(inner) | Kind::Map(inner) = kind {
                kind = *inner;
            }
            if let Kind::Structure(inner) = kind {
                collect(inner, out);
            }
        }
    }
    let mut names = BTreeSet::new();
    for (_, input, _) in operations() {
        collect(input.members, &mut names);
    }
    names.into_iter().collect()
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        (-2000i64..2000).prop_map(Value::from),
        "[A-Za-z0-9+/]{0,12}={0,2}".prop_map(Value::String),
        ".{0,24}".prop_map(Value::String),
        prop::sample::select(vec![
            "AES_256",
            "AES_128",
            "alias/x",
            "alias/aws/x",
            "SYMMETRIC_DEFAULT",
            "RSA_2048",
            "SIGN_VERIFY",
            "ENCRYPT_DECRYPT",
            "IGNORE_CIPHERTEXT",
            "RSAES_OAEP_SHA_256",
            "true",
            "aws:x",
            "1234abcd-12ab-34cd-56ef-1234567890ab",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        4 => prop::sample::select(member_names()).prop_map(str::to_owned),
        1 => ".{0,8}",
    ];
    json_leaf().prop_recursive(3, 48, 6, move |inner| {
        let key = key.clone();
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..12).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_body() -> impl Strategy<Value = Value> {
    let top_key = prop_oneof![
        4 => prop::sample::select(member_names()).prop_map(str::to_owned),
        1 => ".{0,8}",
    ];
    prop::collection::btree_map(top_key, json_value(), 0..8)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// Checks what must hold for any body: no panic, a parsed request survives re-serialization,
/// an error is a client error with a readable body.
fn check_any_body(op: Operation, text: &str) -> Result<(), TestCaseError> {
    match KmsRequest::parse(op, text.as_bytes()) {
        Ok(request) => {
            let again = KmsRequest::parse(op, request.to_json().unwrap().as_bytes());
            prop_assert_eq!(again.as_ref(), Ok(&request));
        }
        Err(err) => {
            prop_assert_eq!(err.http_status(), 400);
            prop_assert!(KmsError::from_json(err.to_json().as_bytes()).is_ok());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parsing_and_validating_generated_bodies_never_panics(body in json_body()) {
        let text = body.to_string();
        for &op in Operation::ALL {
            check_any_body(op, &text)?;
        }
    }

    #[test]
    fn parsing_and_validating_mutated_valid_bodies_never_panics(
        op_index in 0..Operation::ALL.len(),
        member_index in any::<prop::sample::Index>(),
        replacement in prop::option::of(json_value()),
    ) {
        // Start from a body that satisfies every constraint and break one member of it, so the
        // generated inputs reach validation rather than stopping at the first type error.
        let op = Operation::ALL[op_index];
        let input = operations().into_iter().find(|(o, ..)| *o == op).unwrap().1;
        let mut body = sample(&MODEL, input.name);
        let object = body.as_object_mut().unwrap();
        let key = object.keys().nth(member_index.index(object.len().max(1))).cloned();
        if let Some(key) = key {
            match replacement {
                Some(value) => object.insert(key, value),
                None => object.remove(&key),
            };
        }
        check_any_body(op, &body.to_string())?;
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for &op in Operation::ALL {
            let _ = KmsRequest::parse(op, &bytes);
        }
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,64}") {
        for &op in Operation::ALL {
            let _ = KmsRequest::parse(op, text.as_bytes());
        }
        let _ = Operation::from_target(&text);
        let _ = KmsError::from_json(text.as_bytes());
        if let Ok(key) = KeyRef::parse(&text) {
            prop_assert_eq!(KeyRef::parse(&key.to_string()), Ok(key));
        }
    }
}
