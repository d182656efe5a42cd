/**
 * The public OSV record of a disclosed finding (OSV schema 1.6, https://ossf.github.io/osv-schema/): what
 * `redline vuln export ID --osv` writes once the embargo has passed, and what sealed advisories carry before.
 *
 * Mapping: the finding id is the record id (`RLV-<year>-<n>`); the source id (when it is a vulnerability id) and
 * aliases become `aliases`; title and details become `summary` and `details`; the CVSS vector becomes one
 * `severity` entry (CVSS_V3 or CVSS_V4); the package, ranges (one OSV range per affected interval, events
 * `introduced` then `fixed` or `last_affected`, plus `limit` and `repo` for GIT) and, only when there are no
 * ranges, the listed versions become one `affected` entry (listed versions may come from a reporter's scan of
 * its own systems, e.g. a SARIF purl: with ranges they add nothing public and would tell who runs what); CWE ids go to `database_specific.cwe_ids`; credited reporters become `credits` of type FINDER.
 * A code finding (no package) has no `affected` entry; its location is kept in `database_specific.location`.
 * The record is checked against Redline's OSV schema before it is returned, so parse-osv reads it back.
 */
import { RedlineError } from '../errors.js';
import { OsvRecord, type OsvRange } from '../schema/osv.js';
import { compileValidator } from '../schema/validate.js';
import type { AffectedRange, Finding } from './finding.js';
import { isVulnerabilityId } from './fingerprint.js';

/** The OSV schema version Redline writes. */
export const OSV_SCHEMA_VERSION = '1.6.0';

const validator = compileValidator(OsvRecord);

/** An exported OSV record (the schema's fields plus `credits`). */
export type ExportedOsv = OsvRecord & { credits?: { name: string; type: 'FINDER' }[] };

/** What an OSV record is built from. */
export interface OsvExportInput {
  id: string;
  finding: Finding;
  /** RFC 3339: the last change of the record. */
  modified: string;
  /** RFC 3339: when the record became public (the embargo's end). */
  published: string;
  /** Organisations credited as finders, in order; none when the reporters did not agree to be named. */
  credits?: readonly string[];
}

function rangeOf(range: AffectedRange): OsvRange {
  const events: OsvRange['events'] = [{ introduced: range.introduced ?? '0' }];
  if (range.fixed !== undefined) events.push({ fixed: range.fixed });
  if (range.lastAffected !== undefined) events.push({ last_affected: range.lastAffected });
  if (range.limit !== undefined) events.push({ limit: range.limit });
  return { type: range.type, ...(range.repo === undefined ? {} : { repo: range.repo }), events };
}

/**
 * The OSV record of a finding. E_INTERNAL when the result would not pass Redline's own OSV schema (a bug).
 *
 * @example findingToOsv({ id: 'RLV-2026-1', finding, modified: now, published: embargoUntil }).affected;
 */
export function findingToOsv(input: OsvExportInput): ExportedOsv {
  const { finding } = input;
  const ids = isVulnerabilityId(finding) ? [finding.sourceId, ...finding.aliases] : finding.aliases;
  const aliases = [...new Set(ids)].filter((id) => id !== input.id);
  const severity =
    finding.cvssVector === null
      ? undefined
      : [
          {
            type: finding.cvssVector.startsWith('CVSS:4.0/') ? 'CVSS_V4' : 'CVSS_V3',
            score: finding.cvssVector,
          },
        ];
  const pkg = finding.package;
  const affected =
    pkg === undefined
      ? undefined
      : [
          {
            package: { ecosystem: pkg.ecosystem, name: pkg.name, purl: pkg.purl },
            ...(finding.ranges.length === 0 ? {} : { ranges: finding.ranges.map(rangeOf) }),
            ...(finding.versions === undefined || finding.ranges.length > 0
              ? {}
              : { versions: [...finding.versions] }),
          },
        ];
  const location = pkg === undefined ? finding.evidence.location : undefined;
  const record: ExportedOsv = {
    schema_version: OSV_SCHEMA_VERSION,
    id: input.id,
    modified: input.modified,
    published: input.published,
    ...(aliases.length === 0 ? {} : { aliases }),
    summary: finding.title,
    details: finding.details,
    ...(severity === undefined ? {} : { severity }),
    ...(affected === undefined ? {} : { affected }),
    ...(finding.cwe.length === 0 && location === undefined
      ? {}
      : {
          database_specific: {
            ...(finding.cwe.length === 0 ? {} : { cwe_ids: [...finding.cwe] }),
            ...(location === undefined ? {} : { location }),
          },
        }),
    ...(input.credits === undefined || input.credits.length === 0
      ? {}
      : { credits: input.credits.map((name) => ({ name, type: 'FINDER' as const })) }),
  };
  if (!validator.check(record)) {
    const problems = validator.problems(record, { file: `OSV export of ${input.id}` });
    throw new RedlineError(
      'E_INTERNAL',
      `the OSV record of ${input.id} does not pass the OSV schema: ${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}`,
    );
  }
  return record;
}
