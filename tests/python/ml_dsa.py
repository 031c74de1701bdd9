"""boto3 Sign / Verify / GetPublicKey / DescribeKey with ML-DSA keys against
`nitro-kms-proxy --simulate`, every ML_DSA spec with ML_DSA_SHAKE_256.

Sources: the Sign API reference in the KMS model (shared/spec/kms-service-2.json: RAW messages
of up to 4096 bytes, EXTERNAL_MU is the 64-byte µ of FIPS 204 §6.2) and AWS's ML-DSA developer
guide page (signatures over RAW messages up to 4 KB). Each signature must verify with Python
`cryptography` under GetPublicKey's SPKI (pure ML-DSA, empty context), KMS Verify accepts it and
refuses it with one byte flipped (KMSInvalidSignatureException, empty message). The machine's
OpenSSL (3.0) has no ML-DSA, so OpenSSL is not used. EXTERNAL_MU: aws-lc-rs (the enclave's only
crypto library) has no public API that signs a caller's µ, so a 64-byte µ is
UnsupportedOperationException here (a documented gap, not AWS's behaviour). Environment as in
boto3_tour.py. Exits non-zero on the first failure.
"""

import os

import boto3
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from kms_checks import (check, expect_access_denied, expect_empty_error, expect_error,
                        policy_denying)

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

SPECS = {"ML_DSA_44": 2420, "ML_DSA_65": 3309, "ML_DSA_87": 4627}
ALG = "ML_DSA_SHAKE_256"
MESSAGE = b"nitro-kms signs this with ML-DSA" * 128  # 4096 bytes, the RAW limit

for spec, sig_len in SPECS.items():
    meta = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    key, arn = meta["KeyId"], meta["Arn"]
    check(f"{spec}: DescribeKey SigningAlgorithms",
          kms.describe_key(KeyId=key)["KeyMetadata"]["SigningAlgorithms"] == [ALG])
    signed = kms.sign(KeyId=key, Message=MESSAGE, MessageType="RAW", SigningAlgorithm=ALG)
    sig = signed["Signature"]
    check(f"{spec}: Sign answers the ARN and algorithm",
          signed["KeyId"] == arn and signed["SigningAlgorithm"] == ALG)
    check(f"{spec}: a {sig_len}-byte signature", len(sig) == sig_len)
    public = kms.get_public_key(KeyId=key)
    check(f"{spec}: GetPublicKey SigningAlgorithms", public["SigningAlgorithms"] == [ALG])
    peer = serialization.load_der_public_key(public["PublicKey"])
    try:
        peer.verify(sig, MESSAGE)
        check(f"{spec}: cryptography verifies the signature", True)
    except InvalidSignature:
        check(f"{spec}: cryptography verifies the signature", False)
    answer = kms.verify(KeyId=key, Message=MESSAGE, MessageType="RAW", Signature=sig, SigningAlgorithm=ALG)
    check(f"{spec}: KMS Verify accepts it", answer["SignatureValid"] is True)
    flipped = sig[:9] + bytes([sig[9] ^ 1]) + sig[10:]
    expect_empty_error(f"{spec}: a flipped byte", "KMSInvalidSignatureException", kms.verify,
                       KeyId=key, Message=MESSAGE, Signature=flipped, SigningAlgorithm=ALG)

key = kms.create_key(KeySpec="ML_DSA_65", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
expect_error("a message over 4096 bytes", "ValidationException",
             "Member must have length less than or equal to 4096", kms.sign,
             KeyId=key["KeyId"], Message=MESSAGE + b"x", SigningAlgorithm=ALG)
expect_error("an ECDSA algorithm", "InvalidKeyUsageException",
             "Algorithm ECDSA_SHA_256 is incompatible with key spec ML_DSA_65.", kms.sign,
             KeyId=key["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
expect_error("DIGEST", "InvalidKeyUsageException",
             "MessageType DIGEST is incompatible with key spec ML_DSA_65.", kms.sign,
             KeyId=key["KeyId"], Message=bytes(64), MessageType="DIGEST", SigningAlgorithm=ALG)
expect_error("EXTERNAL_MU of 63 bytes", "ValidationException",
             "Digest is invalid length for algorithm ML_DSA_SHAKE_256.", kms.sign,
             KeyId=key["KeyId"], Message=bytes(63), MessageType="EXTERNAL_MU", SigningAlgorithm=ALG)
expect_error("EXTERNAL_MU", "UnsupportedOperationException",
             "MessageType EXTERNAL_MU is not supported by this key store.", kms.sign,
             KeyId=key["KeyId"], Message=bytes(64), MessageType="EXTERNAL_MU", SigningAlgorithm=ALG)
denied = kms.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY",
                        Policy=policy_denying(key["AWSAccountId"], "kms:Sign"),
                        BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
expect_access_denied("a policy denying kms:Sign", "kms:Sign", kms.sign, KeyId=denied,
                     Message=b"m", SigningAlgorithm=ALG)
print("ml-dsa complete")
