/**
 * Schema migrations of the lab database, applied in order; index i moves user_version from i to i + 1.
 * Never edit a shipped migration: append a new one.
 */
/**
 * 9: shared runs (issue 16, `run --join`): a shared run's (sample, epoch) units are rows that runners claim under
 * a lease (the runner holding it and until when, in ms on the database's clock) and mark done in the transaction
 * that stores their result; and the runners that joined it. On PostgreSQL as written, with its column types
 * (src/store/pg-migrations.ts).
 */
export const SHARED_RUNS_MIGRATION = `
  ALTER TABLE runs ADD COLUMN shared INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE run_units (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    ord         INTEGER NOT NULL,            -- the unit's place in the run: selection order, then epoch
    sample_id   TEXT NOT NULL,
    epoch       INTEGER NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,  -- 1 once its result is stored
    holder      TEXT,                        -- the runner holding its lease
    lease_until INTEGER,                     -- ms since the epoch, database clock
    PRIMARY KEY (run_id, ord)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX run_units_unit ON run_units (run_id, sample_id, epoch);
  CREATE INDEX run_units_open ON run_units (run_id, ord) WHERE done = 0;
  CREATE TABLE run_runners (
    run_id    TEXT NOT NULL REFERENCES runs (id),
    runner    TEXT NOT NULL,
    host      TEXT NOT NULL,
    pid       INTEGER NOT NULL,
    joined_at TEXT NOT NULL,
    seen_at   INTEGER NOT NULL,              -- ms, database clock: its last lease renewal
    left_at   TEXT,
    units     INTEGER NOT NULL DEFAULT 0,    -- units whose results it stored
    PRIMARY KEY (run_id, runner)
  ) WITHOUT ROWID;
`;

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
  // 2: the append-only audit log and its signed checkpoints (DESIGN.md §6, src/audit/).
  // Triggers refuse UPDATE and DELETE, and an INSERT that would replace a row (INSERT OR REPLACE deletes without
  // firing DELETE triggers unless recursive_triggers is on). An INSERT must also extend the chain by exactly one.
  `
  CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,                          -- 1, 2, 3 ... without gaps
    record    BLOB NOT NULL,                                -- the exact bytes hashed: canonical JSON, UTF-8
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32), -- leaf hash of seq - 1; 32 zero bytes for seq 1
    leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32)  -- SHA-256(0x00 || record), RFC 6962 §2.1
  );
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
  END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
  END;
  CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
  WHEN NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM audit_log), 0) + 1
    OR NEW.prev_hash IS NOT COALESCE(
      (SELECT leaf_hash FROM audit_log ORDER BY seq DESC LIMIT 1), zeroblob(32))
  BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
  END;
  CREATE TABLE audit_checkpoints (
    size       INTEGER PRIMARY KEY CHECK (size >= 0),  -- tree size: the number of leaves covered
    root       BLOB NOT NULL CHECK (length(root) = 32), -- RFC 6962 Merkle tree hash at that size
    note       TEXT NOT NULL,                            -- the signed note (C2SP tlog-checkpoint), as exported
    created_at TEXT NOT NULL                             -- ISO 8601
  );
  CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
  END;
  CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
  END;
  CREATE TRIGGER audit_checkpoints_no_replace BEFORE INSERT ON audit_checkpoints
  WHEN EXISTS (SELECT 1 FROM audit_checkpoints WHERE size = NEW.size)
  BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
  END;
  `,
  // 3: signed, versioned designation policies (one chain, the highest version active) and per-run, per-category
  // sufficient statistics, so what-if and sweeps never rescan per-sample rows.
  `
  CREATE TABLE policies (
    version    INTEGER PRIMARY KEY CHECK (version >= 1),  -- 1, 2, 3 ...: the highest is active
    id         TEXT NOT NULL,
    sha256     TEXT NOT NULL UNIQUE,                      -- hex SHA-256 of the policy's canonical JSON
    previous   TEXT,                                      -- sha256 of version - 1; NULL for the first
    policy     TEXT NOT NULL,                             -- canonical JSON of the policy
    envelope   TEXT NOT NULL,                             -- the signed DSSE envelope, as applied
    signers    TEXT NOT NULL,                             -- JSON array of the owner key ids that signed
    applied_at TEXT NOT NULL,
    applied_by TEXT NOT NULL
  );
  CREATE TRIGGER policies_no_update BEFORE UPDATE ON policies
  BEGIN
    SELECT RAISE(ABORT, 'policies is append-only');
  END;
  CREATE TRIGGER policies_no_delete BEFORE DELETE ON policies
  BEGIN
    SELECT RAISE(ABORT, 'policies is append-only');
  END;
  CREATE TRIGGER policies_chain BEFORE INSERT ON policies
  WHEN NEW.version IS NOT COALESCE((SELECT MAX(version) FROM policies), 0) + 1
    OR NEW.previous IS NOT (SELECT sha256 FROM policies ORDER BY version DESC LIMIT 1)
  BEGIN
    SELECT RAISE(ABORT, 'policies must extend the chain by exactly one version');
  END;
  CREATE TABLE run_stats (
    run_id   TEXT NOT NULL REFERENCES runs (id),
    category TEXT NOT NULL,
    weight   REAL NOT NULL,
    n        INTEGER NOT NULL,   -- samples after reducing epochs
    sum      REAL NOT NULL,      -- of the per-sample values
    sum_sq   REAL NOT NULL,      -- of their squares
    PRIMARY KEY (run_id, category)
  ) WITHOUT ROWID;
  CREATE TABLE run_totals (
    run_id      TEXT PRIMARY KEY REFERENCES runs (id),
    scored      INTEGER NOT NULL,  -- units
    errors      INTEGER NOT NULL,  -- units
    computed_at TEXT NOT NULL
  );
  `,
  // 4: agent transcripts, one per (run, sample, epoch): JSON of src/agent/transcript.ts. Kept apart from results
  // because they are large and never enter assessments (the assessment builder does not read this table).
  `
  CREATE TABLE transcripts (
    run_id     TEXT NOT NULL REFERENCES runs (id),
    sample_id  TEXT NOT NULL,
    epoch      INTEGER NOT NULL,
    transcript TEXT NOT NULL,                -- JSON: Transcript
    PRIMARY KEY (run_id, sample_id, epoch)
  ) WITHOUT ROWID;
  `,
  // 5: pre-release access engagements (EO 14409: up to 30 days before release, government evaluation first), the
  // issued assessments (their states derive from these rows, never from flags set by hand), sequencing clearances,
  // and the engagement a run belongs to.
  `
  CREATE TABLE engagements (
    id            TEXT PRIMARY KEY,
    developer     TEXT NOT NULL,
    model         TEXT NOT NULL,
    start_date    TEXT NOT NULL,      -- YYYY-MM-DD (UTC): access opens
    release_date  TEXT NOT NULL,      -- YYYY-MM-DD (UTC): planned release; access ends
    partners      TEXT NOT NULL,      -- JSON array of trusted partners, who come after the government evaluation
    terms         TEXT,               -- reference to the confidentiality terms
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL
  );
  CREATE INDEX engagements_model ON engagements (model);
  CREATE TABLE assessments (
    id          TEXT PRIMARY KEY,     -- the assessment id inside the sealed file
    developer   TEXT NOT NULL,
    model       TEXT NOT NULL,
    runs        TEXT NOT NULL,        -- JSON array of run ids
    decision    TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    issued_at   TEXT NOT NULL
  );
  CREATE TABLE clearances (
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    sha256        TEXT NOT NULL,      -- of the attestation file
    completed_at  TEXT NOT NULL,      -- the date the government evaluation completed
    issued_at     TEXT NOT NULL,
    PRIMARY KEY (engagement_id, sha256)
  ) WITHOUT ROWID;
  ALTER TABLE runs ADD COLUMN engagement_id TEXT REFERENCES engagements (id);
  `,
  // 6: the vulnerability clearinghouse (src/vuln/, `redline vuln`): scan claims, participants' package
  // inventories, findings with their reporters, state history, validation transcripts, patches and the sealed
  // advisories sent to each affected participant. States move only forward (src/vuln/lifecycle.ts); the history
  // is append-only like the audit log.
  `
  CREATE TABLE vuln_sequences (       -- the last number handed out per id series ('RLV-2026-', 'SC-')
    series TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE vuln_scan_claims (
    id          TEXT PRIMARY KEY,     -- SC-<n>
    participant TEXT NOT NULL,
    scope       TEXT NOT NULL,        -- JSON ClaimScope: {purl, range?} | {host} | {cidr}
    from_at     TEXT NOT NULL,        -- RFC 3339, inclusive
    to_at       TEXT NOT NULL,        -- RFC 3339, exclusive
    claimed_at  TEXT NOT NULL,
    released_at TEXT
  );
  CREATE TABLE vuln_inventory (
    participant TEXT NOT NULL,
    purl        TEXT NOT NULL,        -- canonical package URL without a version
    version     TEXT NOT NULL,
    added_at    TEXT NOT NULL,
    PRIMARY KEY (participant, purl, version)
  ) WITHOUT ROWID;
  CREATE TABLE vuln_findings (
    id            TEXT PRIMARY KEY,   -- RLV-<year>-<n>
    fingerprint   TEXT NOT NULL UNIQUE,
    finding       TEXT NOT NULL,      -- JSON Finding (src/vuln/finding.ts), merged across reporters
    state         TEXT NOT NULL CHECK (state IN ('reported', 'triaged', 'validated', 'rejected', 'duplicate')),
    duplicate_of  TEXT REFERENCES vuln_findings (id),
    triage        TEXT,               -- JSON Triage
    reproducer    TEXT,               -- JSON Reproducer
    reported_at   TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    embargo_until TEXT,               -- RFC 3339: no public export before it
    patch_name    TEXT,
    patch_sha256  TEXT,
    patch         BLOB,
    patched_at    TEXT
  );
  CREATE TABLE vuln_reporters (
    finding_id  TEXT NOT NULL REFERENCES vuln_findings (id),
    participant TEXT NOT NULL,
    source      TEXT NOT NULL,        -- osv | sarif
    source_id   TEXT NOT NULL,        -- OSV id or SARIF ruleId as reported
    file_sha256 TEXT NOT NULL,        -- of the reported file
    reported_at TEXT NOT NULL,
    PRIMARY KEY (finding_id, participant)
  ) WITHOUT ROWID;
  CREATE TABLE vuln_events (
    finding_id TEXT NOT NULL REFERENCES vuln_findings (id),
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,         -- the acting participant or operator
    from_state TEXT,
    to_state   TEXT NOT NULL,
    evidence   TEXT NOT NULL,         -- JSON: why (reason, duplicate of, validation attempt, triage inputs)
    PRIMARY KEY (finding_id, seq)
  ) WITHOUT ROWID;
  CREATE TRIGGER vuln_events_no_update BEFORE UPDATE ON vuln_events
  BEGIN SELECT RAISE(ABORT, 'vuln_events is append-only'); END;
  CREATE TRIGGER vuln_events_no_delete BEFORE DELETE ON vuln_events
  BEGIN SELECT RAISE(ABORT, 'vuln_events is append-only'); END;
  CREATE TABLE vuln_validations (
    finding_id  TEXT NOT NULL REFERENCES vuln_findings (id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reproduced  INTEGER NOT NULL,     -- 0 | 1
    transcript  TEXT NOT NULL,        -- JSON ReproductionTranscript
    PRIMARY KEY (finding_id, attempt)
  ) WITHOUT ROWID;
  CREATE TABLE vuln_notifications (
    finding_id      TEXT NOT NULL REFERENCES vuln_findings (id),
    participant     TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('notified', 'acknowledged', 'remediated')),
    advisory_id     TEXT NOT NULL,
    file_sha256     TEXT NOT NULL,    -- of the sealed advisory last sent
    notified_at     TEXT NOT NULL,
    acknowledged_at TEXT,
    remediated_at   TEXT,
    PRIMARY KEY (finding_id, participant)
  ) WITHOUT ROWID;
  `,
  // 7: live-target (docker) runs: the images each run used, by id and digest, and the capabilities its challenges
  // added (JSON of src/store/run-sandbox.ts), recorded at the start of every session for reproducibility.
  `
  ALTER TABLE runs ADD COLUMN sandbox TEXT;
  `,
  // 8: the classification marking of the suite a run ran (issue 15), printed on what shows the run's items.
  `
  ALTER TABLE runs ADD COLUMN suite_classification TEXT;
  `,
  SHARED_RUNS_MIGRATION,
];
