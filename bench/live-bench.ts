/**
 * Live targets on the docker sandbox backend, against the local engine (skipped when none answers):
 *   - episode start (networks + services healthy + agent ready) p50/p95 at concurrency 1 and 8, for a pivot-shaped
 *     challenge: two services on two networks (the second depends on the first, which has a tcp healthcheck) plus
 *     the agent; target p50 <= 1.5 s; teardown (destroy) p50/p95, target <= 1 s;
 *   - episodes/s and score of `redline run suites/ctf-live` as a whole CLI process against the simulator (skill 1);
 *   - a leak check: REDLINE_BENCH_LIVE_EPISODES (default 1,000) minimal episodes at concurrency 8, then the
 *     labelled containers, networks and volumes left (target 0) and the engine's network count before and after.
 * Run alone with `npx tsx bench/live-bench.ts`.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, hostname, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../harness/endpoints/simulator.js';
import { createDockerClient, type DockerClient } from '../harness/docker/docker-client.js';
import { writeTar } from '../src/archive/write-tar.js';
import {
  createDockerBackend,
  LABEL,
  ownerLabel,
  type DockerBackend,
  type DockerSandboxSpec,
} from '../harness/sandbox/docker-backend.js';
import { pruneDockerSandboxes } from '../harness/sandbox/prune-docker-sandboxes.js';
import { openSuite } from '../src/suite/load-suite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(root, 'dist', 'harness', 'cli', 'main.js');
const SUITE_DIR = join(root, 'suites', 'ctf-live');
const SUITE_IMAGE = 'redline-ctf-live/base:1';
const FALLBACK_IMAGE = 'redline-bench/busybox:1';
const START_TARGET_MS = 1_500;
const TEARDOWN_TARGET_MS = 1_000;
// The leak loop stops starting episodes after this long (REDLINE_BENCH_LIVE_BUDGET_S, default 600), so a slow
// engine cannot hold the benchmark for hours.
const DEFAULT_LEAK_BUDGET_S = 600;

type Log = (line: string) => void;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** `p50 X ms, p95 Y ms` of `values`. */
function percentiles(values: readonly number[]): { p50: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

function verdict(isOk: boolean): string {
  return isOk ? 'meets ' : 'MISSES';
}

/** Runs `count` calls of `task` with at most `concurrency` in flight; stops starting new ones after `deadline`. */
async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<number> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return next;
}

/** The engine answers a ping within 3 s; the reason when it does not. */
async function probeEngine(): Promise<{ client: DockerClient } | { reason: string }> {
  try {
    const client = createDockerClient();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no answer within 3 s')), 3_000).unref(),
    );
    await Promise.race([client.ping(), timeout]);
    return { client };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

/** The suite's image when the engine has it, else a busybox image built here from the host's busybox-static. */
async function pickImage(client: DockerClient, log: Log): Promise<string | null> {
  if ((await client.inspectImage(SUITE_IMAGE)) !== null) return SUITE_IMAGE;
  if ((await client.inspectImage(FALLBACK_IMAGE)) !== null) return FALLBACK_IMAGE;
  if (!existsSync('/bin/busybox')) return null;
  log(`  (${SUITE_IMAGE} is not built: building ${FALLBACK_IMAGE} from /bin/busybox)`);
  const dockerfile =
    'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n';
  const context = writeTar([
    { path: 'Dockerfile', data: Buffer.from(dockerfile) },
    { path: 'busybox', data: await readFile('/bin/busybox'), mode: 0o755 },
  ]);
  await client.buildImage(FALLBACK_IMAGE, context);
  return FALLBACK_IMAGE;
}

/** A pivot-shaped challenge: `records` (tcp healthcheck, flag file) on `back`, `gateway` on both networks. */
function challengeSpec(image: string): DockerSandboxSpec {
  return {
    image,
    files: { 'notes.txt': Buffer.from('the gateway is at http://gateway:8080/\n') },
    services: [
      {
        name: 'records',
        image,
        command: 'exec httpd -f -p 8080 -h /srv',
        networks: ['back'],
        healthcheck: { tcp: 8080 },
      },
      {
        name: 'gateway',
        image,
        command: 'exec httpd -f -p 8080 -h /srv',
        networks: ['default', 'back'],
        dependsOn: ['records'],
        files: { '/srv/index.html': Buffer.from('gateway\n') },
      },
    ],
    flag: { value: 'flag{bench}', service: 'records', file: '/srv/flag.txt' },
  };
}

/** One service and the agent: the leak loop's episode. */
function minimalSpec(image: string): DockerSandboxSpec {
  return { image, files: {}, services: [{ name: 'svc', image, command: 'exec sleep 3600' }] };
}

interface Episode {
  startMs: number;
  networksMs: number;
  servicesMs: number;
  agentMs: number;
  teardownMs: number;
}

async function runEpisode(
  backend: DockerBackend,
  spec: DockerSandboxSpec,
  command: string,
): Promise<Episode> {
  const sandbox = await backend.create(spec);
  try {
    const result = await sandbox.exec(command, { timeoutMs: 10_000 });
    if (result.exitCode !== 0)
      throw new Error(`episode command exited ${String(result.exitCode)}: ${result.stderr}`);
  } finally {
    await sandbox.destroy();
  }
  return { startMs: sandbox.startMs, ...sandbox.timings, teardownMs: sandbox.teardownMs };
}

/** Part 1 and 2: start and teardown at concurrency 1 and 8. */
async function benchStart(backend: DockerBackend, image: string, log: Log): Promise<void> {
  const spec = challengeSpec(image);
  // The agent reaches the gateway over the default network; the records service was healthy before it started.
  const probe = 'wget -q -O- http://gateway:8080/index.html';
  await runEpisode(backend, spec, probe); // warm-up: engine ping, host firewall rule, runtime choice
  for (const [concurrency, count] of [
    [1, 20],
    [8, 48],
  ] as const) {
    const episodes: Episode[] = [];
    const at = performance.now();
    await runPool(count, concurrency, async () => {
      episodes.push(await runEpisode(backend, spec, probe));
    });
    const perS = (episodes.length * 1000) / (performance.now() - at);
    const start = percentiles(episodes.map((e) => e.startMs));
    const teardown = percentiles(episodes.map((e) => e.teardownMs));
    log(
      `  ${verdict(start.p50 <= START_TARGET_MS)}  episode start, 2 services on 2 networks + agent, concurrency ${concurrency} ` +
        `(${episodes.length} episodes, ${perS.toFixed(1)}/s): p50 ${start.p50.toFixed(0)} ms, p95 ${start.p95.toFixed(0)} ms ` +
        `(target p50 <= ${START_TARGET_MS} ms)`,
    );
    log(
      `          breakdown (medians): networks ${median(episodes.map((e) => e.networksMs)).toFixed(0)} ms, ` +
        `services healthy ${median(episodes.map((e) => e.servicesMs)).toFixed(0)} ms, ` +
        `agent ready ${median(episodes.map((e) => e.agentMs)).toFixed(0)} ms`,
    );
    log(
      `  ${verdict(teardown.p50 <= TEARDOWN_TARGET_MS)}  teardown (destroy), concurrency ${concurrency}: ` +
        `p50 ${teardown.p50.toFixed(0)} ms, p95 ${teardown.p95.toFixed(0)} ms (target p50 <= ${TEARDOWN_TARGET_MS} ms)`,
    );
  }
}

/** Labelled objects whose owner label is `owner`. */
async function countOwned(client: DockerClient, owner: string): Promise<number[]> {
  const filter = { [LABEL.owner]: owner };
  const [containers, networks, volumes] = await Promise.all([
    client.listContainers(filter),
    client.listNetworks(filter),
    client.listVolumes(filter),
  ]);
  return [containers.length, networks.length, volumes.length];
}

/** Part 3: `redline run suites/ctf-live` as one CLI process against the in-process simulator. */
async function benchCli(client: DockerClient, log: Log): Promise<void> {
  if (!existsSync(join(SUITE_DIR, 'suite.json'))) {
    log('  skipped: ctf-live through the CLI: suites/ctf-live/suite.json does not exist yet');
    return;
  }
  if ((await client.inspectImage(SUITE_IMAGE)) === null) {
    log(
      `  skipped: ctf-live through the CLI: image ${SUITE_IMAGE} is not built (redline images suites/ctf-live --build)`,
    );
    return;
  }
  if (!existsSync(MAIN)) {
    log('  skipped: ctf-live through the CLI: dist/ is not built (npm run build)');
    return;
  }
  const epochs = 4;
  const dir = await mkdtemp(join(tmpdir(), 'redline-bench-live-'));
  const sim = await startSimulator({ suite: await openSuite(SUITE_DIR), port: 0, skill: 1, seed: 1 });
  try {
    const db = join(dir, 'live.db');
    const argv = [MAIN, 'run', SUITE_DIR, '--endpoint', sim.url, '--model', 'sim', '--db', db];
    argv.push('--epochs', String(epochs), '--concurrency', '8', '--json', '--quiet');
    const at = performance.now();
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    const wallMs = performance.now() - at;
    if (code !== 0) {
      log(`  MISSES  ctf-live through the CLI: redline run exited ${code}: ${err.trim().slice(-500)}`);
      return;
    }
    const report = JSON.parse(out) as {
      samples: { scored: number };
      elapsedMs: number;
      overall: { mean: number };
    };
    const units = report.samples.scored;
    const conn = new Database(db, { readonly: true });
    const starts = (conn.prepare('SELECT transcript FROM transcripts').all() as Array<{ transcript: string }>)
      .map((r) => (JSON.parse(r.transcript) as { sandboxStartMs?: number }).sandboxStartMs ?? Number.NaN)
      .filter((ms) => Number.isFinite(ms));
    conn.close();
    const start = percentiles(starts);
    log(
      `  ${verdict(report.overall.mean === 1)}  ctf-live x${epochs} epochs, concurrency 8, simulator skill 1: ` +
        `${units} episodes, score ${report.overall.mean} (target 1.0); ${((units * 1000) / wallMs).toFixed(2)} episodes/s ` +
        `for the whole process (${(wallMs / 1000).toFixed(1)} s), ${((units * 1000) / report.elapsedMs).toFixed(2)}/s inside the run; ` +
        `sandbox start p50 ${start.p50.toFixed(0)} ms, p95 ${start.p95.toFixed(0)} ms`,
    );
    const left = await countOwned(client, `${hostname()}:${child.pid ?? 0}`);
    log(
      `  ${verdict(left.every((n) => n === 0))}  left by the CLI run: ${left[0]} containers, ${left[1]} networks, ${left[2]} volumes (target 0)`,
    );
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Part 4: many minimal episodes, then what is left. */
async function benchLeaks(
  client: DockerClient,
  backend: DockerBackend,
  image: string,
  log: Log,
): Promise<void> {
  const requested = Number(process.env['REDLINE_BENCH_LIVE_EPISODES'] ?? 1_000);
  const count = Number.isSafeInteger(requested) && requested > 0 ? requested : 1_000;
  const budgetS = Number(process.env['REDLINE_BENCH_LIVE_BUDGET_S'] ?? DEFAULT_LEAK_BUDGET_S);
  const budgetMs = (Number.isFinite(budgetS) && budgetS > 0 ? budgetS : DEFAULT_LEAK_BUDGET_S) * 1000;
  const networksBefore = (await client.listNetworks({})).length;
  const spec = minimalSpec(image);
  let failures = 0;
  let firstFailure = '';
  const at = performance.now();
  const started = await runPool(
    count,
    8,
    async () => {
      await runEpisode(backend, spec, 'echo ok').catch((error: unknown) => {
        failures++;
        firstFailure ||= (error as Error).message;
      });
    },
    at + budgetMs,
  );
  const elapsedMs = performance.now() - at;
  const left = await countOwned(client, ownerLabel());
  const networksAfter = (await client.listNetworks({})).length;
  const isCut = started < count;
  const ofCount = isCut ? ` of ${count}` : '';
  const stopped = isCut ? `; stopped at the ${budgetMs / 1000} s budget (REDLINE_BENCH_LIVE_BUDGET_S)` : '';
  log(
    `  leak loop: ${started}${ofCount} minimal episodes (1 service + agent, 1 exec, destroy) at concurrency 8 in ` +
      `${(elapsedMs / 1000).toFixed(1)} s: ${((started * 1000) / elapsedMs).toFixed(1)} episodes/s, ${failures} failed${stopped}` +
      (failures > 0 ? ` (first: ${firstFailure.slice(0, 300)})` : ''),
  );
  log(
    `  ${verdict(left.every((n) => n === 0))}  left after the loop: ${left[0]} containers, ${left[1]} networks, ` +
      `${left[2]} volumes (target 0); engine networks (all users of the engine) ${networksBefore} before, ${networksAfter} after`,
  );
}

/** Runs the live-target benchmark and logs its figures (skipped when no Docker engine answers). */
export async function benchLive(log: Log): Promise<void> {
  log('\nLive targets in docker sandboxes (networks, service containers, agent container):');
  const engine = await probeEngine();
  if (!('client' in engine)) {
    log(`  skipped: no Docker engine answers (${engine.reason})`);
    return;
  }
  const { client } = engine;
  const at = performance.now();
  const backend = createDockerBackend({ client });
  try {
    const image = await pickImage(client, log);
    if (image === null) {
      log(
        `  skipped: neither ${SUITE_IMAGE} nor /bin/busybox (Debian busybox-static) to build a bench image from`,
      );
      return;
    }
    const { runtimes, serverVersion } = await client.info();
    const runtime = process.env['REDLINE_DOCKER_RUNTIME'] ?? (runtimes.includes('runsc') ? 'runsc' : 'runc');
    // The engine's speed depends on what else runs: the load average says how busy the host was.
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    log(
      `  engine ${serverVersion}, runtime ${runtime}, image ${image}, ${cpus().length} cores, load average ${load}`,
    );
    await benchStart(backend, image, log);
    await benchCli(client, log);
    await benchLeaks(client, backend, image, log);
  } finally {
    // Whatever an error left behind; counted above before this runs.
    await pruneDockerSandboxes('own', client).catch(() => undefined);
    client.close();
    log(`  live section took ${((performance.now() - at) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  // Alone, build the CLI first as bench/index.ts does: the CLI figure measures compiled JavaScript. tsc still
  // emits when another file fails to type-check, so a failure here is reported, not fatal.
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  } catch {
    process.stdout.write('(tsc reported errors; measuring the JavaScript it emitted)\n');
  }
  await benchLive((line) => process.stdout.write(`${line}\n`));
}
