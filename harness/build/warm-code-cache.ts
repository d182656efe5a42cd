/**
 * The last step of `npm run build`, run by bundle-cli.ts as plain `node` processes (as users run the CLI):
 *
 *     node warm-code-cache.cjs run DIR   # `run` of the shipped knowledge suite (JSON and text) against a loopback
 *                                        # endpoint, into DIR/warm.db; saves redline.cjs.run.cache, and the worker
 *                                        # threads save run-unit.cjs.cache (worker-boot.ts)
 *     node warm-code-cache.cjs cli DIR   # `--help`, `--version`, `runs` and `report` on DIR/warm.db; saves
 *                                        # redline.cjs.cli.cache
 *
 * Each loads the bundled CLI, runs those commands in-process and saves the bytecode compiled meanwhile as one of
 * the bundle's code caches (code-cache.ts). Nothing here touches the network beyond 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from '../cli/code-cache.js';
import type { CliIo } from '../cli/io.js';

type RunCli = (argv: readonly string[], io: CliIo) => Promise<number>;

const cliFile = fileURLToPath(new URL('./redline.cjs', import.meta.url));
const suite = fileURLToPath(new URL('../../suites/cyber-knowledge', import.meta.url));

// A fixed, well-formed answer: the warm-up compiles the scoring path, not the simulator's.
const REPLY = JSON.stringify({
  id: 'warm-up',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ANSWER: A' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

async function warmUp(variant: string, dir: string): Promise<void> {
  if (variant !== 'run' && variant !== 'cli') throw new Error(`warm-up: unknown variant ${variant}`);
  process.env['REDLINE_CODE_CACHE_WARMUP'] = '1';
  const cli = requireWithCodeCache(cliFile, variant);
  const runCli = cli.exports['runCli'] as RunCli;
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    isTTY: false,
    env: { ...process.env, REDLINE_KEYS: join(dir, 'keys') },
    cwd: dir,
  };
  const must = async (argv: string[]): Promise<string> => {
    out = '';
    err = '';
    const code = await runCli(argv, io);
    if (code !== 0) throw new Error(`warm-up: redline ${argv.join(' ')} exited ${code}: ${err.trim()}`);
    return out;
  };
  const db = join(dir, 'warm.db');
  if (variant === 'run') {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(REPLY));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    try {
      const args = ['run', suite, '--endpoint', url, '--model', 'warm-up', '--db', db, '--quiet'];
      await must([...args, '--json']);
      await must(args);
    } finally {
      server.close();
    }
  } else {
    await must(['--help']);
    await must(['--version']);
    await must(['runs', '--db', db]);
    const [latest] = JSON.parse(await must(['runs', '--db', db, '--json'])) as Array<{ runId: string }>;
    if (latest === undefined) throw new Error(`warm-up: no run in ${db}: run the "run" warm-up first`);
    await must(['report', latest.runId, '--db', db]);
    await must(['report', latest.runId, '--db', db, '--json']);
  }
  cli.saveCache();
}

const [variant = '', dir = ''] = process.argv.slice(2);
void warmUp(variant, dir).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
