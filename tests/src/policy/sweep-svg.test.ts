/**
 * The sweep chart: a well-formed standalone SVG (checked by libxml2's xmllint, an independent parser) with the
 * axes, the three series and the active cutoff where the data puts them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RedlineError } from '../../../src/errors.js';
import { applyPolicyDefaults } from '../../../src/policy/load-policy.js';
import { renderSweepSvg } from '../../../src/policy/render-sweep-svg.js';
import { sweepCutoffs, type SweepResult } from '../../../src/policy/sweep.js';
import type { RunStats } from '../../../src/store/run-stats.js';

const hasXmllint = spawnSync('xmllint', ['--version']).error === undefined;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof RedlineError ? error.code : 'not a RedlineError';
  }
  return undefined;
}

/** xmllint's exit status and complaints for a document read from stdin. */
function xmllint(document: string): { status: number | null; stderr: string } {
  const result = spawnSync('xmllint', ['--noout', '-'], { input: document, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}

const policy = applyPolicyDefaults({ id: 'p', version: 1, metric: 'mean', cutoff: 0.6, basis: 'lower' });

/** Runs with binary scores whose means spread over [0.1, 0.9]. */
function makeRuns(): RunStats[] {
  return Array.from({ length: 40 }, (_, r) => {
    const n = 50;
    const sum = Math.round(n * (0.1 + (0.8 * r) / 39));
    return {
      runId: `run-${r}`,
      model: `model-${r % 5}`,
      suite: { id: 'cyber', version: '1' },
      developer: null,
      categories: new Map([['crypto', { weight: 1, stats: { n, sum, sumSq: sum } }]]),
      scored: n,
      errors: 0,
    };
  });
}

/** The numbers of a polyline's points attribute, as [x, y] pairs. */
function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) =>
    (m[1] ?? '').split(' ').map((pair) => pair.split(',').map(Number) as [number, number]),
  );
}

describe('renderSweepSvg', () => {
  const sweep = sweepCutoffs(makeRuns(), policy);

  it.skipIf(!hasXmllint)('is well-formed XML (xmllint --noout; skipped when libxml2-utils is absent)', () => {
    const svg = renderSweepSvg(sweep, { title: 'Q4 <review> & "sign-off" \u0007 \u{1F512}' });
    expect(xmllint(svg)).toEqual({ status: 0, stderr: '' });
    // The check itself rejects broken XML.
    expect(xmllint(svg.replace('</svg>', '')).status).not.toBe(0);
  });

  it('escapes the title and has the axis titles, the legend and the active cutoff label', () => {
    const svg = renderSweepSvg(sweep, { title: 'Q4 <review> & "sign-off"' });
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('Q4 &lt;review&gt; &amp; &quot;sign-off&quot;');
    expect(svg).not.toContain('<review>');
    expect(svg).toContain('>cutoff</text>');
    expect(svg).toContain('>runs</text>');
    expect(svg).toContain('>active cutoff 0.60</text>');
    for (const label of ['covered', 'not covered', 'inconclusive']) expect(svg).toContain(`>${label}</text>`);
  });

  it('draws one line per decision through every point, on the same x as the active cutoff line', () => {
    const svg = renderSweepSvg(sweep, { width: 1000, height: 600 });
    expect(svg).toContain('width="1000" height="600"');
    const lines = polylines(svg);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toHaveLength(101);
    // Higher counts are drawn higher (smaller y): the covered line falls as the cutoff rises.
    const covered = lines[0] ?? [];
    const counts = sweep.points.map((p) => p.covered);
    for (let i = 1; i < counts.length; i++) {
      const dy = (covered[i]?.[1] ?? 0) - (covered[i - 1]?.[1] ?? 0);
      // == compares 0 and -0 as equal (toBe would not).
      expect(
        Math.sign(dy) === -Math.sign((counts[i] as number) - (counts[i - 1] as number)),
        `point ${i}`,
      ).toBe(true);
    }
    const active = /<line x1="([^"]+)" y1="[^"]+" x2="([^"]+)"[^>]*stroke-dasharray/.exec(svg);
    expect(active?.[1]).toBe(active?.[2]);
    expect(Number(active?.[1])).toBe(covered[60]?.[0]); // the point at cutoff 0.6
  });

  it('writes coordinates with at most 2 decimals', () => {
    const svg = renderSweepSvg(sweep, { width: 777, height: 333 });
    const numbers = [...svg.matchAll(/\b(?:x|y|x1|y1|x2|y2|cx|cy|width|height)="([^"]+)"/g)].map((m) => m[1]);
    numbers.push(...polylines(svg).flat(2).map(String));
    expect(numbers.length).toBeGreaterThan(300);
    for (const value of numbers) expect(value).toMatch(/^-?\d+(\.\d{1,2})?$/);
  });

  it('labels a cutoff with more decimals in full, and marks a single-point sweep', () => {
    const single: SweepResult = sweepCutoffs(
      makeRuns(),
      { ...policy, cutoff: 0.605 },
      { from: 0.605, to: 0.605 },
    );
    const svg = renderSweepSvg(single);
    expect(svg).toContain('>active cutoff 0.605</text>');
    expect((svg.match(/<circle /g) ?? []).length).toBe(3);
    if (hasXmllint) expect(xmllint(svg).status).toBe(0);
  });

  it('refuses a size too small to draw', () => {
    expect(codeOf(() => renderSweepSvg(sweep, { width: 100 }))).toBe('E_USAGE');
    expect(codeOf(() => renderSweepSvg(sweep, { height: Number.NaN }))).toBe('E_USAGE');
  });
});
