/**
 * Verifies the audit log (DESIGN.md §6) in one streaming pass:
 *
 * - each record hashes to its stored leaf hash, names its own seq, and chains to the previous leaf hash: this
 *   catches an edited record, a deleted entry (seq gap), swapped entries, an edited prev or leaf hash;
 * - every checkpoint (stored in the database and, above all, exported ones handed in as files) is signed by the
 *   log key, and its root equals the RFC 6962 root recomputed at its size: this catches truncation below a
 *   checkpoint and a history rewritten consistently (all hashes and the chain recomputed), which the chain alone
 *   cannot see. A rewrite that also re-signed the stored checkpoints is caught by an exported file.
 *
 * What no check can catch: changes after the newest trusted checkpoint (entries appended, rewritten or removed
 * at the tail). Checkpoint often (e.g. at the end of every run) and export the checkpoints off the machine.
 */
import { RedlineError } from '../errors.js';
import type { Db } from '../store/open-store.js';
import { DEFAULT_AUDIT_ORIGIN, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { listCheckpoints, type StoredCheckpoint } from './read-audit.js';
import { bytesEqual } from '../crypto/canonical-bytes.js';
import { scanAuditLog, type AuditProblem, type AuditScan } from './scan-audit-log.js';
import { noteKeyId, verifyNoteSignature, type NoteVerifierKey } from './signed-note.js';

export type { AuditProblem } from './scan-audit-log.js';

/** A checkpoint file's content, with a name for messages. */
export interface NamedCheckpoint {
  /** The file name, as the user gave it. */
  name: string;
  /** The note text. */
  text: string;
}

/** Options of verifyAudit. */
export interface VerifyAuditOptions {
  /** Exported checkpoint notes (the text of checkpoint files), bare or named. */
  checkpoints?: readonly (string | NamedCheckpoint)[];
  /** The log key that signs checkpoints. */
  logKey: NoteVerifierKey;
  /** The origin line checkpoints must carry (default DEFAULT_AUDIT_ORIGIN). */
  origin?: string;
}

/** The verdict on one checkpoint. */
export interface CheckpointCheck {
  /** The tree size it claims to cover. */
  size: number;
  /** True when it is signed by the log key and matches the log. */
  ok: boolean;
  /** Stored in the database, or handed in as a file. */
  source: 'db' | 'file';
  /** The file name, for a file. */
  name?: string;
  /** What is wrong, when not ok. */
  problem?: string;
}

/** The result of verifyAudit. */
export interface AuditReport {
  /** True when nothing is wrong. */
  ok: boolean;
  /** The number of entries in the log. */
  size: number;
  /** The length of the leading run of entries whose records, hashes and chain verify (size when all do). */
  checked: number;
  /** The largest size vouched for by a checkpoint that verified (0 when none): later entries rest on the chain. */
  coveredSize: number;
  /**
   * The first problem. `seq` is the entry at fault; for a checkpoint whose root differs it is the checkpoint's
   * size (the rewritten entry is at or before it); for truncation, the first missing entry.
   */
  firstBad?: AuditProblem;
  /** Every problem found, by seq (entry problems capped at MAX_AUDIT_PROBLEMS). */
  problems: AuditProblem[];
  /** One verdict per checkpoint, by size (stored ones before files of the same size). */
  checkpoints: CheckpointCheck[];
}

interface Candidate {
  size: number;
  source: 'db' | 'file';
  name?: string;
  label: string;
  /** The parsed note, or why the stored note could not be used. */
  parsed: Checkpoint | string;
}

/**
 * Verifies the log and its checkpoints; never throws for tampering (that is in the report), but E_MALFORMED for
 * a checkpoint file that is not a checkpoint and E_STORE when the database cannot be read.
 *
 * @example
 * const report = verifyAudit(db, { checkpoints: [await readFile('checkpoint-120.txt', 'utf8')], logKey });
 * if (!report.ok) console.log(report.firstBad); // { seq: 57, problem: 'record bytes do not hash to ...' }
 */
export function verifyAudit(db: Db, options: VerifyAuditOptions): AuditReport {
  const origin = options.origin ?? DEFAULT_AUDIT_ORIGIN;
  const keyLabel = `${options.logKey.keyName}+${noteKeyId(options.logKey).toString(16).padStart(8, '0')}`;
  const files: Candidate[] = (options.checkpoints ?? []).map((input, i) => {
    const name = typeof input === 'string' ? `checkpoint file ${i + 1}` : input.name;
    const parsed = parseCheckpoint(typeof input === 'string' ? input : input.text, name);
    return {
      size: parsed.size,
      source: 'file',
      name,
      label: `checkpoint of size ${parsed.size} (${name})`,
      parsed,
    };
  });
  // One read transaction: the checkpoints and the entries come from the same snapshot.
  const { stored, scan } = db.transaction(() => {
    const stored = listCheckpoints(db);
    const sizes = new Set([...stored.map((c) => c.size), ...files.map((c) => c.size)]);
    return { stored, scan: scanAuditLog(db, sizes) };
  })();
  const candidates = [...stored.map(storedCandidate), ...files].sort(
    (a, b) => a.size - b.size || (a.source === b.source ? 0 : a.source === 'db' ? -1 : 1),
  );
  const checkpoints: CheckpointCheck[] = [];
  const problems: AuditProblem[] = [...scan.problems];
  let coveredSize = 0;
  for (const candidate of candidates) {
    const problem = checkCheckpoint(candidate, {
      scan,
      origin,
      logKey: options.logKey,
      keyLabel,
      coveredSize,
    });
    const check: CheckpointCheck = {
      size: candidate.size,
      ok: problem === undefined,
      source: candidate.source,
    };
    if (candidate.name !== undefined) check.name = candidate.name;
    if (problem === undefined) {
      coveredSize = Math.max(coveredSize, candidate.size);
    } else {
      check.problem = problem.problem;
      problems.push(problem);
    }
    checkpoints.push(check);
  }
  // Stable: at equal seq, the entry's own problem comes before the checkpoint that noticed it.
  problems.sort((a, b) => a.seq - b.seq);
  const report: AuditReport = {
    ok: problems.length === 0,
    size: scan.size,
    checked: scan.checked,
    coveredSize,
    problems,
    checkpoints,
  };
  const first = problems[0];
  if (first !== undefined) report.firstBad = first;
  return report;
}

/** Throws E_AUDIT (with the report as details) unless the report is ok. */
export function assertAuditOk(report: AuditReport): void {
  const first = report.firstBad;
  if (report.ok || first === undefined) return;
  throw new RedlineError(
    'E_AUDIT',
    `audit log fails verification at seq ${first.seq}: ${first.problem}` +
      (report.problems.length > 1 ? ` (and ${report.problems.length - 1} more problems)` : ''),
    { details: report },
  );
}

function storedCandidate(stored: StoredCheckpoint): Candidate {
  const label = `checkpoint of size ${stored.size} (db)`;
  const base = { size: stored.size, source: 'db' as const, label };
  let parsed: Checkpoint;
  try {
    parsed = parseCheckpoint(stored.note, label);
  } catch (error) {
    return { ...base, parsed: `note is malformed: ${(error as Error).message}` };
  }
  if (parsed.size !== stored.size || !bytesEqual(parsed.root, stored.root)) {
    return { ...base, parsed: 'the stored size or root differs from its signed note' };
  }
  return { ...base, parsed };
}

function checkCheckpoint(
  candidate: Candidate,
  context: {
    scan: AuditScan;
    origin: string;
    logKey: NoteVerifierKey;
    keyLabel: string;
    coveredSize: number;
  },
): AuditProblem | undefined {
  const { size, label, parsed } = candidate;
  const { scan } = context;
  if (typeof parsed === 'string') return { seq: size, problem: `${label}: ${parsed}` };
  if (parsed.origin !== context.origin) {
    return {
      seq: size,
      problem: `${label}: origin ${JSON.stringify(parsed.origin)} is not ${context.origin}`,
    };
  }
  try {
    verifyNoteSignature({ text: parsed.body, signatures: parsed.signatures }, context.logKey);
  } catch (error) {
    if (error instanceof RedlineError && error.code === 'E_UNTRUSTED_SIGNER') {
      return {
        seq: size,
        problem: `${label}: checkpoint signature does not verify: not signed by log key ${context.keyLabel} (signed by another key?)`,
      };
    }
    if (error instanceof RedlineError && error.code === 'E_TAMPERED') {
      return { seq: size, problem: `${label}: checkpoint signature does not verify: the note was altered` };
    }
    throw error;
  }
  if (size > scan.size) {
    return {
      seq: scan.size + 1,
      problem: `log has ${scan.size} entries but a checkpoint (${candidate.name ?? 'db'}) covers ${size} > ${scan.size} (truncated)`,
    };
  }
  const root = scan.roots.get(size);
  if (root === undefined || !bytesEqual(root, parsed.root)) {
    const covered = context.coveredSize;
    const where =
      covered > 0 && covered < size ? `between seq ${covered + 1} and ${size}` : `at or before seq ${size}`;
    return { seq: size, problem: `${label}: root differs (history rewritten ${where}?)` };
  }
  return undefined;
}
