#![allow(clippy::unwrap_used, clippy::expect_used)]
//! STS `GetCallerIdentity` on the KMS endpoint of `nitro-kms-proxy --simulate`, through boto3,
//! the AWS CLI and raw requests signed by botocore (`tests/python/sts_requests.py`).
//!
//! Sources for AWS's behaviour: botocore's STS model (query protocol, XML namespace, the
//! "no permissions are required" note); real STS answers as public test fixtures and probe
//! suites record them (`MissingAuthenticationToken` "Request is missing Authentication Token"
//! with 403; `InvalidAction` "Could not find operation X for version V", `NO_VERSION_SPECIFIED`
//! for a missing Version); `InvalidClientTokenId` and `SignatureDoesNotMatch` with 403 as the
//! AWS CLI reports them for STS.

use std::path::{Path, PathBuf};

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_PRINCIPAL};
use nitro_kms_tests::proxy::{Sim, aws_command};
use serde_json::{Value, json};

const SIMULATION_ACCOUNT: &str = "111122223333";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("python/sts_requests.py")
}

fn run(sim: &Sim, args: &[&str]) -> Value {
    let out = sim.python(&script(), args);
    assert!(
        out.status.success(),
        "sts_requests.py {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One raw POST signed as `spec` says (see the script).
fn raw(sim: &Sim, spec: &Value) -> Value {
    run(sim, &["raw", &spec.to_string()])
}

fn body(answer: &Value) -> &str {
    answer["body"].as_str().unwrap()
}

fn request_id(answer: &Value) -> &str {
    answer["headers"]["x-amzn-requestid"].as_str().unwrap()
}

/// STS's `ErrorResponse` as the query protocol carries it.
fn error_xml(code: &str, message: &str, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\">\n  <Error>\n    <Type>Sender</Type>\n    \
         <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  \
         <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    )
}

fn assert_sts_error(answer: &Value, status: u64, code: &str, message: &str) {
    assert_eq!(answer["status"], status, "{answer}");
    assert_eq!(answer["headers"]["content-type"], "text/xml", "{answer}");
    assert_eq!(
        body(answer),
        error_xml(code, message, request_id(answer)),
        "{answer}"
    );
}

/// `aws sts get-caller-identity` from the virtualenv with the simulation's keys.
fn aws_sts(sim: &Sim) -> Value {
    let out = aws_command("sts", &sim.endpoint, &["get-caller-identity"])
        .env("HOME", &sim.dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "aws sts get-caller-identity failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn boto3_and_the_cli_learn_the_simulations_account_arn_and_a_stable_user_id() {
    let sim = Sim::start(&[]);
    let boto3 = run(&sim, &["boto3"]);
    assert_eq!(boto3["Account"], SIMULATION_ACCOUNT, "{boto3}");
    assert_eq!(boto3["Arn"], SIMULATION_PRINCIPAL, "{boto3}");
    let user_id = boto3["UserId"].as_str().unwrap();
    assert!(
        user_id.starts_with("AIDA") && user_id.len() == 21,
        "{user_id}"
    );

    let cli = aws_sts(&sim);
    assert_eq!(cli, boto3, "the CLI and boto3 see the same caller");

    // The raw answer: STS's XML, text/xml, the request id in the header and in the body.
    let answer = raw(
        &sim,
        &json!({"body": "Action=GetCallerIdentity&Version=2011-06-15"}),
    );
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["headers"]["content-type"], "text/xml");
    let rid = request_id(&answer);
    assert_eq!(
        body(&answer),
        format!(
            "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\">\n  <GetCallerIdentityResult>\n    \
             <Arn>{SIMULATION_PRINCIPAL}</Arn>\n    <UserId>{user_id}</UserId>\n    \
             <Account>{SIMULATION_ACCOUNT}</Account>\n  </GetCallerIdentityResult>\n  \
             <ResponseMetadata>\n    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n\
             </GetCallerIdentityResponse>\n"
        )
    );

    // Counted beside the KMS operations, under its IAM action name.
    let metrics = sim.service_metrics();
    assert!(
        metrics.contains("nitro_kms_requests_total{operation=\"sts:GetCallerIdentity\"} 3"),
        "{metrics}"
    );
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn other_credentials_learn_their_own_user_and_assumed_role_identities() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials.toml");
    std::fs::write(
        &credentials,
        "[[credential]]\naccess_key_id = \"AKIAALICEEXAMPLE0001\"\n\
         secret_access_key = \"alice-secret\"\n\
         principal = \"arn:aws:iam::444455556666:user/team/alice\"\n\
         [[credential]]\naccess_key_id = \"AKIAROLEEXAMPLE00001\"\n\
         secret_access_key = \"role-secret\"\n\
         principal = \"arn:aws:sts::444455556666:assumed-role/Builder/ci-run-7\"\n",
    )
    .unwrap();
    let sim = Sim::start(&["--credentials", credentials.to_str().unwrap()]);

    let alice = run(&sim, &["boto3", "AKIAALICEEXAMPLE0001", "alice-secret"]);
    assert_eq!(alice["Account"], "444455556666", "{alice}");
    assert_eq!(alice["Arn"], "arn:aws:iam::444455556666:user/team/alice");
    let alice_id = alice["UserId"].as_str().unwrap();
    assert!(alice_id.starts_with("AIDA"), "{alice_id}");
    // Stable: the same principal gets the same id again.
    assert_eq!(
        run(&sim, &["boto3", "AKIAALICEEXAMPLE0001", "alice-secret"])["UserId"],
        alice_id
    );

    let role = run(&sim, &["boto3", "AKIAROLEEXAMPLE00001", "role-secret"]);
    assert_eq!(role["Account"], "444455556666", "{role}");
    assert_eq!(
        role["Arn"],
        "arn:aws:sts::444455556666:assumed-role/Builder/ci-run-7"
    );
    let role_id = role["UserId"].as_str().unwrap();
    assert!(
        role_id.starts_with("AROA") && role_id.ends_with(":ci-run-7"),
        "{role_id}"
    );
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn bad_or_missing_credentials_get_stss_xml_errors() {
    let sim = Sim::start(&[]);
    let call = "Action=GetCallerIdentity&Version=2011-06-15";

    // boto3 reads our errors as it reads STS's.
    let wrong = run(&sim, &["boto3", SIMULATION_ACCESS_KEY_ID, "not-the-secret"]);
    assert_eq!(wrong["Code"], "SignatureDoesNotMatch", "{wrong}");
    assert_eq!(wrong["HTTPStatusCode"], 403, "{wrong}");
    let unknown = run(&sim, &["boto3", "AKIAUNKNOWNEXAMPLE00", "whatever"]);
    assert_eq!(unknown["Code"], "InvalidClientTokenId", "{unknown}");
    assert_eq!(unknown["HTTPStatusCode"], 403, "{unknown}");

    assert_sts_error(
        &raw(&sim, &json!({"body": call, "secret": "not-the-secret"})),
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service documentation \
         for details.",
    );
    assert_sts_error(
        &raw(
            &sim,
            &json!({"body": call, "access_key_id": "AKIAUNKNOWNEXAMPLE00"}),
        ),
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
    assert_sts_error(
        &raw(&sim, &json!({"body": call, "sign": false})),
        403,
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    );
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn a_request_signed_for_the_other_service_is_refused_either_way() {
    let sim = Sim::start(&[]);
    // STS signed for kms: STS's error, naming the service it wanted.
    assert_sts_error(
        &raw(
            &sim,
            &json!({"body": "Action=GetCallerIdentity&Version=2011-06-15", "service": "kms"}),
        ),
        403,
        "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: 'sts'. ",
    );
    // A KMS call signed for sts: KMS's error.
    let kms = raw(
        &sim,
        &json!({
            "body": "{}",
            "service": "sts",
            "headers": {
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "TrentService.ListKeys",
            },
        }),
    );
    assert_eq!(kms["status"], 400, "{kms}");
    let error: Value = serde_json::from_str(body(&kms)).unwrap();
    assert_eq!(error["__type"], "InvalidSignatureException", "{kms}");
    assert_eq!(
        error["message"],
        "Credential should be scoped to correct service: 'kms'. "
    );
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn unknown_actions_and_versions_are_invalid_action_and_no_action_redirects_as_sts_does() {
    let sim = Sim::start(&[]);
    for (form, message) in [
        (
            "Action=AssumeRole&Version=2011-06-15",
            "Could not find operation AssumeRole for version 2011-06-15",
        ),
        (
            "Action=GetCallerIdentity",
            "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED",
        ),
        (
            "Action=GetCallerIdentity&Version=2000-01-01",
            "Could not find operation GetCallerIdentity for version 2000-01-01",
        ),
    ] {
        assert_sts_error(
            &raw(&sim, &json!({"body": form})),
            400,
            "InvalidAction",
            message,
        );
    }
    // Extra parameters are ignored; a repeated one counts once, first value first.
    let answer = raw(
        &sim,
        &json!({"body": "Action=GetCallerIdentity&Action=NoSuchAction&Version=2011-06-15&Unknown=x"}),
    );
    assert_eq!(answer["status"], 200, "{answer}");
    // No Action at all: real STS redirects to the IAM page.
    let answer = raw(&sim, &json!({"body": "Version=2011-06-15"}));
    assert_eq!(answer["status"], 302, "{answer}");
    assert_eq!(answer["headers"]["location"], "https://aws.amazon.com/iam");
    assert_eq!(sim.terminate(), Some(0));
}

/// The JSON 1.0 form (`X-Amz-Target: AWSSecurityTokenServiceV20110615.GetCallerIdentity`, signed
/// by botocore's SigV4Auth for `sts`): the same identity as the query protocol's, in JSON; an
/// unsigned target or another STS operation gets STS's error codes in a JSON body.
#[test]
fn the_json_protocol_answers_the_same_identity_in_json() {
    let sim = Sim::start(&[]);
    let boto3 = run(&sim, &["boto3"]);
    let json_headers = |target: &str| {
        json!({
            "X-Amz-Target": format!("AWSSecurityTokenServiceV20110615.{target}"),
            "Content-Type": "application/x-amz-json-1.0",
        })
    };
    let answer = raw(
        &sim,
        &json!({"body": "{}", "headers": json_headers("GetCallerIdentity")}),
    );
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(
        answer["headers"]["content-type"],
        "application/x-amz-json-1.0"
    );
    let identity: Value = serde_json::from_str(body(&answer)).unwrap();
    assert_eq!(
        identity, boto3,
        "JSON and query protocols see the same caller"
    );

    let other = raw(
        &sim,
        &json!({"body": "{}", "headers": json_headers("AssumeRole")}),
    );
    assert_eq!(other["status"], 400, "{other}");
    let error: Value = serde_json::from_str(body(&other)).unwrap();
    assert_eq!(error["__type"], "InvalidAction", "{other}");
    assert_eq!(
        other["headers"]["x-amzn-query-error"],
        "InvalidAction;Sender"
    );

    let unsigned = raw(
        &sim,
        &json!({"body": "{}", "headers": json_headers("GetCallerIdentity"), "sign": false}),
    );
    assert_eq!(unsigned["status"], 403, "{unsigned}");
    let error: Value = serde_json::from_str(body(&unsigned)).unwrap();
    assert_eq!(error["__type"], "MissingAuthenticationToken", "{unsigned}");
}
