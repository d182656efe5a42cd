/**
 * The schema migrations of a PostgreSQL lab database: the same tables, columns and rules as the SQLite ones
 * (src/store/migrations.ts), one for one, so index i moves the schema version from i to i + 1 on either backend.
 * Never edit a shipped migration: append a new one to both lists.
 *
 * Translated as: TEXT → TEXT COLLATE "C" (byte order, as SQLite's BINARY: reports and the bootstrap see rows in
 * the same order on both), INTEGER → BIGINT, REAL → DOUBLE PRECISION, BLOB → BYTEA, SQLite's RAISE triggers →
 * PL/pgSQL trigger functions with the same messages.
 */
import { SHARED_RUNS_MIGRATION } from './migrations.js';

const T = 'TEXT COLLATE "C"';

export const PG_MIGRATIONS: readonly string[] = [
  // 1: runs and per-(sample, epoch) results.
  `
  CREATE TABLE runs (
    id              ${T} PRIMARY KEY,
    status          ${T} NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    suite_id        ${T} NOT NULL,
    suite_version   ${T} NOT NULL,
    suite_sha256    ${T} NOT NULL,
    suite_title     ${T} NOT NULL,
    suite_path      ${T} NOT NULL,
    categories      ${T} NOT NULL,
    model           ${T} NOT NULL,
    endpoint        ${T} NOT NULL,
    developer       ${T},
    params          ${T} NOT NULL,
    policy          ${T} NOT NULL,
    harness_version ${T} NOT NULL,
    sample_count    BIGINT NOT NULL,
    total_units     BIGINT NOT NULL,
    started_at      ${T} NOT NULL,
    updated_at      ${T} NOT NULL,
    finished_at     ${T},
    sessions        BIGINT NOT NULL DEFAULT 1,
    elapsed_ms      DOUBLE PRECISION NOT NULL DEFAULT 0,
    host            ${T},
    pid             BIGINT,
    error           ${T}
  );
  CREATE INDEX runs_started ON runs (started_at);
  CREATE TABLE results (
    run_id            ${T} NOT NULL REFERENCES runs (id),
    sample_id         ${T} NOT NULL,
    epoch             BIGINT NOT NULL,
    category          ${T} NOT NULL,
    status            ${T} NOT NULL CHECK (status IN ('scored', 'error')),
    score             DOUBLE PRECISION,
    answer            ${T},
    output            ${T},
    attempts          BIGINT NOT NULL,
    error_code        ${T},
    error_message     ${T},
    latency_ms        DOUBLE PRECISION,
    prompt_tokens     BIGINT,
    completion_tokens BIGINT,
    finished_at       ${T} NOT NULL,
    PRIMARY KEY (run_id, sample_id, epoch)
  );
  `,
  // 2: the append-only audit log and its signed checkpoints. TRUNCATE is refused too (SQLite has none).
  `
  CREATE FUNCTION redline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
  END $$;
  CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    record    BYTEA NOT NULL,
    prev_hash BYTEA NOT NULL CHECK (octet_length(prev_hash) = 32),
    leaf_hash BYTEA NOT NULL CHECK (octet_length(leaf_hash) = 32)
  );
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION redline_append_only();
  CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION redline_append_only();
  CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE last_seq BIGINT; last_hash BYTEA;
  BEGIN
    SELECT seq, leaf_hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
    IF NEW.seq IS DISTINCT FROM COALESCE(last_seq, 0) + 1
       OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, decode(repeat('00', 32), 'hex')) THEN
      RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER audit_log_append_only BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
  CREATE TABLE audit_checkpoints (
    size       BIGINT PRIMARY KEY CHECK (size >= 0),
    root       BYTEA NOT NULL CHECK (octet_length(root) = 32),
    note       ${T} NOT NULL,
    created_at ${T} NOT NULL
  );
  CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION redline_append_only();
  CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION redline_append_only();
  CREATE FUNCTION audit_checkpoints_no_replace() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM audit_checkpoints WHERE size = NEW.size) THEN
      RAISE EXCEPTION 'audit_checkpoints is append-only';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER audit_checkpoints_no_replace BEFORE INSERT ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_no_replace();
  `,
  // 3: signed, versioned designation policies and per-run, per-category sufficient statistics.
  `
  CREATE TABLE policies (
    version    BIGINT PRIMARY KEY CHECK (version >= 1),
    id         ${T} NOT NULL,
    sha256     ${T} NOT NULL UNIQUE,
    previous   ${T},
    policy     ${T} NOT NULL,
    envelope   ${T} NOT NULL,
    signers    ${T} NOT NULL,
    applied_at ${T} NOT NULL,
    applied_by ${T} NOT NULL
  );
  CREATE TRIGGER policies_no_update BEFORE UPDATE OR DELETE ON policies
    FOR EACH ROW EXECUTE FUNCTION redline_append_only();
  CREATE TRIGGER policies_no_truncate BEFORE TRUNCATE ON policies
    FOR EACH STATEMENT EXECUTE FUNCTION redline_append_only();
  CREATE FUNCTION policies_chain() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE last_version BIGINT; last_sha ${T};
  BEGIN
    SELECT version, sha256 INTO last_version, last_sha FROM policies ORDER BY version DESC LIMIT 1;
    IF NEW.version IS DISTINCT FROM COALESCE(last_version, 0) + 1 OR NEW.previous IS DISTINCT FROM last_sha THEN
      RAISE EXCEPTION 'policies must extend the chain by exactly one version';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER policies_chain BEFORE INSERT ON policies FOR EACH ROW EXECUTE FUNCTION policies_chain();
  CREATE TABLE run_stats (
    run_id   ${T} NOT NULL REFERENCES runs (id),
    category ${T} NOT NULL,
    weight   DOUBLE PRECISION NOT NULL,
    n        BIGINT NOT NULL,
    sum      DOUBLE PRECISION NOT NULL,
    sum_sq   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, category)
  );
  CREATE TABLE run_totals (
    run_id      ${T} PRIMARY KEY REFERENCES runs (id),
    scored      BIGINT NOT NULL,
    errors      BIGINT NOT NULL,
    computed_at ${T} NOT NULL
  );
  `,
  // 4: agent transcripts.
  `
  CREATE TABLE transcripts (
    run_id     ${T} NOT NULL REFERENCES runs (id),
    sample_id  ${T} NOT NULL,
    epoch      BIGINT NOT NULL,
    transcript ${T} NOT NULL,
    PRIMARY KEY (run_id, sample_id, epoch)
  );
  `,
  // 5: pre-release access engagements, issued assessments, clearances.
  `
  CREATE TABLE engagements (
    id            ${T} PRIMARY KEY,
    developer     ${T} NOT NULL,
    model         ${T} NOT NULL,
    start_date    ${T} NOT NULL,
    release_date  ${T} NOT NULL,
    partners      ${T} NOT NULL,
    terms         ${T},
    registered_at ${T} NOT NULL,
    registered_by ${T} NOT NULL
  );
  CREATE INDEX engagements_model ON engagements (model);
  CREATE TABLE assessments (
    id          ${T} PRIMARY KEY,
    developer   ${T} NOT NULL,
    model       ${T} NOT NULL,
    runs        ${T} NOT NULL,
    decision    ${T} NOT NULL,
    file_sha256 ${T} NOT NULL,
    issued_at   ${T} NOT NULL
  );
  CREATE TABLE clearances (
    engagement_id ${T} NOT NULL REFERENCES engagements (id),
    sha256        ${T} NOT NULL,
    completed_at  ${T} NOT NULL,
    issued_at     ${T} NOT NULL,
    PRIMARY KEY (engagement_id, sha256)
  );
  ALTER TABLE runs ADD COLUMN engagement_id ${T} REFERENCES engagements (id);
  `,
  // 6: the vulnerability clearinghouse.
  `
  CREATE TABLE vuln_sequences (
    series ${T} PRIMARY KEY,
    last   BIGINT NOT NULL
  );
  CREATE TABLE vuln_scan_claims (
    id          ${T} PRIMARY KEY,
    participant ${T} NOT NULL,
    scope       ${T} NOT NULL,
    from_at     ${T} NOT NULL,
    to_at       ${T} NOT NULL,
    claimed_at  ${T} NOT NULL,
    released_at ${T}
  );
  CREATE TABLE vuln_inventory (
    participant ${T} NOT NULL,
    purl        ${T} NOT NULL,
    version     ${T} NOT NULL,
    added_at    ${T} NOT NULL,
    PRIMARY KEY (participant, purl, version)
  );
  CREATE TABLE vuln_findings (
    id            ${T} PRIMARY KEY,
    fingerprint   ${T} NOT NULL UNIQUE,
    finding       ${T} NOT NULL,
    state         ${T} NOT NULL CHECK (state IN ('reported', 'triaged', 'validated', 'rejected', 'duplicate')),
    duplicate_of  ${T} REFERENCES vuln_findings (id),
    triage        ${T},
    reproducer    ${T},
    reported_at   ${T} NOT NULL,
    updated_at    ${T} NOT NULL,
    embargo_until ${T},
    patch_name    ${T},
    patch_sha256  ${T},
    patch         BYTEA,
    patched_at    ${T}
  );
  CREATE TABLE vuln_reporters (
    finding_id  ${T} NOT NULL REFERENCES vuln_findings (id),
    participant ${T} NOT NULL,
    source      ${T} NOT NULL,
    source_id   ${T} NOT NULL,
    file_sha256 ${T} NOT NULL,
    reported_at ${T} NOT NULL,
    PRIMARY KEY (finding_id, participant)
  );
  CREATE TABLE vuln_events (
    finding_id ${T} NOT NULL REFERENCES vuln_findings (id),
    seq        BIGINT NOT NULL,
    at         ${T} NOT NULL,
    actor      ${T} NOT NULL,
    from_state ${T},
    to_state   ${T} NOT NULL,
    evidence   ${T} NOT NULL,
    PRIMARY KEY (finding_id, seq)
  );
  CREATE TRIGGER vuln_events_no_update BEFORE UPDATE OR DELETE ON vuln_events
    FOR EACH ROW EXECUTE FUNCTION redline_append_only();
  CREATE TABLE vuln_validations (
    finding_id  ${T} NOT NULL REFERENCES vuln_findings (id),
    attempt     BIGINT NOT NULL,
    at          ${T} NOT NULL,
    actor       ${T} NOT NULL,
    reproduced  BIGINT NOT NULL,
    transcript  ${T} NOT NULL,
    PRIMARY KEY (finding_id, attempt)
  );
  CREATE TABLE vuln_notifications (
    finding_id      ${T} NOT NULL REFERENCES vuln_findings (id),
    participant     ${T} NOT NULL,
    state           ${T} NOT NULL CHECK (state IN ('notified', 'acknowledged', 'remediated')),
    advisory_id     ${T} NOT NULL,
    file_sha256     ${T} NOT NULL,
    notified_at     ${T} NOT NULL,
    acknowledged_at ${T},
    remediated_at   ${T},
    PRIMARY KEY (finding_id, participant)
  );
  `,
  // 7: live-target runs' images and capabilities.
  `ALTER TABLE runs ADD COLUMN sandbox ${T};`,
  // 8: the classification marking of a run's suite.
  `ALTER TABLE runs ADD COLUMN suite_classification ${T};`,
  // 9: shared runs (run --join): the same DDL on both backends but for the column types.
  SHARED_RUNS_MIGRATION.replaceAll('TEXT', T)
    .replaceAll('INTEGER', 'BIGINT')
    .replaceAll(' WITHOUT ROWID', ''),
];
