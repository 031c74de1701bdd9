use std::path::Path;

use super::*;

#[test]
fn the_block_exports_endpoint_credentials_and_region_on_one_line() {
    let block = render(
        "http://127.0.0.1:9600",
        "eu-west-1",
        Path::new("/home/me/.nitro-kms-sim"),
    );
    let exports: Vec<&str> = block.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        exports,
        [format!(
            "export AWS_ENDPOINT_URL=http://127.0.0.1:9600 AWS_ACCESS_KEY_ID={SIMULATION_ACCESS_KEY_ID} \
             AWS_SECRET_ACCESS_KEY={SIMULATION_SECRET_ACCESS_KEY} AWS_REGION=eu-west-1 \
             AWS_DEFAULT_REGION=eu-west-1"
        )]
    );
    assert!(
        block.contains("--ca-out /home/me/.nitro-kms-sim/ca.pem"),
        "{block}"
    );
    assert!(!block.contains("export AWS_CA_BUNDLE"), "{block}");
}

#[test]
fn values_a_shell_would_split_are_single_quoted() {
    assert_eq!(quote("us-east-1"), "us-east-1");
    assert_eq!(quote("/tmp/a b"), "'/tmp/a b'");
    assert_eq!(quote("it's"), r"'it'\''s'");
    assert_eq!(quote(""), "''");
}
