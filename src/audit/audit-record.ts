/**
 * The bytes of one audit log entry: the canonical JSON (src/suite/canonical-json.ts, RFC 8785 style) of
 * `{seq, at, type, actor, data, prev}`, UTF-8 encoded. These exact bytes are stored in `audit_log.record` and
 * hashed into the leaf hash, so parsing insists on the canonical form: a record that re-encodes differently was
 * not written by appendAudit.
 */
import { RedlineError } from '../errors.js';
import { canonicalJson } from '../suite/canonical-json.js';

/** One audit log entry, as hashed. */
export interface AuditRecord {
  /** Position in the log, from 1. */
  seq: number;
  /** When the event happened, ISO 8601 (given by the caller). */
  at: string;
  /** What happened (an AuditEventType for the entries this build writes). */
  type: string;
  /** Who or what caused it: an OS user, a key id, or "redline" for automatic events. */
  actor: string;
  /** Event details: ids and digests only, never secrets. */
  data: Record<string, unknown>;
  /** Lowercase hex of the previous entry's leaf hash (64 zeros for seq 1). */
  prev: string;
}

const FIELDS = ['actor', 'at', 'data', 'prev', 'seq', 'type'];

/** The record's bytes: canonical JSON, UTF-8. */
export function encodeAuditRecord(record: AuditRecord): Uint8Array {
  const { seq, at, type, actor, data, prev } = record;
  return new TextEncoder().encode(canonicalJson({ seq, at, type, actor, data, prev }));
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parses record bytes; E_AUDIT saying what is wrong when they are not a record appendAudit would write. */
export function parseAuditRecord(bytes: Uint8Array): AuditRecord {
  const fail = (what: string): never => {
    throw new RedlineError('E_AUDIT', `record is not a valid audit record: ${what}`);
  };
  let text: string;
  let value: unknown;
  try {
    text = STRICT_UTF8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    return fail('not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const record = value as Record<string, unknown>;
  if (Object.keys(record).sort().join() !== FIELDS.join()) return fail(`fields must be ${FIELDS.join(', ')}`);
  const { seq, at, type, actor, data, prev } = record;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    return fail('seq must be an integer >= 1');
  if (typeof at !== 'string') return fail('at must be a string');
  if (typeof type !== 'string' || type === '') return fail('type must be a non-empty string');
  if (typeof actor !== 'string') return fail('actor must be a string');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('data must be an object');
  if (typeof prev !== 'string' || !/^[0-9a-f]{64}$/.test(prev))
    return fail('prev must be 64 lowercase hex digits');
  if (canonicalJson(value) !== text) return fail('not in canonical JSON form');
  return { seq, at, type, actor, data: data as Record<string, unknown>, prev };
}
