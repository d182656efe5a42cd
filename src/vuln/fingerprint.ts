/**
 * The duplicate fingerprint of a finding: two findings with the same fingerprint are one vulnerability reported
 * twice, and are merged, crediting every reporter.
 *
 * `fingerprintFinding(f)` is the lowercase hex SHA-256 of the canonical JSON (src/suite/canonical-json.ts) of
 * {@link fingerprintBasis}: `{fingerprint: "redline-vuln/1", target, identity, ranges}` where
 * - `target` is `purl:<package URL without version>` (re-canonicalised by packageurl-js), else for code findings
 *   `uri:<location uri>` (a leading "./" dropped), else null;
 * - `identity` is `{ids}`: the sorted vulnerability ids of the finding, taken from the first non-empty tier of
 *   (1) CVE ids, (2) GHSA ids, (3) other OSV ids, among the aliases and the source id (an OSV record id always
 *   counts; a SARIF ruleId only when it has the shape of a CVE, GHSA or OSV id), leaving out the clearinghouse's
 *   own `RLV-<year>-<n>` ids (so a re-imported Redline export is the finding it came from). CVE ids are upper-cased and GHSA
 *   bodies lower-cased. Tiers, not one union: a PYSEC record and a GHSA record of the same CVE list different
 *   database ids but share the CVE, and must merge. With no id at all it is `{cwe, title}`: the sorted CWE ids and
 *   the title lower-cased with every run of non-alphanumerics made one space;
 * - `ranges` are the affected ranges, normalised: SemVer bounds cleaned (`v1.2.3` -> `1.2.3`), an absent,
 *   "0" or "0.0.0" introduced written "0", SEMVER and ECOSYSTEM ranges whose bounds are all SemVer written as kind
 *   "VERSION" (npm's ecosystem order is SemVer), GIT `limit`s left out; then sorted and de-duplicated.
 *
 * Code findings are keyed by file, not line: two reporters may have scanned different revisions.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { PackageURL } from 'packageurl-js';
import semver from 'semver';
import { encodeUtf8 } from '../crypto/canonical-bytes.js';
import { canonicalJson } from '../suite/canonical-json.js';
import { sortCwes, type Finding } from './finding.js';
import { purlWithoutVersion } from './purl.js';

/** A normalised affected range, as it enters the fingerprint. */
export interface NormalisedRange {
  kind: 'VERSION' | 'SEMVER' | 'ECOSYSTEM' | 'GIT';
  introduced: string;
  fixed: string | null;
  lastAffected: string | null;
}

/** What the fingerprint is the hash of. */
export interface FingerprintBasis {
  fingerprint: 'redline-vuln/1';
  target: string | null;
  identity: { ids: string[] } | { cwe: string[]; title: string };
  ranges: NormalisedRange[];
}

/** A stored finding with everyone who reported it (the caller keeps the reporters). */
export interface ReportedFinding {
  finding: Finding;
  reporters: string[];
}

/** The result of {@link mergeFindings}. */
export interface MergeOutcome {
  /** True when both are the same vulnerability and `record` now credits both reporters. */
  isMerged: boolean;
  /** The merged record, or `existing` unchanged when they differ. */
  record: ReportedFinding;
}

const CVE = /^CVE-\d{4}-\d{4,}$/i;
const GHSA = /^GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}$/i;
const CLEARINGHOUSE_ID = /^RLV-\d{4}-\d+$/;
const OSV_ID = /^(?:OSV|PYSEC|RUSTSEC|GO|GSD|MAL|RUBYSEC|UVI)-\d{4}-[0-9A-Za-z.-]+$/;

/** The data a finding's fingerprint is computed from (see the module comment for the definition). */
export function fingerprintBasis(finding: Finding): FingerprintBasis {
  return {
    fingerprint: 'redline-vuln/1',
    target: targetOf(finding),
    identity: identityOf(finding),
    ranges: normaliseRanges(finding),
  };
}

/**
 * The duplicate fingerprint: hex SHA-256 of the canonical JSON of {@link fingerprintBasis}.
 *
 * @example
 *   fingerprintFinding(parseOsv(text, 'a.json')[0]); // 64 lowercase hex digits
 */
export function fingerprintFinding(finding: Finding): string {
  return bytesToHex(sha256(encodeUtf8(canonicalJson(fingerprintBasis(finding)))));
}

/**
 * Merges `incoming` into `existing` when they have the same fingerprint: keeps `existing`'s finding, adds what
 * only `incoming` has (aliases, CWEs, a vector, evidence, versions) and credits both reporters.
 */
export function mergeFindings(existing: ReportedFinding, incoming: ReportedFinding): MergeOutcome {
  if (fingerprintFinding(existing.finding) !== fingerprintFinding(incoming.finding)) {
    return { isMerged: false, record: existing };
  }
  const kept = existing.finding;
  const other = incoming.finding;
  const incomingIds = isVulnerabilityId(other) ? [other.sourceId, ...other.aliases] : other.aliases;
  const aliases = union(
    kept.aliases,
    incomingIds.filter((id) => id !== kept.sourceId),
  );
  const versions =
    kept.versions === undefined && other.versions === undefined
      ? undefined
      : union(kept.versions ?? [], other.versions ?? []);
  const severityScore = kept.severityScore ?? other.severityScore;
  const pkg = kept.package ?? other.package;
  const finding: Finding = {
    ...kept,
    details: kept.details === '' ? other.details : kept.details,
    ...(pkg === undefined ? {} : { package: pkg }),
    ...(versions === undefined ? {} : { versions }),
    cwe: sortCwes([...kept.cwe, ...other.cwe]),
    cvssVector: kept.cvssVector ?? other.cvssVector,
    ...(severityScore === undefined ? {} : { severityScore }),
    evidence: { ...other.evidence, ...kept.evidence },
    aliases,
  };
  return { isMerged: true, record: { finding, reporters: union(existing.reporters, incoming.reporters) } };
}

function union(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/** True when the finding's source id names a vulnerability (an OSV record id; a SARIF ruleId shaped like one). */
export function isVulnerabilityId(finding: Finding): boolean {
  const id = finding.sourceId;
  return finding.source === 'osv' || CVE.test(id) || GHSA.test(id) || OSV_ID.test(id);
}

function targetOf(finding: Finding): string | null {
  if (finding.package !== undefined) {
    let purl = finding.package.purl;
    try {
      purl = purlWithoutVersion(PackageURL.fromString(purl));
    } catch {
      // A hand-built finding with a purl packageurl-js refuses: key it by the text as given.
    }
    return `purl:${purl}`;
  }
  const uri = finding.evidence.location?.uri;
  return uri === undefined ? null : `uri:${uri.replace(/^(?:\.\/)+/, '')}`;
}

function identityOf(finding: Finding): FingerprintBasis['identity'] {
  const candidates = [...finding.aliases, ...(isVulnerabilityId(finding) ? [finding.sourceId] : [])];
  const ids = candidates
    .map((id) => id.trim())
    .filter((id) => !/^cwe-/i.test(id) && !CLEARINGHOUSE_ID.test(id))
    .map((id) => (CVE.test(id) ? id.toUpperCase() : GHSA.test(id) ? `GHSA${id.slice(4).toLowerCase()}` : id));
  const tiers = [ids.filter((id) => CVE.test(id)), ids.filter((id) => GHSA.test(id)), ids];
  const tier = tiers.find((list) => list.length > 0);
  if (tier !== undefined) return { ids: [...new Set(tier)].sort() };
  const title = finding.title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return { cwe: sortCwes(finding.cwe), title };
}

function normaliseRanges(finding: Finding): NormalisedRange[] {
  const byKey = new Map<string, NormalisedRange>();
  for (const range of finding.ranges) {
    const isGit = range.type === 'GIT';
    const clean = (version: string): string => (isGit ? version : (semver.valid(version) ?? version.trim()));
    const introducedRaw = range.introduced === undefined ? '0' : clean(range.introduced);
    const introduced = introducedRaw === '0.0.0' ? '0' : introducedRaw;
    const fixed = range.fixed === undefined ? null : clean(range.fixed);
    const lastAffected = range.lastAffected === undefined ? null : clean(range.lastAffected);
    const bounds = [fixed, lastAffected, introduced === '0' ? null : introduced];
    const isAllSemver = bounds.every((v) => v === null || semver.valid(v) === v);
    const kind: NormalisedRange['kind'] = isGit ? 'GIT' : isAllSemver ? 'VERSION' : range.type;
    const normalised: NormalisedRange = { kind, introduced, fixed, lastAffected };
    byKey.set(canonicalJson(normalised), normalised);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, range]) => range);
}
