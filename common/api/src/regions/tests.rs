use super::*;

#[test]
fn the_region_list_is_sorted_so_lookups_find_every_region() {
    assert!(ALL.windows(2).all(|w| w[0] < w[1]));
    assert!(ALL.iter().all(|r| is_known(r)));
}

#[test]
fn a_name_that_is_not_an_aws_region_is_unknown() {
    assert!(is_known("eu-west-1"));
    assert!(!is_known("us-east-3"));
    assert!(!is_known(""));
}
