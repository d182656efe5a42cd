/**
 * What a proposed policy changes, field by field, for owners to review before signing (`policy diff`). Defaults
 * are applied on both sides first, so spelling out a default (`"confidence": 0.95`) is no change; categories are
 * compared per category and field; `owners` is compared as a set (reordering is no change).
 */
import { Policy } from '../schema/policy.js';
import { escapePointer } from '../schema/validate.js';
import { canonicalJson } from '../suite/canonical-json.js';
import type { ResolvedPolicy } from './load-policy.js';
import { resolvePolicy } from './policy-digest.js';

/** One changed field. `before`/`after` are `undefined` when the field is absent on that side. */
export interface PolicyChange {
  /** JSON pointer (RFC 6901) of the field, e.g. `/categories/exploitation/cutoff`. */
  path: string;
  /** The active value (defaults applied); `undefined` when absent. */
  before: unknown;
  /** The proposed value (defaults applied); `undefined` when absent. */
  after: unknown;
}

// Fields compared as sets of strings, by pointer.
const SET_FIELDS = new Set(['/owners']);
// Top-level fields in the schema's order, so a diff reads like the policy file.
const FIELD_ORDER = Object.keys(Policy.properties);

/**
 * The changes from `active` to `proposed` (both validated policies), in the schema's field order; empty when
 * they decide and authorise alike.
 *
 * @example
 * diffPolicies(active.policy, proposed.policy); // [{ path: '/cutoff', before: 0.6, after: 0.55 }]
 */
export function diffPolicies(
  active: Policy | ResolvedPolicy,
  proposed: Policy | ResolvedPolicy,
): PolicyChange[] {
  const changes: PolicyChange[] = [];
  diffValue('', resolvePolicy(active), resolvePolicy(proposed), changes);
  return changes;
}

/**
 * One line per change, `/cutoff: 0.6 -> 0.55`: values as JSON, `(absent)` for a missing field, and for a set
 * field what was added and removed.
 *
 * @example
 * formatPolicyDiff([{ path: '/cutoff', before: 0.6, after: 0.55 }]); // ['/cutoff: 0.6 -> 0.55']
 */
export function formatPolicyDiff(diff: readonly PolicyChange[]): string[] {
  return diff.map((change) => {
    const line = `${change.path}: ${formatValue(change.before)} -> ${formatValue(change.after)}`;
    if (!SET_FIELDS.has(change.path)) return line;
    const before = asStrings(change.before);
    const after = asStrings(change.after);
    const added = after.filter((x) => !before.includes(x));
    const removed = before.filter((x) => !after.includes(x));
    const parts = [
      ...(added.length > 0 ? [`added ${added.join(', ')}`] : []),
      ...(removed.length > 0 ? [`removed ${removed.join(', ')}`] : []),
    ];
    return parts.length > 0 ? `${line} (${parts.join('; ')})` : line;
  });
}

function diffValue(path: string, before: unknown, after: unknown, out: PolicyChange[]): void {
  if (SET_FIELDS.has(path)) {
    const a = before === undefined ? undefined : [...new Set(asStrings(before))].sort();
    const b = after === undefined ? undefined : [...new Set(asStrings(after))].sort();
    if (!isSame(a, b)) out.push({ path, before: a, after: b });
    return;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of orderedKeys(path, before, after)) {
      diffValue(`${path}/${escapePointer(key)}`, before[key], after[key], out);
    }
    return;
  }
  if (!isSame(before, after)) out.push({ path, before, after });
}

function orderedKeys(path: string, a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  if (path !== '') return keys;
  const rank = (key: string): number => {
    const at = FIELD_ORDER.indexOf(key);
    return at === -1 ? FIELD_ORDER.length : at;
  };
  return keys.sort((x, y) => rank(x) - rank(y));
}

function isSame(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  if (Array.isArray(value)) return `[${value.map((x) => formatValue(x)).join(', ')}]`;
  return canonicalJson(value);
}
