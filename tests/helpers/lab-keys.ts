/**
 * Keys for the end-to-end tests, made through the CLI as a lab makes them: `redline keys gen` into keyring folders,
 * and `redline keys add` of developers' public keys to a lab database.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCliCapture } from './cli.js';

/** One key to generate: its id, its role, the folder it goes to, then any further `keys gen` options. */
export type KeySpec = readonly [id: string, role: string, out: string, ...extra: string[]];

/** Generates each key with `redline keys gen --id ID --role ROLE --out OUT ...extra`, checking that it succeeds. */
export async function genKeys(specs: readonly KeySpec[]): Promise<void> {
  for (const [id, role, out, ...extra] of specs) {
    const r = await runCliCapture(['keys', 'gen', '--id', id, '--role', role, '--out', out, ...extra]);
    expect(r.code, r.stderr).toBe(0);
  }
}

/**
 * Generates a lab's keys into `lab` (lab-eval, the evaluator that signs; lab-log, which signs audit checkpoints)
 * and a developer key for each entry of `developers` (id to folder).
 */
export async function genLabKeys(lab: string, developers: Record<string, string>): Promise<void> {
  await genKeys([
    ['lab-eval', 'evaluator', lab],
    ['lab-log', 'log', lab],
    ...Object.entries(developers).map(([id, out]): KeySpec => [id, 'developer', out]),
  ]);
}

/** Adds developer `id`'s public key, from its folder, to the lab database `db` with the lab keyring `lab`. */
export async function addDeveloperKey(id: string, folder: string, lab: string, db: string): Promise<void> {
  const added = await runCliCapture([
    'keys',
    'add',
    join(folder, `${id}.pub.json`),
    '--keys',
    lab,
    '--db',
    db,
  ]);
  expect(added.code, added.stderr).toBe(0);
}
