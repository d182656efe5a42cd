/**
 * `redline compare` run in-process on a real SQLite database whose runs are written with the store functions.
 * The `--json` numbers are recomputed here from the units written, with plain loops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunComparison } from '../../../src/compare/compare-runs.js';
import { openStore } from '../../../src/store/open-store.js';
import { addRun } from '../../helpers/add-run.js';
import { runCliCapture } from '../../helpers/cli.js';

let dir: string;
let db: string;

type Units = [string, string, (number | 'error')[]][];

/** 30 crypto and 10 web samples, 2 epochs each; B does better on crypto and worse on web. */
function unitsOf(run: 'a' | 'b'): Units {
  const units: Units = [];
  for (let i = 0; i < 30; i++) {
    const id = `crypto-${String(i).padStart(2, '0')}`;
    // A solves i % 3 === 0; B also solves i % 3 === 1 (epoch 2 only for i % 6 === 1).
    const a = i % 3 === 0 ? [1, 1] : [0, 0];
    const b = i % 3 === 0 ? [1, 1] : i % 3 === 1 ? (i % 6 === 1 ? [0, 1] : [1, 1]) : [0, 0];
    units.push([id, 'crypto', run === 'a' ? a : b]);
  }
  for (let i = 0; i < 10; i++) {
    const id = `web-${i}`;
    const a = i < 8 ? [1, 1] : [0, 0];
    const b = i < 5 ? [1, 1] : i === 9 ? ['error', 'error'] : [0, 0];
    units.push([id, 'web', (run === 'a' ? a : b) as (number | 'error')[]]);
  }
  if (run === 'b') units.push(['web-new', 'web', [1, 1]]);
  return units;
}

/** Per sample, the mean of its scored epochs (the runs' reducer). */
function reduced(units: Units): Map<string, { category: string; value: number }> {
  const values = new Map<string, { category: string; value: number }>();
  for (const [id, category, scores] of units) {
    const scored = scores.filter((s): s is number => s !== 'error');
    if (scored.length > 0)
      values.set(id, { category, value: scored.reduce((x, y) => x + y, 0) / scored.length });
  }
  return values;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'redline-compare-cli-'));
  db = join(dir, 'lab.db');
  const store = openStore(db);
  try {
    const categories = { crypto: { weight: 3 }, web: { weight: 1 } };
    addRun(store, { id: 'run-a', model: 'model-a', epochs: 2, categories, units: unitsOf('a') });
    addRun(store, { id: 'run-b', model: 'model-b', epochs: 2, categories, units: unitsOf('b') });
    addRun(store, {
      id: 'run-b2',
      model: 'model-b',
      epochs: 2,
      categories,
      suiteVersion: '1.1.0',
      suiteSha256: 'cd'.repeat(32),
      units: unitsOf('b'),
    });
    addRun(store, { id: 'other-suite', suite: 'web-only', categories, units: [['w', 'web', [1]]] });
    addRun(store, { id: 'stopped', status: 'interrupted', categories, units: unitsOf('a').slice(0, 5) });
  } finally {
    store.close();
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('redline compare', () => {
  it('prints the paired differences, counts and changed samples as one JSON object', async () => {
    const result = await runCliCapture(['compare', 'run-a', 'run-b', '--db', db, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const c = JSON.parse(result.stdout) as RunComparison;

    const a = reduced(unitsOf('a'));
    const b = reduced(unitsOf('b'));
    const diffs = new Map<string, number[]>();
    const changed: { sampleId: string; category: string; a: number; b: number }[] = [];
    for (const [id, inA] of a) {
      const inB = b.get(id);
      if (inB === undefined) continue;
      diffs.set(inA.category, [...(diffs.get(inA.category) ?? []), inB.value - inA.value]);
      if (inB.value !== inA.value)
        changed.push({ sampleId: id, category: inA.category, a: inA.value, b: inB.value });
    }
    const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
    const crypto = mean(diffs.get('crypto')!);
    const web = mean(diffs.get('web')!);
    // crypto: 10 of 30 -> 10 + 5 * 0.5 + 5 of 30; web (9 paired): 8 of 9 -> 5 of 9.
    expect(crypto).toBeCloseTo(7.5 / 30, 12);
    expect(web).toBeCloseTo(-3 / 9, 12);
    expect(c.categories.crypto).toMatchObject({ n: 30, weight: 3 });
    expect(c.categories.crypto!.difference).toBeCloseTo(crypto, 12);
    expect(c.categories.web!.difference).toBeCloseTo(web, 12);
    expect(c.categories.web!.meanA).toBeCloseTo(8 / 9, 12);
    expect(c.overall.difference).toBeCloseTo(0.75 * crypto + 0.25 * web, 12);
    expect(c.overall.n).toBe(39);
    for (const d of [c.overall, c.categories.crypto!, c.categories.web!]) {
      expect(d.ci![0]).toBeLessThanOrEqual(d.difference!);
      expect(d.ci![1]).toBeGreaterThanOrEqual(d.difference!);
    }
    expect(c.categories.crypto!.ci![0]).toBeGreaterThan(0);
    // 3 of 9 web samples broke: a resample without any of them (P = (6/9)^9, about 2.6%) puts the upper bound at 0.
    expect(c.categories.web!.ci![0]).toBeLessThan(-0.1);
    expect(c.categories.web!.ci![1]).toBe(0);
    expect(c.samples).toEqual({
      both: 39,
      onlyA: 1,
      onlyB: 1,
      changed: 13,
      improved: 10,
      worsened: 3,
      fixed: 5,
      broken: 3,
    });
    expect(c.changed).toEqual(changed.sort((x, y) => (x.sampleId < y.sampleId ? -1 : 1)));
    expect(c.a).toMatchObject({ runId: 'run-a', model: 'model-a', epochs: 2, reducer: 'mean', n: 40 });
    expect(c.b).toMatchObject({ runId: 'run-b', model: 'model-b', n: 40 });
    expect(c.sameSuiteContent).toBe(true);
    expect(c.warnings).toEqual([]);
    expect(c.interval).toEqual({ method: 'paired-bootstrap', confidence: 0.95, resamples: 2000, seed: 0 });
  });

  it('is reproducible for a seed, and takes the confidence and resample count', async () => {
    const args = ['compare', 'run-a', 'run-b', '--db', db, '--json', '--resamples', '300'];
    const first = JSON.parse((await runCliCapture([...args, '--seed', '9'])).stdout) as RunComparison;
    const again = JSON.parse((await runCliCapture([...args, '--seed', '9'])).stdout) as RunComparison;
    const other = JSON.parse((await runCliCapture([...args, '--seed', '10'])).stdout) as RunComparison;
    expect(again).toEqual(first);
    expect(other.overall.ci).not.toEqual(first.overall.ci);
    expect(first.interval).toEqual({ method: 'paired-bootstrap', confidence: 0.95, resamples: 300, seed: 9 });
    const narrow = JSON.parse(
      (await runCliCapture([...args, '--seed', '9', '--confidence', '0.5'])).stdout,
    ) as RunComparison;
    expect(narrow.overall.ci![1] - narrow.overall.ci![0]).toBeLessThan(
      first.overall.ci![1] - first.overall.ci![0],
    );
  });

  it('prints a table, the counts and at most 20 changed samples as text', async () => {
    const result = await runCliCapture(['compare', 'run-a', 'run-b', '--db', db, '--resamples', '200']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.some((l) => /^crypto\s+3\s+30\s+0\.333\s+0\.583\s+\+0\.250\s+\[/.test(l))).toBe(true);
    expect(lines.some((l) => /^web\s+1\s+9\s+0\.889\s+0\.556\s+-0\.333\s+\[/.test(l))).toBe(true);
    expect(lines.some((l) => /^overall \(weighted\)\s+39\s/.test(l))).toBe(true);
    expect(result.stdout).toContain(
      '13 (10 improved, of which 5 fixed 0 → 1; 3 worsened, of which 3 broken 1 → 0)',
    );
    expect(lines.filter((l) => / → /.test(l) && l.startsWith('  '))).toHaveLength(13);
    expect(result.stdout).toMatch(/crypto-01\s+crypto\s+0 → 0\.5/);
    expect(result.stdout).not.toContain('warning:');
  });

  it('shows the first 20 changed samples and how many more', async () => {
    const many = join(dir, 'many.db');
    const store = openStore(many);
    try {
      const before: Units = Array.from({ length: 25 }, (_, i) => [
        `s${String(i).padStart(2, '0')}`,
        'crypto',
        [0],
      ]);
      const after: Units = before.map(([id, category]) => [id, category, [1]]);
      addRun(store, { id: 'x', categories: { crypto: { weight: 1 } }, units: before });
      addRun(store, { id: 'y', categories: { crypto: { weight: 1 } }, units: after });
    } finally {
      store.close();
    }
    const result = await runCliCapture(['compare', 'x', 'y', '--db', many]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter((l) => /^ {2}s\d\d /.test(l))).toHaveLength(20);
    expect(result.stdout).toContain('  … and 5 more');
    expect(result.stdout).toContain('s19');
    expect(result.stdout).not.toContain('s20');
  });

  it('compares runs of a changed suite but flags them', async () => {
    const json = await runCliCapture([
      'compare',
      'run-a',
      'run-b2',
      '--db',
      db,
      '--json',
      '--resamples',
      '100',
    ]);
    expect(json.code).toBe(0);
    const c = JSON.parse(json.stdout) as RunComparison;
    expect(c.sameSuiteContent).toBe(false);
    expect(c.b.suite).toEqual({ id: 'cyber', version: '1.1.0', sha256: 'cd'.repeat(32) });
    expect(c.warnings).toHaveLength(1);
    const text = await runCliCapture(['compare', 'run-a', 'run-b2', '--db', db, '--resamples', '100']);
    expect(text.stdout).toMatch(/^warning: .*suite/m);
  });

  it("gives each run's report weighted mean when every sample is paired, and no change for equal runs", async () => {
    const result = await runCliCapture(['compare', 'run-b', 'run-b2', '--db', db, '--json']);
    const c = JSON.parse(result.stdout) as RunComparison;
    const report = JSON.parse((await runCliCapture(['report', 'run-b', '--db', db, '--json'])).stdout) as {
      overall: { weighted: { mean: number } };
    };
    expect(c.samples).toMatchObject({ both: 40, onlyA: 0, onlyB: 0, changed: 0 });
    expect(c.overall.meanA).toBeCloseTo(report.overall.weighted.mean, 12);
    expect(c.overall.meanB).toBeCloseTo(report.overall.weighted.mean, 12);
    expect(c.overall.difference).toBe(0);
    expect(c.overall.ci).toEqual([0, 0]);
    expect(c.changed).toEqual([]);
  });

  it('refuses runs of different suites (exit 2) and runs that are not completed (exit 3), naming both', async () => {
    const suites = await runCliCapture(['compare', 'run-a', 'other-suite', '--db', db]);
    expect(suites.code).toBe(2);
    expect(suites.stdout).toBe('');
    expect(suites.stderr).toContain('[E_USAGE]');
    expect(suites.stderr).toContain('run-a');
    expect(suites.stderr).toContain('other-suite');
    const stopped = await runCliCapture(['compare', 'stopped', 'run-b', '--db', db, '--json']);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toBe('');
    expect(stopped.stderr).toContain('[E_STATE]');
    expect(stopped.stderr).toContain('stopped');
    expect(stopped.stderr).toContain('run-b');
  });

  it('rejects an unknown run and bad options with exit 2, naming the argument', async () => {
    const unknown = await runCliCapture(['compare', 'run-a', 'nope', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('[E_NOT_FOUND]');
    expect(unknown.stderr).toContain('nope');
    for (const [flag, value] of [
      ['--confidence', '1'],
      ['--confidence', 'high'],
      ['--resamples', '0'],
      ['--resamples', '2.5'],
      ['--seed', 'x'],
    ] as const) {
      const bad = await runCliCapture(['compare', 'run-a', 'run-b', '--db', db, flag, value]);
      expect(bad.code, `${flag} ${value}`).toBe(2);
      expect(bad.stderr).toContain(flag);
      expect(bad.stdout).toBe('');
    }
    const missing = await runCliCapture(['compare', 'run-a', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('runB');
  });
});
