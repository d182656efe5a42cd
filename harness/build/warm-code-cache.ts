/**
 * The last step of `npm run build` (run by bundle-cli.ts as a plain `node` process, as users run the CLI): loads
 * the bundled CLI, runs the commands users start most (`--help`, `--version`, `run` of the shipped knowledge suite
 * against a loopback endpoint, `runs`, `report`) in-process, and saves the bytecode compiled meanwhile as the
 * bundle's code cache (code-cache.ts). The run's worker threads save theirs (worker-boot.ts). Nothing here touches
 * the network beyond 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
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

async function warmUp(): Promise<void> {
  process.env['REDLINE_CODE_CACHE_WARMUP'] = '1';
  const cli = requireWithCodeCache(cliFile);
  const runCli = cli.exports['runCli'] as RunCli;
  const dir = mkdtempSync(join(tmpdir(), 'redline-warm-'));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(REPLY));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
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
  try {
    const db = join(dir, 'warm.db');
    await must(['--help']);
    await must(['--version']);
    const report = JSON.parse(
      await must(['run', suite, '--endpoint', url, '--model', 'warm-up', '--db', db, '--json', '--quiet']),
    ) as { runId: string };
    await must(['run', suite, '--endpoint', url, '--model', 'warm-up', '--db', db, '--quiet']);
    await must(['runs', '--db', db]);
    await must(['runs', '--db', db, '--json']);
    await must(['report', report.runId, '--db', db]);
    await must(['report', report.runId, '--db', db, '--json']);
    cli.saveCache();
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void warmUp().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
