"""boto3 over TLS to the enclave's own endpoint (issue 16): with `verify=` the CA that
`nitro-kms service verify --ca-out` wrote, it creates a key, generates a data key and decrypts it;
without that CA (certifi's roots) the handshake fails with an SSL error.

Environment (set by tests/tests/boto3_tls.rs): NITRO_KMS_TLS_ENDPOINT (https://localhost:PORT),
NITRO_KMS_CA (the PEM file), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION. Prints
one line per check; exits non-zero on the first failure.
"""

import os
import sys

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = os.environ["NITRO_KMS_TLS_ENDPOINT"]
CA = os.environ["NITRO_KMS_CA"]
# One attempt, short timeouts: a refusal is an answer, not something to retry.
CONFIG = botocore.config.Config(
    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=10, read_timeout=20
)


def check(name, condition):
    if not condition:
        print(f"FAIL {name}")
        sys.exit(1)
    print(f"ok   {name}")


kms = boto3.client("kms", endpoint_url=ENDPOINT, verify=CA, config=CONFIG)
key_id = kms.create_key()["KeyMetadata"]["KeyId"]
check("create_key over TLS", bool(key_id))
made = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
check("generate_data_key over TLS: 32 bytes", len(made["Plaintext"]) == 32)
opened = kms.decrypt(CiphertextBlob=made["CiphertextBlob"])
check("decrypt over TLS: the same key", opened["Plaintext"] == made["Plaintext"])
check("decrypt over TLS: the key id", opened["KeyId"].endswith(key_id))

untrusting = boto3.client("kms", endpoint_url=ENDPOINT, config=CONFIG)
try:
    untrusting.list_keys()
    check("without the CA: refused", False)
except botocore.exceptions.SSLError as e:
    check("without the CA: SSL error", "CERTIFICATE_VERIFY_FAILED" in str(e))

print("boto3 tls complete")
