/**
 * `redline sim`: the project's OpenAI-compatible model simulator, serving one suite until SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { startSimulator } from '../../endpoints/simulator.js';
import type { CliIo } from '../io.js';
import { integer, nonNegativeInt, numberIn } from '../options.js';
import type { ExitHolder } from '../program.js';
import {
  addSealedSuiteOptions,
  openSuiteArgument,
  recordSuiteOpenedInLab,
  suiteIdentityOf,
} from '../suite-argument.js';

interface SimFlags {
  suite: string;
  port: number;
  host: string;
  skill: number;
  skillByCategory?: Record<string, number>;
  latencyMs: number;
  jitterMs: number;
  faultRate: number;
  seed: number;
  retryAfter: number;
  apiKeyEnv?: string;
  json?: boolean;
  identity?: string;
  db?: string;
  keys?: string;
}

/** Parses `crypto=0.9,web=0.5`. */
export function parseSkillByCategory(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of value.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*([0-9.]+)\s*$/.exec(part);
    const skill = match === null ? Number.NaN : Number(match[2]);
    if (match === null || !(skill >= 0 && skill <= 1)) {
      throw new InvalidArgumentError(
        `--skill-by-category wants category=skill pairs with skills in [0, 1] (got "${part}")`,
      );
    }
    out[match[1]!] = skill;
  }
  return out;
}

/** Registers `sim`. */
export function registerSimCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  addSealedSuiteOptions(
    program
      .command('sim')
      .description('Serve an OpenAI-compatible simulator of a model that answers a suite with a given skill.')
      .requiredOption(
        '--suite <path>',
        'the suite whose samples the simulator answers (sealed: with --identity)',
      ),
  )
    .option('--port <n>', 'port to listen on (0: any free port)', nonNegativeInt('--port'), 8000)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--skill <p>', 'probability of a correct answer', numberIn('--skill', 0, 1), 0.7)
    .option(
      '--skill-by-category <list>',
      'per-category skills, e.g. crypto=0.9,web=0.4',
      parseSkillByCategory,
    )
    .option('--latency-ms <ms>', 'delay before each answer', nonNegativeInt('--latency-ms'), 0)
    .option('--jitter-ms <ms>', 'random +/- on the delay', nonNegativeInt('--jitter-ms'), 0)
    .option(
      '--fault-rate <p>',
      'probability of a 429, 5xx, reset or malformed reply',
      numberIn('--fault-rate', 0, 1),
      0,
    )
    .option('--seed <s>', 'seed: answers and faults are deterministic per seed', integer('--seed'), 0)
    .option(
      '--retry-after <s>',
      'Retry-After seconds sent with injected 429s',
      nonNegativeInt('--retry-after'),
      0,
    )
    .option('--api-key-env <name>', "require this variable's value as the bearer token")
    .option('--json', 'print {"url": ...} on stdout when listening')
    .action(async (flags: SimFlags) => {
      const { suite, sealed } = await openSuiteArgument(flags.suite, flags.identity, io);
      recordSuiteOpenedInLab(io, {
        ...(flags.db === undefined ? {} : { db: flags.db }),
        ...(flags.keys === undefined ? {} : { keys: flags.keys }),
        command: 'sim',
        sealed,
        suite: suiteIdentityOf(suite),
      });
      const apiKey = flags.apiKeyEnv === undefined ? undefined : io.env[flags.apiKeyEnv];
      const sim = await startSimulator({
        suite,
        port: flags.port,
        host: flags.host,
        skill: flags.skill,
        ...(flags.skillByCategory === undefined ? {} : { skillByCategory: flags.skillByCategory }),
        latencyMs: flags.latencyMs,
        jitterMs: flags.jitterMs,
        faultRate: flags.faultRate,
        seed: flags.seed,
        retryAfterS: flags.retryAfter,
        ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
      });
      if (flags.json === true) io.stdout(`${JSON.stringify({ url: sim.url, port: sim.port })}\n`);
      else io.stdout(`${sim.url}\n`);
      io.stderr(
        `redline sim: serving ${suite.header.id}@${suite.header.version} (${suite.sampleCount} samples) at ${sim.url}; ` +
          `skill ${flags.skill}, latency ${flags.latencyMs}±${flags.jitterMs} ms, fault rate ${flags.faultRate}; Ctrl-C to stop\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await sim.close();
      io.stderr(`redline sim: stopped; ${JSON.stringify(sim.stats())}\n`);
      exit.code = 0;
    });
}
