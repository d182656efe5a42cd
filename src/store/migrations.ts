/**
 * Schema migrations of the lab database, applied in order; index i moves user_version from i to i + 1.
 * Never edit a shipped migration: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs and per-(sample, epoch) results.
  `
  CREATE TABLE runs (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    suite_id        TEXT NOT NULL,
    suite_version   TEXT NOT NULL,
    suite_sha256    TEXT NOT NULL,
    suite_title     TEXT NOT NULL,
    suite_path      TEXT NOT NULL,
    categories      TEXT NOT NULL,            -- JSON: {category: {weight, title?}}
    model           TEXT NOT NULL,
    endpoint        TEXT NOT NULL,            -- base URL without credentials
    developer       TEXT,
    params          TEXT NOT NULL,            -- JSON: RunParams
    policy          TEXT NOT NULL,            -- JSON: the designation policy the run was started with
    harness_version TEXT NOT NULL,
    sample_count    INTEGER NOT NULL,         -- samples selected (after --limit)
    total_units     INTEGER NOT NULL,         -- sample_count x epochs
    started_at      TEXT NOT NULL,            -- ISO 8601, first session
    updated_at      TEXT NOT NULL,
    finished_at     TEXT,
    sessions        INTEGER NOT NULL DEFAULT 1,
    elapsed_ms      REAL NOT NULL DEFAULT 0,  -- wall time summed over sessions
    host            TEXT,
    pid             INTEGER,                  -- process of the current or last session
    error           TEXT                      -- JSON {code, message} when failed
  );
  CREATE INDEX runs_started ON runs (started_at);
  CREATE TABLE results (
    run_id            TEXT NOT NULL REFERENCES runs (id),
    sample_id         TEXT NOT NULL,
    epoch             INTEGER NOT NULL,
    category          TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('scored', 'error')),
    score             REAL,
    answer            TEXT,
    output            TEXT,
    attempts          INTEGER NOT NULL,
    error_code        TEXT,                   -- the last error, also when a later attempt scored
    error_message     TEXT,
    latency_ms        REAL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    finished_at       TEXT NOT NULL,
    PRIMARY KEY (run_id, sample_id, epoch)
  ) WITHOUT ROWID;
  `,
];
