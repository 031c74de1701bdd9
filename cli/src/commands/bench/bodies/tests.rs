use super::Bodies;

#[test]
fn bodies_made_ahead_are_each_sent_once_then_run_out() {
    let bodies = Bodies::each(vec![b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(bodies.next().as_deref(), Some(&b"a"[..]));
    assert_eq!(bodies.next().as_deref(), Some(&b"b"[..]));
    assert_eq!(bodies.next(), None);
}
