"""Prints the SQLCipher raw key of a Redline lab database, in hex, from its age identity file (ID.age).

An independent implementation of src/crypto/db-key.ts (Python standard library only), as docs/security.md shows it:
key = HKDF-SHA256(IKM = the X25519 secret of AGE-SECRET-KEY-1..., salt = "redline/db-key/v1",
info = "sqlcipher raw key", L = 32).

    python3 redline_db_key.py keys/lab-db.age
"""
import hashlib
import hmac
import sys

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
line = next(l.strip() for l in open(sys.argv[1]) if l.startswith("AGE-SECRET-KEY-1")).lower()
acc = bits = 0
secret = bytearray()
for c in line[line.rindex("1") + 1 : -6]:  # bech32 data part, without the 6-character checksum
    acc, bits = (acc << 5) | CHARSET.index(c), bits + 5
    if bits >= 8:
        bits -= 8
        secret.append((acc >> bits) & 0xFF)
prk = hmac.new(b"redline/db-key/v1", bytes(secret), hashlib.sha256).digest()
print(hmac.new(prk, b"sqlcipher raw key\x01", hashlib.sha256).hexdigest())
