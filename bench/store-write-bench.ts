/**
 * The lab store's write rate, SQLite vs PostgreSQL (issue 16), a fresh database for every measurement:
 *   - in process: 20,000 results through createResultWriter, 512 a transaction, as harness/run/run-suite.ts
 *     flushes them; and a shared runner's whole store work for the same units: claims of 16 (the room of a runner
 *     at --concurrency 16), then per 512 results completeUnits and the write in one transaction. SQLite through
 *     openStore (WAL, synchronous NORMAL), PostgreSQL through openPgStore (the synchronous PgDb). Median of 3.
 *   - whole process: a 10,000-unit `redline run` at 0 ms latency (the simulator in its own process, default
 *     --concurrency 32) into a SQLite file and into a PostgreSQL database, alternating; a warm-up pair of 2,000
 *     units, then the median of 3 each.
 * SQLite is the yardstick: each row prints PostgreSQL's rate as a fraction of SQLite's.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPgStore } from '../harness/store/open-pg-store.js';
import type { Db } from '../src/store/db.js';
import { openStore } from '../src/store/open-store.js';
import { createResultWriter, type ResultRecord } from '../src/store/results.js';
import { addRunUnits, claimUnits, completeUnits, joinRunner } from '../src/store/run-units.js';
import { insertRun } from '../src/store/runs.js';
import { newRunRecord } from '../tests/helpers/add-run.js';
import { writeChoiceSuite } from '../tests/helpers/write-suite.js';
import type { BenchPostgres } from './bench-postgres.js';
import { formatTable } from './format-table.js';
import { freshDatabase, type BenchBackend } from './fresh-database.js';
import { medianOf, redlineRunArgs, timeProcess } from './startup-bench.js';
import { startSimulatorProcess } from './whole-process-bench.js';

const RECORDS = 20_000;
const WRITE_BATCH = 512;
const CLAIM = 16;
const LEASE_MS = 60_000;
const REPETITIONS = 3;
const RUN_UNITS = 10_000;
const WARM_UP_UNITS = 2_000;
const RUN_ID = '20261203-000000-bench0';
const RUNNER = 'bench-runner';

type Mode = 'results' | 'shared';

/** The result of unit `i`, shaped as the simulator's answers are stored. */
function resultAt(i: number): ResultRecord {
  const letter = 'ABCD'[i % 4]!;
  return {
    runId: RUN_ID,
    sampleId: `q-${String(i).padStart(6, '0')}`,
    epoch: 1,
    category: ['alpha', 'beta', 'gamma'][i % 3]!,
    status: 'scored',
    score: i % 3 === 0 ? 0 : 1,
    answer: letter,
    output: `The listed option is ${letter}.\nANSWER: ${letter}`,
    attempts: 1,
    errorCode: null,
    errorMessage: null,
    latencyMs: 50 + (i % 7) / 10,
    promptTokens: 60 + (i % 5),
    completionTokens: 12,
    finishedAt: new Date(1_796_256_000_000 + i).toISOString(),
  };
}

/** Writes the records as a plain run does; returns the time taken. */
function writeResults(db: Db, records: readonly ResultRecord[]): number {
  const writer = createResultWriter(db);
  // run-suite.ts's writeBoth: the writer's transaction nested in the flush's.
  const flush = db.transaction((batch: readonly ResultRecord[]) => writer.write(batch));
  const startedMs = performance.now();
  for (let i = 0; i < records.length; i += WRITE_BATCH) flush.immediate(records.slice(i, i + WRITE_BATCH));
  return performance.now() - startedMs;
}

/** Claims, completes and writes every unit as one shared runner does; returns the time taken. */
function workSharedRun(db: Db, records: readonly ResultRecord[]): number {
  addRunUnits(db, RUN_ID, records);
  joinRunner(db, RUN_ID, RUNNER, 'bench', process.pid, new Date().toISOString());
  const writer = createResultWriter(db);
  const flush = db.transaction((batch: ResultRecord[]) => {
    const kept = completeUnits(db, RUN_ID, RUNNER, batch);
    if (kept.size !== batch.length) throw new Error(`completeUnits kept ${kept.size} of ${batch.length}`);
    writer.write(batch);
  });
  const startedMs = performance.now();
  let buffer: ResultRecord[] = [];
  for (;;) {
    const claimed = claimUnits(db, RUN_ID, RUNNER, CLAIM, LEASE_MS);
    for (const unit of claimed) buffer.push(records[unit.ord]!);
    if (buffer.length >= WRITE_BATCH || (claimed.length === 0 && buffer.length > 0)) {
      flush.immediate(buffer);
      buffer = [];
    }
    if (claimed.length === 0) break;
  }
  return performance.now() - startedMs;
}

async function measureWrites(dir: string, pg: BenchPostgres, backend: BenchBackend, mode: Mode, rep: number) {
  const records = Array.from({ length: RECORDS }, (_, i) => resultAt(i));
  const database = await freshDatabase(pg, backend, dir, `writes-${mode}-${rep}`);
  const db = backend === 'sqlite' ? openStore(database.location) : openPgStore(database.location);
  try {
    insertRun(
      db,
      newRunRecord({ id: RUN_ID, sampleCount: RECORDS, totalUnits: RECORDS, shared: mode === 'shared' }),
    );
    const ms = mode === 'results' ? writeResults(db, records) : workSharedRun(db, records);
    const stored = db.prepare('SELECT COUNT(*) FROM results WHERE run_id = ?').pluck().get(RUN_ID);
    if (Number(stored) !== RECORDS)
      throw new Error(`${backend} ${mode}: ${String(stored)} of ${RECORDS} stored`);
    return (RECORDS * 1000) / ms;
  } finally {
    db.close();
    await database.remove();
  }
}

/** One whole-process run into a fresh database of the backend; units/s over its wall time and its own elapsedMs. */
async function runOnce(
  dir: string,
  pg: BenchPostgres,
  suite: string,
  url: string,
  backend: BenchBackend,
  i: number,
) {
  const database = await freshDatabase(pg, backend, dir, `run-${i}`);
  try {
    const run = await timeProcess(redlineRunArgs(suite, url, database.location), dir);
    const report = JSON.parse(run.stdout) as { samples: { scored: number }; elapsedMs: number };
    if (report.samples.scored !== RUN_UNITS) {
      throw new Error(`the ${backend} run scored ${report.samples.scored} of ${RUN_UNITS}`);
    }
    return { wallPerS: (RUN_UNITS * 1000) / run.wallMs, runPerS: (RUN_UNITS * 1000) / report.elapsedMs };
  } finally {
    await database.remove();
  }
}

function row(label: string, sqlite: number, postgres: number, unit: string): string[] {
  return [
    label,
    `${sqlite.toFixed(0)} ${unit}`,
    `${postgres.toFixed(0)} ${unit}`,
    (postgres / sqlite).toFixed(2),
  ];
}

/** Measures the store's write rate in process and a whole run at 0 ms on both backends, and prints the table. */
export async function benchStoreWrites(
  log: (line: string) => void,
  dir: string,
  pg: BenchPostgres,
): Promise<void> {
  const rates: Record<`${BenchBackend}-${Mode}`, number[]> = {
    'sqlite-results': [],
    'postgres-results': [],
    'sqlite-shared': [],
    'postgres-shared': [],
  };
  for (let rep = 0; rep < REPETITIONS; rep++) {
    for (const mode of ['results', 'shared'] as const) {
      const backends: BenchBackend[] = rep % 2 === 0 ? ['sqlite', 'postgres'] : ['postgres', 'sqlite'];
      for (const backend of backends)
        rates[`${backend}-${mode}`].push(await measureWrites(dir, pg, backend, mode, rep));
    }
  }

  const suite = await writeChoiceSuite(join(dir, 'suite-10k'), { count: RUN_UNITS });
  const sim = await startSimulatorProcess(suite, 0);
  const runs: Record<BenchBackend, Array<{ wallPerS: number; runPerS: number }>> = {
    sqlite: [],
    postgres: [],
  };
  try {
    // A short pair warms the simulator's JIT and is not counted.
    for (const backend of ['sqlite', 'postgres'] as const)
      await runOnce(dir, pg, suite, sim.url, backend, WARM_UP_UNITS);
    for (let i = 0; i < REPETITIONS; i++) {
      const backends: BenchBackend[] = i % 2 === 0 ? ['sqlite', 'postgres'] : ['postgres', 'sqlite'];
      for (const backend of backends)
        runs[backend].push(await runOnce(dir, pg, suite, sim.url, backend, RUN_UNITS));
    }
  } finally {
    await sim.stop();
  }

  const median = (key: keyof typeof rates): number => medianOf(rates[key]);
  const runMedian = (backend: BenchBackend, key: 'wallPerS' | 'runPerS'): number =>
    medianOf(runs[backend].map((r) => r[key]));
  log(
    `  The store, SQLite vs PostgreSQL (median of ${REPETITIONS}, a fresh database each; ` +
      `${RECORDS.toLocaleString('en')} results in process, ${RUN_UNITS.toLocaleString('en')}-unit runs at 0 ms):`,
  );
  const rows = [
    row(
      `results written, ${WRITE_BATCH} a transaction`,
      median('sqlite-results'),
      median('postgres-results'),
      '/s',
    ),
    row(
      `shared runner: claims of ${CLAIM}, complete + write ${WRITE_BATCH}`,
      median('sqlite-shared'),
      median('postgres-shared'),
      '/s',
    ),
    row(
      `redline run, ${RUN_UNITS.toLocaleString('en')} units at 0 ms, wall`,
      runMedian('sqlite', 'wallPerS'),
      runMedian('postgres', 'wallPerS'),
      'units/s',
    ),
    row(
      '  the run itself (its elapsedMs)',
      runMedian('sqlite', 'runPerS'),
      runMedian('postgres', 'runPerS'),
      'units/s',
    ),
  ];
  for (const line of formatTable(['', 'SQLite', 'PostgreSQL', 'PG/SQLite'], rows)) log(line);
}
