"""PyNaCl side of tests/interop/attestation-pynacl.test.ts: an independent DSSE v1 verifier.

Reads {"envelope": <DSSE envelope JSON>, "publicKey": <hex Ed25519 public key>} on stdin, computes DSSE's
pre-authentication encoding itself (secure-systems-lab/dsse protocol.md) and checks the signature whose keyid is
the SHA-256 of the public key with PyNaCl's VerifyKey. Prints {"keyid", "payloadType", "statement"} on success;
exit status 2 when PyNaCl refuses the signature, 1 on any other failure.
"""

import base64
import hashlib
import json
import sys

import nacl.exceptions
import nacl.signing


def pae(payload_type: str, payload: bytes) -> bytes:
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def main() -> int:
    request = json.load(sys.stdin)
    envelope = request["envelope"]
    public_key = bytes.fromhex(request["publicKey"])
    keyid = hashlib.sha256(public_key).hexdigest()
    payload = base64.b64decode(envelope["payload"], validate=True)
    signature = next(s for s in envelope["signatures"] if s.get("keyid") == keyid)
    try:
        nacl.signing.VerifyKey(public_key).verify(
            pae(envelope["payloadType"], payload), base64.b64decode(signature["sig"], validate=True)
        )
    except nacl.exceptions.BadSignatureError as error:
        print(f"refused by PyNaCl: {error}", file=sys.stderr)
        return 2
    statement = json.loads(payload.decode("utf-8"))
    json.dump({"keyid": keyid, "payloadType": envelope["payloadType"], "statement": statement}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
