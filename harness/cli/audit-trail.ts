/**
 * The audit trail of one CLI command: appends events to the lab database's audit log and, when the command ends,
 * writes a signed checkpoint with the lab's log key (the keyring entry of role `log`, whose secret `ID.key` lies
 * beside it). Every CHECKPOINT_EVERY entries a checkpoint is also written mid-command.
 */
import { userInfo, hostname } from 'node:os';
import { join } from 'node:path';
import { appendAudit, type AuditEventType } from '../../src/audit/append-audit.js';
import { createCheckpoint, DEFAULT_AUDIT_ORIGIN } from '../../src/audit/checkpoint.js';
import { loadSigningKey } from '../../src/crypto/key-files.js';
import { findByRole, listKeyring } from '../../src/crypto/keyring.js';
import type { MinisignSigningKey } from '../../src/crypto/minisign.js';
import { RedlineError } from '../../src/errors.js';
import type { Db } from '../../src/store/open-store.js';
import type { CliIo } from './io.js';

/** Entries between automatic checkpoints. */
export const CHECKPOINT_EVERY = 100;

/** Appends events for one command and seals them with a checkpoint at the end. */
export interface AuditTrail {
  append(type: AuditEventType, data: Record<string, unknown>): void;
  /** Writes the closing checkpoint if anything was appended; returns its note, or null. */
  close(): string | null;
}

/** Who acts: the OS user on this host. */
export function currentActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (containers): keep "unknown".
  }
  return `${user}@${hostname()}`;
}

/**
 * The log key of the keyring in `keysDir`, or null when the lab has none (checkpoints are then skipped, with a note).
 * Throws when there are several log keys, or the secret file is unsafe.
 */
export function loadLogKey(keysDir: string): { key: MinisignSigningKey; id: string } | null {
  const entries = safeList(keysDir) ? findByRole(keysDir, 'log') : [];
  if (entries.length === 0) return null;
  if (entries.length > 1) {
    throw new RedlineError(
      'E_KEY',
      `${keysDir}: ${entries.length} log keys (${entries.map((e) => e.entry.id).join(', ')}); keep exactly one`,
    );
  }
  const entry = entries[0]!;
  const file = join(keysDir, `${entry.entry.id}.key`);
  try {
    return { key: loadSigningKey(file), id: entry.entry.id };
  } catch (error) {
    if (error instanceof RedlineError && error.code === 'E_INPUT') return null; // public entry only: not the log host
    throw error;
  }
}

function safeList(dir: string): boolean {
  try {
    listKeyring(dir);
    return true;
  } catch (error) {
    if (error instanceof RedlineError && (error.code === 'E_INPUT' || error.code === 'E_NOT_FOUND'))
      return false;
    throw error;
  }
}

/** Opens the audit trail of a command on `db`. */
export function openAuditTrail(db: Db, io: CliIo, keysDir: string): AuditTrail {
  const actor = currentActor();
  let appended = 0;
  let logKey: ReturnType<typeof loadLogKey> | undefined;
  const checkpoint = (): string | null => {
    logKey ??= loadLogKey(keysDir);
    if (logKey === null) {
      io.stderr(
        `redline: note: no log key in ${keysDir}: audit checkpoints not written (create one with ` +
          `"redline keys gen --id lab-log --role log --out ${keysDir}")\n`,
      );
      return null;
    }
    try {
      return createCheckpoint(db, {
        origin: DEFAULT_AUDIT_ORIGIN,
        keyName: DEFAULT_AUDIT_ORIGIN,
        secretKey: logKey.key.secretKey,
        publicKey: logKey.key.publicKey,
        at: new Date().toISOString(),
      });
    } catch (error) {
      // The log fails its own checks: signing over it would launder tampering. The command's own work is stored;
      // the operator must look now.
      if (error instanceof RedlineError && error.code === 'E_AUDIT') {
        io.stderr(`redline: WARNING: no checkpoint written: ${error.message}; run "redline audit verify"\n`);
        return null;
      }
      throw error;
    }
  };
  return {
    append(type, data) {
      const { seq } = appendAudit(db, { type, actor, at: new Date().toISOString(), data });
      appended++;
      if (seq % CHECKPOINT_EVERY === 0) checkpoint();
    },
    close() {
      if (appended === 0) return null;
      appended = 0;
      return checkpoint();
    },
  };
}
