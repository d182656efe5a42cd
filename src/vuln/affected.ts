/**
 * Which participants a finding affects: those whose inventory holds an affected version of the finding's package,
 * plus any the operator named at triage (for code findings, which have no package).
 *
 * A version is affected when the finding lists it (OSV `versions`) or it falls in one of the ranges. Ranges are
 * compared with node-semver and only when the version and every bound of the range are SemVer (after `semver.clean`,
 * so `v1.2.3` counts); an ECOSYSTEM range with non-SemVer bounds (PyPI `1.0.post1`, Debian epochs) and GIT ranges
 * match only through the listed versions. A range is [introduced, fixed) or [introduced, lastAffected]; neither
 * bound means every version from `introduced` on; an absent or "0" introduced means from the first version.
 */
import semver from 'semver';
import type { AffectedRange, Finding } from './finding.js';
import { canonicalPurl } from './purl.js';

/** One package version a participant runs. */
export interface InventoryItem {
  participant: string;
  /** Canonical package URL without a version (src/vuln/purl.ts `splitVersionedPurl`). */
  purl: string;
  version: string;
}

/** True when `version` of the finding's package is affected (see the module comment for the rules). */
export function isVersionAffected(finding: Finding, version: string): boolean {
  if (finding.versions?.includes(version) === true) return true;
  const v = semver.clean(version);
  if (v === null) return false;
  return finding.ranges.some((range) => isInRange(range, v));
}

function isInRange(range: AffectedRange, version: string): boolean {
  if (range.type === 'GIT') return false;
  // "0" is before every version, prereleases of 0.0.0 included: 0.0.0-0 is the least SemVer version.
  const introducedText =
    range.introduced === undefined || range.introduced === '0' ? '0.0.0-0' : range.introduced;
  const introduced = semver.clean(introducedText);
  const fixed = range.fixed === undefined ? undefined : semver.clean(range.fixed);
  const last = range.lastAffected === undefined ? undefined : semver.clean(range.lastAffected);
  if (introduced === null || fixed === null || last === null) return false;
  if (semver.lt(version, introduced)) return false;
  if (fixed !== undefined && !semver.lt(version, fixed)) return false;
  if (last !== undefined && semver.gt(version, last)) return false;
  return true;
}

// Inventories by package, built once per inventory array: the queue matches thousands of findings against one.
const indexes = new WeakMap<readonly InventoryItem[], Map<string, InventoryItem[]>>();

function indexOf(inventory: readonly InventoryItem[]): Map<string, InventoryItem[]> {
  let index = indexes.get(inventory);
  if (index === undefined) {
    index = new Map();
    for (const item of inventory) {
      const items = index.get(item.purl);
      if (items === undefined) index.set(item.purl, [item]);
      else items.push(item);
    }
    indexes.set(inventory, index);
  }
  return index;
}

/**
 * The inventory items that run an affected version of the finding's package. The inventory array is indexed by
 * package on first use: do not change an array after passing it.
 */
export function findAffectedItems(finding: Finding, inventory: readonly InventoryItem[]): InventoryItem[] {
  if (finding.package === undefined) return [];
  let target: string;
  try {
    target = canonicalPurl(finding.package.purl);
  } catch {
    return []; // a purl packageurl-js refuses matches nothing in an inventory of canonical purls
  }
  return (indexOf(inventory).get(target) ?? []).filter((item) => isVersionAffected(finding, item.version));
}

/**
 * The participants affected by a finding: inventory matches of its package and versions, plus `named` (from
 * triage), sorted and without duplicates.
 */
export function findAffectedParticipants(
  finding: Finding,
  inventory: readonly InventoryItem[],
  named: readonly string[] = [],
): string[] {
  const out = new Set([...named, ...findAffectedItems(finding, inventory).map((item) => item.participant)]);
  return [...out].sort();
}
