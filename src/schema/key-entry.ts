/**
 * TypeBox schema of a public key entry, `ID.pub.json` (DESIGN.md §6, contract): one principal's Ed25519 signing key
 * in minisign's format and X25519 encryption key as an age recipient. Keyrings hold these files only.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/** The roles a key can have; one Ed25519 key per role (DESIGN.md §6). */
export const KeyRole = Type.Union(
  [
    Type.Literal('evaluator'),
    Type.Literal('developer'),
    Type.Literal('owner'),
    Type.Literal('log'),
    Type.Literal('participant'),
    Type.Literal('operator'),
    Type.Literal('db'),
  ],
  {
    description:
      'evaluator: signs attestations; developer: receives assessments; owner: signs threshold policies; ' +
      'log: signs audit log checkpoints; participant: a clearinghouse participant (AI provider, infrastructure ' +
      'operator ...) or any other party; operator: runs the vulnerability clearinghouse (triage, validation, ' +
      'advisories); db: encrypts the lab database (its ID.age derives the SQLCipher key).',
  },
);
export type KeyRole = Static<typeof KeyRole>;

/** Every key role, in schema order. */
export const KEY_ROLES: readonly KeyRole[] = [
  'evaluator',
  'developer',
  'owner',
  'log',
  'participant',
  'operator',
  'db',
];

/** The pattern of key entry ids: also the file name stem (`ID.pub.json`, `ID.key`, `ID.age`). */
export const KEY_ID_PATTERN = '^[a-z0-9][a-z0-9._-]*$';

/** A public key entry, `ID.pub.json`. */
export const KeyEntry = Type.Object(
  {
    id: Type.String({
      description: 'Principal id, also the file name stem: lower-case letters, digits, ".", "_" and "-".',
      pattern: KEY_ID_PATTERN,
      maxLength: 100,
    }),
    role: KeyRole,
    minisign: Type.String({
      description: "Ed25519 public key in minisign's format: base64 of 'Ed' || keynum[8] || pk[32].",
      pattern: '^RW[A-Za-z0-9+/]{54}$',
    }),
    age: Type.String({
      description: 'X25519 public key as an age recipient (bech32, "age1...").',
      pattern: '^age1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$',
    }),
    organisation: Type.Optional(
      Type.String({
        description: 'The organisation the principal belongs to.',
        minLength: 1,
        maxLength: 200,
      }),
    ),
    sector: Type.Optional(
      Type.String({ description: 'The sector of that organisation.', minLength: 1, maxLength: 200 }),
    ),
    created: Type.Optional(
      Type.String({
        description: 'When the keys were created, RFC 3339 (e.g. 2025-01-31T12:00:00Z).',
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
      }),
    ),
  },
  { ...closed, description: 'A Redline public key entry (DESIGN.md §6).' },
);
export type KeyEntry = Static<typeof KeyEntry>;
