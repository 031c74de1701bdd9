//! ECDH: both sides of an agreement derive the same secret of the curve's length; peer keys that
//! are malformed, on another curve, raw points or not EC keys are refused.

use super::*;

const ALL_CURVES: [AgreementCurve; 3] = [
    AgreementCurve::P256,
    AgreementCurve::P384,
    AgreementCurve::P521,
];

fn pair(curve: AgreementCurve) -> (SecretBytes, Vec<u8>) {
    let private = generate_agreement_key(curve).unwrap();
    let public = agreement_public_key(curve, private.expose()).unwrap();
    (private, public)
}

#[test]
fn both_peers_derive_the_same_secret_of_the_curves_length() {
    for curve in ALL_CURVES {
        let (a, a_pub) = pair(curve);
        let (b, b_pub) = pair(curve);
        let ab = derive_shared_secret(curve, a.expose(), &b_pub).unwrap();
        let ba = derive_shared_secret(curve, b.expose(), &a_pub).unwrap();
        assert_eq!(ab.expose(), ba.expose(), "{curve:?}");
        assert_eq!(ab.expose().len(), curve.secret_len(), "{curve:?}");
    }
}

#[test]
fn a_peer_key_on_another_curve_is_an_invalid_peer_key() {
    let (a, _) = pair(AgreementCurve::P256);
    let (_, other) = pair(AgreementCurve::P384);
    assert_eq!(
        derive_shared_secret(AgreementCurve::P256, a.expose(), &other).unwrap_err(),
        CryptoError::InvalidPeerKey
    );
}

#[test]
fn malformed_raw_point_and_non_ec_peer_keys_are_invalid_peer_keys() {
    let (a, a_pub) = pair(AgreementCurve::P256);
    let rsa = signing::generate_signing_key(SigningKeyKind::Rsa2048).unwrap();
    let rsa_pub = signing::signing_public_key(SigningKeyKind::Rsa2048, rsa.expose()).unwrap();
    // The uncompressed point alone (the SPKI's last 65 bytes): AWS takes SPKI only.
    let raw_point = a_pub[a_pub.len() - 65..].to_vec();
    // A point off the curve: the SPKI with its y coordinate changed.
    let mut off_curve = a_pub.clone();
    let last = off_curve.len() - 1;
    off_curve[last] ^= 1;
    let mut trailing = a_pub.clone();
    trailing.push(0);
    for bad in [
        b"InvalidPublicKey".to_vec(),
        raw_point,
        off_curve,
        trailing,
        rsa_pub,
    ] {
        assert_eq!(
            derive_shared_secret(AgreementCurve::P256, a.expose(), &bad).unwrap_err(),
            CryptoError::InvalidPeerKey
        );
    }
}

#[test]
fn a_private_key_that_does_not_parse_is_an_invalid_key() {
    let (_, b_pub) = pair(AgreementCurve::P256);
    assert_eq!(
        derive_shared_secret(AgreementCurve::P256, b"not a key", &b_pub).unwrap_err(),
        CryptoError::InvalidKey
    );
}
