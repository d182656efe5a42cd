/**
 * Item-bearing columns of a PostgreSQL lab database (responses, answers, transcripts), encrypted by Redline before
 * they leave the process when the lab database is encrypted: a SQLite lab database is encrypted whole by SQLCipher,
 * but a database server's files, WAL and backups would otherwise hold the benchmark's items in plaintext.
 *
 * A value is stored as `rl1:` + base64(nonce (12) || AES-256-GCM ciphertext || tag (16)), with the column name and
 * the row's key as associated data: a value copied to another row or column does not open. The column key is
 * derived from the database key with HKDF-SHA256 (info `redline column cipher v1`), so the one db key opens both
 * backends and never leaves the process.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { RedlineError } from '../errors.js';
import type { ColumnCipher } from './db.js';
import type { StoreKey } from './store-cipher.js';

const PREFIX = 'rl1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A column cipher under `key`, and the check value that tells a database which key it was encrypted with. */
export function createColumnCipher(key: StoreKey): ColumnCipher & { checkValue: string; label: string } {
  const columnKey = Buffer.from(
    hkdfSync('sha256', key.raw, new Uint8Array(0), 'redline column cipher v1', 32),
  );
  const checkValue = createHmac('sha256', columnKey).update('redline column cipher check v1').digest('hex');
  return {
    checkValue,
    label: key.label,
    seal(value, column, rowKey) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', columnKey, nonce);
      cipher.setAAD(Buffer.from(`${column}\u0000${rowKey}`, 'utf8'));
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
    },
    open(stored, column, rowKey) {
      const bytes = stored.startsWith(PREFIX) ? Buffer.from(stored.slice(PREFIX.length), 'base64') : null;
      if (bytes === null || bytes.length < NONCE_BYTES + TAG_BYTES) {
        throw new RedlineError(
          'E_DB_KEY',
          `${column} of ${rowKey.replaceAll('\u0000', '/')}: not an encrypted value (the database was written ` +
            'without a key): run "redline db encrypt" on it',
        );
      }
      const decipher = createDecipheriv('aes-256-gcm', columnKey, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(`${column}\u0000${rowKey}`, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      try {
        return Buffer.concat([
          decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch (error) {
        throw new RedlineError(
          'E_DB_KEY',
          `${column} of ${rowKey.replaceAll('\u0000', '/')}: does not open with ${key.label} (a wrong key, or a ` +
            'value moved from another row)',
          { cause: error },
        );
      }
    },
  };
}

/** The row key of a unit's values: run, sample and epoch. */
export function unitRowKey(runId: string, sampleId: string, epoch: number): string {
  return `${runId}\u0000${sampleId}\u0000${epoch}`;
}
