use super::prefix_end;

#[test]
fn prefix_end_increments_the_last_byte() {
    assert_eq!(prefix_end(b"/nitro-kms/"), b"/nitro-kms0".to_vec());
    assert_eq!(prefix_end(b"a"), b"b".to_vec());
}

#[test]
fn prefix_end_drops_trailing_ff_bytes() {
    assert_eq!(prefix_end(&[b'a', 0xff, 0xff]), vec![b'b']);
}

#[test]
fn prefix_end_of_empty_or_all_ff_is_every_key() {
    assert_eq!(prefix_end(b""), vec![0]);
    assert_eq!(prefix_end(&[0xff, 0xff]), vec![0]);
}
