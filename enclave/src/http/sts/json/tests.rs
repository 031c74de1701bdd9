use super::*;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

#[test]
fn get_caller_identity_answers_the_callers_identity() {
    let identity = reply("AWSSecurityTokenServiceV20110615.GetCallerIdentity", ALICE).unwrap();
    assert_eq!(identity, CallerIdentity::of(ALICE));
}

#[test]
fn another_sts_target_is_invalid_action() {
    let error = reply("AWSSecurityTokenServiceV20110615.AssumeRole", ALICE).unwrap_err();
    assert_eq!(error.code, "InvalidAction");
}

#[test]
fn only_sts_targets_are_json_sts_requests() {
    let mut headers = hyper::http::HeaderMap::new();
    headers.insert("x-amz-target", "TrentService.ListKeys".parse().unwrap());
    assert!(!is_json_request(&headers));
    headers.insert(
        "x-amz-target",
        "AWSSecurityTokenServiceV20110615.GetCallerIdentity"
            .parse()
            .unwrap(),
    );
    assert!(is_json_request(&headers));
}
