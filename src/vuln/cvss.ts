/**
 * CVSS v3.x and v4.0 base scores for the vulnerability clearinghouse, with FIRST's qualitative severity rating.
 *
 * The arithmetic is ae-cvss-calculator's. The vector is validated here first, because the library is lenient: it
 * scores a vector with a missing base metric as 0, accepts `X` for base metrics, ignores the version prefix and
 * lets a repeated metric overwrite the first. Here any of these is E_MALFORMED. Metrics may come in any order
 * (as the v3.x JSON schema allows); the normalised vector lists them in the specification's order and drops
 * "Not Defined" (`X`) values.
 */
import cvss from 'ae-cvss-calculator';
import { RedlineError } from '../errors.js';

/** The CVSS calculator a vector was scored with (v3.0 vectors are scored as v3.1). */
export type CvssVersion = '3.1' | '4.0';

/** The CVSS version a vector declares in its prefix. */
export type CvssDeclaredVersion = '3.0' | '3.1' | '4.0';

/** FIRST's qualitative severity rating (the same bands in v3.1 and v4.0). */
export type CvssSeverity = 'None' | 'Low' | 'Medium' | 'High' | 'Critical';

/** The base score of a CVSS vector. */
export interface CvssScore {
  /** The calculator used: '3.1' for CVSS:3.0 and CVSS:3.1 vectors, '4.0' for CVSS:4.0. */
  version: CvssVersion;
  /** The version the vector's prefix declares; '3.0' means it was scored with the v3.1 formula. */
  declaredVersion: CvssDeclaredVersion;
  /** CVSS base score (v4.0: CVSS-B, threat and environmental metrics ignored), 0.0-10.0. */
  base: number;
  severity: CvssSeverity;
  /** The vector with its declared prefix, metrics in the specification's order, `X` values dropped. */
  vector: string;
}

interface MetricSpec {
  /** Allowed values; for optional metrics this includes `X` (Not Defined). */
  values: readonly string[];
  isBase: boolean;
}

const CIA = ['N', 'L', 'H'] as const;
const MOD_CIA = ['X', 'N', 'L', 'H'] as const;
const REQUIREMENT = ['X', 'L', 'M', 'H'] as const;

function base(values: readonly string[]): MetricSpec {
  return { values, isBase: true };
}

function optional(values: readonly string[]): MetricSpec {
  return { values, isBase: false };
}

// CVSS v3.1 specification, section 6 (Table 15): metrics in their listed order.
const V3_METRICS: ReadonlyMap<string, MetricSpec> = new Map([
  ['AV', base(['N', 'A', 'L', 'P'])],
  ['AC', base(['L', 'H'])],
  ['PR', base(['N', 'L', 'H'])],
  ['UI', base(['N', 'R'])],
  ['S', base(['U', 'C'])],
  ['C', base(CIA)],
  ['I', base(CIA)],
  ['A', base(CIA)],
  ['E', optional(['X', 'U', 'P', 'F', 'H'])],
  ['RL', optional(['X', 'O', 'T', 'W', 'U'])],
  ['RC', optional(['X', 'U', 'R', 'C'])],
  ['CR', optional(REQUIREMENT)],
  ['IR', optional(REQUIREMENT)],
  ['AR', optional(REQUIREMENT)],
  ['MAV', optional(['X', 'N', 'A', 'L', 'P'])],
  ['MAC', optional(['X', 'L', 'H'])],
  ['MPR', optional(['X', 'N', 'L', 'H'])],
  ['MUI', optional(['X', 'N', 'R'])],
  ['MS', optional(['X', 'U', 'C'])],
  ['MC', optional(MOD_CIA)],
  ['MI', optional(MOD_CIA)],
  ['MA', optional(MOD_CIA)],
]);

// CVSS v4.0 specification, section 7 (Table 23): metrics in their listed order.
const V4_METRICS: ReadonlyMap<string, MetricSpec> = new Map([
  ['AV', base(['N', 'A', 'L', 'P'])],
  ['AC', base(['L', 'H'])],
  ['AT', base(['N', 'P'])],
  ['PR', base(['N', 'L', 'H'])],
  ['UI', base(['N', 'P', 'A'])],
  ['VC', base(['H', 'L', 'N'])],
  ['VI', base(['H', 'L', 'N'])],
  ['VA', base(['H', 'L', 'N'])],
  ['SC', base(['H', 'L', 'N'])],
  ['SI', base(['H', 'L', 'N'])],
  ['SA', base(['H', 'L', 'N'])],
  ['E', optional(['X', 'A', 'P', 'U'])],
  ['CR', optional(['X', 'H', 'M', 'L'])],
  ['IR', optional(['X', 'H', 'M', 'L'])],
  ['AR', optional(['X', 'H', 'M', 'L'])],
  ['MAV', optional(['X', 'N', 'A', 'L', 'P'])],
  ['MAC', optional(['X', 'L', 'H'])],
  ['MAT', optional(['X', 'N', 'P'])],
  ['MPR', optional(['X', 'N', 'L', 'H'])],
  ['MUI', optional(['X', 'N', 'P', 'A'])],
  ['MVC', optional(['X', 'H', 'L', 'N'])],
  ['MVI', optional(['X', 'H', 'L', 'N'])],
  ['MVA', optional(['X', 'H', 'L', 'N'])],
  ['MSC', optional(['X', 'H', 'L', 'N'])],
  ['MSI', optional(['X', 'S', 'H', 'L', 'N'])],
  ['MSA', optional(['X', 'S', 'H', 'L', 'N'])],
  ['S', optional(['X', 'N', 'P'])],
  ['AU', optional(['X', 'N', 'Y'])],
  ['R', optional(['X', 'A', 'U', 'I'])],
  ['V', optional(['X', 'D', 'C'])],
  ['RE', optional(['X', 'L', 'M', 'H'])],
  ['U', optional(['X', 'Clear', 'Green', 'Amber', 'Red'])],
]);

const PREFIX = /^CVSS:(3\.0|3\.1|4\.0)\//;
const PART = /^([A-Z]+):([A-Za-z]+)$/;

function malformed(vector: string, what: string): RedlineError {
  return new RedlineError(
    'E_MALFORMED',
    `CVSS vector "${vector}": ${what}; expected e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`,
    { details: { vector } },
  );
}

/**
 * FIRST's qualitative severity rating of a CVSS score (v3.1 specification section 5, v4.0 section 6): 0.0 None,
 * 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical. E_USAGE outside 0-10.
 */
export function rateCvssSeverity(score: number): CvssSeverity {
  if (!Number.isFinite(score) || score < 0 || score > 10) {
    throw new RedlineError('E_USAGE', `CVSS score ${score}: must be a number from 0.0 to 10.0`);
  }
  if (score === 0) return 'None';
  if (score < 4) return 'Low';
  if (score < 7) return 'Medium';
  if (score < 9) return 'High';
  return 'Critical';
}

/** The metrics of `body` (the vector after its prefix), validated against `specs`; throws E_MALFORMED. */
function parseMetrics(
  vector: string,
  body: string,
  specs: ReadonlyMap<string, MetricSpec>,
): Map<string, string> {
  if (body === '') throw malformed(vector, 'no metrics after the prefix');
  const metrics = new Map<string, string>();
  for (const part of body.split('/')) {
    const match = PART.exec(part);
    if (match === null) throw malformed(vector, `"${part}" is not a METRIC:VALUE pair`);
    const [, name = '', value = ''] = match;
    const spec = specs.get(name);
    if (spec === undefined) throw malformed(vector, `unknown metric "${name}"`);
    if (metrics.has(name)) throw malformed(vector, `metric ${name} is given more than once`);
    if (!spec.values.includes(value)) {
      throw malformed(
        vector,
        `unknown value "${value}" for metric ${name} (allowed: ${spec.values.join(', ')})`,
      );
    }
    metrics.set(name, value);
  }
  const missing = [...specs]
    .filter(([name, spec]) => spec.isBase && !metrics.has(name))
    .map(([name]) => name);
  if (missing.length > 0) throw malformed(vector, `missing mandatory base metric(s) ${missing.join(', ')}`);
  return metrics;
}

/** The `name:value` pairs of `metrics` in specification order, optionally base metrics only, `X` dropped. */
function joinMetrics(
  metrics: Map<string, string>,
  specs: ReadonlyMap<string, MetricSpec>,
  baseOnly: boolean,
): string {
  const parts: string[] = [];
  for (const [name, spec] of specs) {
    const value = metrics.get(name);
    if (value === undefined || value === 'X' || (baseOnly && !spec.isBase)) continue;
    parts.push(`${name}:${value}`);
  }
  return parts.join('/');
}

/** The library's base score of a validated base-metrics-only vector; E_INTERNAL if the library disagrees. */
function computeBase(version: CvssVersion, baseVector: string): number {
  let scored: number | undefined;
  let isComplete: boolean;
  try {
    if (version === '3.1') {
      const calculator = new cvss.Cvss3P1(baseVector);
      isComplete = calculator.isBaseFullyDefined();
      scored = calculator.calculateScores().base;
    } else {
      const calculator = new cvss.Cvss4P0(baseVector);
      isComplete = calculator.isBaseFullyDefined();
      scored = calculator.calculateScores().base;
    }
  } catch (error) {
    throw new RedlineError('E_INTERNAL', `CVSS calculator rejected validated vector ${baseVector}`, {
      cause: error,
    });
  }
  if (!isComplete || scored === undefined || !Number.isFinite(scored) || scored < 0 || scored > 10) {
    throw new RedlineError('E_INTERNAL', `CVSS calculator gave no valid base score for ${baseVector}`);
  }
  return scored;
}

/**
 * The base score, FIRST severity and normalised vector of a CVSS v3.0, v3.1 or v4.0 vector string. E_MALFORMED
 * (naming the vector and the fault) for a wrong prefix, unknown metric or value, repeated or missing base metric.
 *
 * @example
 * scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N');
 * // {version: '3.1', declaredVersion: '3.1', base: 7.5, severity: 'High', vector: 'CVSS:3.1/AV:N/...'}
 */
export function scoreCvss(vector: string): CvssScore {
  if (typeof vector !== 'string') throw malformed(String(vector), 'not a string');
  const text = vector.trim();
  const prefix = PREFIX.exec(text);
  if (prefix === null) {
    throw malformed(vector, 'missing or unsupported prefix (want CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/)');
  }
  const declaredVersion = prefix[1] as CvssDeclaredVersion;
  const version: CvssVersion = declaredVersion === '4.0' ? '4.0' : '3.1';
  const specs = version === '4.0' ? V4_METRICS : V3_METRICS;
  const metrics = parseMetrics(vector, text.slice(prefix[0].length), specs);
  // Base metrics only: v4.0's library `base` would otherwise fold the threat metrics in (CVSS-BT).
  const baseScore = computeBase(version, `CVSS:${version}/${joinMetrics(metrics, specs, true)}`);
  return {
    version,
    declaredVersion,
    base: baseScore,
    severity: rateCvssSeverity(baseScore),
    vector: `CVSS:${declaredVersion}/${joinMetrics(metrics, specs, false)}`,
  };
}
