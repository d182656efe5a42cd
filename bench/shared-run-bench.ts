/**
 * Shared runs (issue 16): one run, N runner processes, as a lab runs them. The built CLI creates the run
 * (`redline run SUITE --create-only`, not timed), then N `redline run --join RUN --concurrency 16` processes start
 * together against the simulator in its own process at 50 ms latency, on a generated suite of 2,400 units; the
 * wall time runs from just before the first spawn to the last runner's exit. On PostgreSQL (every run shared) with
 * 1, 2 and 4 runners, a fresh database each; beside them, SQLite: a plain `redline run` (the one-host reference)
 * and 2 runners on a `--shared` file. Median of 3 each, after one warm-up run.
 *
 * The ideal is Little's law: N runners x 16 requests in flight / 50 ms = N x 320 units/s, every slot always busy.
 * Each configuration prints units/s over the wall time, its speed-up over 1 runner on the same backend and its
 * fraction of the ideal; then where the rest went, from the stored rows: the time to the first stored result
 * (process start, suite, database, join, one request), the work span (first request to last result) as units/s and
 * % of the ideal, and the tail (last result to last exit: a runner with nothing left to claim polls, every second
 * at the default 60 s lease, until every unit is done, then reports).
 *
 * Then the store itself (bench/store-write-bench.ts): results written per second, SQLite vs PostgreSQL.
 * Standalone: `npx tsx bench/shared-run-bench.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openLabStore } from '../harness/store/open-lab-store.js';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';
import { providePostgres, type BenchPostgres } from './bench-postgres.js';
import type { Figure } from './e2e-throughput.js';
import { formatTable } from './format-table.js';
import { freshDatabase, type BenchBackend } from './fresh-database.js';
import {
  describeLoad,
  ensureBuiltCli,
  medianOf,
  REDLINE_BIN,
  redlineRunArgs,
  timeProcess,
} from './startup-bench.js';
import { benchStoreWrites } from './store-write-bench.js';
import { startSimulatorProcess } from './whole-process-bench.js';

const UNITS = 2_400;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const REPETITIONS = 3;
const WARM_UP_UNITS = 500;
/** The target: 4 runners on PostgreSQL at least 3x the units per second of 1 while they work (near linear). */
const SPEED_UP_TARGET = 3;

interface Config {
  label: string;
  backend: BenchBackend;
  runners: number;
  /** A shared run (created with --create-only, worked on by `--join` runners); else a plain `redline run`. */
  isShared: boolean;
}

const CONFIGS: readonly Config[] = [
  { label: 'SQLite, plain run', backend: 'sqlite', runners: 1, isShared: false },
  { label: 'SQLite --shared', backend: 'sqlite', runners: 2, isShared: true },
  { label: 'PostgreSQL', backend: 'postgres', runners: 1, isShared: true },
  { label: 'PostgreSQL', backend: 'postgres', runners: 2, isShared: true },
  { label: 'PostgreSQL', backend: 'postgres', runners: 4, isShared: true },
];

/** One measured run, times in ms from just before the first runner was spawned. */
interface Measured {
  wallMs: number;
  firstResultMs: number;
  /** First request (first result less one latency) to last result stored. */
  workMs: number;
  /** Last result stored to the last runner's exit. */
  tailMs: number;
}

interface Context {
  dir: string;
  suite: string;
  url: string;
  pg: BenchPostgres;
}

function joinArgs(runId: string, location: string, runner: string): string[] {
  const options = [
    '--db',
    location,
    '--runner',
    runner,
    '--concurrency',
    String(CONCURRENCY),
    '--json',
    '--quiet',
  ];
  return [REDLINE_BIN, 'run', '--join', runId, ...options];
}

/** The run's stored results: every unit once, scored, the run completed; their first and last finish times. */
function inspectRun(location: string, runId: string, units: number): { firstAt: number; lastAt: number } {
  const db = openLabStore(location, { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT COUNT(*) AS "rows", COUNT(*) FILTER (WHERE status = 'scored') AS scored,
           MIN(finished_at) AS "firstAt", MAX(finished_at) AS "lastAt" FROM results WHERE run_id = ?`,
      )
      .get(runId) as { rows: number; scored: number; firstAt: string; lastAt: string };
    const status = db.prepare('SELECT status FROM runs WHERE id = ?').pluck().get(runId) as string;
    if (Number(row.rows) !== units || Number(row.scored) !== units || status !== 'completed') {
      throw new Error(
        `run ${runId} in ${location}: ${row.rows} rows, ${row.scored} scored of ${units} units, ${status}`,
      );
    }
    return { firstAt: Date.parse(row.firstAt), lastAt: Date.parse(row.lastAt) };
  } finally {
    db.close();
  }
}

async function measureOnce(ctx: Context, config: Config, units: number, label: string): Promise<Measured> {
  const database = await freshDatabase(ctx.pg, config.backend, ctx.dir, label);
  try {
    const limit = units === UNITS ? [] : ['--limit', String(units)];
    let runId: string | undefined;
    if (config.isShared) {
      const extra = [...limit, '--create-only', ...(config.backend === 'sqlite' ? ['--shared'] : [])];
      const created = await timeProcess(
        redlineRunArgs(ctx.suite, ctx.url, database.location, extra),
        ctx.dir,
      );
      runId = (JSON.parse(created.stdout) as { runId: string }).runId;
    }
    const startedAt = Date.now();
    const startedMs = performance.now();
    if (runId === undefined) {
      const extra = [...limit, '--concurrency', String(CONCURRENCY)];
      const run = await timeProcess(redlineRunArgs(ctx.suite, ctx.url, database.location, extra), ctx.dir);
      runId = (JSON.parse(run.stdout) as { runId: string }).runId;
    } else {
      const id = runId;
      const names = Array.from({ length: config.runners }, (_, i) => `runner-${i + 1}`);
      await Promise.all(names.map((name) => timeProcess(joinArgs(id, database.location, name), ctx.dir)));
    }
    const wallMs = performance.now() - startedMs;
    const { firstAt, lastAt } = inspectRun(database.location, runId, units);
    return {
      wallMs,
      firstResultMs: firstAt - startedAt,
      workMs: lastAt - firstAt + LATENCY_MS,
      tailMs: startedAt + wallMs - lastAt,
    };
  } finally {
    await database.remove();
  }
}

function idealPerS(runners: number): number {
  return (runners * CONCURRENCY * 1000) / LATENCY_MS;
}

/** Runs every configuration REPETITIONS times, in alternating order; returns the medians per configuration. */
async function measureAll(
  ctx: Context,
  log: (line: string) => void,
  sinceStart: () => string,
): Promise<Measured[]> {
  // Warms the simulator's JIT and the page cache; not counted.
  await measureOnce(ctx, CONFIGS[3]!, WARM_UP_UNITS, 'warm-up');
  const runs: Measured[][] = CONFIGS.map(() => []);
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const order = CONFIGS.map((_, i) => i);
    if (rep % 2 === 1) order.reverse();
    for (const i of order) runs[i]!.push(await measureOnce(ctx, CONFIGS[i]!, UNITS, `rep-${rep}-${i}`));
    log(`  (repetition ${rep + 1} of ${REPETITIONS} done at ${sinceStart()}; ${describeLoad()})`);
  }
  return runs.map((r) => ({
    wallMs: medianOf(r.map((m) => m.wallMs)),
    firstResultMs: medianOf(r.map((m) => m.firstResultMs)),
    workMs: medianOf(r.map((m) => m.workMs)),
    tailMs: medianOf(r.map((m) => m.tailMs)),
  }));
}

function printScaling(log: (line: string) => void, measured: readonly Measured[]): number {
  const oneRunner = (backend: Config['backend']): Measured =>
    measured[CONFIGS.findIndex((c) => c.backend === backend && c.runners === 1)]!;
  let pgSpeedUp4 = 0;
  const rows = CONFIGS.map((config, i) => {
    const m = measured[i]!;
    const perS = (UNITS * 1000) / m.wallMs;
    const speedUp = oneRunner(config.backend).wallMs / m.wallMs;
    // The runners' own throughput (first request to last result): process start-up, N processes on this
    // machine's cores, stays out of it; the wall-time speed-up is in the table beside it.
    if (config.backend === 'postgres' && config.runners === 4) {
      pgSpeedUp4 = oneRunner(config.backend).workMs / m.workMs;
    }
    const workPerS = (UNITS * 1000) / m.workMs;
    const ideal = idealPerS(config.runners);
    return [
      config.label,
      `${config.runners} x ${CONCURRENCY}`,
      (m.wallMs / 1000).toFixed(2),
      perS.toFixed(0),
      `${speedUp.toFixed(2)}x`,
      `${((100 * perS) / ideal).toFixed(1)}%`,
      (m.firstResultMs / 1000).toFixed(2),
      workPerS.toFixed(0),
      `${((100 * workPerS) / ideal).toFixed(1)}%`,
      (m.tailMs / 1000).toFixed(2),
    ];
  });
  const header = ['', 'runners', 'wall s', 'units/s', 'speed-up', 'of ideal', 'to 1st result s'];
  for (const line of formatTable([...header, 'work units/s', 'of ideal', 'tail s'], rows)) log(line);
  return pgSpeedUp4;
}

/** Measures the shared runs and the store's write rate, prints their tables and returns the figures. */
export async function benchSharedRun(log: (line: string) => void): Promise<Figure[]> {
  if (!ensureBuiltCli(log)) return [];
  const pg = await providePostgres();
  if ('reason' in pg) {
    log(`  skipped: ${pg.reason}`);
    return [];
  }
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-shared-'));
  const sectionStartMs = performance.now();
  const sinceStart = (): string => `${((performance.now() - sectionStartMs) / 1000).toFixed(0)} s`;
  try {
    log(`  ${pg.settings}, from ${pg.source}; ${describeLoad()} at start`);
    const suite = await writeChoiceSuite(join(dir, 'suite'), { count: UNITS });
    const sim = await startSimulatorProcess(suite, LATENCY_MS);
    let pgSpeedUp4: number;
    try {
      log(
        `  ${UNITS.toLocaleString('en')} units at ${LATENCY_MS} ms, --concurrency ${CONCURRENCY} per runner, ` +
          `median of ${REPETITIONS}; ideal N x ${CONCURRENCY} / ${LATENCY_MS} ms = N x ${idealPerS(1)} units/s:`,
      );
      const measured = await measureAll({ dir, suite, url: sim.url, pg }, log, sinceStart);
      pgSpeedUp4 = printScaling(log, measured);
    } finally {
      await sim.stop();
    }
    const figures: Figure[] = [
      {
        name: `shared run on PostgreSQL, 4 runners x ${CONCURRENCY} at ${LATENCY_MS} ms, work-phase speed-up over 1 runner`,
        value: pgSpeedUp4,
        unit: 'x',
        target: `>= ${SPEED_UP_TARGET}`,
        ok: pgSpeedUp4 >= SPEED_UP_TARGET,
      },
    ];
    await benchStoreWrites(log, dir, pg);
    log(`  (the section took ${sinceStart()}; ${describeLoad()} at end)`);
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await pg.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const log = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  log('Shared runs (N runner processes on one run, built CLI) and the store, PostgreSQL vs SQLite:');
  await benchSharedRun(log);
}
