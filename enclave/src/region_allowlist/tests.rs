use super::*;

#[test]
fn the_allowlist_parses_all_or_a_list_of_aws_regions() {
    assert_eq!(RegionAllowlist::parse("all"), Ok(RegionAllowlist::All));
    let list = RegionAllowlist::parse("us-east-1, eu-west-1").unwrap();
    assert!(list.serves("eu-west-1") && list.serves("us-east-1"));
    assert!(!list.serves("ap-south-1"));
    assert!(RegionAllowlist::parse("us-east-1,mars-north-1").is_err());
    assert!(RegionAllowlist::parse(" , ").is_err());
}

#[test]
fn all_serves_aws_regions_only() {
    assert!(RegionAllowlist::All.serves("ap-southeast-2"));
    assert!(!RegionAllowlist::All.serves("us-east-3"));
}

#[test]
fn a_regional_op_names_its_region_only_outside_the_configured_one() {
    assert_eq!(
        regional_op("us-east-1", "us-east-1", "CreateKey"),
        "CreateKey"
    );
    let other = regional_op("us-east-1", "eu-west-1", "CreateKey");
    assert_eq!(split_regional_op(&other), (Some("eu-west-1"), "CreateKey"));
    assert_eq!(split_regional_op("CreateKey"), (None, "CreateKey"));
}
