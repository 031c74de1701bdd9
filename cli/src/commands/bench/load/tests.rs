use super::recipient_answer_ok;

#[test]
fn recipient_answer_with_plaintext_or_without_the_envelope_is_refused() {
    assert!(recipient_answer_ok(
        br#"{"CiphertextBlob":"AQ==","CiphertextForRecipient":"MII=","KeyId":"k"}"#
    ));
    assert!(!recipient_answer_ok(
        br#"{"CiphertextBlob":"AQ==","Plaintext":"AAAA","KeyId":"k"}"#
    ));
    assert!(!recipient_answer_ok(
        br#"{"CiphertextForRecipient":"MII=","Plaintext":"AAAA"}"#
    ));
}
