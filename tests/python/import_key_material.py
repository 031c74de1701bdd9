"""boto3 imported key material against `nitro-kms-proxy --simulate`.

CreateKey Origin=EXTERNAL (PendingImport), GetParametersForImport, ImportKeyMaterial with the
material wrapped by Python's `cryptography` (RSAES_OAEP_SHA_256 and RSA_AES_KEY_WRAP_SHA_1, as
AWS's "Importing key material" guide describes them), Encrypt/Decrypt, DescribeKey's
ExpirationModel/ValidTo, DeleteImportedKeyMaterial. Messages: shared/spec/aws-kms-real-errors.txt
(test_import_key_symmetric). Environment as in boto3_tour.py. Exits non-zero on the first failure.
"""

import datetime
import os

import boto3
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from kms_checks import check, expect_error

kms = boto3.client("kms", endpoint_url=os.environ["NITRO_KMS_ENDPOINT"])


def oaep(digest):
    return padding.OAEP(mgf=padding.MGF1(algorithm=digest), algorithm=digest, label=None)


def wrap(algorithm, public_der, material):
    public = serialization.load_der_public_key(public_der)
    if algorithm == "RSAES_OAEP_SHA_256":
        return public.encrypt(material, oaep(hashes.SHA256()))
    aes_key = os.urandom(32)
    return public.encrypt(aes_key, oaep(hashes.SHA1())) + aes_key_wrap_with_padding(aes_key, material)


key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
key_id, arn = key["KeyId"], key["Arn"]
check("origin EXTERNAL", key["Origin"] == "EXTERNAL")
check("pending import", key["KeyState"] == "PendingImport" and key["Enabled"] is False)
expect_error(
    "encrypt before import",
    "KMSInvalidStateException",
    f"{arn} is pending import.",
    kms.encrypt,
    KeyId=key_id,
    Plaintext=b"hi",
)

material = os.urandom(32)
for algorithm in ["RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1"]:
    params = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_3072"
    )
    check("parameters for the key", params["KeyId"] == arn)
    valid_for = params["ParametersValidTo"] - datetime.datetime.now(datetime.timezone.utc)
    check("valid for 24 hours", datetime.timedelta(hours=23) < valid_for <= datetime.timedelta(hours=24))
    valid_to = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
    imported = kms.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=wrap(algorithm, params["PublicKey"], material),
        ExpirationModel="KEY_MATERIAL_EXPIRES",
        ValidTo=valid_to,
    )
    check(f"{algorithm} imported", imported["KeyId"] == arn and len(imported["KeyMaterialId"]) == 64)
    described = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    check("enabled", described["KeyState"] == "Enabled")
    check("expires", described["ExpirationModel"] == "KEY_MATERIAL_EXPIRES")
    check("valid to", abs((described["ValidTo"] - valid_to).total_seconds()) < 1)

blob = kms.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
check("decrypts", kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported")
deleted = kms.delete_imported_key_material(KeyId=key_id)
check("deleted", deleted["KeyId"] == arn and deleted["KeyMaterialId"] == imported["KeyMaterialId"])
check("pending import again", kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport")
expect_error(
    "encrypt after delete",
    "KMSInvalidStateException",
    f"{arn} is pending import.",
    kms.encrypt,
    KeyId=key_id,
    Plaintext=b"hi",
)
print("import key material complete")
