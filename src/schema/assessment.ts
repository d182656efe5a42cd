/**
 * TypeBox schemas of the assessment file and what it carries (DESIGN.md §6, a contract): the sealed file
 * (`redline.sealed-dsse/v1`), the DSSE v1 envelope inside it, and the in-toto Statement v1 the envelope signs.
 *
 * The sealed file is Redline's own format and is closed (unknown fields are refused). The DSSE envelope and the
 * in-toto Statement are standards whose parsing rules say consumers MUST ignore unrecognized fields, so their
 * schemas are open: extra fields are accepted and carried, never interpreted.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/** The `type` of an assessment file. */
export const ASSESSMENT_FILE_TYPE = 'redline.sealed-dsse/v1';
/** The one key-wrapping algorithm of `redline.sealed-dsse/v1`: libsodium's sealed box to an X25519 key. */
export const SEALED_BOX_ALG = 'x25519-xsalsa20poly1305-sealedbox';
/** The `_type` of an in-toto Statement v1. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** Canonical standard base64 with padding (RFC 4648 §4), as Redline writes it; lengths are checked in code. */
const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
/** DSSE allows standard or URL-safe base64; padding is optional here and checked when decoding. */
const DSSE_BASE64_PATTERN = '^[A-Za-z0-9+/_-]*={0,2}$';

/** A key id: lowercase hex SHA-256 of a raw 32-byte public key. */
export const KeyId = Type.String({
  description: 'Lowercase hex SHA-256 of the raw 32-byte public key (as `sha256sum pk.bin` prints it).',
  pattern: '^[0-9a-f]{64}$',
});
export type KeyId = Static<typeof KeyId>;

/** One recipient of an assessment file: the file key sealed to their X25519 key (an age-style stanza). */
export const RecipientStanza = Type.Object(
  {
    keyid: KeyId,
    alg: Type.Literal(SEALED_BOX_ALG, {
      description: "How the file key is wrapped: libsodium's crypto_box_seal to the recipient's X25519 key.",
    }),
    wrappedKey: Type.String({
      description: 'Base64 of crypto_box_seal(fileKey[32], recipientPk): 80 bytes.',
      pattern: BASE64_PATTERN,
    }),
  },
  { ...closed, description: 'The file key, sealed to one recipient.' },
);
export type RecipientStanza = Static<typeof RecipientStanza>;

/** The assessment file: a DSSE envelope encrypted under a file key that is sealed to each recipient. */
export const AssessmentFile = Type.Object(
  {
    type: Type.Literal(ASSESSMENT_FILE_TYPE, { description: 'The format and its version.' }),
    recipients: Type.Array(RecipientStanza, {
      description: 'One stanza per recipient; key ids are distinct.',
      minItems: 1,
    }),
    nonce: Type.String({ description: 'Base64 of the 24-byte secretbox nonce.', pattern: BASE64_PATTERN }),
    ciphertext: Type.String({
      description: 'Base64 of nacl.secretbox(UTF-8 JSON of the DSSE envelope, nonce, fileKey).',
      pattern: BASE64_PATTERN,
    }),
  },
  { ...closed, description: 'A Redline assessment file (redline.sealed-dsse/v1).' },
);
export type AssessmentFile = Static<typeof AssessmentFile>;

/** One DSSE signature. */
export const DsseSignature = Type.Object(
  {
    keyid: Type.Optional(
      Type.String({
        description:
          'Unauthenticated hint naming the signing key (Redline writes the key id); only narrows which trusted ' +
          'key is tried, never trusted by itself. Unset is the same as empty.',
      }),
    ),
    sig: Type.String({
      description: 'Base64 (standard or URL-safe) of the signature over PAE(payloadType, payload).',
      pattern: DSSE_BASE64_PATTERN,
    }),
  },
  { description: 'A signature of a DSSE envelope; unknown fields are ignored (DSSE parsing rules).' },
);
export type DsseSignature = Static<typeof DsseSignature>;

/** A DSSE v1 JSON envelope. */
export const DsseEnvelope = Type.Object(
  {
    payloadType: Type.String({
      description: 'How to interpret the payload, e.g. "application/vnd.in-toto+json"; signed (in the PAE).',
    }),
    payload: Type.String({
      description: 'Base64 (standard or URL-safe) of the signed bytes.',
      pattern: DSSE_BASE64_PATTERN,
    }),
    signatures: Type.Array(DsseSignature, {
      description: "The signatures; how many must verify is the reader's policy.",
    }),
  },
  { description: 'A DSSE v1 envelope; unknown fields are ignored (DSSE parsing rules).' },
);
export type DsseEnvelope = Static<typeof DsseEnvelope>;

/** A subject of an in-toto statement: an artifact named and identified by its digest. */
export const StatementSubject = Type.Object(
  {
    name: Type.String({ description: 'The artifact name (e.g. a run id or a file name).' }),
    digest: Type.Object(
      {
        sha256: Type.String({
          description: 'Lowercase hex SHA-256 of the artifact.',
          pattern: '^[0-9a-f]{64}$',
        }),
      },
      {
        description: 'Digests of the artifact by algorithm; sha256 is required, others are carried.',
        additionalProperties: Type.String(),
      },
    ),
  },
  { description: 'A subject of the statement (an in-toto ResourceDescriptor).' },
);
export type StatementSubject = Static<typeof StatementSubject>;

/** An in-toto Statement v1. */
export const Statement = Type.Object(
  {
    _type: Type.Literal(STATEMENT_TYPE, { description: 'The in-toto Statement version.' }),
    subject: Type.Array(StatementSubject, { description: 'What the statement is about.', minItems: 1 }),
    predicateType: Type.String({ description: 'URI naming the predicate schema.', minLength: 1 }),
    predicate: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The claim itself, interpreted according to predicateType.',
    }),
  },
  { description: 'An in-toto Statement v1; unknown fields are ignored (in-toto parsing rules).' },
);
export type Statement = Static<typeof Statement>;

/** The part of a predicate that addresses it: the key ids of everyone it is meant for. */
export const AddressedPredicate = Type.Object(
  {
    recipients: Type.Array(KeyId, {
      description: "Key ids of the recipients' X25519 keys; an opener must find its own key id here.",
      minItems: 1,
      uniqueItems: true,
    }),
  },
  { description: 'A predicate addressed to named recipients (other fields are the assessment itself).' },
);
export type AddressedPredicate = Static<typeof AddressedPredicate>;
