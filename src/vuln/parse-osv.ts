/**
 * Reads OSV (schema 1.x) JSON, one record or an array of records, into normalised findings: one per affected
 * package (a record with no `affected` entry gives one finding without a package).
 *
 * Package URLs: a `package.purl` is validated with packageurl-js (its type must match a known ecosystem) and kept
 * without its version. When it is absent one is built from the ecosystem (the part before any ":") and name:
 *
 * | OSV ecosystem | purl type | name split                                            |
 * |---------------|-----------|-------------------------------------------------------|
 * | npm           | npm       | `@scope/name` -> namespace `@scope`, name `name`      |
 * | PyPI          | pypi      | name only (packageurl-js lowercases, `_` -> `-`)      |
 * | Maven         | maven     | `group:artifact` -> namespace `group`, name `artifact` |
 * | Go            | golang    | `host/path/mod` -> namespace `host/path`, name `mod`  |
 * | crates.io     | cargo     | name only                                             |
 * | RubyGems      | gem       | name only                                             |
 * | NuGet         | nuget     | name only                                             |
 * | Packagist     | composer  | `vendor/name` -> namespace `vendor`, name `name`      |
 *
 * Any other ecosystem without a purl gets `pkg:generic/<name>?ecosystem=<ecosystem>`, so it keeps an identity of
 * its own. Severity: the CVSS_V4 vector when present, else CVSS_V3 (an `affected[].severity` overrides the
 * record's); other schemes are ignored. A `database_specific.location` `{uri, startLine?}` (what Redline's export
 * writes for code findings) becomes the evidence location. CWE ids come from `database_specific.cwe_ids` and from `CWE-` entries in
 * `aliases` (those are moved out of the aliases); entries that are not `CWE-<n>` (e.g. "NVD-CWE-Other") are ignored.
 */
import { PackageURL } from 'packageurl-js';
import semver from 'semver';
import type { Problem } from '../errors.js';
import { OsvRecord, type OsvAffected, type OsvRange, type OsvSeverity } from '../schema/osv.js';
import { compileValidator } from '../schema/validate.js';
import {
  isCvssVector,
  normaliseCwe,
  parseFindingJson,
  sortCwes,
  throwIfProblems,
  type AffectedRange,
  type Finding,
  type FindingPackage,
} from './finding.js';
import { purlWithoutVersion } from './purl.js';

const validator = compileValidator(OsvRecord);

/** OSV ecosystem (before any ":") -> purl type. */
export const OSV_ECOSYSTEM_PURL_TYPES: Readonly<Record<string, string>> = {
  npm: 'npm',
  PyPI: 'pypi',
  Maven: 'maven',
  Go: 'golang',
  'crates.io': 'cargo',
  RubyGems: 'gem',
  NuGet: 'nuget',
  Packagist: 'composer',
};

/**
 * Parses OSV JSON text (one record or an array) into findings. E_MALFORMED when it is not JSON; E_SCHEMA with
 * `details.problems` (every problem, with JSON pointers) when a record does not follow the OSV schema.
 *
 * @example
 *   const findings = parseOsv(await readFile('advisory.json', 'utf8'), 'advisory.json');
 */
export function parseOsv(text: string, file: string): Finding[] {
  const json = parseFindingJson(text, file, 'OSV');
  const entries: Array<{ value: unknown; pointer: string }> = Array.isArray(json)
    ? json.map((value: unknown, index) => ({ value, pointer: `/${index}` }))
    : [{ value: json, pointer: '' }];
  const problems: Problem[] = [];
  const findings: Finding[] = [];
  for (const { value, pointer } of entries) {
    const found = validator.problems(value, { file, basePointer: pointer });
    if (found.length > 0 || !validator.check(value)) {
      problems.push(...found);
      continue;
    }
    findings.push(...recordFindings(value, { file, pointer, problems }));
  }
  throwIfProblems(file, 'OSV', problems);
  return findings;
}

interface Where {
  file: string;
  pointer: string;
  problems: Problem[];
}

function recordFindings(record: OsvRecord, where: Where): Finding[] {
  const report = (pointer: string, message: string): void => {
    where.problems.push({ file: where.file, pointer: where.pointer + pointer, message });
  };
  const aliases: string[] = [];
  const cwes: string[] = [];
  for (const alias of record.aliases ?? []) {
    const cwe = /^cwe-/i.test(alias) ? normaliseCwe(alias) : undefined;
    if (cwe === undefined) aliases.push(alias);
    else cwes.push(cwe);
  }
  for (const id of record.database_specific?.cwe_ids ?? []) {
    const cwe = normaliseCwe(id);
    if (cwe !== undefined) cwes.push(cwe);
  }
  const recordVector = pickCvssVector(record.severity ?? [], '/severity', report);
  const details = record.details ?? '';
  const title =
    record.summary?.trim() ||
    details
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ||
    record.id;
  const base = {
    source: 'osv' as const,
    sourceId: record.id,
    title,
    details,
    cwe: sortCwes(cwes),
    evidence: locationEvidence(record.database_specific),
    aliases,
  };
  const affected = record.affected ?? [];
  if (affected.length === 0) return [{ ...base, ranges: [], cvssVector: recordVector }];
  return affected.map((entry, index) => {
    const at = `/affected/${index}`;
    const vector =
      entry.severity === undefined ? recordVector : pickCvssVector(entry.severity, `${at}/severity`, report);
    const pkg = entry.package === undefined ? undefined : packageOf(entry.package, `${at}/package`, report);
    const ranges = (entry.ranges ?? []).flatMap((range, r) => rangesOf(range, `${at}/ranges/${r}`, report));
    return {
      ...base,
      ...(pkg === undefined ? {} : { package: pkg }),
      ranges,
      ...(entry.versions === undefined ? {} : { versions: [...entry.versions] }),
      cvssVector: vector,
    };
  });
}

type Report = (pointer: string, message: string) => void;

/**
 * The code location Redline's own OSV export keeps for a code finding (`database_specific.location`), so an
 * exported record reads back as the same finding. Anything else there is ignored.
 */
function locationEvidence(specific: unknown): Finding['evidence'] {
  const location = (specific as { location?: unknown } | undefined)?.location;
  if (typeof location !== 'object' || location === null) return {};
  const { uri, startLine } = location as { uri?: unknown; startLine?: unknown };
  if (typeof uri !== 'string' || uri === '') return {};
  return {
    location: {
      uri,
      ...(typeof startLine === 'number' && Number.isSafeInteger(startLine) && startLine > 0
        ? { startLine }
        : {}),
    },
  };
}

/** The CVSS_V4 vector, else the CVSS_V3 one, else null; reports CVSS entries whose score is not a vector. */
function pickCvssVector(severity: readonly OsvSeverity[], at: string, report: Report): string | null {
  let v3: string | null = null;
  let v4: string | null = null;
  severity.forEach((entry, index) => {
    const prefix = entry.type === 'CVSS_V3' ? 'CVSS:3.' : entry.type === 'CVSS_V4' ? 'CVSS:4.0/' : undefined;
    if (prefix === undefined) return;
    if (!isCvssVector(entry.score) || !entry.score.startsWith(prefix)) {
      report(`${at}/${index}/score`, `must be a ${entry.type} vector starting "${prefix}"`);
      return;
    }
    if (entry.type === 'CVSS_V3') v3 ??= entry.score;
    else v4 ??= entry.score;
  });
  return v4 ?? v3;
}

function packageOf(
  pkg: NonNullable<OsvAffected['package']>,
  at: string,
  report: Report,
): FindingPackage | undefined {
  const ecosystemName = pkg.ecosystem.split(':')[0] ?? pkg.ecosystem;
  const type = OSV_ECOSYSTEM_PURL_TYPES[ecosystemName];
  if (pkg.purl !== undefined) {
    let purl: PackageURL;
    try {
      purl = PackageURL.fromString(pkg.purl);
    } catch (error) {
      report(`${at}/purl`, `not a valid package URL: ${(error as Error).message}`);
      return undefined;
    }
    if (type !== undefined && purl.type !== type) {
      report(`${at}/purl`, `purl type "${purl.type}" does not match ecosystem ${pkg.ecosystem} ("${type}")`);
      return undefined;
    }
    const canonical = purlWithoutVersion(purl);
    return { purl: canonical, ecosystem: pkg.ecosystem, name: pkg.name };
  }
  const parts = splitName(type, pkg.name);
  if (parts === undefined) {
    report(`${at}/name`, `a ${pkg.ecosystem} package name must look like ${NAME_SHAPES[type ?? ''] ?? '?'}`);
    return undefined;
  }
  try {
    const purl =
      type === undefined
        ? new PackageURL('generic', undefined, pkg.name, undefined, { ecosystem: pkg.ecosystem })
        : new PackageURL(type, parts.namespace, parts.name, undefined, undefined, undefined);
    return { purl: purl.toString(), ecosystem: pkg.ecosystem, name: pkg.name };
  } catch (error) {
    report(`${at}/name`, `cannot build a package URL: ${(error as Error).message}`);
    return undefined;
  }
}

const NAME_SHAPES: Readonly<Record<string, string>> = {
  maven: '"group:artifact"',
  composer: '"vendor/name"',
};

/** Splits an ecosystem's package name into purl namespace and name; undefined when it has the wrong shape. */
function splitName(
  type: string | undefined,
  name: string,
): { namespace: string | undefined; name: string } | undefined {
  const splitAt = (separator: string, isRequired: boolean) => {
    const at = name.lastIndexOf(separator);
    if (at <= 0 || at === name.length - 1) return isRequired ? undefined : { namespace: undefined, name };
    return { namespace: name.slice(0, at), name: name.slice(at + 1) };
  };
  switch (type) {
    case 'npm':
      return name.startsWith('@') ? splitAt('/', true) : { namespace: undefined, name };
    case 'maven':
      return name.indexOf(':') === name.lastIndexOf(':') ? splitAt(':', true) : undefined;
    case 'golang':
      return splitAt('/', false);
    case 'composer':
      return name.indexOf('/') === name.lastIndexOf('/') ? splitAt('/', true) : undefined;
    case undefined:
    default:
      return { namespace: undefined, name };
  }
}

/**
 * Pairs a range's events, in the order given, into intervals: each `introduced` opens one, the next `fixed` or
 * `last_affected` closes it; an interval left open is unfixed. `limit` events apply to every interval.
 */
function rangesOf(range: OsvRange, at: string, report: Report): AffectedRange[] {
  if (!range.events.some((event) => 'introduced' in event)) {
    report(`${at}/events`, 'a range needs at least one "introduced" event');
  }
  const limits: string[] = [];
  const out: AffectedRange[] = [];
  let open: AffectedRange | undefined;
  range.events.forEach((event, index) => {
    const [key, value] = Object.entries(event)[0] as [string, string];
    if (range.type === 'SEMVER' && !(key === 'introduced' && value === '0') && semver.valid(value) === null) {
      report(
        `${at}/events/${index}/${key}`,
        `must be a SemVer 2.0 version in a SEMVER range (got "${value}")`,
      );
    }
    if (key === 'introduced') {
      if (open !== undefined) out.push(open);
      open = { type: range.type, introduced: value };
    } else if (key === 'fixed' || key === 'last_affected') {
      const closed: AffectedRange = open ?? { type: range.type };
      if (key === 'fixed') closed.fixed = value;
      else closed.lastAffected = value;
      out.push(closed);
      open = undefined;
    } else {
      limits.push(value);
    }
  });
  if (open !== undefined) out.push(open);
  // OSV allows several limits; more than one is rare, so the first is kept.
  const limit = limits[0];
  return out.map((interval) => ({
    ...interval,
    ...(limit === undefined ? {} : { limit }),
    ...(range.repo === undefined ? {} : { repo: range.repo }),
  }));
}
