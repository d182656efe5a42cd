/**
 * DSSE v1 (secure-systems-lab/dsse, protocol.md and envelope.md) with Ed25519 signatures.
 *
 * Verification trusts only the keys the caller passes in; nothing in the envelope (keyid, any carried key) is
 * trusted. A signature's `keyid` only narrows which trusted key is tried, and chooses which error is reported:
 *
 * - a signature counts when it verifies under a trusted key; each trusted key counts once, however many
 *   signatures it made; at least `threshold` distinct trusted keys must count;
 * - otherwise E_TAMPERED when some signature names a trusted key id and does not verify under that key
 *   (the payload, its type or the signature was altered after a trusted key signed);
 * - otherwise E_UNTRUSTED_SIGNER (no signature names a trusted key, or too few distinct trusted keys signed);
 * - E_MALFORMED for an envelope that is not DSSE JSON (schema, or payload/sig that is not base64).
 *
 * Signatures beyond the threshold that fail to verify do not cause a refusal (DSSE: the threshold is the policy).
 */
import nacl from 'tweetnacl';
import { RedlineError } from '../errors.js';
import { DsseEnvelope } from '../schema/assessment.js';
import { compileValidator } from '../schema/validate.js';
import { decodeBase64, encodeBase64, encodeUtf8 } from './canonical-bytes.js';
import { keyIdOf } from './key-id.js';

/** An Ed25519 signing key: its key id and its 64-byte tweetnacl secret key (seed || public key). */
export interface DsseSigner {
  /** Key id of the Ed25519 public key (hex SHA-256); must match the key. */
  keyId: string;
  /** 64-byte Ed25519 secret key as tweetnacl holds it. */
  secretKey: Uint8Array;
}

/** A key the verifier trusts: its key id and its 32-byte Ed25519 public key. */
export interface TrustedKey {
  /** Key id of `publicKey` (hex SHA-256); must match the key. */
  keyId: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
}

/** What a verified envelope yields. */
export interface VerifiedEnvelope {
  /** The signed payload bytes. */
  payload: Uint8Array;
  /** The signed payload type. */
  payloadType: string;
  /** Key ids of the distinct trusted keys whose signature verified, in the order of the trusted list. */
  signedBy: string[];
}

const SP = 0x20;

/**
 * DSSE's pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths being the
 * ASCII decimal byte lengths (the type is UTF-8 encoded).
 *
 * @example
 * pae('http://example.com/HelloWorld', encodeUtf8('hello world')); // "DSSEv1 29 http://example.com/HelloWorld 11 hello world"
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encodeUtf8(payloadType);
  const head = encodeUtf8(`DSSEv1 ${type.length} `);
  const middle = encodeUtf8(` ${payload.length}`);
  const out = new Uint8Array(head.length + type.length + middle.length + 1 + payload.length);
  let at = 0;
  for (const part of [head, type, middle, Uint8Array.of(SP), payload]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Signs `payload` as a DSSE envelope, one Ed25519 signature per signer (keyid = the signer's key id). Throws E_KEY
 * when a secret key is not 64 bytes or its key id is not the key id of its public half.
 *
 * @example
 * const envelope = signEnvelope(statementBytes, IN_TOTO_PAYLOAD_TYPE, [{ keyId, secretKey }]);
 */
export function signEnvelope(
  payload: Uint8Array,
  payloadType: string,
  signers: readonly DsseSigner[],
): DsseEnvelope {
  const message = pae(payloadType, payload);
  const signatures = signers.map((signer) => {
    checkSigner(signer);
    return { keyid: signer.keyId, sig: encodeBase64(nacl.sign.detached(message, signer.secretKey)) };
  });
  return { payloadType, payload: encodeBase64(payload), signatures };
}

/**
 * Verifies a DSSE envelope against the trusted keys only (see the module comment for which error when). Throws
 * E_MALFORMED, E_TAMPERED or E_UNTRUSTED_SIGNER; E_KEY when a trusted key is not 32 bytes or not its key id.
 *
 * @example
 * const { payload, signedBy } = verifyEnvelope(envelope, [{ keyId, publicKey }]);
 */
export function verifyEnvelope(
  envelope: unknown,
  trusted: readonly TrustedKey[],
  options: { threshold?: number } = {},
): VerifiedEnvelope {
  const threshold = options.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1) {
    throw new RedlineError('E_USAGE', `threshold must be a positive integer (got ${String(threshold)})`);
  }
  const valid = checkEnvelope(envelope);
  const payload = decodeDsseBase64(valid.payload);
  if (payload === undefined) throw malformed('/payload', 'is not base64');
  const message = pae(valid.payloadType, payload);

  const keys = new Map<string, Uint8Array>();
  for (const key of trusted) {
    checkTrustedKey(key);
    keys.set(key.keyId, key.publicKey);
  }
  const verifiedBy = new Set<string>();
  let failedUnderTrustedKeyId = false;
  valid.signatures.forEach((signature, index) => {
    const sig = decodeDsseBase64(signature.sig);
    if (sig === undefined) throw malformed(`/signatures/${index}/sig`, 'is not base64');
    const keyid = signature.keyid ?? '';
    // DSSE: an unset or empty keyid means "try every key"; a set one narrows the choice to that key.
    const named = keys.get(keyid);
    const candidates = keyid === '' ? [...keys] : named === undefined ? [] : [[keyid, named] as const];
    const signer = candidates.find(
      ([, publicKey]) =>
        sig.length === nacl.sign.signatureLength && nacl.sign.detached.verify(message, sig, publicKey),
    );
    if (signer !== undefined) verifiedBy.add(signer[0]);
    else if (named !== undefined) failedUnderTrustedKeyId = true;
  });

  const signedBy = [...keys.keys()].filter((keyId) => verifiedBy.has(keyId));
  if (signedBy.length >= threshold) return { payload, payloadType: valid.payloadType, signedBy };
  if (failedUnderTrustedKeyId) {
    throw new RedlineError(
      'E_TAMPERED',
      'DSSE envelope: a signature under a trusted key id does not verify: the payload, its type or the ' +
        'signature was altered after signing, or the signature was forged',
    );
  }
  throw new RedlineError(
    'E_UNTRUSTED_SIGNER',
    signedBy.length === 0
      ? `DSSE envelope: not signed by any trusted key (signature key ids: ${describeKeyIds(valid)})`
      : `DSSE envelope: signed by ${signedBy.length} trusted key(s), ${threshold} required`,
    { details: { signedBy, threshold } },
  );
}

/** Checks the envelope's shape (DSSE JSON envelope); throws E_MALFORMED naming the first bad field. */
export function checkEnvelope(envelope: unknown): DsseEnvelope {
  const validator = compileValidator(DsseEnvelope);
  if (validator.check(envelope)) return envelope;
  const problems = validator.problems(envelope, { file: 'DSSE envelope' });
  const first = problems[0];
  throw new RedlineError(
    'E_MALFORMED',
    `DSSE envelope: ${first?.pointer === '' || first === undefined ? '/' : first.pointer}: ${first?.message ?? 'is invalid'}`,
    { details: { problems } },
  );
}

/** Decodes DSSE base64: standard or URL-safe alphabet, padding optional (envelope.md); `undefined` if invalid. */
function decodeDsseBase64(text: string): Uint8Array | undefined {
  const standard = text.replaceAll('-', '+').replaceAll('_', '/');
  if (standard.includes('=')) return decodeBase64(standard);
  return decodeBase64(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
}

function checkSigner(signer: DsseSigner): void {
  if (!(signer.secretKey instanceof Uint8Array) || signer.secretKey.length !== nacl.sign.secretKeyLength) {
    throw new RedlineError('E_KEY', `signing key ${signer.keyId}: an Ed25519 secret key must be 64 bytes`);
  }
  const actual = keyIdOf(signer.secretKey.subarray(32));
  if (actual !== signer.keyId) {
    throw new RedlineError(
      'E_KEY',
      `signing key ${signer.keyId}: the secret key belongs to key id ${actual}`,
    );
  }
}

function checkTrustedKey(key: TrustedKey): void {
  if (!(key.publicKey instanceof Uint8Array) || key.publicKey.length !== nacl.sign.publicKeyLength) {
    throw new RedlineError('E_KEY', `trusted key ${key.keyId}: an Ed25519 public key must be 32 bytes`);
  }
  const actual = keyIdOf(key.publicKey);
  if (actual !== key.keyId) {
    throw new RedlineError('E_KEY', `trusted key ${key.keyId}: the public key has key id ${actual}`);
  }
}

function malformed(pointer: string, message: string): RedlineError {
  return new RedlineError('E_MALFORMED', `DSSE envelope: ${pointer}: ${message}`, {
    details: { problems: [{ file: 'DSSE envelope', pointer, message }] },
  });
}

function describeKeyIds(envelope: DsseEnvelope): string {
  const ids = envelope.signatures.map((s) => (s.keyid === undefined || s.keyid === '' ? '(none)' : s.keyid));
  return ids.length === 0 ? 'no signatures' : ids.join(', ');
}
