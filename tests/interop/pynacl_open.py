"""PyNaCl side of Redline's interop tests (tests/interop/pynacl.test.ts).

An independent implementation of the assessment file (DESIGN.md section 6): libsodium's sealed box via
PyNaCl's SealedBox, nacl.secretbox via SecretBox, Ed25519 via VerifyKey/SigningKey, and DSSE's PAE computed
here from the spec. Keys and data arrive as hex in a JSON object on stdin (never in files); the result is one
JSON object on stdout. Exit status 2 when PyNaCl refuses the input (a CryptoError), 1 on any other failure.

Modes (argv[1]):
  open  {"file", "recipientSecretKey", "signerPublicKey"} -> {"fileKey", "envelope", "payload", "keyid"}
  seal  {"recipientPublicKey", "message"}                  -> {"sealed"}
  make  {"recipientPublicKey", "signerSeed", "payload", "payloadType"} -> an assessment file
"""

import base64
import hashlib
import json
import sys

import nacl.exceptions
import nacl.secret
import nacl.signing
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

ALG = "x25519-xsalsa20poly1305-sealedbox"
FILE_TYPE = "redline.sealed-dsse/v1"


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding (secure-systems-lab/dsse protocol.md)."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def open_file(request: dict) -> dict:
    identity = PrivateKey(bytes.fromhex(request["recipientSecretKey"]))
    signer = nacl.signing.VerifyKey(bytes.fromhex(request["signerPublicKey"]))
    document = request["file"]
    if document["type"] != FILE_TYPE:
        raise ValueError("not a redline.sealed-dsse/v1 file")
    ours = key_id(bytes(identity.public_key))
    stanza = next(s for s in document["recipients"] if s["keyid"] == ours)
    if stanza["alg"] != ALG:
        raise ValueError("unknown alg")
    file_key = SealedBox(identity).decrypt(base64.b64decode(stanza["wrappedKey"], validate=True))
    plaintext = nacl.secret.SecretBox(file_key).decrypt(
        base64.b64decode(document["ciphertext"], validate=True),
        base64.b64decode(document["nonce"], validate=True),
    )
    envelope = json.loads(plaintext.decode("utf-8"))
    payload = base64.b64decode(envelope["payload"], validate=True)
    signer_id = key_id(bytes(signer))
    signature = next(s for s in envelope["signatures"] if s["keyid"] == signer_id)
    signer.verify(pae(envelope["payloadType"], payload), base64.b64decode(signature["sig"], validate=True))
    return {"fileKey": file_key.hex(), "envelope": envelope, "payload": payload.hex(), "keyid": signer_id}


def seal(request: dict) -> dict:
    recipient = PublicKey(bytes.fromhex(request["recipientPublicKey"]))
    return {"sealed": SealedBox(recipient).encrypt(bytes.fromhex(request["message"])).hex()}


def make_file(request: dict) -> dict:
    recipient = PublicKey(bytes.fromhex(request["recipientPublicKey"]))
    signer = nacl.signing.SigningKey(bytes.fromhex(request["signerSeed"]))
    payload = bytes.fromhex(request["payload"])
    payload_type = request["payloadType"]
    signature = signer.sign(pae(payload_type, payload)).signature
    envelope = {
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {"keyid": key_id(bytes(signer.verify_key)), "sig": base64.b64encode(signature).decode("ascii")}
        ],
    }
    file_key = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    ciphertext = nacl.secret.SecretBox(file_key).encrypt(json.dumps(envelope).encode("utf-8"), nonce).ciphertext
    return {
        "type": FILE_TYPE,
        "recipients": [
            {
                "keyid": key_id(bytes(recipient)),
                "alg": ALG,
                "wrappedKey": base64.b64encode(SealedBox(recipient).encrypt(file_key)).decode("ascii"),
            }
        ],
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
    }


MODES = {"open": open_file, "seal": seal, "make": make_file}


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        print("usage: pynacl_open.py open|seal|make < request.json", file=sys.stderr)
        return 1
    try:
        result = MODES[sys.argv[1]](json.load(sys.stdin))
    except nacl.exceptions.CryptoError as error:
        print(f"refused by PyNaCl: {error}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
