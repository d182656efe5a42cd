/**
 * The assessment file (DESIGN.md §6, a contract): sign, then encrypt.
 *
 *   { "type": "redline.sealed-dsse/v1",
 *     "recipients": [ { "keyid", "alg": "x25519-xsalsa20poly1305-sealedbox", "wrappedKey" } ],
 *     "nonce": base64(24 bytes), "ciphertext": base64(nacl.secretbox(UTF-8 JSON of the DSSE envelope)) }
 *
 * The encryption layer hides the envelope but does not say who made the file (sealed boxes are anonymous, and
 * every recipient knows the file key): authenticity comes only from the DSSE signature, and the recipient list
 * inside the signed statement stops a recipient from passing the genuine envelope on, re-sealed, as if it had
 * been addressed to someone else.
 *
 * Refusals: E_MALFORMED (not this format: bad JSON, wrong type, bad base64, wrong lengths, duplicate key ids;
 * the message names the field), E_NOT_RECIPIENT (no stanza carries the opener's key id; stanzas are matched by
 * key id only), E_TAMPERED (our stanza or the ciphertext does not open), then, for statements, those of
 * verifyEnvelope and E_READDRESSED (the signed statement does not name the opener).
 */
import nacl from 'tweetnacl';
import { RedlineError, type Problem } from '../errors.js';
import {
  ASSESSMENT_FILE_TYPE,
  AddressedPredicate,
  AssessmentFile,
  SEALED_BOX_ALG,
  type DsseEnvelope,
  type Statement,
} from '../schema/assessment.js';
import { compileValidator } from '../schema/validate.js';
import { canonicalJson } from '../suite/canonical-json.js';
import { bytesEqual, decodeBase64, decodeUtf8, encodeBase64, encodeUtf8 } from './canonical-bytes.js';
import { checkEnvelope, signEnvelope, verifyEnvelope, type DsseSigner, type TrustedKey } from './dsse.js';
import { keyIdOf } from './key-id.js';
import { SEALED_BOX_OVERHEAD, openSealedBox, sealBox, type RandomBytes } from './sealed-box.js';
import { IN_TOTO_PAYLOAD_TYPE, checkStatement, parseStatement, serializeStatement } from './statement.js';

/** A recipient: the key id and raw 32-byte X25519 public key. */
export interface Recipient {
  /** Key id of `publicKey` (hex SHA-256); must match the key. */
  keyId: string;
  /** Raw 32-byte X25519 public key. */
  publicKey: Uint8Array;
}

/** The opener's X25519 key pair and its key id. */
export interface Identity extends Recipient {
  /** Raw 32-byte X25519 secret key. */
  secretKey: Uint8Array;
}

/** What an opened, verified statement yields. */
export interface OpenedStatement {
  /** The signed in-toto statement. */
  statement: Statement;
  /** Key ids of the trusted keys that signed it. */
  signedBy: string[];
  /** The DSSE envelope as it was in the file. */
  envelope: DsseEnvelope;
}

const FILE_KEY_LENGTH = nacl.secretbox.keyLength;
const WRAPPED_KEY_LENGTH = FILE_KEY_LENGTH + SEALED_BOX_OVERHEAD;

/**
 * Encrypts a DSSE envelope under a fresh 32-byte file key and nonce and seals the file key to each recipient.
 * Throws E_USAGE without recipients or with a key id twice, E_KEY for a recipient key that is not its key id.
 *
 * @example
 * const file = sealEnvelopeFile(envelope, [{ keyId, publicKey }]);
 */
export function sealEnvelopeFile(
  envelope: DsseEnvelope,
  recipients: readonly Recipient[],
  randomBytes: RandomBytes = (length) => nacl.randomBytes(length),
): AssessmentFile {
  const valid = checkEnvelope(envelope);
  if (recipients.length === 0)
    throw new RedlineError('E_USAGE', 'an assessment file needs at least one recipient');
  const seen = new Set<string>();
  for (const recipient of recipients) {
    checkRecipientKey(recipient);
    if (seen.has(recipient.keyId)) {
      throw new RedlineError('E_USAGE', `recipient ${recipient.keyId} is named twice`);
    }
    seen.add(recipient.keyId);
  }
  const fileKey = randomBytes(FILE_KEY_LENGTH);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  if (fileKey.length !== FILE_KEY_LENGTH || nonce.length !== nacl.secretbox.nonceLength) {
    throw new RedlineError('E_CRYPTO', 'the random source returned the wrong number of bytes');
  }
  try {
    const ciphertext = nacl.secretbox(encodeUtf8(canonicalJson(valid)), nonce, fileKey);
    return {
      type: ASSESSMENT_FILE_TYPE,
      recipients: recipients.map((recipient) => ({
        keyid: recipient.keyId,
        alg: SEALED_BOX_ALG,
        wrappedKey: encodeBase64(sealBox(fileKey, recipient.publicKey, randomBytes)),
      })),
      nonce: encodeBase64(nonce),
      ciphertext: encodeBase64(ciphertext),
    };
  } finally {
    fileKey.fill(0);
  }
}

/**
 * Opens an assessment file (the parsed object, or its JSON text) with the opener's X25519 identity and returns
 * the DSSE envelope inside, NOT yet verified (use {@link openStatement} for that). `source` names the file in
 * messages.
 *
 * @example
 * const envelope = openEnvelopeFile(await readFile(path, 'utf8'), identity, { source: path });
 */
export function openEnvelopeFile(
  file: unknown,
  identity: Identity,
  options: { source?: string } = {},
): DsseEnvelope {
  const source = options.source ?? 'assessment file';
  checkIdentity(identity);
  const { stanzas, nonce, ciphertext } = decodeFile(file, source);

  const ours = stanzas.find((stanza) => stanza.keyid === identity.keyId);
  if (ours === undefined) {
    throw new RedlineError(
      'E_NOT_RECIPIENT',
      `${source}: not addressed to key ${identity.keyId} (recipients: ${stanzas.map((s) => s.keyid).join(', ')})`,
    );
  }
  const fileKey = openSealedBox(ours.wrappedKey, identity.publicKey, identity.secretKey);
  if (fileKey === null) {
    throw new RedlineError(
      'E_TAMPERED',
      `${source}: /recipients/${ours.index}/wrappedKey: does not open with key ${identity.keyId}: it was altered`,
    );
  }
  const plaintext = nacl.secretbox.open(ciphertext, nonce, fileKey);
  fileKey.fill(0);
  if (plaintext === null) {
    throw new RedlineError('E_TAMPERED', `${source}: /ciphertext: does not authenticate: it was altered`);
  }
  const text = decodeUtf8(plaintext);
  if (text === undefined) throw malformed(source, '/ciphertext', 'the decrypted envelope is not UTF-8');
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw malformed(source, '/ciphertext', 'the decrypted envelope is not JSON');
  }
  return checkEnvelope(envelope);
}

/**
 * Signs an in-toto statement as a DSSE envelope, then seals it to the recipients. The statement's
 * `predicate.recipients` must name every recipient's key id (E_READDRESSED otherwise: they could not open it).
 *
 * @example
 * const file = sealStatement({ statement, signer: evaluatorKey, recipients: [developerKey] });
 */
export function sealStatement(parts: {
  statement: Statement;
  signer: DsseSigner;
  recipients: readonly Recipient[];
  randomBytes?: RandomBytes;
}): AssessmentFile {
  const statement = checkStatement(parts.statement);
  const addressed = addressedTo(statement);
  const unnamed = parts.recipients.filter((recipient) => !addressed.includes(recipient.keyId));
  if (unnamed.length > 0) {
    throw new RedlineError(
      'E_READDRESSED',
      `cannot seal to ${unnamed.map((r) => r.keyId).join(', ')}: the statement's predicate.recipients does not name them`,
    );
  }
  const envelope = signEnvelope(serializeStatement(statement), IN_TOTO_PAYLOAD_TYPE, [parts.signer]);
  return sealEnvelopeFile(envelope, parts.recipients, parts.randomBytes);
}

/**
 * Opens an assessment file, verifies its DSSE signature against the trusted keys only, parses the in-toto
 * statement and checks that its `predicate.recipients` names the opener (E_READDRESSED otherwise).
 *
 * @example
 * const { statement, signedBy } = openStatement(text, { identity, trusted: [evaluatorKey] });
 */
export function openStatement(
  file: unknown,
  options: { identity: Identity; trusted: readonly TrustedKey[]; threshold?: number; source?: string },
): OpenedStatement {
  const source = options.source ?? 'assessment file';
  const envelope = openEnvelopeFile(file, options.identity, { source });
  const verified = verifyEnvelope(
    envelope,
    options.trusted,
    options.threshold === undefined ? {} : { threshold: options.threshold },
  );
  if (verified.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: the envelope's payloadType is ${JSON.stringify(verified.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const statement = parseStatement(verified.payload);
  if (!addressedTo(statement).includes(options.identity.keyId)) {
    throw new RedlineError(
      'E_READDRESSED',
      `${source}: the signed statement is not addressed to key ${options.identity.keyId}: it was re-sealed by someone else`,
    );
  }
  return { statement, signedBy: verified.signedBy, envelope };
}

interface DecodedStanza {
  index: number;
  keyid: string;
  wrappedKey: Uint8Array;
}

/** Parses and validates the file, decoding every base64 field; throws E_MALFORMED with every problem found. */
function decodeFile(
  file: unknown,
  source: string,
): { stanzas: DecodedStanza[]; nonce: Uint8Array; ciphertext: Uint8Array } {
  let value = file;
  if (typeof file === 'string') {
    try {
      value = JSON.parse(file.startsWith('\uFEFF') ? file.slice(1) : file);
    } catch (error) {
      throw malformed(source, '', `not valid JSON: ${(error as Error).message}`);
    }
  }
  const validator = compileValidator(AssessmentFile);
  if (!validator.check(value)) throwProblems(source, validator.problems(value, { file: source }));

  const problems: Problem[] = [];
  const decode = (text: string, pointer: string, isLengthOk: (n: number) => boolean, expected: string) => {
    const bytes = decodeBase64(text);
    if (bytes === undefined) problems.push({ file: source, pointer, message: 'is not canonical base64' });
    else if (!isLengthOk(bytes.length)) {
      problems.push({ file: source, pointer, message: `must decode to ${expected} (got ${bytes.length})` });
    }
    return bytes ?? new Uint8Array(0);
  };
  const seen = new Set<string>();
  const stanzas = value.recipients.map((stanza, index) => {
    if (seen.has(stanza.keyid)) {
      problems.push({
        file: source,
        pointer: `/recipients/${index}/keyid`,
        message: `duplicate key id ${stanza.keyid}`,
      });
    }
    seen.add(stanza.keyid);
    const wrappedKey = decode(
      stanza.wrappedKey,
      `/recipients/${index}/wrappedKey`,
      (n) => n === WRAPPED_KEY_LENGTH,
      `${WRAPPED_KEY_LENGTH} bytes`,
    );
    return { index, keyid: stanza.keyid, wrappedKey };
  });
  const nonce = decode(value.nonce, '/nonce', (n) => n === nacl.secretbox.nonceLength, '24 bytes');
  const ciphertext = decode(
    value.ciphertext,
    '/ciphertext',
    (n) => n >= nacl.secretbox.overheadLength,
    `at least ${nacl.secretbox.overheadLength} bytes`,
  );
  if (problems.length > 0) throwProblems(source, problems);
  return { stanzas, nonce, ciphertext };
}

/** The key ids a statement is addressed to; E_MALFORMED when `predicate.recipients` is missing or malformed. */
function addressedTo(statement: Statement): string[] {
  const validator = compileValidator(AddressedPredicate);
  if (validator.check(statement.predicate)) return statement.predicate.recipients;
  const problems = validator.problems(statement.predicate, {
    file: 'in-toto statement',
    basePointer: '/predicate',
  });
  const first = problems[0];
  throw new RedlineError(
    'E_MALFORMED',
    `in-toto statement: ${first?.pointer ?? '/predicate'}: ${first?.message ?? 'must name its recipients'}`,
    { details: { problems } },
  );
}

function checkRecipientKey(recipient: Recipient): void {
  if (
    !(recipient.publicKey instanceof Uint8Array) ||
    recipient.publicKey.length !== nacl.box.publicKeyLength
  ) {
    throw new RedlineError('E_KEY', `recipient ${recipient.keyId}: an X25519 public key must be 32 bytes`);
  }
  const actual = keyIdOf(recipient.publicKey);
  if (actual !== recipient.keyId) {
    throw new RedlineError('E_KEY', `recipient ${recipient.keyId}: the public key has key id ${actual}`);
  }
}

function checkIdentity(identity: Identity): void {
  checkRecipientKey(identity);
  if (!(identity.secretKey instanceof Uint8Array) || identity.secretKey.length !== nacl.box.secretKeyLength) {
    throw new RedlineError('E_KEY', `identity ${identity.keyId}: an X25519 secret key must be 32 bytes`);
  }
  const derived = nacl.box.keyPair.fromSecretKey(identity.secretKey).publicKey;
  if (!bytesEqual(derived, identity.publicKey)) {
    throw new RedlineError(
      'E_KEY',
      `identity ${identity.keyId}: the secret key does not belong to the public key`,
    );
  }
}

function malformed(source: string, pointer: string, message: string): RedlineError {
  return new RedlineError('E_MALFORMED', `${source}: ${pointer === '' ? '/' : pointer}: ${message}`, {
    details: { problems: [{ file: source, pointer, message }] },
  });
}

function throwProblems(source: string, problems: readonly Problem[]): never {
  const first = problems[0];
  const where = first === undefined || first.pointer === '' ? '/' : first.pointer;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new RedlineError('E_MALFORMED', `${source}: ${where}: ${first?.message ?? 'is invalid'}${more}`, {
    details: { problems },
  });
}
