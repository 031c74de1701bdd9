"""boto3 against `nitro-kms-proxy --simulate`: the seed operations, their errors, and a Recipient
round trip whose CiphertextForRecipient is decrypted here with `cryptography` (RSA-OAEP-SHA256 for
the content key, AES-256-CBC for the content), exactly as an enclave application would.

Environment (set by tests/src/proxy.rs): NITRO_KMS_ENDPOINT, NITRO_KMS_STATE_DIR, NITRO_KMS_CLI,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Prints one line per check; exits
non-zero on the first failure.
"""

import os
import subprocess
import tempfile

import boto3
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])


def decrypt_for_recipient(envelope, private_key):
    """Opens a KMS CiphertextForRecipient (CMS EnvelopedData, KeyTransRecipientInfo)."""
    info = cms.ContentInfo.load(envelope)
    enveloped = info["content"]
    recipient = enveloped["recipient_infos"][0].chosen
    content_key = private_key.decrypt(
        recipient["encrypted_key"].native,
        asym_padding.OAEP(
            mgf=asym_padding.MGF1(algorithm=hashes.SHA256()),
            algorithm=hashes.SHA256(),
            label=None,
        ),
    )
    content = enveloped["encrypted_content_info"]
    iv = content["content_encryption_algorithm"]["parameters"].native
    ciphertext = content["encrypted_content"].native
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


key = kms.create_key(Description="boto3")["KeyMetadata"]
check("create_key returns an enabled symmetric key", key["KeyState"] == "Enabled" and key["KeySpec"] == "SYMMETRIC_DEFAULT")
kms.create_alias(AliasName="alias/boto3", TargetKeyId=key["KeyId"])

gdk = kms.generate_data_key(KeyId="alias/boto3", KeySpec="AES_256", EncryptionContext={"app": "boto3"})
check("generate_data_key: 32-byte plaintext", len(gdk["Plaintext"]) == 32)
check("generate_data_key: KeyId is the key ARN", gdk["KeyId"] == key["Arn"])
plain = kms.decrypt(CiphertextBlob=gdk["CiphertextBlob"], EncryptionContext={"app": "boto3"})
check("decrypt returns the same key", plain["Plaintext"] == gdk["Plaintext"])
check("generate_data_key(NumberOfBytes=64)", len(kms.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=64)["Plaintext"]) == 64)
without = kms.generate_data_key_without_plaintext(KeyId=key["Arn"], KeySpec="AES_128")
check("generate_data_key_without_plaintext has no Plaintext", "Plaintext" not in without)
check("its blob decrypts to 16 bytes", len(kms.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"]) == 16)
enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"boto3 secret")
check("encrypt/decrypt round trip", kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])["Plaintext"] == b"boto3 secret")
check("describe_key by alias", kms.describe_key(KeyId="alias/boto3")["KeyMetadata"]["KeyId"] == key["KeyId"])
check("list_aliases", any(a["AliasName"] == "alias/boto3" for a in kms.list_aliases()["Aliases"]))

expect_error("both KeySpec and NumberOfBytes", "ValidationException", "Please specify either number of bytes or key spec.",
             kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256", NumberOfBytes=32)
expect_error("neither KeySpec nor NumberOfBytes", "ValidationException", "Please specify either number of bytes or key spec.",
             kms.generate_data_key, KeyId=key["KeyId"])
expect_error("1025 bytes", "ValidationException", "Member must have value less than or equal to 1024",
             kms.generate_data_key, KeyId=key["KeyId"], NumberOfBytes=1025)
expect_error("unknown key", "NotFoundException", "does not exist",
             kms.generate_data_key, KeyId="0b1c8a44-2b3c-4d5e-8f90-123456789abc", KeySpec="AES_256")
expect_error("wrong context", "InvalidCiphertextException", "",
             kms.decrypt, CiphertextBlob=gdk["CiphertextBlob"], EncryptionContext={"app": "other"})

# Recipient: an enclave application's RSA key, attested by the simulated NSM of this world.
private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
with tempfile.TemporaryDirectory() as tmp:
    spki = os.path.join(tmp, "pub.der")
    doc_path = os.path.join(tmp, "doc.cose")
    with open(spki, "wb") as f:
        f.write(private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    subprocess.run([os.environ["NITRO_KMS_CLI"], "attestation", "simulate",
                    "--state-dir", os.environ["NITRO_KMS_STATE_DIR"],
                    "--public-key", spki, "--out", doc_path], check=True)
    with open(doc_path, "rb") as f:
        document = f.read()
recipient = {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": document}
attested = kms.generate_data_key(KeyId="alias/boto3", KeySpec="AES_256", Recipient=recipient)
check("with Recipient: no Plaintext", "Plaintext" not in attested or attested["Plaintext"] in (None, b""))
data_key = decrypt_for_recipient(attested["CiphertextForRecipient"], private_key)
check("CiphertextForRecipient opens to a 32-byte key", len(data_key) == 32)
again = kms.decrypt(CiphertextBlob=attested["CiphertextBlob"], Recipient=recipient)
check("attested Decrypt gives the same key", decrypt_for_recipient(again["CiphertextForRecipient"], private_key) == data_key)
check("plain Decrypt agrees", kms.decrypt(CiphertextBlob=attested["CiphertextBlob"])["Plaintext"] == data_key)

kms.disable_key(KeyId=key["KeyId"])
expect_error("disabled key", "DisabledException", "is disabled.",
             kms.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256")
print("boto3 tour complete")
