"""boto3 Sign / Verify / GetPublicKey with an ECC_NIST_EDWARDS25519 key against
`nitro-kms-proxy --simulate`.

ED25519_SHA_512 (pure Ed25519, MessageType RAW) signatures must verify with Python
`cryptography` and OpenSSL (`pkeyutl -verify -rawin`) under the public key GetPublicKey returns;
ED25519_PH_SHA_512 (Ed25519ph: RAW, hashed with SHA-512 here, or a 64-byte SHA-512 DIGEST) signs
both forms identically (Ed25519 is deterministic) and KMS Verify accepts either; neither
`cryptography` nor OpenSSL 3.0 implements Ed25519ph, so they cannot check it. A flipped byte is
KMSInvalidSignatureException with an empty message, as for every other spec (the model: Verify
never answers SignatureValid=false). Environment as in boto3_tour.py.
"""

import hashlib
import os
import subprocess
import tempfile

import boto3
import botocore.exceptions
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])
MESSAGE = b"nitro-kms signs this with Ed25519"
work = tempfile.mkdtemp()

key = kms.create_key(KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
check("DescribeKey lists both Ed25519 algorithms",
      key["SigningAlgorithms"] == ["ED25519_SHA_512", "ED25519_PH_SHA_512"])
public = kms.get_public_key(KeyId=key["KeyId"])
check("GetPublicKey: spec and algorithms", public["KeySpec"] == "ECC_NIST_EDWARDS25519"
      and public["SigningAlgorithms"] == ["ED25519_SHA_512", "ED25519_PH_SHA_512"])
public_key = serialization.load_der_public_key(public["PublicKey"])
pem = os.path.join(work, "kms.pem")
with open(pem, "wb") as f:
    f.write(public_key.public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo))

pure = kms.sign(KeyId=key["KeyId"], Message=MESSAGE, MessageType="RAW",
                SigningAlgorithm="ED25519_SHA_512")
check("pure: answer", pure["KeyId"] == key["Arn"] and pure["SigningAlgorithm"] == "ED25519_SHA_512"
      and len(pure["Signature"]) == 64)
try:
    public_key.verify(pure["Signature"], MESSAGE)
    check("pure: cryptography verifies", True)
except InvalidSignature:
    check("pure: cryptography verifies", False)
message_file = os.path.join(work, "message.bin")
sig_file = os.path.join(work, "sig.bin")
with open(message_file, "wb") as f:
    f.write(MESSAGE)
with open(sig_file, "wb") as f:
    f.write(pure["Signature"])
verified = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin",
                           "-in", message_file, "-sigfile", sig_file], capture_output=True)
check(f"pure: openssl pkeyutl -verify -rawin {verified.stdout!r}", verified.returncode == 0)
check("pure: KMS Verify", kms.verify(KeyId=key["KeyId"], Message=MESSAGE,
                                     Signature=pure["Signature"],
                                     SigningAlgorithm="ED25519_SHA_512")["SignatureValid"])
flipped = bytearray(pure["Signature"])
flipped[0] ^= 1
expect_error("pure: flipped byte", "KMSInvalidSignatureException", "", kms.verify,
             KeyId=key["KeyId"], Message=MESSAGE, Signature=bytes(flipped),
             SigningAlgorithm="ED25519_SHA_512")
try:
    public_key.verify(bytes(flipped), MESSAGE)
    check("pure: cryptography refuses the flipped byte", False)
except InvalidSignature:
    check("pure: cryptography refuses the flipped byte", True)
expect_error("pure: DIGEST refused", "ValidationException", "", kms.sign, KeyId=key["KeyId"],
             Message=hashlib.sha512(MESSAGE).digest(), MessageType="DIGEST",
             SigningAlgorithm="ED25519_SHA_512")

digest = hashlib.sha512(MESSAGE).digest()
ph_raw = kms.sign(KeyId=key["KeyId"], Message=MESSAGE, SigningAlgorithm="ED25519_PH_SHA_512")
ph_digest = kms.sign(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST",
                     SigningAlgorithm="ED25519_PH_SHA_512")
check("ph: RAW and DIGEST sign alike", ph_raw["Signature"] == ph_digest["Signature"])
check("ph: differs from pure Ed25519", ph_raw["Signature"] != pure["Signature"])
for message, message_type in ((MESSAGE, "RAW"), (digest, "DIGEST")):
    check(f"ph: KMS Verify {message_type}",
          kms.verify(KeyId=key["KeyId"], Message=message, MessageType=message_type,
                     Signature=ph_raw["Signature"],
                     SigningAlgorithm="ED25519_PH_SHA_512")["SignatureValid"])
expect_error("ph: bad digest length", "ValidationException",
             "Digest is invalid length for algorithm ED25519_PH_SHA_512.", kms.sign,
             KeyId=key["KeyId"], Message=digest[:32], MessageType="DIGEST",
             SigningAlgorithm="ED25519_PH_SHA_512")
expect_error("pure signature under ph", "KMSInvalidSignatureException", "", kms.verify,
             KeyId=key["KeyId"], Message=MESSAGE, Signature=pure["Signature"],
             SigningAlgorithm="ED25519_PH_SHA_512")
expect_error("ECDSA with an Ed25519 key", "InvalidKeyUsageException",
             "Algorithm ECDSA_SHA_256 is incompatible with key spec ECC_NIST_EDWARDS25519.",
             kms.sign, KeyId=key["KeyId"], Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")
print("ed25519 complete")
