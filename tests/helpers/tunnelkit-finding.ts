/**
 * The tunnelkit finding through the clearinghouse, the scenario its end-to-end tests on SQLite and PostgreSQL share:
 * one path-traversal vulnerability in tunnelkit 1.x, claimed for a scan, reported as OSV and as SARIF, queued,
 * validated by its reproducer, notified to the affected participants under an embargo, and exported.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fingerprintFinding } from '../../src/vuln/fingerprint.js';
import { parseOsv } from '../../src/vuln/parse-osv.js';
import {
  EMBARGO,
  EMBARGO_DATE,
  notifyArgv,
  openAdvisoryArgv,
  operatorArgv,
  reportArgv,
  vulnFixture,
  type ClearinghouseCli,
  type Scan,
} from './vuln-cli.js';

/** The reproducer that shows the tunnelkit traversal's signal (TRAVERSAL-CONFIRMED) in the sandbox. */
export const REPRODUCER_OK = vulnFixture('repro-ok', 'reproducer.json');

/** The patch the clearinghouse registers for the finding and seals into its advisories. */
export const TUNNELKIT_PATCH = 'upgrade tunnelkit to 1.8.3\n';

/** frontier-ai's scan of tunnelkit 1.x in the first week of 2030: SC-1 in a fresh clearinghouse. */
export const FIRST_SCAN: Scan = [
  'frontier-ai',
  'pkg:npm/tunnelkit@>=1.0.0 <2.0.0',
  '2030-01-01T00:00:00Z',
  '2030-01-08T00:00:00Z',
];

/** grid-co's scan of tunnelkit ^1.5.0 over the last day of FIRST_SCAN and the next: it overlaps FIRST_SCAN. */
export const CLASHING_SCAN: Scan = [
  'grid-co',
  'pkg:npm/tunnelkit@^1.5.0',
  '2030-01-07T00:00:00Z',
  '2030-01-09T00:00:00Z',
];

/** One entry of `redline vuln queue --json`. */
export interface QueueEntry {
  id: string;
  decision: string;
  score: number;
  affected: string[];
  explanation: string;
}

/**
 * Reports the vulnerability as OSV by frontier-ai (with the reproducer) and as SARIF by grid-co; checks that the
 * first is the new finding RLV-2026-1 and the second merges into it, crediting both reporters.
 */
export async function reportTunnelkitTwice({ json }: ClearinghouseCli): Promise<void> {
  const first = await json<Array<{ id: string; outcome: string }>>(
    reportArgv(vulnFixture('tunnelkit.osv.json'), 'frontier-ai', '--reproducer', REPRODUCER_OK),
  );
  expect(first).toMatchObject([{ id: 'RLV-2026-1', outcome: 'new' }]);
  const second = await json<Array<{ id: string; outcome: string; reporters: string[] }>>(
    reportArgv(vulnFixture('tunnelkit.sarif.json'), 'grid-co'),
  );
  expect(second).toMatchObject([
    { id: 'RLV-2026-1', outcome: 'merged', reporters: ['frontier-ai', 'grid-co'] },
  ]);
}

/** The participants' tunnelkit versions: grid-co's and frontier-ai's are affected, shop's is past the fix (1.8.3). */
const TUNNELKIT_INVENTORIES = [
  ['grid-co', 'pkg:npm/tunnelkit@1.6.0'],
  ['frontier-ai', 'pkg:npm/tunnelkit@1.2.0'],
  ['shop', 'pkg:npm/tunnelkit@1.9.0'],
] as const;

/**
 * Adds each participant's tunnelkit version to its inventory, then checks the queue of RLV-2026-1 (tunnelkit) and
 * RLV-2026-2 (the SQL injection shop reported): attend (CVSS 9.8) before track (5.4), RLV-2026-1 affecting
 * frontier-ai and grid-co only; returns the queue.
 */
export async function expectTunnelkitQueue({ cli, json }: ClearinghouseCli): Promise<QueueEntry[]> {
  for (const [participant, purl] of TUNNELKIT_INVENTORIES) {
    expect((await cli(['vuln', 'inventory', 'add', '--participant', participant, purl])).code).toBe(0);
  }
  const queue = await json<QueueEntry[]>(['vuln', 'queue']);
  expect(queue.map((q) => [q.id, q.decision, q.score])).toEqual([
    ['RLV-2026-1', 'attend', 9.8],
    ['RLV-2026-2', 'track', 5.4],
  ]);
  // 1.9.0 is past the fix (1.8.3): the shop is not affected.
  expect(queue[0]?.affected).toEqual(['frontier-ai', 'grid-co']);
  return queue;
}

/**
 * Triages RLV-2026-1 as known exploited with a material public-wellbeing impact, then validates it; checks that its
 * reproducer showed the signal (TRAVERSAL-CONFIRMED) in the sandbox.
 */
export async function validateTunnelkit({ cli }: ClearinghouseCli): Promise<void> {
  const triage = await cli(
    operatorArgv('triage', 'RLV-2026-1', '--known-exploited', '--public-wellbeing', 'material'),
  );
  expect(triage.code, triage.stderr).toBe(0);
  const validated = await cli(operatorArgv('validate', 'RLV-2026-1', '--json'));
  expect(validated.code, validated.stderr).toBe(0);
  const attempt = JSON.parse(validated.stdout) as { isReproduced: boolean; transcript: { stdout: string } };
  expect(attempt.isReproduced).toBe(true);
  expect(attempt.transcript.stdout).toContain('TRAVERSAL-CONFIRMED');
}

/**
 * Notifies RLV-2026-1 under the embargo, sealing advisories into `advisories` with the clearinghouse key of `keys`;
 * checks the embargo and that the advisories are the affected participants' only (frontier-ai and grid-co).
 */
export async function notifyTunnelkit(
  { cli }: ClearinghouseCli,
  keys: string,
  advisories: string,
): Promise<void> {
  const notified = await cli(
    notifyArgv('RLV-2026-1', keys, advisories, '--embargo-until', EMBARGO_DATE, '--json'),
  );
  expect(notified.code, notified.stderr).toBe(0);
  expect(JSON.parse(notified.stdout)).toMatchObject({ embargoUntil: EMBARGO });
  expect((await readdir(advisories)).sort()).toEqual([
    'RLV-2026-1.frontier-ai.advisory.json',
    'RLV-2026-1.grid-co.advisory.json',
  ]);
}

/**
 * Opens grid-co's advisory of RLV-2026-1 from `advisories` with grid-co's identity, trusting the clearinghouse's key
 * of `keys`, a day after the notice, writing its patch to `patchOut`; checks that it opens with the registered patch
 * and returns the advisory.
 */
export async function openGridCoAdvisory(
  { bare }: ClearinghouseCli,
  keys: string,
  advisories: string,
  patchOut: string,
): Promise<Record<string, unknown>> {
  const file = join(advisories, 'RLV-2026-1.grid-co.advisory.json');
  const trust = join(keys, 'clearinghouse.pub.json');
  const opened = await bare(
    openAdvisoryArgv(file, join(keys, 'grid-co.age'), trust, '--patch-out', patchOut, '--json'),
    new Date('2026-12-02T00:00:00Z'),
  );
  expect(opened.code, opened.stderr).toBe(0);
  expect(await readFile(patchOut, 'utf8')).toBe(TUNNELKIT_PATCH);
  return (JSON.parse(opened.stdout) as { advisory: Record<string, unknown> }).advisory;
}

/** Checks that an exported OSV record describes the vulnerability of the tunnelkit OSV fixture (same fingerprint). */
export async function expectTunnelkitFingerprint(exported: string): Promise<void> {
  const [record] = parseOsv(exported, 'export.json');
  const original = parseOsv(await readFile(vulnFixture('tunnelkit.osv.json'), 'utf8'), 'fixture')[0]!;
  expect(fingerprintFinding(record!)).toBe(fingerprintFinding(original));
}
