/**
 * One streaming pass over the audit log: checks every entry against its stored hashes and its predecessor, and
 * computes the RFC 6962 roots at the sizes asked for. Memory is O(log n) (a compact range), whatever the length
 * of the log. Used by verifyAudit and, before signing, by createCheckpoint.
 */
import { RedlineError } from '../errors.js';
import type { Db } from '../store/open-store.js';
import { parseAuditRecord } from './audit-record.js';
import { bytesEqual } from '../crypto/canonical-bytes.js';
import { CompactRange } from './compact-range.js';
import { EMPTY_TREE_HASH, HASH_BYTES, leafHash } from './merkle.js';

/** What is wrong with the log, at which entry. */
export interface AuditProblem {
  /** The first entry concerned (for a checkpoint: see verifyAudit). */
  seq: number;
  /** What is wrong, in words. */
  problem: string;
}

/** The outcome of a pass over the audit log. */
export interface AuditScan {
  /** The number of entries (rows) in the log. */
  size: number;
  /** The length of the leading run of entries that passed every check (size when none failed). */
  checked: number;
  /** The problems found, in log order, at most MAX_AUDIT_PROBLEMS. */
  problems: AuditProblem[];
  /** The Merkle root at each requested size that the log reaches. */
  roots: Map<number, Uint8Array>;
  /** The Merkle root over all entries. */
  root: Uint8Array;
}

/** The most problems a pass reports (the first one is what matters; the rest are usually its echoes). */
export const MAX_AUDIT_PROBLEMS = 100;

interface Row {
  seq: unknown;
  record: unknown;
  prev_hash: unknown;
  leaf_hash: unknown;
}

/**
 * Reads every entry in seq order and checks it; the leaf hashes that enter the tree are recomputed from the
 * record bytes (the stored leaf_hash column is only checked, never trusted).
 */
export function scanAuditLog(db: Db, rootSizes: ReadonlySet<number> = new Set()): AuditScan {
  const range = new CompactRange();
  const roots = new Map<number, Uint8Array>();
  if (rootSizes.has(0)) roots.set(0, EMPTY_TREE_HASH);
  const problems: AuditProblem[] = [];
  let checked = 0;
  let expectedSeq = 1;
  let prevLeaf: Uint8Array = new Uint8Array(HASH_BYTES);
  try {
    const rows = db.prepare('SELECT seq, record, prev_hash, leaf_hash FROM audit_log ORDER BY seq').iterate();
    for (const row of rows as IterableIterator<Row>) {
      const bytes = recordBytes(row.record);
      const leaf = leafHash(bytes);
      range.append(leaf);
      if (rootSizes.has(range.size)) roots.set(range.size, range.root());
      const problem = checkEntry(row, bytes, leaf, expectedSeq, prevLeaf);
      if (problem === undefined) {
        if (problems.length === 0) checked = range.size;
      } else if (problems.length < MAX_AUDIT_PROBLEMS) {
        problems.push(problem);
      }
      // Resynchronise after a gap so that one deletion is one problem.
      expectedSeq = typeof row.seq === 'number' && row.seq >= expectedSeq ? row.seq + 1 : expectedSeq + 1;
      prevLeaf = leaf;
    }
  } catch (error) {
    throw new RedlineError('E_STORE', `audit log: cannot read (${(error as Error).message})`, {
      cause: error,
    });
  }
  return { size: range.size, checked, problems, roots, root: range.root() };
}

/** The first thing wrong with one entry, or undefined. */
function checkEntry(
  row: Row,
  bytes: Uint8Array,
  leaf: Uint8Array,
  expectedSeq: number,
  prevLeaf: Uint8Array,
): AuditProblem | undefined {
  const { seq } = row;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < expectedSeq) {
    return { seq: expectedSeq, problem: `seq ${String(seq)} is out of order (expected ${expectedSeq})` };
  }
  if (seq > expectedSeq) {
    const missing = seq === expectedSeq + 1 ? `${expectedSeq}` : `${expectedSeq}..${seq - 1}`;
    return { seq: expectedSeq, problem: `seq gap: ${missing} missing (deleted?)` };
  }
  if (!(row.record instanceof Uint8Array)) return { seq, problem: 'record is not stored as a BLOB' };
  if (!isHash(row.leaf_hash) || !bytesEqual(row.leaf_hash, leaf)) {
    return { seq, problem: 'record bytes do not hash to the stored leaf hash' };
  }
  let record;
  try {
    record = parseAuditRecord(bytes);
  } catch (error) {
    return { seq, problem: (error as Error).message };
  }
  if (record.seq !== seq)
    return { seq, problem: `record says seq ${record.seq} but is stored at ${seq} (reordered?)` };
  if (!isHash(row.prev_hash) || !bytesEqual(row.prev_hash, prevLeaf)) {
    return {
      seq,
      problem:
        seq === 1
          ? 'prev of seq 1 is not 32 zero bytes'
          : `prev does not match the leaf hash of seq ${seq - 1}`,
    };
  }
  if (record.prev !== Buffer.from(row.prev_hash).toString('hex')) {
    return { seq, problem: "record's prev field does not match its prev_hash column" };
  }
  return undefined;
}

/** The stored record as bytes; a value stored with another type is hashed as its text (and reported). */
function recordBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return new TextEncoder().encode(String(value));
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}
