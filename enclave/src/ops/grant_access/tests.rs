use super::*;

#[test]
fn a_role_grantee_names_its_sessions_and_nobody_else() {
    let role = "arn:aws:iam::111122223333:role/app";
    assert!(principal_is(role, role));
    assert!(principal_is(
        role,
        "arn:aws:sts::111122223333:assumed-role/app/s1"
    ));
    assert!(!principal_is(
        role,
        "arn:aws:sts::111122223333:assumed-role/other/s1"
    ));
    assert!(!principal_is(
        role,
        "arn:aws:sts::444455556666:assumed-role/app/s1"
    ));
    assert!(!principal_is(
        "arn:aws:iam::111122223333:user/bob",
        "arn:aws:iam::111122223333:user/bobby"
    ));
}
