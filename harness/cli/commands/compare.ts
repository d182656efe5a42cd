/**
 * `redline compare RUN_A RUN_B`: the paired difference B − A of two runs of one suite, per category and overall,
 * with bootstrap intervals, and the samples that changed.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { buildComparison } from '../../../src/compare/build-comparison.js';
import type { PairedDifference, RunComparison } from '../../../src/compare/compare-runs.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { integer } from '../options.js';
import type { ExitHolder } from '../program.js';

/** Changed samples the text output lists; `--json` lists them all. */
const SHOWN_CHANGES = 20;

/** More resamples than this would take minutes and gigabytes for no visible gain in the interval. */
const MAX_RESAMPLES = 1_000_000;

/** Registers `compare`. */
export function registerCompareCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('compare')
    .description(
      'Compare two runs of one suite sample by sample: the difference B - A per category and overall, with paired bootstrap intervals, and the samples that changed.',
    )
    .argument('<runA>', 'the baseline run id (see "redline runs")')
    .argument('<runB>', 'the run compared with it')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--seed <n>', 'bootstrap seed (default 0)', integer('--seed'))
    .option(
      '--confidence <c>',
      'confidence level of the intervals, between 0 and 1 (default 0.95)',
      parseConfidence,
    )
    .option('--resamples <n>', 'bootstrap resamples (default 2000)', parseResamples)
    .option('--json', 'print the comparison object (docs/cli.md, "redline compare")')
    .action(
      (
        runA: string,
        runB: string,
        flags: { db?: string; seed?: number; confidence?: number; resamples?: number; json?: boolean },
      ) => {
        const db = openLabDb(flags, io, { readonly: true });
        try {
          const comparison = buildComparison(db, runA, runB, {
            ...(flags.seed === undefined ? {} : { seed: flags.seed }),
            ...(flags.confidence === undefined ? {} : { confidence: flags.confidence }),
            ...(flags.resamples === undefined ? {} : { resamples: flags.resamples }),
          });
          io.stdout(
            flags.json === true ? `${JSON.stringify(comparison, null, 2)}\n` : renderComparison(comparison),
          );
        } finally {
          db.close();
        }
        exit.code = EXIT.ok;
      },
    );
}

/** Renders a comparison as text for a terminal. */
export function renderComparison(c: RunComparison): string {
  const lines: string[] = [];
  const side = (label: string, s: RunComparison['a']): string =>
    `${label}  ${s.runId}  model ${s.model}  suite ${s.suite.id}@${s.suite.version}  ` +
    `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, reducer ${s.reducer}  ${s.n} scored samples`;
  lines.push(side('A', c.a), side('B', c.b));
  for (const warning of c.warnings) lines.push(`warning: ${warning}`);
  lines.push('');

  const level = `${String(Number((c.interval.confidence * 100).toFixed(6)))}% CI`;
  const rows: string[][] = [['category', 'weight', 'n', 'A mean', 'B mean', 'B - A', level]];
  const row = (name: string, weight: string, d: PairedDifference): string[] => [
    name,
    weight,
    String(d.n),
    formatValue(d.meanA),
    formatValue(d.meanB),
    formatSigned(d.difference),
    d.ci === null ? '-' : `[${formatSigned(d.ci[0])}, ${formatSigned(d.ci[1])}]`,
  ];
  for (const [name, d] of Object.entries(c.categories)) rows.push(row(name, String(d.weight), d));
  rows.push(row('overall (weighted)', '', c.overall));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  for (const [index, cells] of rows.entries()) {
    if (index === rows.length - 1) lines.push(rule);
    lines.push(
      cells
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
    if (index === 0) lines.push(rule);
  }
  lines.push(
    `Intervals: paired bootstrap over samples, stratified by category (${c.interval.resamples} resamples, ` +
      `seed ${c.interval.seed}).`,
  );
  lines.push('');

  const s = c.samples;
  lines.push(
    `Samples: ${s.both} in both runs, ${s.onlyA} only in A, ${s.onlyB} only in B (errored or missing in the other).`,
  );
  lines.push(
    `Changed: ${s.changed} (${s.improved} improved, of which ${s.fixed} fixed 0 → 1; ` +
      `${s.worsened} worsened, of which ${s.broken} broken 1 → 0).`,
  );
  if (c.changed.length > 0) {
    const shown = c.changed.slice(0, SHOWN_CHANGES);
    const idWidth = Math.max(...shown.map((x) => x.sampleId.length));
    const categoryWidth = Math.max(...shown.map((x) => x.category.length));
    for (const x of shown) {
      lines.push(
        `  ${x.sampleId.padEnd(idWidth)}  ${x.category.padEnd(categoryWidth)}  ` +
          `${formatExact(x.a)} → ${formatExact(x.b)}`,
      );
    }
    if (c.changed.length > shown.length) {
      lines.push(`  … and ${c.changed.length - shown.length} more (--json lists them all)`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function formatValue(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

/** A difference with its sign (+0.067, -0.100, 0.000). */
function formatSigned(value: number | null): string {
  if (value === null) return '-';
  const text = value.toFixed(3);
  return value > 0 && text !== '0.000' ? `+${text}` : text === '-0.000' ? '0.000' : text;
}

/** A per-sample value: 0 and 1 as such, fractions (mean or pass@k of epochs) with up to 3 decimals. */
function formatExact(value: number): string {
  return String(Number(value.toFixed(3)));
}

function parseConfidence(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) {
    throw new InvalidArgumentError(
      `--confidence must be a number strictly between 0 and 1, e.g. 0.95 (got "${value}")`,
    );
  }
  return n;
}

function parseResamples(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_RESAMPLES) {
    throw new InvalidArgumentError(
      `--resamples must be an integer from 1 to ${MAX_RESAMPLES} (got "${value}")`,
    );
  }
  return n;
}
