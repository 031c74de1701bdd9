use super::Bodies;

#[test]
fn bodies_made_ahead_are_each_sent_once_then_run_out() {
    let bodies = Bodies::each(vec![b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(bodies.next().as_deref(), Some(&b"a"[..]));
    assert_eq!(bodies.next().as_deref(), Some(&b"b"[..]));
    assert_eq!(bodies.next(), None);
}

#[test]
fn numbered_bodies_never_repeat_and_carry_the_run_prefix() {
    let bodies = Bodies::numbered(
        format!("{{\"AliasName\":\"alias/x-{}\"}}", super::NUMBER),
        "r1".into(),
    );
    assert_eq!(
        bodies.next().as_deref(),
        Some(&b"{\"AliasName\":\"alias/x-r1-0\"}"[..])
    );
    assert_eq!(
        bodies.next().as_deref(),
        Some(&b"{\"AliasName\":\"alias/x-r1-1\"}"[..])
    );
}
