"""boto3 Encapsulate / Decapsulate / GetPublicKey / DescribeKey with ML-KEM keys against
`nitro-kms-proxy --simulate`, every ML_KEM spec.

Sources: the Encapsulate and Decapsulate API references in the KMS model
(shared/spec/kms-service-2.json): a 32-byte SharedSecret, SharedSecretCiphertextBlob of 768 /
1088 / 1568 bytes by spec, InvalidCiphertextException only for a ciphertext whose length does not
fit the spec, any other (garbled) ciphertext answering a pseudo-random secret (implicit
rejection); required permissions kms:Encapsulate / kms:Decapsulate. GetPublicKey's key is a DER
SubjectPublicKeyInfo: Python `cryptography` loads it (ML-KEM-768 and -1024; it has no ML-KEM-512)
and a secret it encapsulates to that key is the one Decapsulate recovers. The machine's OpenSSL
(3.0) has no ML-KEM, so OpenSSL is not used. The installed botocore knows Encapsulate and
Decapsulate. Environment as in boto3_tour.py. Exits non-zero on the first failure.
"""

import os

import boto3
from cryptography.hazmat.primitives import serialization
from kms_checks import (check, expect_access_denied, expect_empty_error, expect_error,
                        policy_denying)

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

SPECS = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}
PYCA = {"ML_KEM_768", "ML_KEM_1024"}

for spec, ct_len in SPECS.items():
    meta = kms.create_key(KeySpec=spec, KeyUsage="ENCAPSULATE_DECAPSULATE")["KeyMetadata"]
    key, arn = meta["KeyId"], meta["Arn"]
    check(f"{spec}: CreateKey EncapsulationAlgorithms", meta.get("EncapsulationAlgorithms") == ["ML_KEM"])
    described = kms.describe_key(KeyId=key)["KeyMetadata"]
    check(f"{spec}: DescribeKey EncapsulationAlgorithms", described.get("EncapsulationAlgorithms") == ["ML_KEM"])
    sealed = kms.encapsulate(KeyId=key, EncapsulationAlgorithm="ML_KEM")
    secret, blob = sealed["SharedSecret"], sealed["SharedSecretCiphertextBlob"]
    check(f"{spec}: Encapsulate answers the ARN and ML_KEM",
          sealed["KeyId"] == arn and sealed["EncapsulationAlgorithm"] == "ML_KEM")
    check(f"{spec}: 32-byte secret, {ct_len}-byte ciphertext", len(secret) == 32 and len(blob) == ct_len)
    opened = kms.decapsulate(KeyId=key, EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=blob)
    check(f"{spec}: Decapsulate recovers the secret", opened["SharedSecret"] == secret)
    check(f"{spec}: Decapsulate answers the ARN", opened["KeyId"] == arn)
    public = kms.get_public_key(KeyId=key)
    check(f"{spec}: GetPublicKey EncapsulationAlgorithms", public.get("EncapsulationAlgorithms") == ["ML_KEM"])
    check(f"{spec}: GetPublicKey KeyUsage", public["KeyUsage"] == "ENCAPSULATE_DECAPSULATE")
    if spec in PYCA:
        peer = serialization.load_der_public_key(public["PublicKey"])
        check(f"{spec}: cryptography re-encodes the same SPKI",
              peer.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo) == public["PublicKey"])
        peer_secret, peer_blob = peer.encapsulate()
        opened = kms.decapsulate(KeyId=key, EncapsulationAlgorithm="ML_KEM",
                                 SharedSecretCiphertextBlob=peer_blob)
        check(f"{spec}: a secret cryptography encapsulated decapsulates here",
              opened["SharedSecret"] == peer_secret)
    garbled = bytes([blob[0] ^ 1]) + blob[1:]
    rejected = kms.decapsulate(KeyId=key, EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=garbled)
    check(f"{spec}: a garbled ciphertext gives another 32-byte secret",
          len(rejected["SharedSecret"]) == 32 and rejected["SharedSecret"] != secret)
    expect_empty_error(f"{spec}: a ciphertext one byte short", "InvalidCiphertextException",
                       kms.decapsulate, KeyId=key, EncapsulationAlgorithm="ML_KEM",
                       SharedSecretCiphertextBlob=blob[:-1])

signing = kms.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
expect_error("Encapsulate with a signing key", "InvalidKeyUsageException",
             f"{signing['Arn']} key usage is SIGN_VERIFY which is not valid for Encapsulate.",
             kms.encapsulate, KeyId=signing["KeyId"], EncapsulationAlgorithm="ML_KEM")
expect_error("an unknown algorithm", "ValidationException",
             "Member must satisfy enum value set: [ML_KEM]",
             kms.encapsulate, KeyId=signing["KeyId"], EncapsulationAlgorithm="KYBER")
account = signing["AWSAccountId"]
denied = kms.create_key(KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE",
                        Policy=policy_denying(account, "kms:Decapsulate"),
                        BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
blob = kms.encapsulate(KeyId=denied, EncapsulationAlgorithm="ML_KEM")["SharedSecretCiphertextBlob"]
expect_access_denied("a policy denying kms:Decapsulate", "kms:Decapsulate", kms.decapsulate,
                     KeyId=denied, EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=blob)
expect_error("DryRun", "DryRunOperationException", "", kms.encapsulate, KeyId=denied,
             EncapsulationAlgorithm="ML_KEM", DryRun=True)
print("ml-kem complete")
