"""boto3 Encrypt / Decrypt / ReEncrypt with RSA ENCRYPT_DECRYPT keys against
`nitro-kms-proxy --simulate`, every RSA spec with RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256.

Sources: the Encrypt API reference (an asymmetric key needs its EncryptionAlgorithm; the
plaintext limits per spec and algorithm; KMS stores no metadata in an asymmetric ciphertext, so
Decrypt needs KeyId and the algorithm), the recorded AWS errors
(shared/spec/aws-kms-real-errors.txt: test_encrypt_validate_plaintext_size_per_key_type for the
limit message, the empty InvalidCiphertextException), and real AWS's
`Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096.` for an omitted algorithm
(zalando/spring-cloud-config-aws-kms issue #82). Each KMS ciphertext is the raw OAEP ciphertext
(Python `cryptography` cannot open it without the private key, so the round trip is through KMS);
ciphertexts made by `cryptography` and by OpenSSL (`openssl pkeyutl -encrypt -pubin -keyform DER
-pkeyopt rsa_padding_mode:oaep ...`) with the public key GetPublicKey returns decrypt here.
Environment as in boto3_tour.py. Exits non-zero on the first failure.
"""

import os
import subprocess
import tempfile

import boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from kms_checks import (check, expect_access_denied, expect_empty_error, expect_error,
                        policy_denying)

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])

ALGORITHMS = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}
LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214, ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342, ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470, ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}
MODULUS_BYTES = {"RSA_2048": 256, "RSA_3072": 384, "RSA_4096": 512}


def expect_invalid_ciphertext(name, **kwargs):
    """Decrypt refuses with InvalidCiphertextException and AWS's empty message, exactly."""
    expect_empty_error(name, "InvalidCiphertextException", kms.decrypt, **kwargs)


def openssl_encrypt(der, algorithm, plaintext):
    md = "sha1" if algorithm.endswith("SHA_1") else "sha256"
    with tempfile.TemporaryDirectory() as d:
        pub, inp = os.path.join(d, "pub.der"), os.path.join(d, "in.bin")
        with open(pub, "wb") as f:
            f.write(der)
        with open(inp, "wb") as f:
            f.write(plaintext)
        out = subprocess.run(
            ["openssl", "pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", pub,
             "-in", inp, "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", f"rsa_oaep_md:{md}",
             "-pkeyopt", f"rsa_mgf1_md:{md}"], capture_output=True, check=True)
        return out.stdout


for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
    key = kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    check(f"{spec}: DescribeKey EncryptionAlgorithms",
          key["EncryptionAlgorithms"] == list(ALGORITHMS))
    public = kms.get_public_key(KeyId=key["KeyId"])
    check(f"{spec}: GetPublicKey", public["KeyUsage"] == "ENCRYPT_DECRYPT"
          and public["EncryptionAlgorithms"] == list(ALGORITHMS) and public["KeySpec"] == spec)
    public_key = serialization.load_der_public_key(public["PublicKey"])
    for algorithm, hash_cls in ALGORITHMS.items():
        name = f"{spec} {algorithm}"
        limit = LIMITS[(spec, algorithm)]
        plaintext = os.urandom(limit)
        sealed = kms.encrypt(KeyId=key["KeyId"], Plaintext=plaintext,
                             EncryptionAlgorithm=algorithm)
        check(f"{name}: Encrypt answer", sealed["KeyId"] == key["Arn"]
              and sealed["EncryptionAlgorithm"] == algorithm
              and len(sealed["CiphertextBlob"]) == MODULUS_BYTES[spec])
        opened = kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=sealed["CiphertextBlob"],
                             EncryptionAlgorithm=algorithm)
        check(f"{name}: round trip at the limit", opened["Plaintext"] == plaintext
              and opened["EncryptionAlgorithm"] == algorithm and opened["KeyId"] == key["Arn"])
        expect_error(f"{name}: limit + 1", "ValidationException",
                     f"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than "
                     f"{limit} bytes.", kms.encrypt, KeyId=key["KeyId"],
                     Plaintext=os.urandom(limit + 1), EncryptionAlgorithm=algorithm)
        oaep = padding.OAEP(mgf=padding.MGF1(hash_cls()), algorithm=hash_cls(), label=None)
        theirs = public_key.encrypt(b"from cryptography", oaep)
        check(f"{name}: cryptography's ciphertext decrypts",
              kms.decrypt(KeyId=key["Arn"], CiphertextBlob=theirs,
                          EncryptionAlgorithm=algorithm)["Plaintext"] == b"from cryptography")
        theirs = openssl_encrypt(public["PublicKey"], algorithm, b"from openssl")
        check(f"{name}: openssl's ciphertext decrypts",
              kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=theirs,
                          EncryptionAlgorithm=algorithm)["Plaintext"] == b"from openssl")
        other = [a for a in ALGORITHMS if a != algorithm][0]
        expect_invalid_ciphertext(f"{name}: decrypted as {other}", KeyId=key["KeyId"],
                                  CiphertextBlob=theirs, EncryptionAlgorithm=other)

rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
symmetric = kms.create_key()["KeyMetadata"]
sealed = kms.encrypt(KeyId=rsa["KeyId"], Plaintext=b"p",
                     EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
expect_error("RSA Encrypt without EncryptionAlgorithm", "InvalidKeyUsageException",
             "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
             kms.encrypt, KeyId=rsa["KeyId"], Plaintext=b"p")
expect_error("RSA Decrypt without EncryptionAlgorithm", "InvalidKeyUsageException",
             "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
             kms.decrypt, KeyId=rsa["KeyId"], CiphertextBlob=sealed)
expect_error("symmetric Encrypt with RSAES_OAEP_SHA_256", "InvalidKeyUsageException",
             "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.",
             kms.encrypt, KeyId=symmetric["KeyId"], Plaintext=b"p",
             EncryptionAlgorithm="RSAES_OAEP_SHA_256")
expect_error("RSA Encrypt with an EncryptionContext", "ValidationException",
             "EncryptionContext", kms.encrypt, KeyId=rsa["KeyId"], Plaintext=b"p",
             EncryptionAlgorithm="RSAES_OAEP_SHA_256", EncryptionContext={"a": "b"})
expect_invalid_ciphertext("RSA ciphertext without KeyId", CiphertextBlob=sealed,
                          EncryptionAlgorithm="RSAES_OAEP_SHA_256")
tampered = bytearray(sealed)
tampered[0] ^= 1
expect_invalid_ciphertext("tampered RSA ciphertext", KeyId=rsa["KeyId"],
                          CiphertextBlob=bytes(tampered), EncryptionAlgorithm="RSAES_OAEP_SHA_256")
for operation, call, kwargs in (
        ("GenerateDataKey", kms.generate_data_key, {"KeySpec": "AES_256"}),
        ("GenerateMac", kms.generate_mac, {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}),
        ("Sign", kms.sign, {"Message": b"m", "SigningAlgorithm": "RSASSA_PSS_SHA_256"})):
    expect_error(f"RSA encryption key {operation}", "InvalidKeyUsageException",
                 f"{rsa['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for {operation}.",
                 call, KeyId=rsa["KeyId"], **kwargs)

to_symmetric = kms.re_encrypt(CiphertextBlob=sealed, SourceKeyId=rsa["KeyId"],
                              SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                              DestinationKeyId=symmetric["KeyId"])
check("ReEncrypt RSA -> symmetric", to_symmetric["SourceKeyId"] == rsa["Arn"]
      and to_symmetric["SourceEncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
      and to_symmetric["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
      and kms.decrypt(CiphertextBlob=to_symmetric["CiphertextBlob"])["Plaintext"] == b"p")
back = kms.re_encrypt(CiphertextBlob=to_symmetric["CiphertextBlob"], DestinationKeyId=rsa["Arn"],
                      DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_1")
check("ReEncrypt symmetric -> RSA", back["KeyId"] == rsa["Arn"]
      and back["DestinationEncryptionAlgorithm"] == "RSAES_OAEP_SHA_1"
      and kms.decrypt(KeyId=rsa["KeyId"], CiphertextBlob=back["CiphertextBlob"],
                      EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"] == b"p")

account = symmetric["Arn"].split(":")[4]
guarded = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT",
                         Policy=policy_denying(account, "kms:Decrypt"))["KeyMetadata"]
blob = kms.encrypt(KeyId=guarded["KeyId"], Plaintext=b"guarded",
                   EncryptionAlgorithm="RSAES_OAEP_SHA_1")["CiphertextBlob"]
expect_access_denied("policy denying kms:Decrypt", "kms:Decrypt", kms.decrypt,
                     KeyId=guarded["KeyId"], CiphertextBlob=blob,
                     EncryptionAlgorithm="RSAES_OAEP_SHA_1")
print("rsa encrypt complete")
