/**
 * TypeBox schema of the SARIF 2.1.0 fields Redline reads (OASIS SARIF 2.1.0). SARIF is extensible (property
 * bags, many optional objects), so objects stay open: unknown fields are allowed, the fields read here are checked.
 */
import { Type, type Static } from '@sinclair/typebox';

const text = (description: string) => Type.String({ description });

/** A SARIF message or multiformat string: the plain text is read. */
const Message = Type.Object(
  { text: Type.Optional(text('The plain-text message.')) },
  { description: 'A message; its plain text is read.' },
);

/** The property-bag keys Redline reads (rule or result `properties`); see parse-sarif.ts. */
export const SarifProperties = Type.Object(
  {
    tags: Type.Optional(
      Type.Array(text('A tag; CWE tags ("CWE-79", "external/cwe/cwe-079") are read.'), {
        description: 'Tags of the rule or result.',
      }),
    ),
    'security-severity': Type.Optional(text('A numeric severity score 0.0-10.0, as a string (GitHub).')),
    cvssV4_0: Type.Optional(text('A CVSS v4.0 vector.')),
    cvssV4: Type.Optional(text('A CVSS v4.0 vector.')),
    cvssV3_1: Type.Optional(text('A CVSS v3.1 vector.')),
    cvssV3: Type.Optional(text('A CVSS v3.x vector.')),
    cvssVector: Type.Optional(text('A CVSS v3.x or v4.0 vector.')),
    purl: Type.Optional(text('The package URL of an affected package (SCA results).')),
    introduced: Type.Optional(text('The first affected version of the package.')),
    fixed: Type.Optional(text('The first fixed version of the package.')),
    lastAffected: Type.Optional(text('The last affected version of the package (inclusive).')),
    aliases: Type.Optional(
      Type.Array(text('A vulnerability id (CVE, GHSA ...).'), {
        description: 'Other ids of the vulnerability.',
      }),
    ),
  },
  { description: 'A property bag; the keys listed are read.' },
);
export type SarifProperties = Static<typeof SarifProperties>;

/** A SARIF reporting descriptor (a rule). */
export const SarifRule = Type.Object(
  {
    id: Type.String({ minLength: 1, description: 'The rule id.' }),
    name: Type.Optional(text('A readable rule name.')),
    shortDescription: Type.Optional(Message),
    fullDescription: Type.Optional(Message),
    help: Type.Optional(Message),
    properties: Type.Optional(SarifProperties),
  },
  { description: 'A rule of the tool.' },
);
export type SarifRule = Static<typeof SarifRule>;

/** A SARIF location: the physical location is read. */
export const SarifLocation = Type.Object(
  {
    physicalLocation: Type.Optional(
      Type.Object(
        {
          artifactLocation: Type.Optional(
            Type.Object(
              { uri: Type.Optional(text('The artifact URI, often relative to a uriBaseId.')) },
              { description: 'The artifact.' },
            ),
          ),
          region: Type.Optional(
            Type.Object(
              {
                startLine: Type.Optional(Type.Integer({ minimum: 1, description: '1-based first line.' })),
                snippet: Type.Optional(
                  Type.Object({ text: Type.Optional(text('The text.')) }, { description: 'The code.' }),
                ),
              },
              { description: 'The region in the artifact.' },
            ),
          ),
        },
        { description: 'A file and region.' },
      ),
    ),
  },
  { description: 'Where the result was found.' },
);
export type SarifLocation = Static<typeof SarifLocation>;

/** A SARIF result. */
export const SarifResult = Type.Object(
  {
    ruleId: Type.Optional(Type.String({ minLength: 1, description: 'The id of the rule.' })),
    ruleIndex: Type.Optional(Type.Integer({ minimum: -1, description: 'Index into tool.driver.rules.' })),
    rule: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String({ minLength: 1, description: 'The rule id.' })),
          index: Type.Optional(Type.Integer({ minimum: -1, description: 'Index into tool.driver.rules.' })),
        },
        { description: 'A reference to the rule.' },
      ),
    ),
    level: Type.Optional(
      Type.Union(
        [Type.Literal('none'), Type.Literal('note'), Type.Literal('warning'), Type.Literal('error')],
        { description: 'The severity level.' },
      ),
    ),
    message: Message,
    locations: Type.Optional(Type.Array(SarifLocation, { description: 'Where the result was found.' })),
    properties: Type.Optional(SarifProperties),
  },
  { description: 'One result (finding) of a run.' },
);
export type SarifResult = Static<typeof SarifResult>;

/** A SARIF run. */
export const SarifRun = Type.Object(
  {
    tool: Type.Object(
      {
        driver: Type.Object(
          {
            name: Type.String({ minLength: 1, description: 'The tool name.' }),
            rules: Type.Optional(Type.Array(SarifRule, { description: 'The rules of the tool.' })),
          },
          { description: 'The tool component that ran.' },
        ),
      },
      { description: 'The tool.' },
    ),
    results: Type.Optional(Type.Array(SarifResult, { description: 'The results.' })),
  },
  { description: 'One run of one tool.' },
);
export type SarifRun = Static<typeof SarifRun>;

/** A SARIF 2.1.0 log. */
export const SarifLog = Type.Object(
  {
    $schema: Type.Optional(text('The SARIF JSON schema URI.')),
    version: Type.Literal('2.1.0', { description: 'The SARIF version; only 2.1.0 is read.' }),
    runs: Type.Array(SarifRun, { description: 'The runs.' }),
  },
  { description: 'A SARIF log file.' },
);
export type SarifLog = Static<typeof SarifLog>;
