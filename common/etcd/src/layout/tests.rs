use super::*;

const P: &[u8] = b"/nitro-kms/prod/";

#[test]
fn keys_are_the_prefix_and_the_design_names() {
    assert_eq!(snapshot(P), b"/nitro-kms/prod/snapshot".to_vec());
    assert_eq!(head(P), b"/nitro-kms/prod/head".to_vec());
    assert_eq!(leader(P), b"/nitro-kms/prod/leader".to_vec());
    assert_eq!(journal_prefix(P), b"/nitro-kms/prod/journal/".to_vec());
    assert_eq!(
        journal(P, 42),
        b"/nitro-kms/prod/journal/00000000000000000042".to_vec()
    );
}

#[test]
fn journal_keys_sort_in_sequence_order() {
    assert!(journal(P, 9) < journal(P, 10));
    assert!(journal(P, 99_999) < journal(P, u64::MAX));
}

#[test]
fn journal_seq_reads_back_only_record_keys() {
    assert_eq!(journal_seq(P, &journal(P, 7)), Some(7));
    assert_eq!(journal_seq(P, &journal(P, u64::MAX)), Some(u64::MAX));
    assert_eq!(journal_seq(P, &head(P)), None);
    assert_eq!(journal_seq(P, b"/nitro-kms/prod/journal/12"), None);
    assert_eq!(journal_seq(b"/other/", &journal(P, 7)), None);
}

#[test]
fn head_round_trips() {
    let head = Head {
        generation: 3,
        last_seq: 1_000,
    };
    assert_eq!(head.encode(), b"3/1000".to_vec());
    assert_eq!(Head::parse(&head.encode()), Ok(head));
}

#[test]
fn head_refuses_anything_but_two_decimals() {
    for bad in [
        &b""[..],
        b"3",
        b"3/",
        b"/4",
        b"-3/4",
        b"3/4/5",
        b"3 /4",
        b"+3/4",
        b"3/99999999999999999999999",
    ] {
        assert_eq!(
            Head::parse(bad),
            Err(HeadError),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}
