/**
 * Threshold policies through the CLI, for their end-to-end tests on SQLite and PostgreSQL: the owners' and the
 * evaluator's keys, policy files written over one set of shared fields, and the argv of `policy sign`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { genKeys } from './lab-keys.js';

/** The fields every test policy shares: the lower bound of the mean's 95% interval, overall, 5% errors at most. */
const POLICY_BASE = { metric: 'mean', basis: 'lower', confidence: 0.95, rule: 'overall', maxErrorRate: 0.05 };

/** Writes policy covered-frontier-cyber, `fields` over the shared ones, to `dir`/`name`; returns its path. */
export async function writePolicy(
  dir: string,
  name: string,
  fields: Record<string, unknown>,
): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify({ id: 'covered-frontier-cyber', ...POLICY_BASE, ...fields }));
  return file;
}

/** Generates the owners alice and bob, the evaluator lab-eval, then each [id, role] of `extra`, into `keys`. */
export async function genPolicyKeys(
  keys: string,
  extra: ReadonlyArray<readonly [string, string]> = [],
): Promise<void> {
  const keySets: ReadonlyArray<readonly [string, string]> = [
    ['alice', 'owner'],
    ['bob', 'owner'],
    ['lab-eval', 'evaluator'],
    ...extra,
  ];
  await genKeys(keySets.map(([id, role]) => [id, role, keys]));
}

/** `redline policy sign FILE --identity IDENTITY --out OUT`, then `extra`. */
export function signPolicyArgv(file: string, identity: string, out: string, ...extra: string[]): string[] {
  return ['policy', 'sign', file, '--identity', identity, '--out', out, ...extra];
}
