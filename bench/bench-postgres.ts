/**
 * PostgreSQL for the benchmarks: the server named by REDLINE_BENCH_PG (or REDLINE_TEST_PG), an admin URL such as
 * postgres://postgres@127.0.0.1:PORT/postgres; without either, a throwaway cluster from `.ci/postgres-up` when this
 * machine has PostgreSQL's server binaries, stopped again by `stop()`. Each measurement gets a fresh database,
 * dropped after it. When there is no server, `providePostgres` says why, so the section prints itself as skipped.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** A PostgreSQL server to benchmark on. */
export interface BenchPostgres {
  /** Where its admin URL came from, for the log (REDLINE_BENCH_PG, REDLINE_TEST_PG or .ci/postgres-up). */
  source: string;
  /** Its version and durability settings, for the log: they decide what a commit costs. */
  settings: string;
  /** Creates an empty database; returns its URL and how to drop it. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** Stops the server when this bench started it. */
  stop(): Promise<void>;
}

async function runAsAdmin(adminUrl: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

async function describeServer(adminUrl: string): Promise<string> {
  const [row] = await runAsAdmin(
    adminUrl,
    `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
       current_setting('synchronous_commit') AS "synchronousCommit"`,
  );
  return `PostgreSQL ${String(row?.['version'])}, fsync ${String(row?.['fsync'])}, synchronous_commit ${String(row?.['synchronousCommit'])}`;
}

async function serverAt(adminUrl: string, source: string, stop: () => Promise<void>): Promise<BenchPostgres> {
  return {
    source,
    settings: await describeServer(adminUrl),
    async createDatabase() {
      const name = `redline_bench_${randomBytes(6).toString('hex')}`;
      await runAsAdmin(adminUrl, `CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.href,
        drop: async () => {
          await runAsAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        },
      };
    },
    stop,
  };
}

/** Starts `.ci/postgres-up`; returns the variables it prints (`export K=V` lines). */
async function startThrowawayCluster(): Promise<Record<string, string>> {
  const { stdout } = await run('bash', [join(ROOT, '.ci', 'postgres-up')], { cwd: ROOT });
  const env: Record<string, string> = {};
  for (const match of stdout.matchAll(/^export (\w+)=(.*)$/gm)) env[match[1]!] = match[2]!;
  return env;
}

/**
 * A PostgreSQL server for the benchmarks, or the reason there is none (the caller prints the section as skipped).
 *
 * @example
 * const pg = await providePostgres();
 * if ('reason' in pg) log(`  skipped: ${pg.reason}`);
 */
export async function providePostgres(): Promise<BenchPostgres | { reason: string }> {
  const named = ['REDLINE_BENCH_PG', 'REDLINE_TEST_PG'].find((k) => (process.env[k] ?? '') !== '');
  if (named !== undefined) {
    const adminUrl = process.env[named]!;
    try {
      return await serverAt(adminUrl, named, () => Promise.resolve());
    } catch (error) {
      return { reason: `${named} is set but its server does not answer (${(error as Error).message})` };
    }
  }
  let env: Record<string, string>;
  try {
    env = await startThrowawayCluster();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? (error as Error).message;
    return {
      reason:
        'neither REDLINE_BENCH_PG nor REDLINE_TEST_PG is set (a PostgreSQL admin URL), and .ci/postgres-up ' +
        `could not start a throwaway cluster: ${stderr.split('\n')[0] ?? ''}`,
    };
  }
  const stop = async (): Promise<void> => {
    await run('bash', [join(ROOT, '.ci', 'postgres-down')], { cwd: ROOT, env: { ...process.env, ...env } });
  };
  const adminUrl = env['REDLINE_TEST_PG'];
  try {
    if (adminUrl === undefined) throw new Error('.ci/postgres-up printed no REDLINE_TEST_PG');
    return await serverAt(adminUrl, '.ci/postgres-up (a throwaway cluster)', stop);
  } catch (error) {
    await stop();
    return { reason: `the throwaway cluster of .ci/postgres-up: ${(error as Error).message}` };
  }
}
