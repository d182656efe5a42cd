import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { pae, signEnvelope, verifyEnvelope } from '../../../src/crypto/dsse.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';

/** An Ed25519 signer and its trusted public half, from a fixed seed. */
function ed25519(label: string): {
  signer: { keyId: string; secretKey: Uint8Array };
  trusted: { keyId: string; publicKey: Uint8Array };
} {
  const pair = nacl.sign.keyPair.fromSeed(sha256(utf8ToBytes(label)));
  const keyId = keyIdOf(pair.publicKey);
  return { signer: { keyId, secretKey: pair.secretKey }, trusted: { keyId, publicKey: pair.publicKey } };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : 'not a RedlineError';
  }
  return undefined;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const evaluator = ed25519('redline test ed25519 evaluator');
const second = ed25519('redline test ed25519 second evaluator');
const mallory = ed25519('redline test ed25519 mallory');
const TYPE = 'application/vnd.in-toto+json';
const body = utf8ToBytes('{"hello":"world"}');

describe('pae', () => {
  it('encodes the DSSE spec example', () => {
    expect(text(pae('http://example.com/HelloWorld', utf8ToBytes('hello world')))).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
  });

  it('encodes empty type and body', () => {
    expect(text(pae('', new Uint8Array(0)))).toBe('DSSEv1 0  0 ');
  });

  it('counts UTF-8 bytes, not characters', () => {
    // "é" is 2 bytes and "😀" 4 (two UTF-16 units): the type has 5 characters, length 6 in JS, but 9 bytes.
    expect(text(pae('t\u00e9st\u{1F600}', utf8ToBytes('\u00e9')))).toBe(
      'DSSEv1 9 t\u00e9st\u{1F600} 2 \u00e9',
    );
  });

  it('carries binary bodies verbatim', () => {
    const binary = Uint8Array.of(0, 255, 32, 10);
    const out = pae('x', binary);
    expect([...out.subarray(out.length - 4)]).toEqual([0, 255, 32, 10]);
    expect(text(out.subarray(0, out.length - 4))).toBe('DSSEv1 1 x 4 ');
  });
});

describe('signEnvelope', () => {
  it('writes the DSSE JSON envelope with the key id and an Ed25519 signature over the PAE', () => {
    const envelope = signEnvelope(body, TYPE, [evaluator.signer]);
    expect(Object.keys(envelope).sort()).toEqual(['payload', 'payloadType', 'signatures']);
    expect(envelope.payloadType).toBe(TYPE);
    expect(envelope.payload).toBe(b64(body));
    expect(envelope.signatures).toHaveLength(1);
    const [signature] = envelope.signatures;
    expect(signature!.keyid).toBe(evaluator.trusted.keyId);
    const sig = Buffer.from(signature!.sig, 'base64');
    expect(sig.length).toBe(64);
    expect(nacl.sign.detached.verify(pae(TYPE, body), sig, evaluator.trusted.publicKey)).toBe(true);
  });

  it('signs once per signer', () => {
    const envelope = signEnvelope(body, TYPE, [evaluator.signer, second.signer]);
    expect(envelope.signatures.map((s) => s.keyid)).toEqual([evaluator.trusted.keyId, second.trusted.keyId]);
  });

  it('refuses a key id that is not the key id of the secret key (E_KEY)', () => {
    expect(
      codeOf(() => signEnvelope(body, TYPE, [{ ...evaluator.signer, keyId: mallory.trusted.keyId }])),
    ).toBe('E_KEY');
    expect(
      codeOf(() => signEnvelope(body, TYPE, [{ ...evaluator.signer, secretKey: new Uint8Array(32) }])),
    ).toBe('E_KEY');
  });
});

describe('verifyEnvelope', () => {
  const envelope = signEnvelope(body, TYPE, [evaluator.signer]);

  it('returns the payload, its type and the trusted signer', () => {
    const verified = verifyEnvelope(envelope, [mallory.trusted, evaluator.trusted]);
    expect(verified.payload).toEqual(body);
    expect(verified.payloadType).toBe(TYPE);
    expect(verified.signedBy).toEqual([evaluator.trusted.keyId]);
  });

  it('refuses an edited payload with E_TAMPERED', () => {
    const edited = { ...envelope, payload: b64(utf8ToBytes('{"hello":"there"}')) };
    expect(codeOf(() => verifyEnvelope(edited, [evaluator.trusted]))).toBe('E_TAMPERED');
  });

  it('refuses an edited payloadType with E_TAMPERED (the type is signed)', () => {
    expect(
      codeOf(() => verifyEnvelope({ ...envelope, payloadType: 'application/json' }, [evaluator.trusted])),
    ).toBe('E_TAMPERED');
  });

  it('refuses a flipped signature bit with E_TAMPERED', () => {
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
    sig[10] = (sig[10] ?? 0) ^ 1;
    const edited = {
      ...envelope,
      signatures: [{ keyid: evaluator.trusted.keyId, sig: sig.toString('base64') }],
    };
    expect(codeOf(() => verifyEnvelope(edited, [evaluator.trusted]))).toBe('E_TAMPERED');
  });

  it('refuses a truncated signature under a trusted key id with E_TAMPERED', () => {
    const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64').subarray(0, 63).toString('base64');
    const edited = { ...envelope, signatures: [{ keyid: evaluator.trusted.keyId, sig }] };
    expect(codeOf(() => verifyEnvelope(edited, [evaluator.trusted]))).toBe('E_TAMPERED');
  });

  it('refuses a valid signature by an untrusted key with E_UNTRUSTED_SIGNER', () => {
    const forged = signEnvelope(body, TYPE, [mallory.signer]);
    expect(codeOf(() => verifyEnvelope(forged, [evaluator.trusted]))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('refuses an envelope without signatures with E_UNTRUSTED_SIGNER', () => {
    expect(codeOf(() => verifyEnvelope({ ...envelope, signatures: [] }, [evaluator.trusted]))).toBe(
      'E_UNTRUSTED_SIGNER',
    );
  });

  it('refuses everything when nothing is trusted', () => {
    expect(codeOf(() => verifyEnvelope(envelope, []))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('never trusts a key carried in the envelope', () => {
    const forged = {
      ...signEnvelope(body, TYPE, [mallory.signer]),
      publicKey: b64(mallory.trusted.publicKey),
      signatures: [
        {
          ...signEnvelope(body, TYPE, [mallory.signer]).signatures[0]!,
          publicKey: b64(mallory.trusted.publicKey),
        },
      ],
    };
    expect(codeOf(() => verifyEnvelope(forged, [evaluator.trusted]))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('refuses an untrusted signature that claims a trusted key id (E_TAMPERED: it does not verify under that key)', () => {
    const forged = signEnvelope(body, TYPE, [mallory.signer]);
    const claimed = {
      ...forged,
      signatures: [{ keyid: evaluator.trusted.keyId, sig: forged.signatures[0]!.sig }],
    };
    expect(codeOf(() => verifyEnvelope(claimed, [evaluator.trusted]))).toBe('E_TAMPERED');
  });

  it('does not accept a trusted signature relabelled with an untrusted key id (keyid only narrows the choice)', () => {
    const relabelled = {
      ...envelope,
      signatures: [{ keyid: mallory.trusted.keyId, sig: envelope.signatures[0]!.sig }],
    };
    expect(codeOf(() => verifyEnvelope(relabelled, [evaluator.trusted]))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('tries every trusted key when the keyid is unset or empty', () => {
    const { sig } = envelope.signatures[0]!;
    for (const signatures of [[{ sig }], [{ keyid: '', sig }]]) {
      const verified = verifyEnvelope({ ...envelope, signatures }, [mallory.trusted, evaluator.trusted]);
      expect(verified.signedBy).toEqual([evaluator.trusted.keyId]);
    }
  });

  it('accepts URL-safe base64 without padding (DSSE allows either encoding)', () => {
    const urlSafe = (s: string): string => s.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    // This payload's standard base64 contains "+" and "/" and padding.
    const payload = Uint8Array.of(0xfb, 0xff, 0xbf, 0x3e, 0x00);
    const signed = signEnvelope(payload, TYPE, [evaluator.signer]);
    expect(signed.payload).toMatch(/[+/].*=$/);
    const converted = {
      ...signed,
      payload: urlSafe(signed.payload),
      signatures: signed.signatures.map((s) => ({ ...s, sig: urlSafe(s.sig) })),
    };
    expect(verifyEnvelope(converted, [evaluator.trusted]).payload).toEqual(payload);
  });

  it('ignores unknown fields (DSSE parsing rules)', () => {
    const extended = { ...envelope, comment: 'x', signatures: [{ ...envelope.signatures[0]!, extra: 1 }] };
    expect(verifyEnvelope(extended, [evaluator.trusted]).signedBy).toEqual([evaluator.trusted.keyId]);
  });

  it('accepts when one trusted signature verifies and another is broken (threshold 1)', () => {
    const both = signEnvelope(body, TYPE, [evaluator.signer, second.signer]);
    const broken = {
      ...both,
      signatures: [both.signatures[0]!, { ...both.signatures[1]!, sig: both.signatures[0]!.sig }],
    };
    expect(verifyEnvelope(broken, [evaluator.trusted, second.trusted]).signedBy).toEqual([
      evaluator.trusted.keyId,
    ]);
  });

  describe('with a threshold', () => {
    const both = signEnvelope(body, TYPE, [evaluator.signer, second.signer]);

    it('accepts when enough distinct trusted keys signed', () => {
      expect(verifyEnvelope(both, [evaluator.trusted, second.trusted], { threshold: 2 }).signedBy).toEqual([
        evaluator.trusted.keyId,
        second.trusted.keyId,
      ]);
    });

    it('counts one key signing twice once (E_UNTRUSTED_SIGNER)', () => {
      const twice = { ...envelope, signatures: [envelope.signatures[0]!, envelope.signatures[0]!] };
      expect(codeOf(() => verifyEnvelope(twice, [evaluator.trusted, second.trusted], { threshold: 2 }))).toBe(
        'E_UNTRUSTED_SIGNER',
      );
    });

    it('counts a trusted key listed twice once', () => {
      expect(
        codeOf(() => verifyEnvelope(envelope, [evaluator.trusted, evaluator.trusted], { threshold: 2 })),
      ).toBe('E_UNTRUSTED_SIGNER');
    });

    it('does not count untrusted signers toward the threshold', () => {
      const mixed = signEnvelope(body, TYPE, [evaluator.signer, mallory.signer]);
      expect(codeOf(() => verifyEnvelope(mixed, [evaluator.trusted, second.trusted], { threshold: 2 }))).toBe(
        'E_UNTRUSTED_SIGNER',
      );
    });

    it('refuses a threshold that is not a positive integer (E_USAGE)', () => {
      expect(codeOf(() => verifyEnvelope(both, [evaluator.trusted], { threshold: 0 }))).toBe('E_USAGE');
      expect(codeOf(() => verifyEnvelope(both, [evaluator.trusted], { threshold: 1.5 }))).toBe('E_USAGE');
    });
  });

  it('refuses a trusted key whose key id is not its own (E_KEY)', () => {
    expect(
      codeOf(() => verifyEnvelope(envelope, [{ ...mallory.trusted, keyId: evaluator.trusted.keyId }])),
    ).toBe('E_KEY');
  });

  it.each([
    ['not an object', 'hello'],
    ['null', null],
    ['an array', []],
    ['no payload', { payloadType: TYPE, signatures: [] }],
    ['no payloadType', { payload: b64(body), signatures: [] }],
    ['no signatures', { payloadType: TYPE, payload: b64(body) }],
    ['signatures not an array', { payloadType: TYPE, payload: b64(body), signatures: {} }],
    ['a signature without sig', { payloadType: TYPE, payload: b64(body), signatures: [{ keyid: 'x' }] }],
    ['a payload that is not base64', { payloadType: TYPE, payload: 'not base64!', signatures: [] }],
    ['a payload of impossible length', { payloadType: TYPE, payload: 'AAAAA', signatures: [] }],
    ['a sig that is not base64', { payloadType: TYPE, payload: b64(body), signatures: [{ sig: '***' }] }],
  ])('refuses an envelope with %s (E_MALFORMED)', (_name, value) => {
    expect(codeOf(() => verifyEnvelope(value, [evaluator.trusted]))).toBe('E_MALFORMED');
  });
});
