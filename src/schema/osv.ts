/**
 * TypeBox schema of the OSV fields Redline reads (OSV schema 1.x, https://ossf.github.io/osv-schema/). OSV is
 * extensible, so objects stay open: unknown fields are allowed, but the fields read here are checked. The
 * exception is a range event, which the OSV spec defines as exactly one of its four keys.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;
const version = (description: string) => Type.String({ minLength: 1, description });

/** One event of an OSV range: exactly one of introduced, fixed, last_affected, limit. */
export const OsvEvent = Type.Union(
  [
    Type.Object(
      { introduced: version('The first affected version ("0" for "from the first version").') },
      closed,
    ),
    Type.Object({ fixed: version('The first version that is no longer affected.') }, closed),
    Type.Object({ last_affected: version('The last affected version (inclusive).') }, closed),
    Type.Object({ limit: version('An upper bound of the commit walk (GIT ranges).') }, closed),
  ],
  { description: 'A range event: exactly one of introduced, fixed, last_affected, limit.' },
);
export type OsvEvent = Static<typeof OsvEvent>;

/** An OSV severity entry. */
export const OsvSeverity = Type.Object(
  {
    type: Type.String({ minLength: 1, description: 'CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu ...' }),
    score: Type.String({ minLength: 1, description: 'The vector string (CVSS) or the rating.' }),
  },
  { description: 'A severity rating in a named scheme.' },
);
export type OsvSeverity = Static<typeof OsvSeverity>;

/** An OSV affected range. */
export const OsvRange = Type.Object(
  {
    type: Type.Union([Type.Literal('SEMVER'), Type.Literal('ECOSYSTEM'), Type.Literal('GIT')], {
      description: 'How the versions of the events are ordered.',
    }),
    repo: Type.Optional(Type.String({ description: 'The repository of a GIT range.' })),
    events: Type.Array(OsvEvent, {
      minItems: 1,
      description: 'The events, in version order; at least one introduced.',
    }),
  },
  { description: 'An affected range as a list of events.' },
);
export type OsvRange = Static<typeof OsvRange>;

/** An OSV affected package entry. */
export const OsvAffected = Type.Object(
  {
    package: Type.Optional(
      Type.Object(
        {
          ecosystem: Type.String({ minLength: 1, description: 'npm, PyPI, Maven, Go, crates.io ...' }),
          name: Type.String({ minLength: 1, description: 'The package name as the ecosystem spells it.' }),
          purl: Type.Optional(Type.String({ minLength: 1, description: 'The package URL.' })),
        },
        { description: 'The affected package.' },
      ),
    ),
    ranges: Type.Optional(Type.Array(OsvRange, { description: 'The affected version ranges.' })),
    versions: Type.Optional(
      Type.Array(Type.String({ description: 'An affected version.' }), {
        description: 'Affected versions, enumerated.',
      }),
    ),
    severity: Type.Optional(
      Type.Array(OsvSeverity, { description: 'Severity of this package, overriding the record severity.' }),
    ),
  },
  { description: 'One affected package with its ranges.' },
);
export type OsvAffected = Static<typeof OsvAffected>;

/** One OSV record (the fields Redline reads; others are allowed). */
export const OsvRecord = Type.Object(
  {
    schema_version: Type.Optional(Type.String({ description: 'The OSV schema version, 1.x.' })),
    id: Type.String({ minLength: 1, description: 'The record id (GHSA-..., PYSEC-..., OSV-...).' }),
    modified: Type.String({ minLength: 1, description: 'RFC 3339 time of the last change.' }),
    published: Type.Optional(Type.String({ description: 'RFC 3339 time of publication.' })),
    withdrawn: Type.Optional(Type.String({ description: 'RFC 3339 time of withdrawal.' })),
    aliases: Type.Optional(
      Type.Array(Type.String({ minLength: 1, description: 'Another id of this vulnerability.' }), {
        description: 'Ids of the same vulnerability elsewhere (CVE, GHSA ...).',
      }),
    ),
    summary: Type.Optional(Type.String({ description: 'A one-line summary.' })),
    details: Type.Optional(Type.String({ description: 'The full description (CommonMark).' })),
    severity: Type.Optional(Type.Array(OsvSeverity, { description: 'Severity ratings of the record.' })),
    affected: Type.Optional(Type.Array(OsvAffected, { description: 'The affected packages.' })),
    database_specific: Type.Optional(
      Type.Object(
        {
          cwe_ids: Type.Optional(
            Type.Array(Type.String({ description: 'A CWE id, "CWE-<n>".' }), {
              description: 'CWE ids (GitHub advisory style).',
            }),
          ),
        },
        { description: 'Database-specific data; cwe_ids is read.' },
      ),
    ),
  },
  { description: 'An OSV vulnerability record.' },
);
export type OsvRecord = Static<typeof OsvRecord>;
