/**
 * `redline db encrypt|rekey|status`: encryption at rest of the lab database (docs/security.md, "The encrypted lab
 * database"). Keys come from key files (REDLINE_DB_KEY_FILE, the keyring's db keys, --new-key-file), never from
 * the command line. A SQLite file is converted whole (src/store/convert-store.ts); a PostgreSQL database has its
 * item columns sealed in one transaction (harness/store/pg-column-crypt.ts).
 */
import type { Command } from 'commander';
import { redactUrl } from '../../../src/endpoint/redact-url.js';
import { RedlineError, isRedlineError } from '../../../src/errors.js';
import { convertStore, type ConvertedStore } from '../../../src/store/convert-store.js';
import type { Db } from '../../../src/store/db.js';
import { openStore } from '../../../src/store/open-store.js';
import { STORE_CIPHER } from '../../../src/store/store-cipher.js';
import { readStoreFileKind } from '../../../src/store/store-file-kind.js';
import { isPostgresUrl } from '../../store/open-pg-store.js';
import {
  convertPgColumns,
  PG_COLUMN_CIPHER,
  readPgStoreState,
  type PgColumnConversion,
} from '../../store/pg-column-crypt.js';
import { openAuditTrail } from '../audit-trail.js';
import { commandNameOf } from '../command-name.js';
import {
  DB_KEY_FILE_ENV,
  listDbKeys,
  loadDbKeyFile,
  loadKeyringDbKey,
  resolveDbKey,
  type DbKey,
} from '../db-key.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { dbPath, keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';

const DB_HELP = 'lab database: a SQLite file or a postgres:// URL (default ./redline.db, env REDLINE_DB)';
const KEYS_HELP = 'keyring holding the db key and its ID.age (default ./keys, env REDLINE_KEYS)';

/** Registers `db encrypt`, `db rekey` and `db status`. */
export function registerDbCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const db = program
    .command('db')
    .description('Encrypt the lab database, change its key, or show how it is encrypted.');

  db.command('encrypt')
    .description(
      `Encrypt a plaintext lab database in place with the configured db key (${DB_KEY_FILE_ENV}, or the keyring's db key).`,
    )
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action((flags: { db?: string; keys?: string }) => {
      const file = dbPath(flags.db, io);
      const dir = keysDir(flags.keys, io);
      const key = resolveDbKey(io, dir);
      if (key === null) {
        throw new RedlineError(
          'E_DB_KEY',
          `no database key configured: create one with "redline keys gen --id lab-db --role db --out ${dir}" ` +
            `(its ID.age stays in the keyring), or set ${DB_KEY_FILE_ENV} to an age identity file`,
        );
      }
      const data = { to: keyData(key) };
      if (isPostgresUrl(file)) {
        const sealed = convertPgColumns(file, {
          to: key,
          record: (db) => appendConversion(db, io, dir, 'db.encrypted', data),
        });
        io.stdout(
          `encrypted the item columns of ${redactUrl(file)} with ${key.label}: ${describeSealed(sealed)}\n`,
        );
      } else {
        const copied = convertStore(file, { to: key });
        recordConversion(io, file, dir, key, 'db.encrypted', data);
        io.stdout(`encrypted ${file} with ${key.label}: ${describeCopy(copied)}\n`);
      }
      exit.code = 0;
    });

  db.command('rekey')
    .description(
      `Re-encrypt the lab database in place with a new key; the current one comes from ${DB_KEY_FILE_ENV} or the keyring.`,
    )
    .option('--new-key-file <file>', 'age identity file (ID.age) of the new key')
    .option('--new-key <id>', 'keyring id of the new db key (its ID.age beside its ID.pub.json)')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action((flags: { newKeyFile?: string; newKey?: string; db?: string; keys?: string }) => {
      const file = dbPath(flags.db, io);
      const dir = keysDir(flags.keys, io);
      const next = newKeyOf(flags, dir);
      const current = currentKeyFor(io, dir, next);
      if (current.keyId === next.keyId) {
        throw new RedlineError('E_USAGE', `the new key is the current key (${current.label}): nothing to do`);
      }
      const data = { from: keyData(current), to: keyData(next) };
      if (isPostgresUrl(file)) {
        const sealed = convertPgColumns(file, {
          from: current,
          to: next,
          record: (db) => appendConversion(db, io, dir, 'db.rekeyed', data),
        });
        io.stdout(
          `re-encrypted the item columns of ${redactUrl(file)} from ${current.label} to ${next.label}: ${describeSealed(sealed)}\n`,
        );
      } else {
        const copied = convertStore(file, { from: current, to: next });
        recordConversion(io, file, dir, next, 'db.rekeyed', data);
        io.stdout(`re-encrypted ${file} from ${current.label} to ${next.label}: ${describeCopy(copied)}\n`);
      }
      io.stderr(nextSteps(io, dir, current, next));
      exit.code = 0;
    });

  db.command('status')
    .description(
      'Show whether the lab database is encrypted, with which cipher, and whether the configured key opens it.',
    )
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .option('--json', 'print the status as JSON')
    .action((flags: { db?: string; keys?: string; json?: boolean }) => {
      const status = readStatus(io, flags);
      if (flags.json === true) {
        io.stdout(`${JSON.stringify(status, null, 2)}\n`);
      } else {
        io.stdout(
          `${status.file}: ${status.state}\n` +
            (status.backend === undefined ? '' : `  backend   ${status.backend}\n`) +
            describeCipher(status.cipher) +
            `  key       ${status.key === null ? 'none configured' : `${status.key.label}, key id ${status.key.keyId}`}\n` +
            (status.keyProblem === null ? '' : `  problem   ${status.keyProblem}\n`) +
            (status.schema === null ? '' : `  schema    ${status.schema}\n`),
        );
      }
      exit.code = 0;
    });
}

/** What `db status` reports. */
interface DbStatus {
  /** The SQLite file, or the PostgreSQL URL without its password. */
  file: string;
  /** PostgreSQL only (the SQLite output predates it). */
  backend?: 'postgres';
  state: 'missing' | 'empty' | 'plaintext' | 'encrypted' | 'not a database';
  encrypted: boolean;
  cipher: typeof STORE_CIPHER | typeof PG_COLUMN_CIPHER | null;
  key: { label: string; id: string | null; keyId: string; file: string } | null;
  /** Whether the configured key fits the file: null when there is nothing to open. */
  opens: boolean | null;
  keyProblem: string | null;
  schema: number | null;
}

function readStatus(io: CliIo, flags: { db?: string; keys?: string }): DbStatus {
  const file = dbPath(flags.db, io);
  const isPg = isPostgresUrl(file);
  const pg = isPg ? readPgStoreState(file) : null;
  const kind = pg?.state ?? readStoreFileKind(file);
  let key: DbKey | null = null;
  let keyProblem: string | null = null;
  try {
    key = resolveDbKey(io, keysDir(flags.keys, io));
  } catch (error) {
    if (!isRedlineError(error)) throw error;
    keyProblem = `${error.message} [${error.code}]`;
  }
  let opens: boolean | null = null;
  // PostgreSQL keeps the schema version in plaintext; a SQLite file tells it only to its key.
  let schema: number | null = pg?.schema ?? null;
  if ((kind === 'plaintext' || kind === 'encrypted') && keyProblem === null) {
    try {
      const db = openLabDb(flags, io, { readonly: true });
      try {
        if (pg === null) schema = db.pragma('user_version', { simple: true }) as number;
      } finally {
        db.close();
      }
      opens = true;
    } catch (error) {
      if (!isRedlineError(error)) throw error;
      opens = false;
      keyProblem = `${error.message} [${error.code}]`;
    }
  }
  return {
    file: isPg ? redactUrl(file) : file,
    ...(isPg ? { backend: 'postgres' as const } : {}),
    state: kind === 'other' ? 'not a database' : kind,
    encrypted: kind === 'encrypted',
    cipher: kind === 'encrypted' ? (isPg ? PG_COLUMN_CIPHER : STORE_CIPHER) : null,
    key: key === null ? null : { label: key.label, id: key.entryId, keyId: key.keyId, file: key.file },
    opens,
    keyProblem,
    schema,
  };
}

/** The new key of `db rekey`: a key file, or a keyring db key by id. */
function newKeyOf(flags: { newKeyFile?: string; newKey?: string }, dir: string): DbKey {
  if ((flags.newKeyFile === undefined) === (flags.newKey === undefined)) {
    throw new RedlineError(
      'E_USAGE',
      'pass the new key as --new-key-file FILE (an age identity file) or --new-key ID (a db key of the keyring)',
    );
  }
  if (flags.newKeyFile !== undefined) return loadDbKeyFile(flags.newKeyFile, dir);
  const found = listDbKeys(dir).find((key) => key.entry.entry.id === flags.newKey);
  if (found === undefined) {
    throw new RedlineError(
      'E_NOT_FOUND',
      `${dir}: no db key "${flags.newKey}" (create it with "redline keys gen --role db")`,
    );
  }
  if (!found.hasSecret) {
    throw new RedlineError(
      'E_KEY',
      `${dir}: db key "${flags.newKey}" has no secret ${flags.newKey}.age beside it`,
    );
  }
  return loadKeyringDbKey(dir, found.entry);
}

/** The key the database is encrypted with now: REDLINE_DB_KEY_FILE, else the one other usable db key of the keyring. */
function currentKeyFor(io: CliIo, dir: string, next: DbKey): DbKey {
  const named = io.env[DB_KEY_FILE_ENV];
  if (named !== undefined && named !== '') return loadDbKeyFile(named, dir);
  const others = listDbKeys(dir).filter((key) => key.hasSecret && key.entry.recipient.keyId !== next.keyId);
  if (others.length === 1) return loadKeyringDbKey(dir, others[0]!.entry);
  throw new RedlineError(
    'E_DB_KEY',
    others.length === 0
      ? `${dir}: no current db key besides the new one: set ${DB_KEY_FILE_ENV} to the key file the database is encrypted with`
      : `${dir}: ${others.length} db keys could be the current one (${others.map((k) => k.entry.entry.id).join(', ')}): ` +
          `set ${DB_KEY_FILE_ENV} to the one the database is encrypted with`,
  );
}

/** Appends the conversion's audit event to the converted SQLite file (opened with its new key). */
function recordConversion(
  io: CliIo,
  file: string,
  dir: string,
  key: DbKey,
  type: 'db.encrypted' | 'db.rekeyed',
  data: Record<string, unknown>,
): void {
  const db = openStore(file, { key });
  try {
    appendConversion(db, io, dir, type, data);
  } finally {
    db.close();
  }
}

/** Appends the conversion's audit event and checkpoints (on PostgreSQL inside the conversion's transaction). */
function appendConversion(
  db: Db,
  io: CliIo,
  dir: string,
  type: 'db.encrypted' | 'db.rekeyed',
  data: Record<string, unknown>,
): void {
  const trail = openAuditTrail(db, io, dir);
  trail.append(type, { command: commandNameOf(io), ...data });
  trail.close();
}

function keyData(key: DbKey): { key: string | null; keyId: string } {
  return { key: key.entryId, keyId: key.keyId };
}

function describeCopy(copied: ConvertedStore): string {
  const rows = Object.values(copied.rows).reduce((sum, n) => sum + n, 0);
  return `${Object.keys(copied.rows).length} tables, ${rows} rows, schema ${copied.userVersion}; verified and renamed over the old file`;
}

function describeSealed(sealed: PgColumnConversion): string {
  return (
    `${sealed.values} values sealed (${sealed.results} result rows, ${sealed.transcripts} transcripts), ` +
    `schema ${sealed.schema}; committed in one transaction`
  );
}

/** The cipher line of the text status ('' when not encrypted). */
function describeCipher(cipher: DbStatus['cipher']): string {
  if (cipher === null) return '';
  if (cipher.cipher === 'sqlcipher') {
    return `  cipher    ${cipher.cipher} (SQLCipher ${cipher.legacy} format), ${cipher.pageSize}-byte pages, raw key\n`;
  }
  return `  cipher    ${cipher.cipher} ${cipher.scope} (${cipher.columns.join(', ')})\n`;
}

/** What to do so that the next commands pick the new key. */
function nextSteps(io: CliIo, dir: string, current: DbKey, next: DbKey): string {
  const steps: string[] = [];
  if (current.entryId !== null)
    steps.push(
      `move the old key's secret ${current.file} out of the keyring (keep it offline if old backups need it)`,
    );
  if (next.entryId === null)
    steps.push(`set ${DB_KEY_FILE_ENV}=${next.file}, or put the new key in the keyring ${dir}`);
  else if (io.env[DB_KEY_FILE_ENV] !== undefined && io.env[DB_KEY_FILE_ENV] !== '')
    steps.push(`set ${DB_KEY_FILE_ENV}=${next.file} (or unset it to use the keyring's db key)`);
  return steps.length === 0 ? '' : `redline: next: ${steps.join('; ')}\n`;
}
