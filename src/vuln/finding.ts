/**
 * The normalised finding of the vulnerability clearinghouse: what `redline vuln` takes in from OSV and SARIF
 * files (parse-osv.ts, parse-sarif.ts), deduplicates (fingerprint.ts) and stores. Also the few helpers both
 * parsers share: reading the JSON text, reporting schema problems, and spelling CWE ids one way.
 */
import { RedlineError, formatProblem, type Problem } from '../errors.js';

/** Where a finding came from. */
export type FindingSource = 'osv' | 'sarif';

/** How the versions of a range are ordered (OSV's range types). */
export type RangeType = 'SEMVER' | 'ECOSYSTEM' | 'GIT';

/**
 * One affected interval: from `introduced` (inclusive; absent or "0" means from the first version) up to `fixed`
 * (exclusive) or `lastAffected` (inclusive); neither means still unfixed. `limit` (GIT ranges only) bounds the
 * commit walk as in OSV.
 */
export interface AffectedRange {
  type: RangeType;
  introduced?: string;
  fixed?: string;
  lastAffected?: string;
  limit?: string;
  /** The repository of a GIT range (OSV `repo`), kept so the range can be exported again. */
  repo?: string;
}

/** The affected package, when the finding is about one (SCA) rather than about code. */
export interface FindingPackage {
  /** Canonical package URL without a version, as packageurl-js writes it (e.g. `pkg:pypi/django-rest`). */
  purl: string;
  /** The ecosystem as the source named it (OSV `package.ecosystem`, else the purl type). */
  ecosystem: string;
  /** The package name as the source named it. */
  name: string;
}

/** Where a code finding was seen and what the reporter said about it. */
export interface FindingEvidence {
  location?: { uri: string; startLine?: number };
  message?: string;
  snippet?: string;
}

/** A vulnerability finding in Redline's one normalised shape, whatever format it arrived in. */
export interface Finding {
  source: FindingSource;
  /** The OSV record id, or the SARIF ruleId. */
  sourceId: string;
  title: string;
  details: string;
  package?: FindingPackage;
  ranges: AffectedRange[];
  /** Explicitly enumerated affected versions (OSV `affected[].versions`). */
  versions?: string[];
  /** CWE ids spelt `CWE-<n>` (no leading zeros), sorted by number, without duplicates. */
  cwe: string[];
  /** A CVSS v3.x or v4.0 vector string (`CVSS:3.1/AV:N/...`), or null when the source gave none. */
  cvssVector: string | null;
  /** A numeric severity score (0-10) when the source gave one without a vector (SARIF `security-severity`). */
  severityScore?: number;
  evidence: FindingEvidence;
  /** Other ids of the same vulnerability (CVE, GHSA, other OSV databases), as the source listed them. */
  aliases: string[];
}

const CWE_TEXT = /^(?:.*[/:])?cwe[-_:]?0*(\d+)$/i;

/**
 * The `CWE-<n>` spelling of a CWE reference, or undefined when `text` is not one. Accepts `CWE-79`, `cwe-079`,
 * `CWE:79` and CodeQL's tag form `external/cwe/cwe-079`.
 */
export function normaliseCwe(text: string): string | undefined {
  const match = CWE_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? `CWE-${id}` : undefined;
}

/** Sorted (by number), de-duplicated `CWE-<n>` ids. */
export function sortCwes(cwes: Iterable<string>): string[] {
  return [...new Set(cwes)].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}

/** The JSON value of a finding file's text; E_MALFORMED (with one problem at '') when it is not JSON. */
export function parseFindingJson(text: string, file: string, format: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const problem: Problem = {
      file,
      pointer: '',
      message: `not JSON (${(error as Error).message}); expected ${format} JSON`,
    };
    throw new RedlineError('E_MALFORMED', formatProblem(problem), { details: { problems: [problem] } });
  }
}

/** Throws E_SCHEMA listing every problem (`details.problems`), when there are any. */
export function throwIfProblems(file: string, format: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new RedlineError(
    'E_SCHEMA',
    `${file}: not a valid ${format} document (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    { details: { problems: [...problems] } },
  );
}

const CVSS_VECTOR = /^CVSS:(?:3\.[01]|4\.0)\/[A-Za-z]+:[A-Za-z]+(?:\/[A-Za-z]+:[A-Za-z]+)*$/;

/** True when `text` is a CVSS v3.0, v3.1 or v4.0 vector string (prefix and `metric:value` syntax; not scored). */
export function isCvssVector(text: string): boolean {
  return CVSS_VECTOR.test(text);
}
