/**
 * The clearinghouse's findings (`vuln_findings`), their reporters, the append-only history of what happened to
 * each (`vuln_events`) and the validation attempts with their sandbox transcripts (`vuln_validations`).
 * Moves between states are checked by src/vuln/lifecycle.ts and written with the expected current state in the
 * WHERE clause, so two operators cannot both move one finding from the same state.
 */
import { RedlineError } from '../errors.js';
import type { Finding, FindingSource } from '../vuln/finding.js';
import { checkFindingMove, type FindingState } from '../vuln/lifecycle.js';
import type { Reproducer, ReproductionTranscript } from '../vuln/reproducer.js';
import type { Triage } from '../vuln/triage.js';
import type { Db } from './open-store.js';

/** A registered fix. */
export interface PatchInfo {
  name: string;
  sha256: string;
  size: number;
  registeredAt: string;
}

/** A finding as stored. */
export interface StoredFinding {
  id: string;
  fingerprint: string;
  finding: Finding;
  state: FindingState;
  duplicateOf: string | null;
  triage: Triage | null;
  reproducer: Reproducer | null;
  reportedAt: string;
  updatedAt: string;
  embargoUntil: string | null;
  patch: PatchInfo | null;
}

/** Who reported a finding, from which file. */
export interface FindingReporter {
  participant: string;
  source: FindingSource;
  sourceId: string;
  fileSha256: string;
  reportedAt: string;
}

/** One entry of a finding's history. */
export interface FindingEvent {
  seq: number;
  at: string;
  actor: string;
  fromState: FindingState | null;
  toState: FindingState;
  evidence: Record<string, unknown>;
}

/** One validation attempt. */
export interface ValidationAttempt {
  attempt: number;
  at: string;
  actor: string;
  isReproduced: boolean;
  transcript: ReproductionTranscript;
}

interface FindingRow {
  id: string;
  fingerprint: string;
  finding: string;
  state: FindingState;
  duplicate_of: string | null;
  triage: string | null;
  reproducer: string | null;
  reported_at: string;
  updated_at: string;
  embargo_until: string | null;
  patch_name: string | null;
  patch_sha256: string | null;
  patch_size: number | null;
  patched_at: string | null;
}

const COLUMNS = `id, fingerprint, finding, state, duplicate_of, triage, reproducer, reported_at, updated_at,
  embargo_until, patch_name, patch_sha256, length(patch) AS patch_size, patched_at`;

function toFinding(r: FindingRow): StoredFinding {
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    finding: JSON.parse(r.finding) as Finding,
    state: r.state,
    duplicateOf: r.duplicate_of,
    triage: r.triage === null ? null : (JSON.parse(r.triage) as Triage),
    reproducer: r.reproducer === null ? null : (JSON.parse(r.reproducer) as Reproducer),
    reportedAt: r.reported_at,
    updatedAt: r.updated_at,
    embargoUntil: r.embargo_until,
    patch:
      r.patch_name === null || r.patch_sha256 === null || r.patched_at === null
        ? null
        : { name: r.patch_name, sha256: r.patch_sha256, size: r.patch_size ?? 0, registeredAt: r.patched_at },
  };
}

/**
 * Stores a new finding in state `reported` with its first reporter and history entry; returns its id,
 * `RLV-<year of reportedAt>-<n>` with n counting from 1 each year. Call inside an immediate transaction.
 */
export function insertFinding(
  db: Db,
  input: { finding: Finding; fingerprint: string; reporter: FindingReporter },
): string {
  const prefix = `RLV-${input.reporter.reportedAt.slice(0, 4)}-`;
  const id = `${prefix}${nextInSeries(db, prefix)}`;
  db.prepare(
    `INSERT INTO vuln_findings (id, fingerprint, finding, state, reported_at, updated_at)
     VALUES (?, ?, ?, 'reported', ?, ?)`,
  ).run(
    id,
    input.fingerprint,
    JSON.stringify(input.finding),
    input.reporter.reportedAt,
    input.reporter.reportedAt,
  );
  addReporter(db, id, input.reporter);
  appendFindingEvent(db, id, {
    at: input.reporter.reportedAt,
    actor: input.reporter.participant,
    fromState: null,
    toState: 'reported',
    evidence: { event: 'reported', source: input.reporter.source, fileSha256: input.reporter.fileSha256 },
  });
  return id;
}

/**
 * The next number of an id series (`RLV-2026-`, `SC-`), from 1; numbers are never handed out twice. Call inside
 * the transaction that uses it.
 */
export function nextInSeries(db: Db, series: string): number {
  const row = db
    .prepare(
      `INSERT INTO vuln_sequences (series, last) VALUES (?, 1)
       ON CONFLICT (series) DO UPDATE SET last = vuln_sequences.last + 1 RETURNING last`,
    )
    .get(series) as { last: number };
  return row.last;
}

/** Credits a reporter; false when this participant had already reported the finding. */
export function addReporter(db: Db, findingId: string, reporter: FindingReporter): boolean {
  const info = db
    .prepare(
      `INSERT INTO vuln_reporters (finding_id, participant, source, source_id, file_sha256, reported_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .run(
      findingId,
      reporter.participant,
      reporter.source,
      reporter.sourceId,
      reporter.fileSha256,
      reporter.reportedAt,
    );
  return info.changes === 1;
}

/** Replaces the stored content of a finding (after merging a duplicate report into it). */
export function updateFindingContent(db: Db, id: string, finding: Finding, at: string): void {
  db.prepare('UPDATE vuln_findings SET finding = ?, updated_at = ? WHERE id = ?').run(
    JSON.stringify(finding),
    at,
    id,
  );
}

/** The finding with this fingerprint, if any. */
export function findByFingerprint(db: Db, fingerprint: string): StoredFinding | undefined {
  const row = db.prepare(`SELECT ${COLUMNS} FROM vuln_findings WHERE fingerprint = ?`).get(fingerprint) as
    FindingRow | undefined;
  return row === undefined ? undefined : toFinding(row);
}

/** The finding `id`; E_NOT_FOUND (pointing at `redline vuln list`) when there is none. */
export function getFinding(db: Db, id: string): StoredFinding {
  const row = db.prepare(`SELECT ${COLUMNS} FROM vuln_findings WHERE id = ?`).get(id) as
    FindingRow | undefined;
  if (row === undefined) {
    throw new RedlineError('E_NOT_FOUND', `no finding "${id}" (see "redline vuln list")`);
  }
  return toFinding(row);
}

/** Every finding, oldest first, optionally of one state. */
export function listFindings(db: Db, state?: FindingState): StoredFinding[] {
  const rows = (
    state === undefined
      ? db.prepare(`SELECT ${COLUMNS} FROM vuln_findings ORDER BY reported_at, id`).all()
      : db.prepare(`SELECT ${COLUMNS} FROM vuln_findings WHERE state = ? ORDER BY reported_at, id`).all(state)
  ) as FindingRow[];
  return rows.map(toFinding);
}

/** The reporters of a finding, first first. */
export function listReporters(db: Db, findingId: string): FindingReporter[] {
  return (
    db
      .prepare(
        `SELECT participant, source, source_id, file_sha256, reported_at FROM vuln_reporters
         WHERE finding_id = ? ORDER BY reported_at, participant`,
      )
      .all(findingId) as {
      participant: string;
      source: FindingSource;
      source_id: string;
      file_sha256: string;
      reported_at: string;
    }[]
  ).map((r) => ({
    participant: r.participant,
    source: r.source,
    sourceId: r.source_id,
    fileSha256: r.file_sha256,
    reportedAt: r.reported_at,
  }));
}

/** Appends an entry to a finding's history (also for events that keep the state: patch, notify ...). */
export function appendFindingEvent(db: Db, findingId: string, event: Omit<FindingEvent, 'seq'>): number {
  const { n } = db
    .prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM vuln_events WHERE finding_id = ?')
    .get(findingId) as { n: number };
  db.prepare(
    `INSERT INTO vuln_events (finding_id, seq, at, actor, from_state, to_state, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(findingId, n, event.at, event.actor, event.fromState, event.toState, JSON.stringify(event.evidence));
  return n;
}

/** A finding's history, in order. */
export function listFindingEvents(db: Db, findingId: string): FindingEvent[] {
  return (
    db
      .prepare(
        `SELECT seq, at, actor, from_state, to_state, evidence FROM vuln_events WHERE finding_id = ? ORDER BY seq`,
      )
      .all(findingId) as {
      seq: number;
      at: string;
      actor: string;
      from_state: FindingState | null;
      to_state: FindingState;
      evidence: string;
    }[]
  ).map((r) => ({
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    fromState: r.from_state,
    toState: r.to_state,
    evidence: JSON.parse(r.evidence) as Record<string, unknown>,
  }));
}

/**
 * Moves a finding to `to` (checked against the lifecycle) and records why; E_STATE when the move is not allowed
 * or the finding changed meanwhile. Call inside an immediate transaction.
 */
export function moveFinding(
  db: Db,
  id: string,
  move: {
    to: FindingState;
    actor: string;
    at: string;
    evidence: Record<string, unknown>;
    duplicateOf?: string;
    triage?: Triage;
  },
): void {
  const current = getFinding(db, id);
  checkFindingMove(id, current.state, move.to);
  const info = db
    .prepare(
      `UPDATE vuln_findings SET state = ?, updated_at = ?, duplicate_of = COALESCE(?, duplicate_of),
         triage = COALESCE(?, triage) WHERE id = ? AND state = ?`,
    )
    .run(
      move.to,
      move.at,
      move.duplicateOf ?? null,
      move.triage === undefined ? null : JSON.stringify(move.triage),
      id,
      current.state,
    );
  if (info.changes !== 1) throw new RedlineError('E_STATE', `finding ${id} changed meanwhile; look again`);
  appendFindingEvent(db, id, {
    at: move.at,
    actor: move.actor,
    fromState: current.state,
    toState: move.to,
    evidence: move.evidence,
  });
}

/** Replaces the triage of a finding in work (a re-triage; the first triage comes with the move to triaged). */
export function setTriage(db: Db, id: string, triage: Triage, at: string): void {
  db.prepare('UPDATE vuln_findings SET triage = ?, updated_at = ? WHERE id = ?').run(
    JSON.stringify(triage),
    at,
    id,
  );
}

/** Attaches (or replaces) the reproducer of a finding. */
export function setReproducer(db: Db, id: string, reproducer: Reproducer, at: string): void {
  db.prepare('UPDATE vuln_findings SET reproducer = ?, updated_at = ? WHERE id = ?').run(
    JSON.stringify(reproducer),
    at,
    id,
  );
}

/** Registers (or replaces) the fix of a finding. */
export function setPatch(
  db: Db,
  id: string,
  patch: { name: string; sha256: string; bytes: Uint8Array; at: string },
): void {
  db.prepare(
    'UPDATE vuln_findings SET patch_name = ?, patch_sha256 = ?, patch = ?, patched_at = ?, updated_at = ? WHERE id = ?',
  ).run(patch.name, patch.sha256, Buffer.from(patch.bytes), patch.at, patch.at, id);
}

/** The bytes of a finding's registered fix, or null. */
export function getPatchBytes(db: Db, id: string): Uint8Array | null {
  const row = db.prepare('SELECT patch FROM vuln_findings WHERE id = ?').get(id) as
    { patch: Buffer | null } | undefined;
  return row?.patch == null ? null : new Uint8Array(row.patch);
}

/** Sets the embargo end of a finding. */
export function setEmbargo(db: Db, id: string, embargoUntil: string, at: string): void {
  db.prepare('UPDATE vuln_findings SET embargo_until = ?, updated_at = ? WHERE id = ?').run(
    embargoUntil,
    at,
    id,
  );
}

/** Stores a validation attempt; returns its number (from 1). */
export function insertValidation(
  db: Db,
  findingId: string,
  attempt: { at: string; actor: string; transcript: ReproductionTranscript },
): number {
  const { n } = db
    .prepare('SELECT COALESCE(MAX(attempt), 0) + 1 AS n FROM vuln_validations WHERE finding_id = ?')
    .get(findingId) as { n: number };
  db.prepare(
    `INSERT INTO vuln_validations (finding_id, attempt, at, actor, reproduced, transcript) VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(
    findingId,
    n,
    attempt.at,
    attempt.actor,
    attempt.transcript.isReproduced ? 1 : 0,
    JSON.stringify(attempt.transcript),
  );
  return n;
}

/** The validation attempts of a finding, in order. */
export function listValidations(db: Db, findingId: string): ValidationAttempt[] {
  return (
    db
      .prepare(
        'SELECT attempt, at, actor, reproduced, transcript FROM vuln_validations WHERE finding_id = ? ORDER BY attempt',
      )
      .all(findingId) as {
      attempt: number;
      at: string;
      actor: string;
      reproduced: number;
      transcript: string;
    }[]
  ).map((r) => ({
    attempt: r.attempt,
    at: r.at,
    actor: r.actor,
    isReproduced: r.reproduced === 1,
    transcript: JSON.parse(r.transcript) as ReproductionTranscript,
  }));
}
