"""boto3 Sign / Verify / GetPublicKey against `nitro-kms-proxy --simulate`, every signing key spec
with each of its signing algorithms.

KMS never exports a signing key's private half, and Verify checks only with the KMS key's own
key, so: each Sign signature (RAW and DIGEST) must verify with Python `cryptography` and with
OpenSSL (`openssl dgst -verify`) under the public key GetPublicKey returns, KMS Verify must
accept it for RAW and DIGEST and refuse it with one byte flipped (KMSInvalidSignatureException,
empty message: the model says Verify never answers SignatureValid=false). Error texts are AWS's
recorded ones (shared/spec/aws-kms-real-errors.txt: test_sign_verify[*]/bad-digest,
/bad-signature). Environment as in boto3_tour.py. Exits non-zero on the first failure.
"""

import hashlib
import os
import subprocess
import tempfile

import boto3
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils
from kms_checks import (check, expect_access_denied, expect_empty_error, expect_error,
                        policy_denying)

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

HASHES = {"256": (hashes.SHA256, hashlib.sha256), "384": (hashes.SHA384, hashlib.sha384),
          "512": (hashes.SHA512, hashlib.sha512)}
RSA_ALGORITHMS = [f"RSASSA_{p}_SHA_{b}" for p in ("PSS", "PKCS1_V1_5") for b in ("256", "384", "512")]
SPECS = [
    ("RSA_2048", RSA_ALGORITHMS),
    ("RSA_3072", RSA_ALGORITHMS),
    ("RSA_4096", RSA_ALGORITHMS),
    ("ECC_NIST_P256", ["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", ["ECDSA_SHA_384"]),
    ("ECC_NIST_P521", ["ECDSA_SHA_512"]),
    ("ECC_SECG_P256K1", ["ECDSA_SHA_256"]),
]
MESSAGE = b"nitro-kms signs this message"


def expect_empty_invalid_signature(name, **kwargs):
    """Verify refuses with KMSInvalidSignatureException and an empty message, exactly."""
    expect_empty_error(name, "KMSInvalidSignatureException", kms.verify, **kwargs)


def cryptography_accepts(public_key, algorithm, signature, prehashed):
    bits = algorithm[-3:]
    hash_cls, _ = HASHES[bits]
    chosen = utils.Prehashed(hash_cls()) if prehashed else hash_cls()
    data = HASHES[bits][1](MESSAGE).digest() if prehashed else MESSAGE
    try:
        if algorithm.startswith("ECDSA"):
            public_key.verify(signature, data, ec.ECDSA(chosen))
        elif algorithm.startswith("RSASSA_PSS"):
            pss = padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=hash_cls.digest_size)
            public_key.verify(signature, data, pss, chosen)
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), chosen)
        return True
    except InvalidSignature:
        return False


def openssl_accepts(pem, algorithm, signature):
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ("pub.pem", "sig.bin", "msg.bin")}
        for name, data in (("pub.pem", pem), ("sig.bin", signature), ("msg.bin", MESSAGE)):
            with open(paths[name], "wb") as f:
                f.write(data)
        cmd = ["openssl", "dgst", f"-sha{algorithm[-3:]}", "-verify", paths["pub.pem"],
               "-signature", paths["sig.bin"]]
        if algorithm.startswith("RSASSA_PSS"):
            cmd += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
        out = subprocess.run(cmd + [paths["msg.bin"]], capture_output=True)
        return out.returncode == 0 and b"Verified OK" in out.stdout


for spec, algorithms in SPECS:
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    check(f"{spec}: DescribeKey SigningAlgorithms", key["SigningAlgorithms"] == algorithms)
    public = kms.get_public_key(KeyId=key["KeyId"])
    check(f"{spec}: GetPublicKey KeySpec/KeyUsage",
          public["KeySpec"] == spec and public["KeyUsage"] == "SIGN_VERIFY"
          and public["SigningAlgorithms"] == algorithms and public["KeyId"] == key["Arn"])
    public_key = serialization.load_der_public_key(public["PublicKey"])
    pem = public_key.public_bytes(serialization.Encoding.PEM,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    for algorithm in algorithms:
        name = f"{spec} {algorithm}"
        digest = HASHES[algorithm[-3:]][1](MESSAGE).digest()
        raw = kms.sign(KeyId=key["KeyId"], Message=MESSAGE, SigningAlgorithm=algorithm)
        check(f"{name}: Sign answer", raw["KeyId"] == key["Arn"]
              and raw["SigningAlgorithm"] == algorithm)
        by_digest = kms.sign(KeyId=key["Arn"], Message=digest, MessageType="DIGEST",
                             SigningAlgorithm=algorithm)["Signature"]
        for label, signature in (("RAW", raw["Signature"]), ("DIGEST", by_digest)):
            check(f"{name} {label}: cryptography verifies",
                  cryptography_accepts(public_key, algorithm, signature, False)
                  and cryptography_accepts(public_key, algorithm, signature, True))
            check(f"{name} {label}: openssl verifies", openssl_accepts(pem, algorithm, signature))
            for message, message_type in ((MESSAGE, "RAW"), (digest, "DIGEST")):
                verified = kms.verify(KeyId=key["KeyId"], Message=message,
                                      MessageType=message_type, Signature=signature,
                                      SigningAlgorithm=algorithm)
                check(f"{name} {label}: KMS Verify {message_type}",
                      verified["SignatureValid"] is True and verified["KeyId"] == key["Arn"])
        flipped = bytearray(raw["Signature"])
        flipped[-1] ^= 1
        expect_empty_invalid_signature(f"{name}: flipped byte", KeyId=key["KeyId"],
                                       Message=MESSAGE, Signature=bytes(flipped),
                                       SigningAlgorithm=algorithm)
        check(f"{name}: cryptography refuses the flipped byte",
              not cryptography_accepts(public_key, algorithm, bytes(flipped), False))
        expect_error(f"{name}: bad digest", "ValidationException",
                     f"Digest is invalid length for algorithm {algorithm}.", kms.sign,
                     KeyId=key["KeyId"], Message=digest[:-1], MessageType="DIGEST",
                     SigningAlgorithm=algorithm)

p256 = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
expect_error("P-256 with ECDSA_SHA_384", "InvalidKeyUsageException",
             "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.", kms.sign,
             KeyId=p256["KeyId"], Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_384")
symmetric = kms.create_key()["KeyMetadata"]
expect_error("symmetric key Sign", "InvalidKeyUsageException",
             f"{symmetric['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for Sign.",
             kms.sign, KeyId=symmetric["KeyId"], Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")
expect_error("symmetric key GetPublicKey", "UnsupportedOperationException",
             f"{symmetric['Arn']} key spec is SYMMETRIC_DEFAULT which is not valid for GetPublicKey.",
             kms.get_public_key, KeyId=symmetric["KeyId"])
expect_error("signing key Encrypt", "InvalidKeyUsageException",
             f"{p256['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.",
             kms.encrypt, KeyId=p256["KeyId"], Plaintext=b"p")
account = symmetric["Arn"].split(":")[4]
guarded = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY",
                         Policy=policy_denying(account, "kms:Sign"))["KeyMetadata"]
expect_access_denied("policy denying kms:Sign", "kms:Sign", kms.sign, KeyId=guarded["KeyId"],
                     Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")
check("policy denying kms:Sign still allows GetPublicKey",
      kms.get_public_key(KeyId=guarded["KeyId"])["KeySpec"] == "ECC_NIST_P256")
print("sign verify complete")
