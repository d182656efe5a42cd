/**
 * The suite a command is given: a plain suite directory or file, or a sealed suite (an age file) with the identity
 * that opens it (`--identity KEYFILE`, else env REDLINE_IDENTITY; never the key itself on the command line). A
 * sealed suite is decrypted in memory, and its opening is an audit event `suite.opened` in the lab database: who
 * (the key id of the identity), what (the suite's identity), when, and which command.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadAgeIdentity } from '../../src/crypto/key-files.js';
import { findByKeyId } from '../../src/crypto/keyring.js';
import { RedlineError } from '../../src/errors.js';
import type { Db } from '../../src/store/open-store.js';
import type { SuiteHandle } from '../../src/suite/load-suite.js';
import { openSuite } from '../../src/suite/load-suite.js';
import {
  isSealedSuite,
  openSealedSuite,
  validateSealedSuite,
  type SuiteIdentity,
} from '../../src/suite/open-sealed-suite.js';
import { validateSuite, type SuiteValidation } from '../../src/suite/validate-suite.js';
import { openAuditTrail } from './audit-trail.js';
import type { CliIo } from './io.js';
import { openLabDb } from './open-lab-db.js';
import { keysDir } from './options.js';

/** The help text of `--identity`, the same on every command that takes a suite. */
export const IDENTITY_HELP =
  'age identity file (e.g. keys/ID.age) that opens a sealed suite (env REDLINE_IDENTITY)';

/**
 * Adds the options of a command that may open a sealed suite outside a run: `--identity`, and where its opening is
 * recorded (`--db`, and `--keys` to name the key).
 */
export function addSealedSuiteOptions(command: Command): Command {
  return command
    .option('--identity <file>', IDENTITY_HELP)
    .option(
      '--db <file>',
      'lab database that records the opening of a sealed suite (default: REDLINE_DB, else ./redline.db if it exists)',
    )
    .option(
      '--keys <dir>',
      'keyring, to name the key that opened a sealed suite (default ./keys, env REDLINE_KEYS)',
    );
}

/** How a sealed suite was opened: what the audit event records. */
export interface SealedOpening {
  /** The sealed file, as the user named it. */
  file: string;
  /** The identity file, as the user named it. */
  identityFile: string;
  /** Key id (hex SHA-256 of the X25519 public key) of the identity used. */
  keyId: string;
}

/** A suite given on the command line, opened. */
export interface OpenedSuite {
  suite: SuiteHandle;
  /** Set when it was sealed. */
  sealed?: SealedOpening;
}

/**
 * Opens the suite at `path`: decrypted in memory with the identity when it is sealed. Throws before anything is
 * stored: E_USAGE (sealed without an identity; an identity for a plain suite directory), E_MALFORMED (an identity
 * given with a file that is not sealed), E_KEY (not an age identity file), and the errors of openSealedSuite.
 */
export async function openSuiteArgument(
  path: string,
  identityOption: string | undefined,
  io: CliIo,
): Promise<OpenedSuite> {
  const key = await identityFor(path, identityOption, io);
  if (key === undefined) return { suite: await openSuite(path) };
  return { suite: await openSealedSuite(path, key), sealed: openingOf(path, key) };
}

/** Validates the suite at `path` (see openSuiteArgument for a sealed one). */
export async function validateSuiteArgument(
  path: string,
  identityOption: string | undefined,
  io: CliIo,
): Promise<{ validation: SuiteValidation; sealed?: SealedOpening }> {
  const key = await identityFor(path, identityOption, io);
  if (key === undefined) return { validation: await validateSuite(path) };
  return { validation: await validateSealedSuite(path, key), sealed: openingOf(path, key) };
}

/**
 * Appends `suite.opened` to the audit log of `db` (with its own checkpoint), for a sealed suite; nothing for a plain
 * one. `suite` is null when the sealed suite did not validate.
 */
export function recordSuiteOpened(
  db: Db,
  io: CliIo,
  options: {
    keys?: string;
    command: string;
    sealed: SealedOpening | undefined;
    suite: SuiteIdentityData | null;
  },
): void {
  const { sealed } = options;
  if (sealed === undefined) return;
  const dir = keysDir(options.keys, io);
  let key: string | null = null;
  try {
    key = findByKeyId(dir, sealed.keyId)?.entry.id ?? null;
  } catch {
    // No readable keyring here: the key id alone says who.
  }
  const trail = openAuditTrail(db, io, dir);
  try {
    trail.append('suite.opened', {
      keyId: sealed.keyId,
      key,
      suite: options.suite,
      file: sealed.file,
      command: options.command,
    });
  } finally {
    trail.close();
  }
}

/** The suite identity an audit event records. */
export interface SuiteIdentityData {
  id: string;
  version: string;
  sha256: string;
}

/**
 * Records `suite.opened` for a command that has no lab database of its own (validate, images, sim): in the one named
 * by --db or REDLINE_DB, else ./redline.db when it exists; otherwise it says on stderr that the opening was not
 * recorded.
 */
export function recordSuiteOpenedInLab(
  io: CliIo,
  options: {
    db?: string;
    keys?: string;
    command: string;
    sealed: SealedOpening | undefined;
    suite: SuiteIdentityData | null;
  },
): void {
  if (options.sealed === undefined) return;
  const file =
    options.db ?? io.env.REDLINE_DB ?? (existsSync(resolve(io.cwd, 'redline.db')) ? 'redline.db' : undefined);
  if (file === undefined) {
    io.stderr(
      `redline: note: no lab database (--db, REDLINE_DB or ./redline.db): the opening of the sealed suite ` +
        `${options.sealed.file} was not recorded in an audit log\n`,
    );
    return;
  }
  const db = openLabDb({ db: file, keys: options.keys }, io);
  try {
    recordSuiteOpened(db, io, options);
  } finally {
    db.close();
  }
}

/** The identity of a handle, as audit events record it. */
export function suiteIdentityOf(suite: SuiteHandle): SuiteIdentityData {
  return { id: suite.header.id, version: suite.header.version, sha256: suite.sha256 };
}

/** The identity that opens `path` when it is sealed; undefined for a plain suite. */
async function identityFor(
  path: string,
  identityOption: string | undefined,
  io: CliIo,
): Promise<SuiteIdentity | undefined> {
  if (!(await isSealedSuite(path))) {
    const stats = await stat(path).catch(() => undefined);
    if (identityOption !== undefined && stats?.isDirectory() === true) {
      throw new RedlineError(
        'E_USAGE',
        `--identity is for sealed suites, and ${path} is a plain suite directory: leave --identity out`,
      );
    }
    if (stats?.isFile() === true && (identityOption !== undefined || path.toLowerCase().endsWith('.age'))) {
      throw new RedlineError(
        'E_MALFORMED',
        `${path} is not a sealed suite (not an age file: it does not start with "age-encryption.org/v1"); ` +
          'seal a suite with "redline suite seal DIR --to KEY_ID --out FILE", or give a plain suite without --identity',
      );
    }
    return undefined;
  }
  const file = identityOption ?? nonEmpty(io.env.REDLINE_IDENTITY);
  if (file === undefined) {
    throw new RedlineError(
      'E_USAGE',
      `${path} is a sealed suite: pass --identity KEYFILE (the age identity of a key it is sealed to, e.g. ` +
        'keys/ID.age) or set REDLINE_IDENTITY',
    );
  }
  if (/\.pub(\.json)?$/.test(file)) {
    throw new RedlineError(
      'E_KEY',
      `${file} is a public key, not an age identity: pass the secret ID.age file of the key (mode 0600)`,
    );
  }
  return { identity: loadAgeIdentity(file), file };
}

function openingOf(path: string, key: SuiteIdentity): SealedOpening {
  return { file: path, identityFile: key.file, keyId: key.identity.keyId };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
