//! The MACs: every field is covered, a reply is bound to its forward's nonce, and a key derived
//! from another sealing key does not verify.

use nitro_kms_crypto::secret::SecretBytes;
use nitro_kms_wire::{Forward, ForwardReply, Position, Status};

use super::*;
use crate::storage::seal::SealingKey;

fn key_of(sealing: &[u8; 32]) -> ForwardKey {
    let sealing = SealingKey::new(SecretBytes::copy_from(sealing)).unwrap();
    ForwardKey::from_bytes(sealing.derive(FORWARD_KEY_LABEL).unwrap())
}

fn forward(key: &ForwardKey) -> Forward {
    let mut forward = Forward {
        id: 1,
        op: "PutKeyPolicy".into(),
        caller: "arn:aws:iam::111122223333:role/app".into(),
        payload: br#"{"KeyId":"k"}"#.to_vec(),
        issued_at_ms: 1_800_000_000_000,
        nonce: 42,
        mac: Vec::new(),
    };
    forward.mac = key.forward_mac(&forward);
    forward
}

fn reply(key: &ForwardKey, nonce: u64) -> ForwardReply {
    let mut reply = ForwardReply {
        id: 1,
        status: Status::OK,
        payload: b"{}".to_vec(),
        position: Position {
            generation: 2,
            sequence: 9,
        },
        mac: Vec::new(),
    };
    reply.mac = key.reply_mac(nonce, &reply);
    reply
}

#[test]
fn a_forward_verifies_and_any_changed_field_does_not() {
    let key = key_of(&[1; 32]);
    let good = forward(&key);
    assert!(key.verifies_forward(&good));
    let changes: [fn(&mut Forward); 7] = [
        |f| f.id += 1,
        |f| f.op = "CreateKey".into(),
        |f| f.caller = "arn:aws:iam::111122223333:role/KmsKeyAdmin".into(),
        |f| f.payload.push(b' '),
        |f| f.issued_at_ms += 1,
        |f| f.nonce += 1,
        |f| f.mac[0] ^= 1,
    ];
    for change in changes {
        let mut bad = good.clone();
        change(&mut bad);
        assert!(!key.verifies_forward(&bad), "{bad:?}");
    }
    let mut empty = good.clone();
    empty.mac.clear();
    assert!(!key.verifies_forward(&empty));
}

#[test]
fn field_boundaries_are_unambiguous() {
    let key = key_of(&[1; 32]);
    let good = forward(&key);
    // The same bytes split differently between op and caller.
    let mut shifted = good.clone();
    shifted.op = format!("{}a", good.op);
    shifted.caller = good.caller[1..].to_owned();
    shifted.mac = good.mac.clone();
    assert!(!key.verifies_forward(&shifted));
}

#[test]
fn a_reply_is_bound_to_its_forward_nonce_and_every_field() {
    let key = key_of(&[1; 32]);
    let good = reply(&key, 42);
    assert!(key.verifies_reply(42, &good));
    assert!(
        !key.verifies_reply(43, &good),
        "swapped onto another forward"
    );
    let changes: [fn(&mut ForwardReply); 6] = [
        |r| r.id += 1,
        |r| r.status = Status::BAD_REQUEST,
        |r| r.payload = b"{\"Plaintext\":\"x\"}".to_vec(),
        |r| r.position.generation += 1,
        |r| r.position.sequence -= 1,
        |r| r.mac[31] ^= 1,
    ];
    for change in changes {
        let mut bad = good.clone();
        change(&mut bad);
        assert!(!key.verifies_reply(42, &bad), "{bad:?}");
    }
}

#[test]
fn a_forward_mac_is_never_a_reply_mac() {
    let key = key_of(&[1; 32]);
    let f = forward(&key);
    let r = reply(&key, f.nonce);
    assert_ne!(f.mac, r.mac);
}

#[test]
fn another_sealing_key_derives_a_key_that_verifies_nothing_of_ours() {
    let ours = key_of(&[1; 32]);
    let theirs = key_of(&[2; 32]);
    assert!(!ours.verifies_forward(&forward(&theirs)));
    assert!(!theirs.verifies_forward(&forward(&ours)));
    assert!(!ours.verifies_reply(42, &reply(&theirs, 42)));
    // The derived key is not the sealing key itself.
    let sealing = SealingKey::new(SecretBytes::copy_from(&[1; 32])).unwrap();
    assert_ne!(
        sealing.derive(FORWARD_KEY_LABEL).unwrap().expose(),
        &[1u8; 32][..]
    );
    assert_ne!(
        sealing.derive(FORWARD_KEY_LABEL).unwrap().expose(),
        sealing.derive(b"another purpose").unwrap().expose()
    );
}
