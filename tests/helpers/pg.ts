/**
 * PostgreSQL for the store's tests: fresh databases on the throwaway server named by REDLINE_TEST_PG (an admin URL,
 * e.g. postgres://postgres@127.0.0.1:PORT/postgres; `.ci/postgres-up` starts one), and the backend matrix that runs
 * a store test file on both SQLite and PostgreSQL.
 *
 * Without REDLINE_TEST_PG the PostgreSQL tests are skipped, saying so in their names, unless REDLINE_REQUIRE_PG=1
 * (CI sets it): then they run and fail, so a missing server is never a silent pass.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeEach } from 'vitest';
import { openLabStore } from '../../harness/store/open-lab-store.js';
import { openPgStore, redactDbLocation } from '../../harness/store/open-pg-store.js';
import { PgDb } from '../../harness/store/pg-db.js';
import type { Db } from '../../src/store/db.js';
import { openStore, type OpenStoreOptions } from '../../src/store/open-store.js';

/** True when REDLINE_TEST_PG names a PostgreSQL server to test against. */
export function hasPg(): boolean {
  return (process.env['REDLINE_TEST_PG'] ?? '') !== '';
}

/** True when the PostgreSQL tests must run (REDLINE_REQUIRE_PG=1): a missing server then fails them. */
export const isPgRequired = process.env['REDLINE_REQUIRE_PG'] === '1';

/** True when the PostgreSQL tests are skipped: no server, and none required. */
export const skipsPg = !hasPg() && !isPgRequired;

/** The test-name suffix that says why the PostgreSQL tests were skipped ('' when they run). */
export const pgSkipReason = skipsPg
  ? ' [SKIPPED: REDLINE_TEST_PG is not set (a PostgreSQL admin URL; .ci/postgres-up starts a server)]'
  : '';

/** The admin URL of the test server; throws when it is not set (the failure REDLINE_REQUIRE_PG=1 asks for). */
export function pgAdminUrl(): string {
  const url = process.env['REDLINE_TEST_PG'] ?? '';
  if (url === '') {
    throw new Error(
      `REDLINE_TEST_PG is not set${isPgRequired ? ' but REDLINE_REQUIRE_PG=1' : ''}: start a server with ` +
        '.ci/postgres-up and export the URL it prints',
    );
  }
  return url;
}

/** The URL of `database` on the test server, as the admin role. */
export function pgUrlOf(database: string): string {
  const url = new URL(pgAdminUrl());
  url.pathname = `/${database}`;
  return url.href;
}

/** A database made for a test, and how to drop it. */
export interface PgTestDatabase {
  /** Its URL (admin role). */
  url: string;
  /** Its name, `redline_t_<hex>`. */
  name: string;
  /** Drops it, ending any connection still open to it. */
  drop(): Promise<void>;
}

function newDatabaseName(): string {
  return `redline_t_${randomBytes(6).toString('hex')}`;
}

/** Runs one statement on the admin database with node-postgres (outside the store code), e.g. CHECKPOINT. */
export async function runAsPgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgAdminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database (no Redline tables) on the test server.
 *
 * @example
 * const database = await createPgDatabase();
 * const db = openPgStore(database.url);
 * // ...
 * db.close();
 * await database.drop();
 */
export async function createPgDatabase(): Promise<PgTestDatabase> {
  const name = newDatabaseName();
  await runAsPgAdmin(`CREATE DATABASE ${name}`);
  return {
    url: pgUrlOf(name),
    name,
    drop: () => runAsPgAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** A synchronous connection to the admin database, for suites that make databases inside synchronous tests. */
export function openPgAdmin(): PgDb {
  const url = pgAdminUrl();
  return new PgDb(url, redactDbLocation(url), false);
}

/**
 * A connection with no Redline checks: no migration, no key (PostgreSQL: a PgDb; SQLite: the driver on the file).
 * `readonly` opens an existing SQLite file read-only, so reading it leaves the file as it was.
 */
export function openRawDb(location: string, options: { readonly?: boolean } = {}): Db {
  const isReadonly = options.readonly ?? false;
  if (isUrl(location)) return new PgDb(location, redactDbLocation(location), isReadonly);
  const db = new Database(location, isReadonly ? { readonly: true, fileMustExist: true } : {});
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Runs `fn` on a raw connection (see openRawDb: an operator's psql, an attacker's write access), then closes it. */
export function withRawDb<T>(location: string, fn: (db: Db) => T, options: { readonly?: boolean } = {}): T {
  const db = openRawDb(location, options);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function isUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//.test(location);
}

/** A lab database made for a test by a {@link StoreBackend}. */
export interface TestStore {
  /** The connection `open` made (closed by the backend's cleanup when the test leaves it open). */
  db: Db;
  /** Where it is: the SQLite file, or the PostgreSQL URL. */
  location: string;
  /** Another connection to it, through openLabStore (as the CLI opens it). */
  reopen(options?: OpenStoreOptions): Db;
  /** A connection with no Redline checks (see openRawDb), e.g. to tamper with rows as an attacker would. */
  openRaw(): Db;
}

/** One backend of the store matrix. */
export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** The name, with the reason when its tests are skipped. */
  label: string;
  /** The label: what describe.each's `%s` shows. */
  toString(): string;
  /** True when its tests are skipped (PostgreSQL without a server). */
  isSkipped: boolean;
  /** A fresh, migrated lab database, opened with `options`. */
  open(options?: OpenStoreOptions): TestStore;
  /** A fresh database without Redline's tables (SQLite: in memory), opened raw. */
  openEmpty(): Db;
  /** Closes every connection it made and removes its databases. */
  cleanup(): Promise<void>;
}

/**
 * The lab database backends, SQLite and PostgreSQL, each making fresh databases; run a suite on each with
 * `describe.each(storeBackends())('... on %s', (backend) => { useStoreBackend(backend); ... })`.
 */
export function storeBackends(): StoreBackend[] {
  return [sqliteBackend(), postgresBackend()];
}

/**
 * Registers a backend's hooks in the current describe block: its tests are skipped (with the reason in the
 * block's name, `%s`) when the backend is, and its databases are removed after the block.
 */
export function useStoreBackend(backend: StoreBackend): void {
  beforeEach((context) => {
    context.skip(backend.isSkipped, pgSkipReason.trim());
  });
  afterAll(() => backend.cleanup());
}

function sqliteBackend(): StoreBackend {
  let dir: string | undefined;
  let count = 0;
  const connections: Db[] = [];
  const track = <T extends Db>(db: T): T => {
    connections.push(db);
    return db;
  };
  return {
    name: 'sqlite',
    label: 'sqlite',
    toString: () => 'sqlite',
    isSkipped: false,
    open(options = {}) {
      dir ??= mkdtempSync(join(tmpdir(), 'redline-store-test-'));
      const location = join(dir, `lab-${++count}.db`);
      return {
        db: track(openStore(location, options)),
        location,
        reopen: (again = {}) => track(openStore(location, again)),
        openRaw: () => track(openRawDb(location)),
      };
    },
    openEmpty: () => track(new Database(':memory:')),
    cleanup() {
      for (const db of connections.splice(0)) db.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
      return Promise.resolve();
    },
  };
}

function postgresBackend(): StoreBackend {
  let admin: PgDb | undefined;
  // A migrated database that fresh ones are copied from: a copy takes a fraction of the time migrating takes.
  let template: string | undefined;
  const databases: string[] = [];
  const connections: Db[] = [];
  const track = <T extends Db>(db: T): T => {
    connections.push(db);
    return db;
  };
  const createDatabase = (from?: string): string => {
    admin ??= openPgAdmin();
    const name = newDatabaseName();
    admin.exec(`CREATE DATABASE ${name}${from === undefined ? '' : ` TEMPLATE ${from}`}`);
    databases.push(name);
    return name;
  };
  return {
    name: 'postgres',
    label: `postgres${pgSkipReason}`,
    toString: () => `postgres${pgSkipReason}`,
    isSkipped: skipsPg,
    open(options = {}) {
      if (template === undefined) {
        const name = createDatabase();
        openPgStore(pgUrlOf(name)).close();
        template = name;
      }
      const location = pgUrlOf(createDatabase(template));
      return {
        db: track(openPgStore(location, options)),
        location,
        reopen: (again = {}) => track(openLabStore(location, again)),
        openRaw: () => track(openRawDb(location)),
      };
    },
    openEmpty: () => track(openRawDb(pgUrlOf(createDatabase()))),
    cleanup() {
      for (const db of connections.splice(0)) db.close();
      if (admin !== undefined) {
        for (const name of databases.splice(0)) admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        admin.close();
      }
      admin = undefined;
      template = undefined;
      return Promise.resolve();
    },
  };
}
