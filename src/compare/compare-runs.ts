/**
 * Compares two runs of one suite sample by sample (`redline compare`): per category and overall, the difference
 * B − A of the means over the samples scored in both runs (paired), with a seeded paired bootstrap interval, and
 * the samples whose value changed.
 *
 * - The paired bootstrap resamples sample ids with replacement within each category (stratified, category sizes
 *   fixed) and takes mean(B) − mean(A) over the resample, which is the mean of the per-sample differences
 *   d = B − A: so it is the stratified bootstrap of the report's weighted interval, run on differences in [-1, 1].
 * - `overall` weighs the category differences as the report's `overall.weighted` weighs category means:
 *   Σ (w_c / W) · diff_c over the categories with paired samples and a weight > 0.
 * - Weights are run A's (run B's for a category only B declares); differing weights, reducers, suite versions or
 *   sample categories are compared anyway and named in `warnings`.
 *
 * Nothing is rounded here: formatting belongs to the CLI.
 */
import {
  assertBootstrapOptions,
  bootstrapInterval,
  stratifiedBootstrapInterval,
} from '../aggregate/bootstrap-interval.js';
import type { Interval } from '../aggregate/interval.js';
import { CompensatedSum, assertScore } from '../aggregate/sufficient-stats.js';
import { RedlineError } from '../errors.js';
import type { RunStatus } from '../store/runs.js';

/** Bootstrap resamples of a comparison when none are given. */
export const DEFAULT_COMPARE_RESAMPLES = 2000;

/** The range of a difference of two scores in [0, 1]. */
const DIFFERENCE_RANGE: Readonly<Interval> = [-1, 1];

/** One sample's value in a run: its epochs reduced with the run's reducer. */
export interface ReducedSample {
  /** The sample's category. */
  category: string;
  /** The reduced value, in [0, 1]. */
  value: number;
}

/** What a comparison needs of one run. */
export interface ComparedRun {
  /** The run id. */
  runId: string;
  /** Its status: only completed runs are compared. */
  status: RunStatus;
  /** The model evaluated. */
  model: string;
  /** The suite's id, version and content digest. */
  suite: { id: string; version: string; sha256: string };
  /** Epochs per sample. */
  epochs: number;
  /** The epoch reducer (`mean`, `pass@3` ...). */
  reducer: string;
  /** The categories the run declares, with their weights (>= 0). */
  weights: Readonly<Record<string, number>>;
  /** Per sample id, the samples with a value (scored). */
  samples: ReadonlyMap<string, ReducedSample>;
}

/** How to compute the intervals. */
export interface CompareRunsOptions {
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  confidence?: number;
  /** Bootstrap seed (default 0): the same seed gives the same intervals. */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  resamples?: number;
}

/** One run as the comparison shows it. */
export interface ComparisonSide {
  /** The run id. */
  runId: string;
  /** The model evaluated. */
  model: string;
  /** The suite's id, version and sha256. */
  suite: { id: string; version: string; sha256: string };
  /** Epochs per sample. */
  epochs: number;
  /** The epoch reducer. */
  reducer: string;
  /** Samples with a value in this run (paired or not). */
  n: number;
}

/** A difference of means over paired samples. */
export interface PairedDifference {
  /** Paired samples behind the estimate. */
  n: number;
  /** Mean in run A over the paired samples; null when n = 0. */
  meanA: number | null;
  /** Mean in run B over the paired samples; null when n = 0. */
  meanB: number | null;
  /** meanB − meanA (the mean of the per-sample differences); null when n = 0. */
  difference: number | null;
  /** Paired bootstrap interval of the difference, within [-1, 1]; null when n = 0, [-1, 1] when n = 1. */
  ci: Interval | null;
}

/** A category's paired difference and its weight. */
export interface CategoryDifference extends PairedDifference {
  /** The category's weight in the overall difference. */
  weight: number;
}

/** A paired sample whose value differs between the runs. */
export interface ChangedSample {
  /** The sample id. */
  sampleId: string;
  /** Its category (run A's). */
  category: string;
  /** Its value in run A. */
  a: number;
  /** Its value in run B. */
  b: number;
}

/** The comparison of two runs (`redline compare --json`, documented in docs/cli.md). */
export interface RunComparison {
  /** The baseline run. */
  a: ComparisonSide;
  /** The run compared with it. */
  b: ComparisonSide;
  /** Whether both runs used the same suite version and content (sha256). */
  sameSuiteContent: boolean;
  /** What makes the comparison less direct than it looks (a changed suite, other weights or reducers). */
  warnings: string[];
  /** How the intervals were computed. */
  interval: { method: 'paired-bootstrap'; confidence: number; resamples: number; seed: number };
  /** Weighted over categories, as the report's `overall.weighted`; n counts the paired samples taking part. */
  overall: PairedDifference;
  /** Per category: run A's declared categories in order, then run B's, then undeclared ones by name. */
  categories: Record<string, CategoryDifference>;
  /** Sample counts: paired, in one run only, and changed (improved ⊇ fixed 0→1, worsened ⊇ broken 1→0). */
  samples: {
    both: number;
    onlyA: number;
    onlyB: number;
    changed: number;
    improved: number;
    worsened: number;
    fixed: number;
    broken: number;
  };
  /** Every changed paired sample, by sample id. */
  changed: ChangedSample[];
}

/**
 * Compares run B with run A, sample by sample. Refuses runs of different suite ids (E_USAGE) and runs that are
 * not completed (E_STATE); runs of different suite versions or content are compared, with `sameSuiteContent`
 * false and a warning.
 *
 * @example
 * const comparison = compareRuns(runA, runB, { seed: 0 });
 * comparison.overall.difference; // B − A, weighted over categories
 */
export function compareRuns(a: ComparedRun, b: ComparedRun, options: CompareRunsOptions = {}): RunComparison {
  assertComparable(a, b);
  const bootstrap = {
    confidence: options.confidence ?? 0.95,
    seed: options.seed ?? 0,
    resamples: options.resamples ?? DEFAULT_COMPARE_RESAMPLES,
    range: DIFFERENCE_RANGE,
  };
  // Checked here, so that a bad option fails even when no interval needs resampling.
  assertBootstrapOptions(bootstrap);
  const warnings: string[] = [];
  const sameSuiteContent = a.suite.sha256 === b.suite.sha256 && a.suite.version === b.suite.version;
  if (!sameSuiteContent) {
    warnings.push(
      `the runs used different suite content (A: ${describeSuite(a)}, B: ${describeSuite(b)}): ` +
        'a sample id may not mean the same sample in both',
    );
  }
  if (a.reducer !== b.reducer) {
    warnings.push(`the runs reduce epochs differently (A: ${a.reducer}, B: ${b.reducer})`);
  }
  const weights = mergeWeights(a, b, warnings);

  // Pair the samples; each paired sample goes to run A's category.
  const pairs = new Map<string, { a: number[]; b: number[] }>();
  const changed: ChangedSample[] = [];
  const counts = { both: 0, onlyA: 0, onlyB: 0, changed: 0, improved: 0, worsened: 0, fixed: 0, broken: 0 };
  const moved: string[] = [];
  let index = 0;
  for (const [sampleId, inA] of a.samples) {
    assertScore(inA.value, index++);
    const inB = b.samples.get(sampleId);
    if (inB === undefined) {
      counts.onlyA++;
      continue;
    }
    assertScore(inB.value, index++);
    counts.both++;
    if (inB.category !== inA.category) moved.push(`${sampleId} (${inA.category} → ${inB.category})`);
    let group = pairs.get(inA.category);
    if (group === undefined) {
      group = { a: [], b: [] };
      pairs.set(inA.category, group);
    }
    group.a.push(inA.value);
    group.b.push(inB.value);
    if (inA.value !== inB.value) {
      changed.push({ sampleId, category: inA.category, a: inA.value, b: inB.value });
      counts.changed++;
      if (inB.value > inA.value) counts.improved++;
      else counts.worsened++;
      if (inA.value === 0 && inB.value === 1) counts.fixed++;
      if (inA.value === 1 && inB.value === 0) counts.broken++;
    }
  }
  for (const sampleId of b.samples.keys()) if (!a.samples.has(sampleId)) counts.onlyB++;
  if (moved.length > 0) {
    warnings.push(
      `${moved.length} paired sample${moved.length === 1 ? ' is' : 's are'} in another category in run B ` +
        `(counted in run A's): ${moved.slice(0, 3).join(', ')}${moved.length > 3 ? ', …' : ''}`,
    );
  }
  changed.sort((x, y) => compareNames(x.sampleId, y.sampleId));

  const names = Object.keys(weights);
  for (const name of [...pairs.keys()].sort(compareNames))
    if (!Object.hasOwn(weights, name)) names.push(name);
  const categories: Record<string, CategoryDifference> = {};
  const differences = new Map<string, number[]>();
  for (const name of names) {
    const group = pairs.get(name) ?? { a: [], b: [] };
    const diffs = group.b.map((value, i) => value - (group.a[i] as number));
    differences.set(name, diffs);
    const n = diffs.length;
    categories[name] = {
      n,
      meanA: meanOf(group.a),
      meanB: meanOf(group.b),
      difference: meanOf(diffs),
      ci: bootstrapInterval(diffs, { ...bootstrap, stream: `category:${name}` }),
      weight: Object.hasOwn(weights, name) ? (weights[name] as number) : 1,
    };
  }

  return {
    a: sideOf(a),
    b: sideOf(b),
    sameSuiteContent,
    warnings,
    interval: {
      method: 'paired-bootstrap',
      confidence: bootstrap.confidence,
      resamples: bootstrap.resamples,
      seed: bootstrap.seed,
    },
    overall: weighDifferences(categories, differences, bootstrap),
    categories,
    samples: counts,
    changed,
  };
}

/**
 * Throws unless the runs can be compared: E_USAGE for different suite ids, E_STATE for a run that is not
 * completed, each naming both runs and what to do.
 */
export function assertComparable(
  a: Pick<ComparedRun, 'runId' | 'status' | 'suite'>,
  b: Pick<ComparedRun, 'runId' | 'status' | 'suite'>,
): void {
  if (a.suite.id !== b.suite.id) {
    throw new RedlineError(
      'E_USAGE',
      `cannot compare run "${a.runId}" (suite "${a.suite.id}") with run "${b.runId}" (suite "${b.suite.id}"): ` +
        'a comparison pairs the samples of one suite; pick two runs of the same suite (see "redline runs")',
    );
  }
  for (const run of [a, b]) {
    if (run.status !== 'completed') {
      throw new RedlineError(
        'E_STATE',
        `cannot compare run "${a.runId}" with run "${b.runId}": run "${run.runId}" is ${run.status}, not ` +
          `completed; resume it first ("redline run SUITE --resume ${run.runId}") or pick a completed run`,
      );
    }
  }
}

/** Run A's weights, then run B's for categories A does not declare; differing weights are named in a warning. */
function mergeWeights(a: ComparedRun, b: ComparedRun, warnings: string[]): Record<string, number> {
  const weights: Record<string, number> = { ...a.weights };
  const differing: string[] = [];
  for (const [name, weight] of Object.entries(b.weights)) {
    if (!Object.hasOwn(weights, name)) weights[name] = weight;
    else if (weights[name] !== weight)
      differing.push(`${name}: ${String(weights[name])} in A, ${weight} in B`);
  }
  if (differing.length > 0) {
    warnings.push(
      `the runs weigh categories differently (${differing.join('; ')}): run A's weights are used`,
    );
  }
  for (const [name, weight] of Object.entries(weights)) {
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      throw new RedlineError(
        'E_USAGE',
        `category "${name}": weight must be a finite number >= 0 (got ${String(weight)})`,
      );
    }
  }
  return weights;
}

/** Σ (w_c / W) · x_c over the categories with paired samples and a weight > 0, with the stratified interval. */
function weighDifferences(
  categories: Readonly<Record<string, CategoryDifference>>,
  differences: ReadonlyMap<string, number[]>,
  bootstrap: { confidence: number; seed: number; resamples: number; range: Readonly<Interval> },
): PairedDifference {
  const taking = Object.entries(categories).filter(([, c]) => c.n > 0 && c.weight > 0);
  if (taking.length === 0) return { n: 0, meanA: null, meanB: null, difference: null, ci: null };
  const totalWeight = taking.reduce((sum, [, c]) => sum + c.weight, 0);
  const meanA = new CompensatedSum();
  const meanB = new CompensatedSum();
  const difference = new CompensatedSum();
  let n = 0;
  for (const [, c] of taking) {
    const share = c.weight / totalWeight;
    meanA.add(share * (c.meanA as number));
    meanB.add(share * (c.meanB as number));
    difference.add(share * (c.difference as number));
    n += c.n;
  }
  // Sorted names: the strata order (and so the draws) must not depend on the categories' order.
  const strata = taking
    .map(([name, c]) => ({ name, values: differences.get(name) ?? [], weight: c.weight }))
    .sort((x, y) => compareNames(x.name, y.name));
  return {
    n,
    meanA: meanA.value(),
    meanB: meanB.value(),
    difference: difference.value(),
    ci: stratifiedBootstrapInterval(strata, { ...bootstrap, stream: 'overall' }),
  };
}

function sideOf(run: ComparedRun): ComparisonSide {
  return {
    runId: run.runId,
    model: run.model,
    suite: { id: run.suite.id, version: run.suite.version, sha256: run.suite.sha256 },
    epochs: run.epochs,
    reducer: run.reducer,
    n: run.samples.size,
  };
}

function describeSuite(run: ComparedRun): string {
  return `${run.suite.id}@${run.suite.version}, sha256 ${run.suite.sha256.slice(0, 12)}…`;
}

function meanOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sum = new CompensatedSum();
  for (const value of values) sum.add(value);
  return sum.value() / values.length;
}

/** Code-unit order (SQLite's BINARY order for ASCII ids), independent of the locale. */
function compareNames(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
