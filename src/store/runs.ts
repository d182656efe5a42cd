/**
 * The `runs` table: one row per evaluation run, updated as the run moves through its sessions.
 */
import { RedlineError, type ErrorData } from '../errors.js';
import { RunCategories, RunParams } from '../schema/run.js';
import { compileValidator } from '../schema/validate.js';
import type { Db } from './open-store.js';

/** The lifecycle states of a run. */
export type RunStatus = 'running' | 'completed' | 'interrupted' | 'failed';

/** A run as stored. */
export interface RunRecord {
  id: string;
  status: RunStatus;
  suite: {
    id: string;
    version: string;
    sha256: string;
    title: string;
    path: string;
    /** The suite's classification marking, when it has one. */
    classification?: string;
  };
  categories: RunCategories;
  model: string;
  endpoint: string;
  developer: string | null;
  params: RunParams;
  /** The designation policy the run was started with (validated by the caller). */
  policy: unknown;
  harnessVersion: string;
  sampleCount: number;
  totalUnits: number;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  sessions: number;
  elapsedMs: number;
  host: string | null;
  pid: number | null;
  error: ErrorData | null;
  /** The pre-release access engagement the run belongs to (model and developer matched an open one). */
  engagementId: string | null;
  /** Runners on any host may join it (`run --join`): its units are claimed under leases (src/store/run-units.ts). */
  shared: boolean;
}

/** What a new run needs. */
export type NewRun = Omit<
  RunRecord,
  'status' | 'updatedAt' | 'finishedAt' | 'sessions' | 'elapsedMs' | 'error' | 'engagementId' | 'shared'
> & { shared?: boolean };

interface RunRow {
  id: string;
  status: RunStatus;
  suite_id: string;
  suite_version: string;
  suite_sha256: string;
  suite_title: string;
  suite_classification: string | null;
  suite_path: string;
  categories: string;
  model: string;
  endpoint: string;
  developer: string | null;
  params: string;
  policy: string;
  harness_version: string;
  sample_count: number;
  total_units: number;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
  sessions: number;
  elapsed_ms: number;
  host: string | null;
  pid: number | null;
  error: string | null;
  engagement_id: string | null;
  shared: number;
}

const paramsValidator = compileValidator(RunParams);
const categoriesValidator = compileValidator(RunCategories);

/** Inserts a new run in state `running`. */
export function insertRun(db: Db, run: NewRun): void {
  db.prepare(
    `INSERT INTO runs (id, status, suite_id, suite_version, suite_sha256, suite_title, suite_path, suite_classification,
       categories, model, endpoint, developer, params, policy, harness_version, sample_count, total_units, started_at,
       updated_at, host, pid, shared)
     VALUES (@id, 'running', @suite_id, @suite_version, @suite_sha256, @suite_title, @suite_path,
       @suite_classification, @categories, @model, @endpoint, @developer, @params, @policy, @harness_version,
       @sample_count, @total_units, @started_at, @started_at, @host, @pid, @shared)`,
  ).run({
    id: run.id,
    suite_id: run.suite.id,
    suite_version: run.suite.version,
    suite_sha256: run.suite.sha256,
    suite_title: run.suite.title,
    suite_path: run.suite.path,
    suite_classification: run.suite.classification ?? null,
    categories: JSON.stringify(run.categories),
    model: run.model,
    endpoint: run.endpoint,
    developer: run.developer,
    params: JSON.stringify(run.params),
    policy: JSON.stringify(run.policy),
    harness_version: run.harnessVersion,
    sample_count: run.sampleCount,
    total_units: run.totalUnits,
    started_at: run.startedAt,
    host: run.host,
    pid: run.pid,
    shared: run.shared === true ? 1 : 0,
  });
}

/** Reads one run; throws E_NOT_FOUND naming the id when there is none. */
export function getRun(db: Db, id: string): RunRecord {
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  if (row === undefined) {
    throw new RedlineError('E_NOT_FOUND', `no run "${id}" in this database (list them with "redline runs")`);
  }
  return toRecord(row);
}

/** Lists runs, newest first. */
export function listRuns(db: Db): RunRecord[] {
  const rows = db.prepare('SELECT * FROM runs ORDER BY started_at DESC, id').all() as RunRow[];
  return rows.map(toRecord);
}

/** Marks the start of a resumed session: status running, this process as owner. */
export function beginSession(
  db: Db,
  id: string,
  at: string,
  host: string,
  pid: number,
  endpoint: string,
): void {
  db.prepare(
    `UPDATE runs SET status = 'running', sessions = sessions + 1, updated_at = ?, host = ?, pid = ?, endpoint = ?,
       error = NULL, finished_at = NULL WHERE id = ?`,
  ).run(at, host, pid, endpoint, id);
}

/** Records the end of a session with its final status. */
export function endSession(
  db: Db,
  id: string,
  end: { status: Exclude<RunStatus, 'running'>; at: string; elapsedMs: number; error?: ErrorData },
): void {
  db.prepare(
    `UPDATE runs SET status = ?, updated_at = ?, finished_at = ?, elapsed_ms = elapsed_ms + ?, error = ?
     WHERE id = ?`,
  ).run(
    end.status,
    end.at,
    end.status === 'completed' ? end.at : null,
    end.elapsedMs,
    end.error === undefined ? null : JSON.stringify(end.error),
    id,
  );
}

function parseColumn<T>(text: string, check: (value: unknown) => value is T, id: string, column: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!check(value)) {
    throw new RedlineError(
      'E_STORE',
      `run ${id}: stored column "${column}" is not valid; the database was altered`,
    );
  }
  return value;
}

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    status: row.status,
    suite: {
      id: row.suite_id,
      version: row.suite_version,
      sha256: row.suite_sha256,
      title: row.suite_title,
      path: row.suite_path,
      ...(row.suite_classification === null ? {} : { classification: row.suite_classification }),
    },
    categories: parseColumn(
      row.categories,
      (v): v is RunCategories => categoriesValidator.check(v),
      row.id,
      'categories',
    ),
    model: row.model,
    endpoint: row.endpoint,
    developer: row.developer,
    params: parseColumn(row.params, (v): v is RunParams => paramsValidator.check(v), row.id, 'params'),
    policy: JSON.parse(row.policy) as unknown,
    harnessVersion: row.harness_version,
    sampleCount: row.sample_count,
    totalUnits: row.total_units,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    sessions: row.sessions,
    elapsedMs: row.elapsed_ms,
    host: row.host,
    pid: row.pid,
    error: row.error === null ? null : (JSON.parse(row.error) as ErrorData),
    engagementId: row.engagement_id,
    shared: row.shared === 1,
  };
}

/** Records the pre-release engagement a run belongs to. */
export function setRunEngagement(db: Db, id: string, engagementId: string): void {
  db.prepare('UPDATE runs SET engagement_id = ? WHERE id = ?').run(engagementId, id);
}
