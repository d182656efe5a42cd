/**
 * Signed checkpoints of the audit log: the Merkle tree head in the C2SP tlog-checkpoint format
 * (https://c2sp.org/tlog-checkpoint, "Note text" and "Signatures"), as a C2SP signed note with an Ed25519
 * signature (signed-note.ts):
 *
 *     redline.lab/audit
 *     <tree size, ASCII decimal, no leading zeros>
 *     <base64 of the RFC 6962 root hash>
 *
 *     — <key name> <base64(key id[4] || Ed25519 signature of the three lines above)>
 *
 * Go's sumdb/note, transparency-dev's formats/log and other tlog tools read these as they are. A checkpoint is
 * stored in audit_checkpoints AND meant to be exported off the database: a copy held elsewhere is what catches
 * a history rewritten together with the stored checkpoints.
 */
import { RedlineError } from '../errors.js';
import { ADVISORY_LOCKS, takeTransactionLock, type Db } from '../store/db.js';
import { isIsoTimestamp } from './append-audit.js';
import { HASH_BYTES } from './merkle.js';
import { listCheckpoints } from './read-audit.js';
import { scanAuditLog } from './scan-audit-log.js';
import {
  parseSignedNote,
  signNote,
  verifyNoteSignature,
  type NoteSignature,
  type NoteVerifierKey,
} from './signed-note.js';
import { bytesEqual, decodeBase64, encodeBase64 } from '../crypto/canonical-bytes.js';

/** The origin line of Redline's audit log checkpoints unless the caller names another. */
export const DEFAULT_AUDIT_ORIGIN = 'redline.lab/audit';

/** A parsed checkpoint (not yet verified). */
export interface Checkpoint {
  /** The log's identity (first line). */
  origin: string;
  /** The number of leaves covered. */
  size: number;
  /** The RFC 6962 root hash at that size. */
  root: Uint8Array;
  /** Extension lines after the root, if any (Redline writes none). */
  extensions: string[];
  /** The signed note text: the lines above, each ending in a newline. */
  body: string;
  /** The note's signature lines. */
  signatures: NoteSignature[];
}

/** What createCheckpoint needs. */
export interface CreateCheckpointOptions {
  /** The origin line (default DEFAULT_AUDIT_ORIGIN). */
  origin?: string;
  /** The signing key's name; C2SP recommends the origin. */
  keyName: string;
  /** The log key: 64-byte Ed25519 secret key (tweetnacl form). */
  secretKey: Uint8Array;
  /** The log key's 32-byte public key. */
  publicKey: Uint8Array;
  /** Now, ISO 8601 (stored as created_at). */
  at: string;
}

/** The note text of a checkpoint: origin, size and base64 root, one per line. */
export function formatCheckpointBody(checkpoint: { origin: string; size: number; root: Uint8Array }): string {
  const { origin, size, root } = checkpoint;
  // tlog-checkpoint: origin non-empty, SHOULD hold neither Unicode spaces nor '+'. Redline's always follow that.
  // eslint-disable-next-line no-control-regex
  if (origin === '' || /[\s\u0085+\u0000-\u001f]/u.test(origin)) {
    throw new RedlineError(
      'E_USAGE',
      `checkpoint origin ${JSON.stringify(origin)} must be non-empty, without spaces, '+' or control characters (e.g. ${DEFAULT_AUDIT_ORIGIN})`,
    );
  }
  if (!Number.isSafeInteger(size) || size < 0 || root.length !== HASH_BYTES) {
    throw new RedlineError(
      'E_INTERNAL',
      `formatCheckpointBody: bad size ${size} or root of ${root.length} bytes`,
    );
  }
  return `${origin}\n${size}\n${encodeBase64(root)}\n`;
}

/**
 * Parses a checkpoint note; E_MALFORMED naming `source` and the line at fault.
 *
 * @example parseCheckpoint(await readFile('checkpoint-120.txt', 'utf8'), 'checkpoint-120.txt').size // 120
 */
export function parseCheckpoint(noteText: string, source = 'checkpoint'): Checkpoint {
  const note = parseSignedNote(noteText, source);
  const fail = (line: number, message: string): never => {
    throw new RedlineError('E_MALFORMED', `${source}:${line}: ${message}`, {
      details: { file: source, line, pointer: '', message },
    });
  };
  const lines = note.text.split('\n');
  lines.pop(); // the text ends with a newline
  if (lines.length < 3) {
    return fail(lines.length + 1, 'a checkpoint has three lines: origin, tree size, base64 root hash');
  }
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '') return fail(1, 'the origin line is empty');
  const size = Number(sizeText);
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(size)) {
    return fail(
      2,
      `the tree size must be a decimal integer without leading zeros (got ${JSON.stringify(sizeText)})`,
    );
  }
  const root = decodeBase64(rootText);
  if (root?.length !== HASH_BYTES) return fail(3, 'the root hash must be base64 of 32 bytes');
  const extensions = lines.slice(3);
  const empty = extensions.indexOf('');
  if (empty >= 0) return fail(4 + empty, 'extension lines must not be empty');
  return { origin, size, root, extensions, body: note.text, signatures: note.signatures };
}

/**
 * Checks a checkpoint's signature by the log key and returns it parsed: E_UNTRUSTED_SIGNER when no signature
 * line is by that key, E_TAMPERED when the key's signature does not verify, E_MALFORMED when it is not a
 * checkpoint.
 */
export function verifyCheckpointSignature(note: string | Checkpoint, key: NoteVerifierKey): Checkpoint {
  const checkpoint = typeof note === 'string' ? parseCheckpoint(note) : note;
  verifyNoteSignature({ text: checkpoint.body, signatures: checkpoint.signatures }, key);
  return checkpoint;
}

/**
 * Signs a checkpoint of the whole log as it is now, stores it unless one of that size is stored already, and
 * returns the note text (to be exported to a file off the database).
 *
 * Refuses (E_AUDIT) to sign a log whose entries fail their checks or that is inconsistent with a stored
 * checkpoint: a log must never sign a tree head inconsistent with one it signed before (tlog-checkpoint,
 * "Signatures"), and signing over tampering would launder it.
 *
 * @example
 * const note = createCheckpoint(db, { keyName: 'redline.lab/audit', secretKey, publicKey, at: now });
 */
export function createCheckpoint(db: Db, options: CreateCheckpointOptions): string {
  const origin = options.origin ?? DEFAULT_AUDIT_ORIGIN;
  // Validate the origin before taking the write lock (signNote checks the key).
  formatCheckpointBody({ origin, size: 0, root: new Uint8Array(HASH_BYTES) });
  if (!isIsoTimestamp(options.at)) {
    throw new RedlineError(
      'E_INTERNAL',
      `createCheckpoint: at must be an ISO 8601 timestamp (got ${JSON.stringify(options.at)})`,
    );
  }
  try {
    return db
      .transaction((): string => {
        // PostgreSQL: one host at a time reads the log and stores its checkpoint, as appends do (on SQLite the
        // IMMEDIATE transaction's write lock does it): two runners ending together sign the same size once.
        takeTransactionLock(db, ADVISORY_LOCKS.audit);
        const stored = listCheckpoints(db);
        const scan = scanAuditLog(db, new Set(stored.map((c) => c.size)));
        const first = scan.problems[0];
        if (first !== undefined) {
          throw new RedlineError(
            'E_AUDIT',
            `audit log seq ${first.seq}: ${first.problem}; refusing to sign a checkpoint over it (run "redline audit verify")`,
            { details: scan.problems },
          );
        }
        for (const checkpoint of stored) {
          const root = scan.roots.get(checkpoint.size);
          if (root === undefined || !bytesEqual(root, checkpoint.root)) {
            throw new RedlineError(
              'E_AUDIT',
              `audit log is inconsistent with its stored checkpoint of size ${checkpoint.size} (${root === undefined ? `the log has only ${scan.size} entries` : 'root differs'}); refusing to sign (run "redline audit verify")`,
            );
          }
        }
        const body = formatCheckpointBody({ origin, size: scan.size, root: scan.root });
        const note = signNote(body, options);
        if (!stored.some((c) => c.size === scan.size)) {
          db.prepare('INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)').run(
            scan.size,
            scan.root,
            note,
            options.at,
          );
        }
        return note;
      })
      .immediate();
  } catch (error) {
    if (error instanceof RedlineError) throw error;
    throw new RedlineError('E_STORE', `audit log: cannot store a checkpoint (${(error as Error).message})`, {
      cause: error,
    });
  }
}
