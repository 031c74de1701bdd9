#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every region (issue 18 item 6): one `nitro-kms-proxy --simulate` endpoint serves every region a
//! request is signed for, each with its own keys and aliases and ARNs carrying the region
//! (`tests/python/regions.py` through boto3, then the AWS CLI's `--region`); a region outside the
//! enclave's allowlist (`--regions`) is refused with AWS's answer to a credential scoped to a region
//! the endpoint does not serve (`InvalidSignatureException` "Credential should be scoped to a
//! valid region, not 'REGION'. ", the message AWS's SigV4 check gives); and the configured
//! region's keys are where they always were across a restart.

use std::path::Path;
use std::process::{Command, Output};

use nitro_kms_api::sigv4::{SIMULATION_ACCESS_KEY_ID, SIMULATION_SECRET_ACCESS_KEY};
use nitro_kms_tests::proxy::{Sim, assert_aws_error, aws_output_json, venv};

/// `aws kms ARGS --region REGION` against `sim`, with the simulation's keys.
fn aws_in(sim: &Sim, region: &str, args: &[&str]) -> Output {
    let venv = venv();
    Command::new(venv.join("bin/aws"))
        .arg("kms")
        .args(args)
        .args(["--endpoint-url", &sim.endpoint, "--region", region])
        .args(["--output", "json"])
        .env_clear()
        .env("PATH", venv.join("bin"))
        .env("HOME", &sim.dir)
        .env("AWS_ACCESS_KEY_ID", SIMULATION_ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SIMULATION_SECRET_ACCESS_KEY)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap()
}

#[test]
fn boto3_clients_of_two_regions_see_separate_keys_and_aliases() {
    let sim = Sim::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python/regions.py");
    let out = sim.python(&script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "regions script failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("regions complete"), "{stdout}");
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn the_aws_cli_region_picks_the_region_and_one_outside_the_allowlist_is_refused() {
    let sim = Sim::start(&["--regions", "us-east-1,eu-west-1"]);
    let created = aws_output_json(&aws_in(&sim, "eu-west-1", &["create-key"]));
    let arn = created["KeyMetadata"]["Arn"].as_str().unwrap();
    assert!(
        arn.starts_with("arn:aws:kms:eu-west-1:111122223333:key/"),
        "{arn}"
    );
    let key = created["KeyMetadata"]["KeyId"].as_str().unwrap();
    let listed = aws_output_json(&aws_in(&sim, "us-east-1", &["list-keys"]));
    assert!(!listed.to_string().contains(key), "{listed}");
    assert_aws_error(
        &aws_in(&sim, "ap-south-1", &["list-keys"]),
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'ap-south-1'.",
    );
    assert_eq!(sim.terminate(), Some(0));
}

#[test]
fn each_regions_keys_are_still_there_after_a_restart() {
    let sim = Sim::start(&[]);
    let east = aws_output_json(&aws_in(&sim, "us-east-1", &["create-key"]));
    let west = aws_output_json(&aws_in(&sim, "eu-west-1", &["create-key"]));
    let dir = sim.crash();
    let sim = Sim::start_in(dir, &[]);
    for (region, created) in [("us-east-1", &east), ("eu-west-1", &west)] {
        let key = created["KeyMetadata"]["KeyId"].as_str().unwrap();
        let described = aws_output_json(&aws_in(&sim, region, &["describe-key", "--key-id", key]));
        assert_eq!(
            described["KeyMetadata"]["Arn"],
            created["KeyMetadata"]["Arn"]
        );
    }
    assert_eq!(sim.terminate(), Some(0));
}
