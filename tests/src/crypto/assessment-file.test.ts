import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { isRedlineError, type Problem } from '../../../src/errors.js';
import {
  openEnvelopeFile,
  openStatement,
  sealEnvelopeFile,
  sealStatement,
  type Identity,
} from '../../../src/crypto/assessment-file.js';
import { signEnvelope } from '../../../src/crypto/dsse.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { openSealedBox, sealBox } from '../../../src/crypto/sealed-box.js';
import { IN_TOTO_PAYLOAD_TYPE, buildStatement, serializeStatement } from '../../../src/crypto/statement.js';
import type { AssessmentFile } from '../../../src/schema/assessment.js';

/** An X25519 identity from a fixed seed. */
function x25519(label: string): Identity {
  const pair = nacl.box.keyPair.fromSecretKey(sha256(utf8ToBytes(label)));
  return { keyId: keyIdOf(pair.publicKey), publicKey: pair.publicKey, secretKey: pair.secretKey };
}

/** An Ed25519 signer and its trusted public half, from a fixed seed. */
function ed25519(label: string): {
  signer: { keyId: string; secretKey: Uint8Array };
  trusted: { keyId: string; publicKey: Uint8Array };
} {
  const pair = nacl.sign.keyPair.fromSeed(sha256(utf8ToBytes(label)));
  const keyId = keyIdOf(pair.publicKey);
  return { signer: { keyId, secretKey: pair.secretKey }, trusted: { keyId, publicKey: pair.publicKey } };
}

/** A deterministic random source: SHA-256(label || counter) blocks. */
function seededRandom(label: string): (length: number) => Uint8Array {
  let counter = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += 32) {
      out.set(sha256(utf8ToBytes(`${label}/${counter++}`)).subarray(0, Math.min(32, length - at)), at);
    }
    return out;
  };
}

function errorOf(fn: () => unknown): { code: string; problems: Problem[] } | undefined {
  try {
    fn();
  } catch (error) {
    if (!isRedlineError(error)) return { code: 'not a RedlineError', problems: [] };
    const details = error.details as { problems?: Problem[] } | undefined;
    return { code: error.code, problems: details?.problems ?? [] };
  }
  return undefined;
}

const codeOf = (fn: () => unknown): string | undefined => errorOf(fn)?.code;
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** The same bytes spelt non-canonically: the unused low bits of the last base64 digit set (80 bytes: "X=" ending). */
function setTrailingBits(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  expect(text).toMatch(/[^=]=$/);
  const last = text.at(-2)!;
  const spelt = `${text.slice(0, -2)}${alphabet[alphabet.indexOf(last) | 0b11]}=`;
  expect(unb64(spelt)).toEqual(unb64(text)); // Node's decoder ignores the extra bits
  return spelt;
}

function flipBase64(text: string, index: number): string {
  const bytes = unb64(text);
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return b64(bytes);
}

const alice = x25519('redline test x25519 developer alice');
const bob = x25519('redline test x25519 developer bob');
const carol = x25519('redline test x25519 third party carol');
const evaluator = ed25519('redline test ed25519 evaluator');
const mallory = ed25519('redline test ed25519 mallory');
const publicOf = (identity: Identity): { keyId: string; publicKey: Uint8Array } => ({
  keyId: identity.keyId,
  publicKey: identity.publicKey,
});

const statement = buildStatement({
  subject: [{ name: 'run-42', digest: { sha256: bytesToHex(sha256(utf8ToBytes('run 42'))) } }],
  predicateType: 'https://redline.example/assessment/v1',
  predicate: { recipients: [alice.keyId, bob.keyId], designation: 'covered', score: 0.71 },
});
const envelope = signEnvelope(serializeStatement(statement), IN_TOTO_PAYLOAD_TYPE, [evaluator.signer]);

describe('sealEnvelopeFile', () => {
  it('writes exactly the contract: type, recipients {keyid, alg, wrappedKey}, nonce, ciphertext', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice)]);
    expect(Object.keys(file).sort()).toEqual(['ciphertext', 'nonce', 'recipients', 'type']);
    expect(file.type).toBe('redline.sealed-dsse/v1');
    expect(file.recipients).toHaveLength(1);
    const [stanza] = file.recipients;
    expect(Object.keys(stanza!).sort()).toEqual(['alg', 'keyid', 'wrappedKey']);
    expect(stanza!.keyid).toBe(alice.keyId);
    expect(stanza!.alg).toBe('x25519-xsalsa20poly1305-sealedbox');
    expect(unb64(stanza!.wrappedKey)).toHaveLength(32 + 48);
    expect(unb64(file.nonce)).toHaveLength(24);
    // The layers by hand: the stanza is a sealed box of the 32-byte file key, the ciphertext is nacl.secretbox of
    // the envelope's UTF-8 JSON under that key and the nonce.
    const fileKey = openSealedBox(unb64(stanza!.wrappedKey), alice.publicKey, alice.secretKey);
    expect(fileKey).toHaveLength(32);
    const plaintext = nacl.secretbox.open(unb64(file.ciphertext), unb64(file.nonce), fileKey!);
    expect(plaintext).not.toBeNull();
    expect(JSON.parse(new TextDecoder().decode(plaintext ?? new Uint8Array(0)))).toEqual(envelope);
    expect(JSON.stringify(file)).not.toContain(envelope.payload);
  });

  it('uses a fresh file key and nonce each time', () => {
    const a = sealEnvelopeFile(envelope, [publicOf(alice)]);
    const b = sealEnvelopeFile(envelope, [publicOf(alice)]);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.recipients[0]!.wrappedKey).not.toBe(b.recipients[0]!.wrappedKey);
  });

  it('is deterministic under a seeded random source', () => {
    const a = sealEnvelopeFile(envelope, [publicOf(alice)], seededRandom('seed'));
    const b = sealEnvelopeFile(envelope, [publicOf(alice)], seededRandom('seed'));
    expect(a).toEqual(b);
  });

  it('refuses no recipients or a recipient twice (E_USAGE), and a key id that is not the key (E_KEY)', () => {
    expect(codeOf(() => sealEnvelopeFile(envelope, []))).toBe('E_USAGE');
    expect(codeOf(() => sealEnvelopeFile(envelope, [publicOf(alice), publicOf(alice)]))).toBe('E_USAGE');
    expect(codeOf(() => sealEnvelopeFile(envelope, [{ keyId: bob.keyId, publicKey: alice.publicKey }]))).toBe(
      'E_KEY',
    );
  });
});

describe('openEnvelopeFile', () => {
  it('returns the envelope to the recipient, from the object or from its JSON text', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice)]);
    expect(openEnvelopeFile(file, alice)).toEqual(envelope);
    expect(openEnvelopeFile(JSON.stringify(file, null, 2), alice)).toEqual(envelope);
  });

  it('lets each of several recipients open the same file', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice), publicOf(bob), publicOf(carol)]);
    for (const identity of [alice, bob, carol]) expect(openEnvelopeFile(file, identity)).toEqual(envelope);
  });

  it('refuses a key that is not a recipient (E_NOT_RECIPIENT)', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice), publicOf(bob)]);
    expect(codeOf(() => openEnvelopeFile(file, carol))).toBe('E_NOT_RECIPIENT');
  });

  it('matches stanzas by key id only: a stanza under another key id is not tried (E_NOT_RECIPIENT)', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice)]);
    const relabelled = { ...file, recipients: [{ ...file.recipients[0]!, keyid: bob.keyId }] };
    expect(codeOf(() => openEnvelopeFile(relabelled, alice))).toBe('E_NOT_RECIPIENT');
  });

  it('refuses a stanza with our key id that does not open (E_TAMPERED)', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice), publicOf(bob)]);
    for (const index of [0, 31, 32, 47, 48, 79]) {
      const stanza = {
        ...file.recipients[0]!,
        wrappedKey: flipBase64(file.recipients[0]!.wrappedKey, index),
      };
      const edited = { ...file, recipients: [stanza, file.recipients[1]!] };
      expect(codeOf(() => openEnvelopeFile(edited, alice))).toBe('E_TAMPERED');
      // The other recipient is unaffected.
      expect(openEnvelopeFile(edited, bob)).toEqual(envelope);
    }
  });

  it('refuses a file key sealed to someone else under our key id (E_TAMPERED)', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice), publicOf(bob)]);
    const swapped = {
      ...file,
      recipients: [
        { ...file.recipients[0]!, wrappedKey: file.recipients[1]!.wrappedKey },
        file.recipients[1]!,
      ],
    };
    expect(codeOf(() => openEnvelopeFile(swapped, alice))).toBe('E_TAMPERED');
  });

  it('refuses any flipped ciphertext byte, and a flipped nonce (E_TAMPERED)', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice)]);
    const length = unb64(file.ciphertext).length;
    for (const index of [0, 15, 16, length - 1]) {
      expect(
        codeOf(() => openEnvelopeFile({ ...file, ciphertext: flipBase64(file.ciphertext, index) }, alice)),
      ).toBe('E_TAMPERED');
    }
    expect(codeOf(() => openEnvelopeFile({ ...file, nonce: flipBase64(file.nonce, 3) }, alice))).toBe(
      'E_TAMPERED',
    );
  });

  it('refuses decrypted content that is not a DSSE envelope (E_MALFORMED)', () => {
    const fileKey = new Uint8Array(32).fill(9);
    const nonce = new Uint8Array(24).fill(3);
    const make = (plaintext: Uint8Array): AssessmentFile => ({
      type: 'redline.sealed-dsse/v1',
      recipients: [
        {
          keyid: alice.keyId,
          alg: 'x25519-xsalsa20poly1305-sealedbox',
          wrappedKey: b64(sealBox(fileKey, alice.publicKey)),
        },
      ],
      nonce: b64(nonce),
      ciphertext: b64(nacl.secretbox(plaintext, nonce, fileKey)),
    });
    expect(openEnvelopeFile(make(utf8ToBytes(JSON.stringify(envelope))), alice)).toEqual(envelope);
    for (const plaintext of [
      utf8ToBytes('{"payload":'),
      utf8ToBytes('{"payload":"x"}'),
      Uint8Array.of(0xff),
    ]) {
      expect(codeOf(() => openEnvelopeFile(make(plaintext), alice))).toBe('E_MALFORMED');
    }
  });

  it('refuses an identity whose secret key is not its public key (E_KEY)', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice)]);
    expect(codeOf(() => openEnvelopeFile(file, { ...alice, secretKey: bob.secretKey }))).toBe('E_KEY');
  });

  describe('refuses what is not an assessment file (E_MALFORMED), naming the field', () => {
    const file = sealEnvelopeFile(envelope, [publicOf(alice), publicOf(bob)]);
    const text = JSON.stringify(file);
    const stanza = file.recipients[0]!;

    it.each<[string, unknown, string]>([
      ['empty text', '', ''],
      ['truncated text', text.slice(0, text.length / 2), ''],
      ['garbage text', 'age-encryption.org/v1\n-> X25519 abc\n', ''],
      ['null', null, ''],
      ['an array', [file], ''],
      ['another type', { ...file, type: 'redline.sealed-dsse/v2' }, '/type'],
      ['an unknown field', { ...file, sender: 'evaluator' }, '/sender'],
      ['no nonce', { ...file, nonce: undefined }, ''],
      ['no recipients', { ...file, recipients: [] }, '/recipients'],
      [
        'an unknown alg',
        { ...file, recipients: [{ ...stanza, alg: 'x25519-chacha20poly1305' }] },
        '/recipients/0/alg',
      ],
      [
        'an upper-case key id',
        { ...file, recipients: [{ ...stanza, keyid: stanza.keyid.toUpperCase() }] },
        '/recipients/0/keyid',
      ],
      ['a nonce that is not base64', { ...file, nonce: 'not base64!' }, '/nonce'],
      ['a nonce of 23 bytes', { ...file, nonce: b64(new Uint8Array(23)) }, '/nonce'],
      ['a nonce of 25 bytes', { ...file, nonce: b64(new Uint8Array(25)) }, '/nonce'],
      [
        'non-canonical base64 (non-zero trailing bits, same decoded bytes)',
        { ...file, recipients: [{ ...stanza, wrappedKey: setTrailingBits(stanza.wrappedKey) }] },
        '/recipients/0/wrappedKey',
      ],
      [
        'a wrappedKey of the wrong length',
        { ...file, recipients: [{ ...stanza, wrappedKey: b64(new Uint8Array(79)) }] },
        '/recipients/0/wrappedKey',
      ],
      ['a ciphertext shorter than the tag', { ...file, ciphertext: b64(new Uint8Array(15)) }, '/ciphertext'],
      [
        'URL-safe base64',
        { ...file, ciphertext: file.ciphertext.replaceAll('+', '-').replaceAll('/', '_') },
        '/ciphertext',
      ],
      [
        'a key id twice',
        { ...file, recipients: [stanza, { ...file.recipients[1]!, keyid: stanza.keyid }] },
        '/recipients/1/keyid',
      ],
    ])('%s', (_name, value, pointer) => {
      const error = errorOf(() => openEnvelopeFile(value, alice));
      expect(error?.code).toBe('E_MALFORMED');
      expect(error?.problems.map((p) => p.pointer)).toContain(pointer);
    });
  });
});

describe('sealStatement and openStatement', () => {
  const trusted = [evaluator.trusted];

  it('round-trip: each named recipient gets the statement, the signer and the envelope', () => {
    const file = sealStatement({
      statement,
      signer: evaluator.signer,
      recipients: [publicOf(alice), publicOf(bob)],
    });
    for (const identity of [alice, bob]) {
      const opened = openStatement(JSON.stringify(file), { identity, trusted });
      expect(opened.statement).toEqual(statement);
      expect(opened.signedBy).toEqual([evaluator.trusted.keyId]);
      expect(opened.envelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    }
  });

  it('refuses a statement signed by an untrusted key (E_UNTRUSTED_SIGNER)', () => {
    const file = sealStatement({ statement, signer: mallory.signer, recipients: [publicOf(alice)] });
    expect(codeOf(() => openStatement(file, { identity: alice, trusted }))).toBe('E_UNTRUSTED_SIGNER');
  });

  it('refuses an envelope whose payload a recipient edited and re-sealed (E_TAMPERED)', () => {
    const file = sealStatement({
      statement,
      signer: evaluator.signer,
      recipients: [publicOf(alice), publicOf(bob)],
    });
    const genuine = openEnvelopeFile(file, alice);
    const edited = buildStatement({
      ...statement,
      predicate: { ...statement.predicate, designation: 'not-covered' },
    });
    const forged = { ...genuine, payload: b64(serializeStatement(edited)) };
    const resealed = sealEnvelopeFile(forged, [publicOf(bob)]);
    expect(codeOf(() => openStatement(resealed, { identity: bob, trusted }))).toBe('E_TAMPERED');
  });

  it('refuses a genuine envelope re-sealed by a recipient to a third party (E_READDRESSED)', () => {
    const file = sealStatement({ statement, signer: evaluator.signer, recipients: [publicOf(alice)] });
    const genuine = openEnvelopeFile(file, alice);
    const forwarded = sealEnvelopeFile(genuine, [publicOf(carol)]);
    // Carol can open the file and the signature is genuine, but the statement was never addressed to her.
    expect(openEnvelopeFile(forwarded, carol)).toEqual(genuine);
    expect(codeOf(() => openStatement(forwarded, { identity: carol, trusted }))).toBe('E_READDRESSED');
  });

  it('accepts a genuine envelope re-sealed to another recipient the statement names', () => {
    const file = sealStatement({ statement, signer: evaluator.signer, recipients: [publicOf(alice)] });
    const forwarded = sealEnvelopeFile(openEnvelopeFile(file, alice), [publicOf(bob)]);
    expect(openStatement(forwarded, { identity: bob, trusted }).statement).toEqual(statement);
  });

  it('refuses to seal to a recipient the statement does not name (E_READDRESSED)', () => {
    expect(
      codeOf(() =>
        sealStatement({
          statement,
          signer: evaluator.signer,
          recipients: [publicOf(alice), publicOf(carol)],
        }),
      ),
    ).toBe('E_READDRESSED');
  });

  it('refuses a statement without predicate.recipients (E_MALFORMED)', () => {
    const unaddressed = buildStatement({ ...statement, predicate: { designation: 'covered' } });
    expect(
      codeOf(() =>
        sealStatement({ statement: unaddressed, signer: evaluator.signer, recipients: [publicOf(alice)] }),
      ),
    ).toBe('E_MALFORMED');
    const signed = signEnvelope(serializeStatement(unaddressed), IN_TOTO_PAYLOAD_TYPE, [evaluator.signer]);
    const file = sealEnvelopeFile(signed, [publicOf(alice)]);
    expect(codeOf(() => openStatement(file, { identity: alice, trusted }))).toBe('E_MALFORMED');
  });

  it('refuses a trusted envelope of another payloadType (E_MALFORMED)', () => {
    const signed = signEnvelope(serializeStatement(statement), 'application/vnd.other+json', [
      evaluator.signer,
    ]);
    const file = sealEnvelopeFile(signed, [publicOf(alice)]);
    expect(codeOf(() => openStatement(file, { identity: alice, trusted }))).toBe('E_MALFORMED');
  });

  it('refuses a signed payload that is not an in-toto statement (E_MALFORMED)', () => {
    const signed = signEnvelope(utf8ToBytes('{"hello":1}'), IN_TOTO_PAYLOAD_TYPE, [evaluator.signer]);
    const file = sealEnvelopeFile(signed, [publicOf(alice)]);
    expect(codeOf(() => openStatement(file, { identity: alice, trusted }))).toBe('E_MALFORMED');
  });

  it('applies a signature threshold', () => {
    const file = sealStatement({ statement, signer: evaluator.signer, recipients: [publicOf(alice)] });
    expect(
      codeOf(() =>
        openStatement(file, { identity: alice, trusted: [evaluator.trusted, mallory.trusted], threshold: 2 }),
      ),
    ).toBe('E_UNTRUSTED_SIGNER');
  });
});
