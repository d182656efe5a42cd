/**
 * Threshold owners through the CLI: show, diff, what-if, sweep (with its SVG), sign by several owners, apply, and
 * the refusals that leave the active policy unchanged; then runs, reports and assessments decide under it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/build-report.js';
import { assessArgv, openArgv } from '../helpers/assessment-lab.js';
import { runCliCapture } from '../helpers/cli.js';
import { genPolicyKeys, signPolicyArgv, writePolicy } from '../helpers/policy-cli.js';
import { runAsModels } from '../helpers/simulated-runs.js';
import { writeChoiceSuite } from '../helpers/write-suite.js';

let dir: string;
let keys: string;
let db: string;
let suite: string;
const runIds: string[] = [];

const cli = runCliCapture;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-policy-'));
  keys = join(dir, 'keys');
  db = join(dir, 'lab.db');
  await genPolicyKeys(keys, [['acme', 'developer']]);
  suite = await writeChoiceSuite(join(dir, 'suite'), { count: 80 });
  // Three models of different skill: clearly below, around and clearly above a 0.6 cutoff.
  runIds.push(
    ...(await runAsModels(suite, db, [
      ['weak', 0.25],
      ['middling', 0.6],
      ['strong', 0.92],
    ])),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('redline policy', () => {
  it('shows the built-in default with its sha256 until a policy is applied', async () => {
    const shown = await cli(['policy', 'show', '--db', db, '--json']);
    expect(shown.code).toBe(0);
    const active = JSON.parse(shown.stdout) as { id: string; sha256: string; isBuiltIn: boolean };
    expect(active).toMatchObject({ id: 'redline-default', isBuiltIn: true });
    expect(active.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('diffs, what-ifs and sweeps a proposal without applying anything', async () => {
    const proposed = await writePolicy(dir, 'p1.json', { version: 1, cutoff: 0.3 });
    const diff = await cli(['policy', 'diff', proposed, '--db', db, '--json']);
    const paths = (JSON.parse(diff.stdout) as Array<{ path: string }>).map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(['/id', '/cutoff']));

    const whatif = await cli(['policy', 'whatif', proposed, '--db', db, '--json']);
    expect(whatif.code, whatif.stderr).toBe(0);
    const result = JSON.parse(whatif.stdout) as {
      active: { id: string; version: number };
      proposed: { id: string; version: number };
      runs: Array<{
        runId: string;
        model: string;
        suite: string;
        active: string;
        proposed: string;
        changed: boolean;
        margin: number | null;
      }>;
      summary: { runs: number; changed: number };
    };
    expect(result.active).toEqual({ id: 'redline-default', version: 1 });
    expect(result.proposed).toEqual({ id: 'covered-frontier-cyber', version: 1 });
    expect(result.runs.map((r) => r.runId).sort()).toEqual([...runIds].sort());
    for (const r of result.runs) expect(r.changed).toBe(r.active !== r.proposed);
    const byModel = Object.fromEntries(result.runs.map((r) => [r.model, r]));
    expect(byModel.strong).toMatchObject({ active: 'covered', proposed: 'covered' });
    expect(byModel.weak?.active).toBe('not-covered');
    expect(byModel.weak?.margin).toBeGreaterThan(-0.3); // closer to a 0.3 cutoff than a 0.6 one
    expect(result.summary.changed).toBe(result.runs.filter((r) => r.changed).length);

    const svg = join(dir, 'sweep.svg');
    const sweep = await cli(['policy', 'sweep', '--db', db, '--json', '--svg', svg]);
    expect(sweep.code, sweep.stderr).toBe(0);
    const points = (
      JSON.parse(sweep.stdout) as {
        points: Array<{ cutoff: number; covered: number; notCovered: number; inconclusive: number }>;
      }
    ).points;
    expect(points).toHaveLength(101);
    for (const p of points) expect(p.covered + p.notCovered + p.inconclusive).toBe(3);
    expect(points[0]).toMatchObject({ cutoff: 0, covered: 3 });
    expect(points[100]).toMatchObject({ cutoff: 1 });
    const text = await readFile(svg, 'utf8');
    expect(text).toContain('active cutoff 0.60');
    if (existsSync('/usr/bin/xmllint')) execFileSync('/usr/bin/xmllint', ['--noout', svg]);

    // Nothing was applied.
    expect(
      (JSON.parse((await cli(['policy', 'show', '--db', db, '--json'])).stdout) as { isBuiltIn: boolean })
        .isBuiltIn,
    ).toBe(true);
  });

  it('applies a version signed by an owner, and refuses what breaks the rules, leaving the active policy unchanged', async () => {
    const v1 = await writePolicy(dir, 'v1.json', {
      version: 1,
      cutoff: 0.55,
      owners: undefined,
      threshold: 2,
    });
    const oneSig = join(dir, 'v1.alice.json');
    expect((await cli(signPolicyArgv(v1, join(keys, 'alice.key'), oneSig, '--db', db))).code).toBe(0);
    const tooFew = await cli(['policy', 'apply', oneSig, '--db', db, '--keys', keys]);
    expect([tooFew.code, tooFew.stderr.includes('[E_THRESHOLD]')]).toEqual([3, true]);
    const twoSigs = join(dir, 'v1.both.json');
    expect((await cli(signPolicyArgv(oneSig, join(keys, 'bob.key'), twoSigs))).code).toBe(0);
    const applied = await cli(['policy', 'apply', twoSigs, '--db', db, '--keys', keys]);
    expect(applied.code, applied.stderr).toBe(0);
    const show = async (): Promise<{ id: string; version: number; sha256: string; cutoff: number }> =>
      JSON.parse((await cli(['policy', 'show', '--db', db, '--json'])).stdout) as {
        id: string;
        version: number;
        sha256: string;
        cutoff: number;
      };
    const active = await show();
    expect(active).toMatchObject({ id: 'covered-frontier-cyber', version: 1, cutoff: 0.55 });

    const again = await cli(['policy', 'apply', twoSigs, '--db', db, '--keys', keys]);
    expect([again.code, again.stderr.includes('[E_POLICY_VERSION]')]).toEqual([3, true]);

    const fork = await writePolicy(dir, 'fork.json', { version: 2, cutoff: 0.5, threshold: 1 });
    const forkSigned = join(dir, 'fork.signed.json');
    await cli(signPolicyArgv(fork, join(keys, 'alice.key'), forkSigned, '--previous', '0'.repeat(64)));
    const forked = await cli(['policy', 'apply', forkSigned, '--db', db, '--keys', keys]);
    expect([forked.code, forked.stderr.includes('[E_POLICY_CHAIN]')]).toEqual([3, true]);

    const byEvaluator = join(dir, 'v2.eval.json');
    await cli(signPolicyArgv(fork, join(keys, 'lab-eval.key'), byEvaluator, '--db', db));
    const notOwner = await cli(['policy', 'apply', byEvaluator, '--db', db, '--keys', keys]);
    expect([notOwner.code, notOwner.stderr.includes('[E_UNTRUSTED_SIGNER]')]).toEqual([6, true]);

    expect(await show()).toEqual(active);
    const history = JSON.parse((await cli(['policy', 'history', '--db', db, '--json'])).stdout) as unknown[];
    expect(history).toHaveLength(1);
    const log = JSON.parse((await cli(['audit', 'log', '--db', db, '--json'])).stdout) as Array<{
      type: string;
      data: { sha256?: string };
    }>;
    expect(log.filter((e) => e.type === 'policy.applied').map((e) => e.data.sha256)).toEqual([active.sha256]);
  });

  it('decides reports and assessments under the active policy and records its id, version and sha256', async () => {
    const active = JSON.parse((await cli(['policy', 'show', '--db', db, '--json'])).stdout) as {
      sha256: string;
    };
    const report = JSON.parse((await cli(['report', runIds[1]!, '--db', db, '--json'])).stdout) as RunReport;
    expect(report.designation.policy).toEqual({
      id: 'covered-frontier-cyber',
      version: 1,
      sha256: active.sha256,
    });
    expect(report.designation.cutoff).toBe(0.55);

    await cli(['keys', 'add', join(keys, 'acme.pub.json'), '--keys', keys, '--db', db]);
    const out = join(dir, 'acme.json');
    const sealed = await cli(assessArgv(runIds[2]!, 'acme', keys, db, out));
    expect(sealed.code, sealed.stderr).toBe(0);
    const opened = await cli(
      openArgv(out, join(keys, 'acme.age'), join(keys, 'lab-eval.pub.json'), '--json'),
    );
    const { predicate } = JSON.parse(opened.stdout) as { predicate: { policy: unknown } };
    expect(predicate.policy).toEqual({ id: 'covered-frontier-cyber', version: 1, sha256: active.sha256 });
  });
});
