/**
 * The vulnerability clearinghouse through the CLI, for its end-to-end tests on SQLite and PostgreSQL: the parties'
 * keys, the commands against one lab database and keyring at an injected time, and the argv the tests repeat.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCliCapture, type CliResult } from './cli.js';
import { genKeys, type KeySpec } from './lab-keys.js';

/** The clearinghouse's clock in the tests (injected, so the dates they use never go stale). */
const VULN_NOW = new Date('2026-12-01T00:00:00Z');

/** The embargo the tests' advisories carry: the date given to --embargo-until. */
export const EMBARGO_DATE = '2027-01-15';

/** The same embargo as the clearinghouse prints it. */
export const EMBARGO = '2027-01-15T00:00:00.000Z';

/** A file of tests/fixtures/vuln. */
export function vulnFixture(...parts: string[]): string {
  return join('tests/fixtures/vuln', ...parts);
}

/** A party of the clearinghouse: its key id, role and, for participants and operators, its sector. */
export type Party = readonly [id: string, role: string, sector?: string];

/** The clearinghouse's operator, three participants and the log key that signs its audit checkpoints. */
export const CLEARINGHOUSE_PARTIES: readonly Party[] = [
  ['clearinghouse', 'operator', 'government'],
  ['grid-co', 'participant', 'energy'],
  ['frontier-ai', 'participant', 'ai-provider'],
  ['shop', 'participant', 'retail'],
  ['lab-log', 'log'],
];

/** Generates each party's key into `keys`, with its organisation ("ID org") and sector. */
export async function genPartyKeys(keys: string, parties: readonly Party[]): Promise<void> {
  await genKeys(
    parties.map(([id, role, sector]): KeySpec => {
      const organisation = ['--organisation', `${id} org`];
      return [id, role, keys, ...organisation, ...(sector === undefined ? [] : ['--sector', sector])];
    }),
  );
}

/** The CLI against one clearinghouse: its lab database and keyring, at the injected time `now`. */
export interface ClearinghouseCli {
  /** `redline ARGV --db DB --keys KEYS`. */
  cli: (argv: string[], now?: Date) => Promise<CliResult>;
  /** `redline ARGV`, without --db and --keys (open, sign, or commands with neither). */
  bare: (argv: string[], now?: Date) => Promise<CliResult>;
  /** `redline ARGV --json` with --db and --keys: checks that it succeeds and returns what it printed. */
  json: <T>(argv: string[]) => Promise<T>;
  /** `redline vuln scan claim` of `target` by `participant` from `from` to `to`. */
  claim: (...scan: Scan) => Promise<CliResult>;
}

/** A scan claim: participant, target, from, to. */
export type Scan = readonly [participant: string, target: string, from: string, to: string];

/** The CLI against the clearinghouse `where()` names (read at each call: the tests set it up in beforeAll). */
export function clearinghouseCli(where: () => { db: string; keys: string }): ClearinghouseCli {
  const cli = (argv: string[], now = VULN_NOW): Promise<CliResult> => {
    const { db, keys } = where();
    return runCliCapture([...argv, '--db', db, '--keys', keys], {}, { now: () => now });
  };
  return {
    cli,
    bare: (argv, now = VULN_NOW) => runCliCapture(argv, {}, { now: () => now }),
    json: async <T>(argv: string[]): Promise<T> => {
      const r = await cli([...argv, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as T;
    },
    claim: (participant, target, from, to) =>
      cli([
        'vuln',
        'scan',
        'claim',
        '--participant',
        participant,
        '--target',
        target,
        '--from',
        from,
        '--to',
        to,
      ]),
  };
}

/** `redline vuln report FILE --participant PARTICIPANT`, then `extra`. */
export function reportArgv(file: string, participant: string, ...extra: string[]): string[] {
  return ['vuln', 'report', file, '--participant', participant, ...extra];
}

/** `redline vuln COMMAND FINDING --operator clearinghouse`, then `extra`: what the operator does to a finding. */
export function operatorArgv(command: string, finding: string, ...extra: string[]): string[] {
  return ['vuln', command, finding, '--operator', 'clearinghouse', ...extra];
}

/** `redline vuln notify FINDING` by the clearinghouse with its key from `keys`, advisories to `outDir`; `extra`. */
export function notifyArgv(finding: string, keys: string, outDir: string, ...extra: string[]): string[] {
  return operatorArgv(
    'notify',
    finding,
    '--identity',
    join(keys, 'clearinghouse.key'),
    '--out-dir',
    outDir,
    ...extra,
  );
}

/** `redline vuln open ADVISORY --identity IDENTITY --trust TRUST`, then `extra`. */
export function openAdvisoryArgv(
  file: string,
  identity: string,
  trust: string,
  ...extra: string[]
): string[] {
  return ['vuln', 'open', file, '--identity', identity, '--trust', trust, ...extra];
}
