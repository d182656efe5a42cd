/**
 * The PostgreSQL lab database on a real server (REDLINE_TEST_PG): PgDb's synchronous statement API as the store
 * uses it, its errors, openPgStore's refusals, and several processes migrating and appending to one database at
 * once. The parameter translation runs everywhere; the rest is skipped, saying so, without a server (and fails
 * under REDLINE_REQUIRE_PG=1).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../../src/audit/append-audit.js';
import { verifyAudit } from '../../../src/audit/verify-audit.js';
import { isUniqueViolation } from '../../../src/store/db.js';
import { SCHEMA_VERSION } from '../../../src/store/open-store.js';
import { insertRun, listRuns } from '../../../src/store/runs.js';
import { getMeta, openPgStore, setMeta } from '../../../harness/store/open-pg-store.js';
import { PgError, translateParameters, type PgDb } from '../../../harness/store/pg-db.js';
import { newRunRecord } from '../../helpers/add-run.js';
import { codeOf, driverCodeOf, errorOf } from '../../helpers/error-of.js';
import {
  createPgDatabase,
  hasPg,
  isPgRequired,
  openRawDb,
  pgSkipReason,
  skipsPg,
  type PgTestDatabase,
} from '../../helpers/pg.js';
import { runTogether } from '../../helpers/run-together.js';
import { LOG_KEY } from '../../src/audit/audit-helpers.js';

const OPEN_SCRIPT = fileURLToPath(new URL('../../helpers/open-pg-store-process.ts', import.meta.url));
const APPEND_SCRIPT = fileURLToPath(new URL('../../src/audit/append-worker.ts', import.meta.url));

describe('translateParameters', () => {
  it('numbers positional parameters in order', () => {
    expect(translateParameters('SELECT * FROM t WHERE a = ? AND b IN (?, ?)')).toEqual({
      sql: 'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
      names: null,
      count: 3,
    });
    expect(translateParameters('SELECT 1')).toEqual({ sql: 'SELECT 1', names: null, count: 0 });
  });

  it('numbers named parameters by first use, reusing the number of a repeated name', () => {
    expect(translateParameters('UPDATE t SET a = @a_1, b = @b WHERE a <> @a_1')).toEqual({
      sql: 'UPDATE t SET a = $1, b = $2 WHERE a <> $1',
      names: ['a_1', 'b'],
      count: 2,
    });
  });

  it('leaves quoted strings, quoted identifiers and comments alone', () => {
    const sql = [
      `SELECT '?', 'it''s @here?', "odd?col", "say ""@x""" FROM t -- why? @because`,
      `/* is it? @maybe */ WHERE a = ?`,
    ].join('\n');
    expect(translateParameters(sql)).toEqual({
      sql: sql.replace('a = ?', 'a = $1'),
      names: null,
      count: 1,
    });
    // Not a parameter: an operator or a cast after @ or ?.
    expect(translateParameters('SELECT @ -5, a::text FROM t WHERE b = @b').sql).toBe(
      'SELECT @ -5, a::text FROM t WHERE b = $1',
    );
  });

  it('refuses a statement that mixes ? and @name', () => {
    expect(() => translateParameters('SELECT ? WHERE a = @a')).toThrow(RangeError);
  });
});

describe('the PostgreSQL test server', () => {
  it.runIf(isPgRequired)('is named by REDLINE_TEST_PG when REDLINE_REQUIRE_PG=1', () => {
    expect(hasPg()).toBe(true);
  });
});

describe.skipIf(skipsPg)(`PgDb${pgSkipReason}`, () => {
  let database: PgTestDatabase;
  let db: PgDb;
  beforeAll(async () => {
    database = await createPgDatabase();
    db = openRawDb(database.url) as PgDb;
    db.exec(`CREATE TABLE items (
      id    BIGINT PRIMARY KEY,
      name  TEXT COLLATE "C" NOT NULL,
      data  BYTEA,
      score DOUBLE PRECISION
    )`);
  });
  afterAll(async () => {
    db?.close();
    await database?.drop();
  });

  /** Empties the table and inserts rows (id, name) = (1, 'a'), (2, 'b'), (3, 'c'). */
  function seed(): void {
    db.exec('DELETE FROM items');
    const insert = db.prepare('INSERT INTO items (id, name) VALUES (?, ?)');
    for (const [id, name] of [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ] as const)
      insert.run(id, name);
  }

  it('reads rows as objects (get, all, iterate), arrays (raw) and values (pluck)', () => {
    seed();
    expect(db.prepare('SELECT id, name FROM items WHERE id = ?').get(2)).toEqual({ id: 2, name: 'b' });
    expect(db.prepare('SELECT id FROM items WHERE id = ?').get(99)).toBeUndefined();
    expect(db.prepare('SELECT id, name FROM items ORDER BY id').all()).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 3, name: 'c' },
    ]);
    expect([...db.prepare('SELECT name FROM items WHERE id > ? ORDER BY id').iterate(1)]).toEqual([
      { name: 'b' },
      { name: 'c' },
    ]);
    expect(db.prepare('SELECT id, name FROM items ORDER BY id DESC').raw().all()).toEqual([
      [3, 'c'],
      [2, 'b'],
      [1, 'a'],
    ]);
    const names = db.prepare('SELECT name FROM items ORDER BY id').pluck();
    expect(names.all()).toEqual(['a', 'b', 'c']);
    expect(names.pluck(false).get()).toEqual({ name: 'a' });
    expect(db.prepare('SELECT name FROM items WHERE id = @id').pluck().get({ id: 3 })).toBe('c');
  });

  it('binds arrays as PostgreSQL arrays, and spreads them as better-sqlite3 does when they are the parameters', () => {
    seed();
    expect(db.prepare('SELECT cardinality(CAST(? AS bigint[]))').pluck().get([5, 6, 7])).toBe(3);
    expect(db.prepare('SELECT name FROM items WHERE id IN (?, ?) ORDER BY id').pluck().all([1, 3])).toEqual([
      'a',
      'c',
    ]);
  });

  it('refuses a missing named parameter', () => {
    expect(() => db.prepare('SELECT @a::int').get({ b: 1 })).toThrow(RangeError);
  });

  it('reports the rows a write changed', () => {
    seed();
    expect(db.prepare('UPDATE items SET score = 0.5 WHERE id >= ?').run(2).changes).toBe(2);
    expect(db.prepare('DELETE FROM items WHERE id = ?').run(99).changes).toBe(0);
    expect(
      db.prepare('INSERT INTO items (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING').run(1, 'x').changes,
    ).toBe(0);
    expect(db.prepare('SELECT score FROM items ORDER BY id').pluck().all()).toEqual([null, 0.5, 0.5]);
  });

  it('round-trips bytes (BYTEA) as a Buffer', () => {
    seed();
    const bytes = Buffer.from([0, 1, 0x7f, 0x80, 0xff, 0x00, 0x0a]);
    db.prepare('UPDATE items SET data = ? WHERE id = 1').run(bytes);
    db.prepare('UPDATE items SET data = ? WHERE id = 2').run(new Uint8Array([9, 8, 7]));
    const [one, two] = db
      .prepare('SELECT data FROM items WHERE id <= 2 ORDER BY id')
      .pluck()
      .all() as Buffer[];
    expect(Buffer.isBuffer(one)).toBe(true);
    expect(one!.equals(bytes)).toBe(true);
    expect(Buffer.isBuffer(two)).toBe(true);
    expect([...two!]).toEqual([9, 8, 7]);
    const raw = db.prepare('SELECT data FROM items WHERE id = 1').raw().get() as unknown[];
    expect(Buffer.isBuffer(raw[0])).toBe(true);
  });

  it('returns BIGINT, COUNT and SUM as numbers', () => {
    seed();
    expect(db.prepare('SELECT COUNT(*) AS n, SUM(id) AS total, MAX(id) AS top FROM items').get()).toEqual({
      n: 3,
      total: 6,
      top: 3,
    });
    expect(
      db
        .prepare('SELECT CAST(? AS BIGINT)')
        .pluck()
        .get(2 ** 53 - 1),
    ).toBe(2 ** 53 - 1);
    expect(db.prepare('SELECT CAST(? AS BIGINT)').pluck().get(12n)).toBe(12);
  });

  it('commits a transaction, for other connections to see', () => {
    seed();
    const other = openRawDb(database.url);
    try {
      db.transaction(() => {
        db.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(4, 'd');
        expect(db.inTransaction).toBe(true);
        expect(other.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(3);
      })();
      expect(db.inTransaction).toBe(false);
      expect(other.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(4);
    } finally {
      other.close();
    }
  });

  it('rolls a transaction back when its function throws, rethrowing the error', () => {
    seed();
    const failing = db.transaction((name: string) => {
      db.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(4, name);
      throw new Error('abort');
    });
    expect(() => failing.immediate('d')).toThrow('abort');
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(3);
  });

  it('nests transactions as savepoints: an inner rollback keeps the outer work', () => {
    seed();
    const insert = db.prepare('INSERT INTO items (id, name) VALUES (?, ?)');
    db.transaction(() => {
      insert.run(4, 'outer-before');
      expect(() =>
        db.transaction(() => {
          insert.run(5, 'inner');
          throw new Error('inner fails');
        })(),
      ).toThrow('inner fails');
      expect(db.inTransaction).toBe(true);
      db.transaction(() => insert.run(6, 'inner-kept'))();
      insert.run(7, 'outer-after');
    })();
    expect(db.prepare('SELECT name FROM items WHERE id > 3 ORDER BY id').pluck().all()).toEqual([
      'outer-before',
      'inner-kept',
      'outer-after',
    ]);
  });

  it('carries the SQLSTATE of a failed statement in `code`', () => {
    seed();
    let error: unknown;
    try {
      db.prepare('INSERT INTO items (id, name) VALUES (?, ?)').run(1, 'again');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PgError);
    expect((error as PgError).code).toBe('23505');
    expect(isUniqueViolation(error)).toBe(true);
    expect(driverCodeOf(() => db.prepare('SELEC 1').get())).toBe('42601');
    expect(driverCodeOf(() => db.prepare('SELECT nope FROM items').get())).toBe('42703');
    expect(isUniqueViolation(errorOfAny(() => db.prepare('SELECT 1 / 0').get()))).toBe(false);
    // The connection is still usable after a failure.
    expect(db.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(3);
  });

  it('is E_STORE once closed', () => {
    const other = openRawDb(database.url);
    other.close();
    expect(codeOf(() => other.prepare('SELECT 1').get())).toBe('E_STORE');
  });
});

/** Whatever `run` throws. */
function errorOfAny(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.skipIf(skipsPg)(`openPgStore${pgSkipReason}`, () => {
  const databases: PgTestDatabase[] = [];
  async function freshDatabase(): Promise<PgTestDatabase> {
    const database = await createPgDatabase();
    databases.push(database);
    return database;
  }
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('creates the tables of the current schema version in a new database, once', async () => {
    const { url } = await freshDatabase();
    const db = openPgStore(url);
    expect(getMeta(db, 'schema_version')).toBe(String(SCHEMA_VERSION));
    insertRun(db, newRunRecord({ id: 'r1' }));
    db.close();
    const again = openPgStore(url);
    expect(getMeta(again, 'schema_version')).toBe(String(SCHEMA_VERSION));
    expect(listRuns(again).map((run) => run.id)).toEqual(['r1']);
    again.close();
  });

  it('is E_STORE for a server that refuses the connection, naming the URL without its password', () => {
    const url = 'postgres://redline:s3cret-pw@127.0.0.1:1/lab';
    const error = errorOf(() => openPgStore(url));
    expect(error?.code).toBe('E_STORE');
    expect(error?.message).toContain('postgres://redline@127.0.0.1:1/lab');
    expect(error?.message).not.toContain('s3cret-pw');
  });

  it('opens read-only: writes are refused by the server and nothing is written', async () => {
    const { url } = await freshDatabase();
    openPgStore(url).close();
    const db = openPgStore(url, { readonly: true });
    expect(db.readonly).toBe(true);
    expect(driverCodeOf(() => insertRun(db, newRunRecord({ id: 'r1' })))).toBe('25006'); // read-only transaction
    expect(
      codeOf(() => appendAudit(db, { type: 'db.opened', actor: 't', at: '2026-01-01T00:00:00Z', data: {} })),
    ).toBe('E_STORE');
    expect(listRuns(db)).toEqual([]);
    db.close();
  });

  it('refuses read-only a database without Redline tables (E_STORE), creating none', async () => {
    const { url } = await freshDatabase();
    expect(codeOf(() => openPgStore(url, { readonly: true }))).toBe('E_STORE');
    const raw = openRawDb(url);
    expect(
      raw.prepare("SELECT to_regclass('redline_meta') IS NULL AND to_regclass('runs') IS NULL").pluck().get(),
    ).toBe(true);
    raw.close();
  });

  it('refuses a database written by a newer Redline', async () => {
    const { url } = await freshDatabase();
    const db = openPgStore(url);
    setMeta(db, 'schema_version', String(SCHEMA_VERSION + 1));
    db.close();
    expect(codeOf(() => openPgStore(url))).toBe('E_STORE');
    expect(codeOf(() => openPgStore(url, { readonly: true }))).toBe('E_STORE');
  });

  it('migrates a new database once when several processes open it at the same moment', async () => {
    // Two rounds of four: without the migration lock, most rounds fail (two processes create the same table).
    for (let round = 0; round < 2; round++) {
      const { url } = await freshDatabase();
      const results = await runTogether([1, 2, 3, 4].map(() => ({ script: OPEN_SCRIPT, args: [url] })));
      for (const result of results) {
        expect(result.stderr).toBe('');
        expect(result).toMatchObject({ code: 0, stdout: `${SCHEMA_VERSION}\n` });
      }
      // One complete schema: the version recorded, and the tables usable.
      const db = openPgStore(url);
      expect(getMeta(db, 'schema_version')).toBe(String(SCHEMA_VERSION));
      insertRun(db, newRunRecord({ id: `r${round}` }));
      expect(listRuns(db).map((run) => run.id)).toEqual([`r${round}`]);
      db.close();
    }
  });

  it('stores each checkpoint once when two processes append and sign checkpoints at once', async () => {
    const { url } = await freshDatabase();
    openPgStore(url).close();
    const count = 40;
    const results = await runTogether(
      ['one', 'two'].map((actor) => ({
        script: APPEND_SCRIPT,
        args: [JSON.stringify({ location: url, count, actor, checkpoint: true })],
      })),
    );
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
    const db = openPgStore(url, { readonly: true });
    expect(verifyAudit(db, { logKey: LOG_KEY })).toMatchObject({ ok: true, size: 2 * count });
    const sizes = db.prepare('SELECT size FROM audit_checkpoints ORDER BY size').pluck().all() as number[];
    expect(sizes.at(-1)).toBe(2 * count);
    expect(new Set(sizes).size).toBe(sizes.length);
    db.close();
  });

  it('keeps one verified audit chain when two processes append at once', async () => {
    const { url } = await freshDatabase();
    openPgStore(url).close();
    const count = 50;
    const results = await runTogether(
      ['one', 'two'].map((actor) => ({
        script: APPEND_SCRIPT,
        args: [JSON.stringify({ location: url, count, actor })],
      })),
    );
    for (const result of results) expect(result).toMatchObject({ code: 0, stderr: '' });
    const db = openPgStore(url, { readonly: true });
    expect(verifyAudit(db, { logKey: LOG_KEY })).toMatchObject({
      ok: true,
      size: 2 * count,
      checked: 2 * count,
    });
    const actors = (db.prepare('SELECT record FROM audit_log ORDER BY seq').pluck().all() as Buffer[]).map(
      (record) => (JSON.parse(record.toString('utf8')) as { actor: string }).actor,
    );
    expect(actors.filter((actor) => actor === 'one')).toHaveLength(count);
    expect(actors.filter((actor) => actor === 'two')).toHaveLength(count);
    // They really appended at once: the two writers' entries interleave.
    expect(actors.filter((actor, i) => i > 0 && actor !== actors[i - 1]).length).toBeGreaterThan(1);
    db.close();
  });
});
