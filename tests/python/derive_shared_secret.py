"""boto3 DeriveSharedSecret / GetPublicKey against `nitro-kms-proxy --simulate`, every
KEY_AGREEMENT curve (ECC_NIST_P256/P384/P521; AWS's key spec reference allows no other outside
China, and ECC_SECG_P256K1 is SIGN_VERIFY only).

For each curve a peer key pair is made by OpenSSL (`genpkey`); the secret KMS derives with the
peer's public key must equal `openssl pkeyutl -derive -inkey peer.pem -peerkey kms_pub.pem` (the
KMS public key from GetPublicKey) and Python `cryptography`'s `exchange(ec.ECDH())`. Error rows
are AWS's recorded ones (shared/spec/aws-kms-real-errors.txt: test_derive_shared_secret/
response-invalid-key-usage, /response-invalid-key, /response-invalid-key-agreement-algo,
/response-invalid-public-key: ValidationException with an empty message; a peer key on another
curve answers the same, no public source records it). Environment as in boto3_tour.py. Exits
non-zero on the first failure.
"""

import json
import os
import subprocess
import tempfile

import boto3
import botocore.exceptions
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

CURVES = [("ECC_NIST_P256", "P-256"), ("ECC_NIST_P384", "P-384"), ("ECC_NIST_P521", "P-521")]
work = tempfile.mkdtemp()


def openssl_peer(curve):
    """A peer private key made by OpenSSL (PEM path) and its public key as DER SPKI."""
    pem = os.path.join(work, f"peer-{curve}.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    f"ec_paramgen_curve:{curve}", "-out", pem], check=True)
    der = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return pem, der


def openssl_derive(peer_pem, kms_public_der, curve):
    kms_pem = os.path.join(work, f"kms-{curve}.pem")
    with open(kms_pem, "wb") as f:
        f.write(serialization.load_der_public_key(kms_public_der).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return subprocess.run(["openssl", "pkeyutl", "-derive", "-inkey", peer_pem, "-peerkey",
                           kms_pem], check=True, capture_output=True).stdout


for spec, curve in CURVES:
    key = kms.create_key(KeySpec=spec, KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    check(f"{spec}: DescribeKey lists ECDH", key["KeyAgreementAlgorithms"] == ["ECDH"])
    public = kms.get_public_key(KeyId=key["KeyId"])
    check(f"{spec}: GetPublicKey lists ECDH and no signing algorithms",
          public["KeyAgreementAlgorithms"] == ["ECDH"] and "SigningAlgorithms" not in public
          and public["KeyUsage"] == "KEY_AGREEMENT")
    peer_pem, peer_der = openssl_peer(curve)
    derived = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH",
                                       PublicKey=peer_der)
    check(f"{spec}: answer names the key, algorithm and origin",
          derived["KeyId"] == key["Arn"] and derived["KeyAgreementAlgorithm"] == "ECDH"
          and derived["KeyOrigin"] == "AWS_KMS" and "CiphertextForRecipient" not in derived)
    secret = derived["SharedSecret"]
    check(f"{spec}: equals openssl pkeyutl -derive",
          secret == openssl_derive(peer_pem, public["PublicKey"], curve))
    with open(peer_pem, "rb") as f:
        peer_private = serialization.load_pem_private_key(f.read(), password=None)
    theirs = peer_private.exchange(ec.ECDH(), serialization.load_der_public_key(public["PublicKey"]))
    check(f"{spec}: equals cryptography's exchange", secret == theirs)

p256 = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
_, p256_peer = openssl_peer("P-256")
_, p384_peer = openssl_peer("P-384")
signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
expect_error("SIGN_VERIFY key", "InvalidKeyUsageException",
             f"{signer['Arn']} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.",
             kms.derive_shared_secret, KeyId=signer["KeyId"], KeyAgreementAlgorithm="ECDH",
             PublicKey=p256_peer)
symmetric = kms.create_key()["KeyMetadata"]
expect_error("symmetric key", "InvalidKeyUsageException",
             f"{symmetric['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for "
             "DeriveSharedSecret.",
             kms.derive_shared_secret, KeyId=symmetric["KeyId"], KeyAgreementAlgorithm="ECDH",
             PublicKey=p256_peer)
expect_error("RSA_2048 KEY_AGREEMENT", "ValidationException",
             "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048",
             kms.create_key, KeySpec="RSA_2048", KeyUsage="KEY_AGREEMENT")
expect_error("unknown algorithm", "ValidationException",
             "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to "
             "satisfy constraint: Member must satisfy enum value set: [ECDH]",
             kms.derive_shared_secret, KeyId=p256["KeyId"], KeyAgreementAlgorithm="INVALID",
             PublicKey=p256_peer)
for name, bad in (("malformed", b"InvalidPublicKey"), ("P-384 peer", p384_peer)):
    expect_error(f"{name} public key", "ValidationException", "", kms.derive_shared_secret,
                 KeyId=p256["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=bad)
    try:
        kms.derive_shared_secret(KeyId=p256["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=bad)
    except botocore.exceptions.ClientError as e:
        check(f"{name} public key: empty message", e.response["Error"].get("Message", "") == "")

account = symmetric["Arn"].split(":")[4]
denies = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*",
     "Resource": "*"},
    {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:DeriveSharedSecret",
     "Resource": "*"}]})
guarded = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT",
                         Policy=denies)["KeyMetadata"]
try:
    kms.derive_shared_secret(KeyId=guarded["KeyId"], KeyAgreementAlgorithm="ECDH",
                             PublicKey=p256_peer)
    check("policy denying kms:DeriveSharedSecret refuses it", False)
except botocore.exceptions.ClientError as e:
    err = e.response["Error"]
    check(f"policy denying kms:DeriveSharedSecret: {err}",
          err["Code"] == "AccessDeniedException" and "kms:DeriveSharedSecret" in err["Message"])
check("policy denying kms:DeriveSharedSecret still allows GetPublicKey",
      kms.get_public_key(KeyId=guarded["KeyId"])["KeyUsage"] == "KEY_AGREEMENT")
print("derive shared secret complete")
