/**
 * Reads a SARIF 2.1.0 log into normalised findings, one per result. The rule of a result is found by `ruleIndex`
 * (or `rule.index`) into `tool.driver.rules`, else by id; the finding's title is the rule's short description
 * (else its name, else the ruleId).
 *
 * Property bags read (a result's `properties` win over its rule's, key by key):
 * - `tags`: CWE tags (`CWE-79`, `external/cwe/cwe-079`) become `cwe`; CVE/GHSA ids among them become aliases;
 * - `aliases`: other ids of the vulnerability (CVE, GHSA, OSV ids);
 * - CVSS vector: the first of `cvssV4_0`, `cvssV4`, `cvssV3_1`, `cvssV3`, `cvssVector`; it must be a
 *   `CVSS:3.0/`, `CVSS:3.1/` or `CVSS:4.0/` vector (E_SCHEMA otherwise);
 * - `security-severity`: GitHub's numeric score "0.0"-"10.0"; a score is not a vector, so it fills
 *   `severityScore`, not `cvssVector`;
 * - for dependency (SCA) results: `purl` (validated; its version becomes `versions`) and `introduced`, `fixed`,
 *   `lastAffected`, one range, typed SEMVER when every bound is SemVer, else ECOSYSTEM.
 */
import { PackageURL } from 'packageurl-js';
import semver from 'semver';
import { SarifLog, type SarifProperties, type SarifResult, type SarifRule } from '../schema/sarif.js';
import { compileValidator } from '../schema/validate.js';
import {
  isCvssVector,
  normaliseCwe,
  parseFindingJson,
  sortCwes,
  throwIfProblems,
  type AffectedRange,
  type Finding,
  type FindingEvidence,
  type FindingPackage,
} from './finding.js';
import { purlWithoutVersion } from './purl.js';
import { OSV_ECOSYSTEM_PURL_TYPES } from './parse-osv.js';

const validator = compileValidator(SarifLog);

const VECTOR_KEYS = ['cvssV4_0', 'cvssV4', 'cvssV3_1', 'cvssV3', 'cvssVector'] as const;
const VULNERABILITY_ID = /^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})$/i;
const ECOSYSTEM_OF_PURL_TYPE = new Map(Object.entries(OSV_ECOSYSTEM_PURL_TYPES).map(([e, t]) => [t, e]));

/**
 * Parses SARIF 2.1.0 JSON text into findings. E_MALFORMED when it is not JSON; E_SCHEMA with `details.problems`
 * (JSON pointers) when it is not a SARIF 2.1.0 log (a wrong `version` is reported at `/version`).
 *
 * @example
 *   const findings = parseSarif(await readFile('scan.sarif', 'utf8'), 'scan.sarif');
 */
export function parseSarif(text: string, file: string): Finding[] {
  const json = parseFindingJson(text, file, 'SARIF');
  const problems = validator.problems(json, { file });
  if (problems.length > 0 || !validator.check(json)) {
    throwIfProblems(file, 'SARIF', problems);
    return [];
  }
  const findings: Finding[] = [];
  const report = (pointer: string, message: string): void => {
    problems.push({ file, pointer, message });
  };
  json.runs.forEach((run, r) => {
    const rules = run.tool.driver.rules ?? [];
    (run.results ?? []).forEach((result, i) => {
      const at = `/runs/${r}/results/${i}`;
      const before = problems.length;
      const rule = findRule(rules, result, at, report);
      if (problems.length > before) return; // a dangling rule index: nothing more to say about this result
      const ruleAt = rule === undefined ? undefined : `/runs/${r}/tool/driver/rules/${rule.index}`;
      const finding = resultFinding(result, at, rule?.rule, ruleAt, report);
      if (finding !== undefined) findings.push(finding);
    });
  });
  throwIfProblems(file, 'SARIF', problems);
  return findings;
}

type Report = (pointer: string, message: string) => void;

function findRule(
  rules: readonly SarifRule[],
  result: SarifResult,
  at: string,
  report: Report,
): { rule: SarifRule; index: number } | undefined {
  const index = result.ruleIndex ?? result.rule?.index;
  if (index !== undefined && index >= 0) {
    const rule = rules[index];
    if (rule === undefined) {
      const pointer = result.ruleIndex === undefined ? `${at}/rule/index` : `${at}/ruleIndex`;
      report(pointer, `no rule at index ${index} (tool.driver.rules has ${rules.length})`);
      return undefined;
    }
    return { rule, index };
  }
  const id = result.ruleId ?? result.rule?.id;
  const found = rules.findIndex((rule) => rule.id === id);
  return found < 0 ? undefined : { rule: rules[found] as SarifRule, index: found };
}

function resultFinding(
  result: SarifResult,
  at: string,
  rule: SarifRule | undefined,
  ruleAt: string | undefined,
  report: Report,
): Finding | undefined {
  const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id;
  if (ruleId === undefined) {
    report(at, 'a result needs a ruleId (or a ruleIndex into tool.driver.rules)');
    return undefined;
  }
  // Each key is read from the result's bag first, then the rule's; the pointer says which one held it.
  const lookup = <K extends keyof SarifProperties>(key: K) => {
    const fromResult = result.properties?.[key];
    if (fromResult !== undefined) return { value: fromResult, pointer: `${at}/properties/${key}` };
    const fromRule = rule?.properties?.[key];
    if (fromRule !== undefined) return { value: fromRule, pointer: `${ruleAt ?? ''}/properties/${key}` };
    return undefined;
  };
  const tags = [...(rule?.properties?.tags ?? []), ...(result.properties?.tags ?? [])];
  const cwe = sortCwes(tags.flatMap((tag) => normaliseCwe(tag) ?? []));
  const aliases = [
    ...new Set([...(lookup('aliases')?.value ?? []), ...tags.filter((tag) => VULNERABILITY_ID.test(tag))]),
  ].filter((alias) => alias !== ruleId);

  let cvssVector: string | null = null;
  for (const key of VECTOR_KEYS) {
    const found = lookup(key);
    if (found === undefined) continue;
    if (!isCvssVector(found.value)) {
      report(found.pointer, 'must be a CVSS vector starting "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/"');
    } else cvssVector ??= found.value;
  }
  const severity = lookup('security-severity');
  let severityScore: number | undefined;
  if (severity !== undefined) {
    const score = Number(severity.value);
    if (severity.value.trim() === '' || !Number.isFinite(score) || score < 0 || score > 10) {
      report(severity.pointer, `must be a number from 0.0 to 10.0 (got "${severity.value}")`);
    } else severityScore = score;
  }

  const message = result.message.text;
  const location = result.locations?.[0]?.physicalLocation;
  const uri = location?.artifactLocation?.uri;
  const startLine = location?.region?.startLine;
  const snippet = location?.region?.snippet?.text;
  const evidence: FindingEvidence = {
    ...(uri === undefined ? {} : { location: { uri, ...(startLine === undefined ? {} : { startLine }) } }),
    ...(message === undefined ? {} : { message }),
    ...(snippet === undefined ? {} : { snippet }),
  };

  const purl = lookup('purl');
  const dependency = purl === undefined ? undefined : packageOf(purl.value, purl.pointer, report);
  const range = rangeOf(lookup('introduced')?.value, lookup('fixed')?.value, lookup('lastAffected')?.value);
  const firstLine = message
    ?.split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
  return {
    source: 'sarif',
    sourceId: ruleId,
    title: rule?.shortDescription?.text?.trim() || rule?.name?.trim() || firstLine || ruleId,
    details: rule?.fullDescription?.text ?? rule?.help?.text ?? message ?? '',
    ...(dependency === undefined ? {} : { package: dependency.package }),
    ranges: range === undefined ? [] : [range],
    ...(dependency?.version === undefined ? {} : { versions: [dependency.version] }),
    cwe,
    cvssVector,
    ...(severityScore === undefined ? {} : { severityScore }),
    evidence,
    aliases,
  };
}

function packageOf(
  text: string,
  pointer: string,
  report: Report,
): { package: FindingPackage; version: string | undefined } | undefined {
  let purl: PackageURL;
  try {
    purl = PackageURL.fromString(text);
  } catch (error) {
    report(pointer, `not a valid package URL: ${(error as Error).message}`);
    return undefined;
  }
  const canonical = purlWithoutVersion(purl);
  const separator = purl.type === 'maven' ? ':' : '/';
  const name = purl.namespace === undefined ? purl.name : `${purl.namespace}${separator}${purl.name}`;
  return {
    package: { purl: canonical, ecosystem: ECOSYSTEM_OF_PURL_TYPE.get(purl.type) ?? purl.type, name },
    version: purl.version,
  };
}

function rangeOf(
  introduced: string | undefined,
  fixed: string | undefined,
  lastAffected: string | undefined,
): AffectedRange | undefined {
  const bounds = [introduced, fixed, lastAffected].filter((v): v is string => v !== undefined);
  if (bounds.length === 0) return undefined;
  const isSemver = bounds.every((v) => (v === introduced && v === '0') || semver.valid(v) !== null);
  return {
    type: isSemver ? 'SEMVER' : 'ECOSYSTEM',
    ...(introduced === undefined ? {} : { introduced }),
    ...(fixed === undefined ? {} : { fixed }),
    ...(lastAffected === undefined ? {} : { lastAffected }),
  };
}
