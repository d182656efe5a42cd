/**
 * Appends one event to the audit log (DESIGN.md §6): a hash chain of canonical-JSON records whose leaf hashes
 * (RFC 6962 §2.1) are also the leaves of the Merkle tree that signed checkpoints commit to.
 *
 * What goes into `data` is kept forever and shown by `redline audit log`: pass ids and digests only (run ids, key
 * ids, suite and policy digests, file digests). Never secrets: no API keys, secret keys, file keys or model
 * outputs that carry sealed content.
 */
import { RedlineError } from '../errors.js';
import { ADVISORY_LOCKS, takeTransactionLock, type Db } from '../store/db.js';
import { encodeAuditRecord } from './audit-record.js';
import { HASH_BYTES, leafHash } from './merkle.js';

/** The kinds of event the audit log records (a closed set: extend it here). */
export type AuditEventType =
  | 'run.started'
  | 'run.resumed'
  | 'run.joined'
  | 'run.finished'
  | 'run.interrupted'
  | 'run.failed'
  | 'key.added'
  | 'key.generated'
  | 'assessment.issued'
  | 'policy.applied'
  | 'access.registered'
  | 'access.cleared'
  | 'vuln.scan.claimed'
  | 'vuln.scan.released'
  | 'vuln.inventory.changed'
  | 'vuln.reported'
  | 'vuln.reproducer.attached'
  | 'vuln.triaged'
  | 'vuln.validated'
  | 'vuln.rejected'
  | 'vuln.duplicate'
  | 'vuln.patched'
  | 'vuln.notified'
  | 'vuln.acknowledged'
  | 'vuln.remediated'
  | 'vuln.exported'
  | 'suite.opened'
  | 'db.opened'
  | 'db.encrypted'
  | 'db.rekeyed'
  | 'view.exported'
  | 'transcript.exported'
  | 'checkpoint';

/** Every audit event type, for validation and exhaustive tables. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = [
  'run.started',
  'run.resumed',
  'run.joined',
  'run.finished',
  'run.interrupted',
  'run.failed',
  'key.added',
  'key.generated',
  'assessment.issued',
  'policy.applied',
  'access.registered',
  'access.cleared',
  'vuln.scan.claimed',
  'vuln.scan.released',
  'vuln.inventory.changed',
  'vuln.reported',
  'vuln.reproducer.attached',
  'vuln.triaged',
  'vuln.validated',
  'vuln.rejected',
  'vuln.duplicate',
  'vuln.patched',
  'vuln.notified',
  'vuln.acknowledged',
  'vuln.remediated',
  'vuln.exported',
  'suite.opened',
  'db.opened',
  'db.encrypted',
  'db.rekeyed',
  'view.exported',
  'transcript.exported',
  'checkpoint',
];

/** An event to append. */
export interface AuditEvent {
  /** What happened. */
  type: AuditEventType;
  /** Who or what caused it: an OS user, a key id, or "redline" for automatic events. */
  actor: string;
  /** When it happened, ISO 8601 with a time zone (the caller owns the clock). */
  at: string;
  /** Details as a JSON object: ids and digests only, never secrets. */
  data: Record<string, unknown>;
}

/** Where an appended event landed. */
export interface AppendedAudit {
  /** Its position in the log, from 1. */
  seq: number;
  /** Its RFC 6962 leaf hash, SHA-256(0x00 || record). */
  leafHash: Uint8Array;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** True when `at` is an ISO 8601 date and time with a time zone, as `Date.prototype.toISOString` writes. */
export function isIsoTimestamp(at: unknown): at is string {
  return typeof at === 'string' && ISO_8601.test(at) && !Number.isNaN(Date.parse(at));
}

/**
 * Appends `event` as the next entry, chained to the previous entry's leaf hash.
 *
 * Runs in an IMMEDIATE transaction: the write lock is taken before the last entry is read, so two processes
 * appending at once queue (up to the busy timeout) instead of both chaining onto the same entry; on PostgreSQL an
 * advisory lock does the same for every host. Call it outside
 * other transactions, or inside an immediate one.
 *
 * @example
 * appendAudit(db, { type: 'run.started', actor: 'alice', at: new Date().toISOString(), data: { runId } });
 */
export function appendAudit(db: Db, event: AuditEvent): AppendedAudit {
  checkEvent(event);
  try {
    return db
      .transaction((): AppendedAudit => {
        // PostgreSQL: hosts append one at a time, each after the last one's entry.
        takeTransactionLock(db, ADVISORY_LOCKS.audit);
        const last = db.prepare('SELECT seq, leaf_hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
          { seq: number; leaf_hash: Uint8Array } | undefined;
        const seq = (last?.seq ?? 0) + 1;
        const prevHash = last?.leaf_hash ?? new Uint8Array(HASH_BYTES);
        const record = encodeAuditRecord({
          seq,
          at: event.at,
          type: event.type,
          actor: event.actor,
          data: event.data,
          prev: Buffer.from(prevHash).toString('hex'),
        });
        const hash = leafHash(record);
        db.prepare('INSERT INTO audit_log (seq, record, prev_hash, leaf_hash) VALUES (?, ?, ?, ?)').run(
          seq,
          record,
          prevHash,
          hash,
        );
        return { seq, leafHash: hash };
      })
      .immediate();
  } catch (error) {
    if (error instanceof RedlineError) throw error;
    throw new RedlineError(
      'E_STORE',
      `audit log: cannot append a ${event.type} event (${(error as Error).message}); is another process holding the database?`,
      { cause: error },
    );
  }
}

/** Refuses events the log must not hold: these are bugs in the caller, not user errors. */
function checkEvent(event: AuditEvent): void {
  const fail = (what: string): never => {
    throw new RedlineError('E_INTERNAL', `appendAudit: ${what}`);
  };
  if (!AUDIT_EVENT_TYPES.includes(event.type)) fail(`unknown event type ${JSON.stringify(event.type)}`);
  if (typeof event.actor !== 'string') fail('actor must be a string');
  if (!isIsoTimestamp(event.at)) {
    fail(`at must be an ISO 8601 timestamp with a time zone (got ${JSON.stringify(event.at)})`);
  }
  const { data } = event;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) fail('data must be a JSON object');
  try {
    // Throws on what JSON cannot carry (NaN, Infinity, bigint, functions ...).
    encodeAuditRecord({ seq: 1, at: event.at, type: event.type, actor: event.actor, data, prev: '' });
  } catch (error) {
    fail(`data is not plain JSON (${(error as Error).message})`);
  }
}
