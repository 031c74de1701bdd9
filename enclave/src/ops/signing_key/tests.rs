//! The spec/algorithm table of signing keys, as the Sign API reference gives it.

use super::*;

#[test]
fn each_curve_has_exactly_its_one_ecdsa_algorithm_and_rsa_has_the_six_rsassa() {
    use SigningAlgorithmSpec as S;
    let all = [
        S::RsassaPssSha256,
        S::RsassaPssSha384,
        S::RsassaPssSha512,
        S::RsassaPkcs1V15Sha256,
        S::RsassaPkcs1V15Sha384,
        S::RsassaPkcs1V15Sha512,
        S::EcdsaSha256,
        S::EcdsaSha384,
        S::EcdsaSha512,
        S::Ed25519Sha512,
        S::MlDsaShake256,
    ];
    let suited = |spec| {
        let kind = signing_kind(spec).unwrap();
        all.iter()
            .filter(|a| crypto_algorithm(**a).is_some_and(|c| suits(kind, c)))
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(suited(KeySpec::Rsa3072), all[..6].to_vec());
    assert_eq!(suited(KeySpec::EccNistP256), vec![S::EcdsaSha256]);
    assert_eq!(suited(KeySpec::EccSecgP256k1), vec![S::EcdsaSha256]);
    assert_eq!(suited(KeySpec::EccNistP384), vec![S::EcdsaSha384]);
    assert_eq!(suited(KeySpec::EccNistP521), vec![S::EcdsaSha512]);
    for spec in [KeySpec::MlDsa44, KeySpec::MlDsa65, KeySpec::MlDsa87] {
        assert_eq!(suited(spec), vec![S::MlDsaShake256]);
    }
    assert_eq!(signing_kind(KeySpec::SymmetricDefault), None);
}
