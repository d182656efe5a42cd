/**
 * `redline run SUITE`: runs (or resumes) a suite against an endpoint and prints the report.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { availableParallelism } from 'node:os';
import { RedlineError } from '../../../src/errors.js';
import { checkReducerEpochs, parseReducer } from '../../../src/aggregate/reducers.js';
import type { RunParams } from '../../../src/schema/run.js';
import { getRun, type RunRecord } from '../../../src/store/runs.js';
import { dialectOf } from '../../../src/store/db.js';
import { redactDbLocation } from '../../store/open-pg-store.js';
import { buildReport } from '../../../src/report/build-report.js';
import { runSuite } from '../../run/run-suite.js';
import { createUnitPool, maxDefaultWorkers, type UnitPool } from '../../pool/create-unit-pool.js';
import { checkSuiteImages } from '../../run/check-suite-images.js';
import { changedImages, getRunSandbox } from '../../../src/store/run-sandbox.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { integer, keysDir, numberIn, positiveInt } from '../options.js';
import { openAuditTrail } from '../audit-trail.js';
import { IDENTITY_HELP, openSuiteArgument, recordSuiteOpened, suiteIdentityOf } from '../suite-argument.js';
import type { ExitHolder } from '../program.js';
import { createProgressLine } from '../progress-line.js';
import { renderReport } from '../render-report.js';
import { loadPolicyOption } from './policy-option.js';
import { activePolicy } from '../../../src/store/policies.js';
import { validatePolicyValue } from '../../../src/policy/validate-policy.js';

interface RunFlags {
  endpoint?: string;
  model?: string;
  developer?: string;
  db?: string;
  keys?: string;
  concurrency: number;
  workers?: number;
  epochs?: number;
  limit?: number;
  seed?: number;
  resume?: string;
  policy?: string;
  json?: boolean;
  apiKeyEnv: string;
  timeoutMs: number;
  maxAttempts: number;
  temperature?: number;
  maxTokens?: number;
  reducer?: string;
  ci?: 't' | 'bootstrap';
  retryBaseMs: number;
  quiet?: boolean;
  skipAgentic?: boolean;
  dockerRuntime?: string;
  identity?: string;
  join?: string;
  shared?: boolean;
  createOnly?: boolean;
  runner?: string;
  leaseSeconds?: number;
}

/** Registers `run`. */
export function registerRunCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('run')
    .description(
      'Run a suite against an OpenAI-compatible model endpoint (or resume a run) and print the report.',
    )
    .argument(
      '[suite]',
      'suite directory or file, or a sealed suite (with --identity); with --join, default: the path the run was created from',
    )
    .option('--identity <file>', IDENTITY_HELP)
    .option(
      '--endpoint <url>',
      'base URL of the endpoint, e.g. http://127.0.0.1:8000/v1 (on resume: the stored one)',
    )
    .option('--model <name>', 'model name sent to the endpoint')
    .option('--developer <id>', 'developer the run belongs to (its assessment goes only to them)')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option(
      '--keys <dir>',
      'keyring whose log key signs audit checkpoints (default ./keys, env REDLINE_KEYS)',
    )
    .option('--concurrency <n>', 'requests in flight across all workers', positiveInt('--concurrency'), 32)
    .option(
      '--workers <n>',
      'worker threads (default: one per 2,000 units, at most min(cores - 1, 4), at least 1)',
      positiveInt('--workers'),
    )
    .option('--epochs <k>', 'epochs per sample (default 1)', positiveInt('--epochs'))
    .option(
      '--limit <n>',
      'run only n samples (the first n, or a seeded choice with --seed)',
      positiveInt('--limit'),
    )
    .option('--seed <s>', 'seed for sample choice, request seeds and the bootstrap', integer('--seed'))
    .option('--resume <runId>', 'resume this run: re-run exactly the units with no stored result or an error')
    .option(
      '--join <runId>',
      'work on this shared run with any other runners (any host), claiming its units until none is left',
    )
    .option(
      '--shared',
      'make the new run joinable by other runners (always so on PostgreSQL; on SQLite: processes of this host)',
    )
    .option(
      '--create-only',
      'create the run (shared), print its id and run nothing: start runners with --join',
    )
    .option('--runner <name>', "this runner's name in a shared run (default: host-pid)")
    .option(
      '--lease-seconds <s>',
      'a shared run: how long a runner that stops renewing keeps its claimed units (default 60)',
      positiveInt('--lease-seconds'),
    )
    .option('--policy <file>', 'designation policy file (default: the built-in policy)')
    .option('--json', 'print only the result object on stdout')
    .option('--api-key-env <name>', 'environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--timeout-ms <ms>', 'per-request timeout', positiveInt('--timeout-ms'), 120_000)
    .option(
      '--max-attempts <n>',
      'attempts per unit before it is recorded as an error',
      positiveInt('--max-attempts'),
      6,
    )
    .option(
      '--temperature <t>',
      'sampling temperature (default: the suite default)',
      numberIn('--temperature', 0, 2),
    )
    .option('--max-tokens <n>', 'max_tokens (default: the suite default)', positiveInt('--max-tokens'))
    .option('--reducer <name>', 'epoch reducer: mean, max, median or pass@k (default mean)')
    .addOption(
      new Option('--ci <method>', 'confidence interval method (default t)').choices(['t', 'bootstrap']),
    )
    .option(
      '--retry-base-ms <ms>',
      'base delay of the exponential backoff',
      positiveInt('--retry-base-ms'),
      500,
    )
    .option('--quiet', 'no progress line')
    .option(
      '--skip-agentic',
      'leave out agentic samples (sandbox + agent), e.g. of an imported CTF benchmark',
    )
    .option(
      '--docker-runtime <name>',
      'OCI runtime of docker sandboxes, e.g. runsc (env REDLINE_DOCKER_RUNTIME; default runsc when the engine has it)',
    )
    .action(async (suitePath: string | undefined, flags: RunFlags) => {
      exit.code = await runCommand(suitePath, flags, io);
    });
}

async function runCommand(suitePath: string | undefined, flags: RunFlags, io: CliIo): Promise<number> {
  checkSharedFlags(suitePath, flags);
  // The worker threads load their code while the suite is read and hashed and the database opens.
  // availableParallelism respects CPU affinity (containers, taskset).
  const pool = createUnitPool({ workers: flags.workers ?? maxDefaultWorkers(availableParallelism()) });
  try {
    return await runWithPool(suitePath, flags, io, pool);
  } finally {
    await pool.destroy();
  }
}

async function runWithPool(
  suiteArgument: string | undefined,
  flags: RunFlags,
  io: CliIo,
  pool: UnitPool,
): Promise<number> {
  const db = openLabDb(flags, io);
  try {
    const existing = flags.join ?? flags.resume;
    const how = flags.join !== undefined ? '--join' : '--resume';
    const stored = existing === undefined ? undefined : getRun(db, existing);
    // A runner joining on another host finds the suite where the run was created, unless told otherwise.
    const suitePath = suiteArgument ?? (stored as RunRecord).suite.path;
    const opened = await openSuiteArgument(suitePath, flags.identity, io);
    const { suite } = opened;
    recordSuiteOpened(db, io, {
      ...(flags.keys === undefined ? {} : { keys: flags.keys }),
      command: existing === undefined ? 'run' : `run ${how}`,
      sealed: opened.sealed,
      suite: suiteIdentityOf(suite),
    });
    let endpoint = flags.endpoint;
    let model = flags.model;
    let params: RunParams;
    let policy: unknown;
    if (stored !== undefined) {
      if (model !== undefined && model !== stored.model) {
        throw new RedlineError(
          'E_USAGE',
          `--model ${model} differs from the run's model ${stored.model}; omit it on ${how}`,
        );
      }
      for (const name of [
        'epochs',
        'limit',
        'seed',
        'policy',
        'developer',
        'reducer',
        'temperature',
        'maxTokens',
      ] as const) {
        if (flags[name] !== undefined) {
          throw new RedlineError(
            'E_USAGE',
            `--${kebab(name)} cannot change on ${how}: the run keeps its parameters`,
          );
        }
      }
      model = stored.model;
      endpoint ??= stored.endpoint;
      params = stored.params;
      policy = stored.policy;
    } else {
      if (endpoint === undefined)
        throw new RedlineError('E_USAGE', 'missing --endpoint URL (e.g. http://127.0.0.1:8000/v1)');
      if (model === undefined)
        throw new RedlineError('E_USAGE', 'missing --model NAME (the model name the endpoint serves)');
      const reducer = flags.reducer ?? 'mean';
      checkReducerEpochs(parseReducer(reducer), flags.epochs ?? 1);
      params = {
        epochs: flags.epochs ?? 1,
        limit: flags.limit ?? null,
        seed: flags.seed ?? null,
        reducer,
        ci: flags.ci ?? 't',
        timeoutMs: flags.timeoutMs,
        maxAttempts: flags.maxAttempts,
        apiKeyEnv: flags.apiKeyEnv,
        ...(flags.skipAgentic === true ? { skipAgentic: true } : {}),
        ...(flags.temperature === undefined
          ? optional('temperature', suite.header.defaults.temperature)
          : { temperature: flags.temperature }),
        ...(flags.maxTokens === undefined
          ? optional('maxTokens', suite.header.defaults.max_tokens)
          : { maxTokens: flags.maxTokens }),
      };
      // An explicit --policy decides this run's printed report; otherwise the lab's active (signed) policy does.
      policy = flags.policy === undefined ? activePolicy(db).policy : await loadPolicyOption(flags.policy);
    }

    // Docker samples: the engine and every image are checked before anything runs; a resumed run keeps its images.
    const dockerRuntime = flags.dockerRuntime ?? io.env['REDLINE_DOCKER_RUNTIME'];
    const sandboxInfo =
      params.skipAgentic === true ? null : await checkSuiteImages(suite, undefined, dockerRuntime);
    if (existing !== undefined && sandboxInfo !== null) {
      const before = getRunSandbox(db, existing);
      const changed = before === null ? [] : changedImages(before, sandboxInfo);
      if (changed.length > 0) {
        throw new RedlineError(
          'E_STATE',
          `run ${existing} started with other images: ${changed.map((c) => `${c.ref} was ${c.from}, is ${c.to}`).join('; ')}; ` +
            'restore those images (redline images --load) or start a new run',
        );
      }
    }

    const interrupt = new AbortController();
    const force = new AbortController();
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        io.stderr(
          `\nredline: ${signal}: stopping; waiting for requests in flight (${signal} again to stop now)\n`,
        );
        interrupt.abort();
      } else {
        force.abort();
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = createProgressLine(io, flags.quiet === true || !io.isTTY);
    const trail = openAuditTrail(db, io, keysDir(flags.keys, io));
    let summary;
    try {
      summary = await runSuite({
        db,
        suite,
        endpoint,
        model,
        developer: flags.developer ?? null,
        params,
        policy,
        ...optional('apiKey', io.env[params.apiKeyEnv]),
        concurrency: flags.concurrency,
        ...optional('workers', flags.workers),
        pool,
        ...(flags.resume === undefined ? {} : { resume: flags.resume }),
        ...(flags.join === undefined ? {} : { join: flags.join }),
        ...(flags.shared === true || flags.createOnly === true || dialectOf(db) === 'postgres'
          ? { shared: true }
          : {}),
        ...(flags.createOnly === true ? { createOnly: true } : {}),
        ...optional('runner', flags.runner),
        ...(flags.leaseSeconds === undefined ? {} : { leaseMs: flags.leaseSeconds * 1000 }),
        retryBaseMs: flags.retryBaseMs,
        signal: interrupt.signal,
        force: force.signal,
        onProgress: (p) => progress.update(p),
        onAudit: (event) => trail.append(event.type, event.data),
        ...(sandboxInfo === null ? {} : { sandboxInfo }),
        onWarning: (message) => io.stderr(`redline: ${message}\n`),
        ...optional('dockerRuntime', dockerRuntime),
      });
    } finally {
      progress.end();
      trail.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }

    if (flags.createOnly === true) {
      // Only the id on stdout, for scripts: RUN_ID=$(redline run SUITE ... --create-only).
      io.stdout(flags.json === true ? `${JSON.stringify({ runId: summary.runId })}\n` : `${summary.runId}\n`);
      io.stderr(
        `redline: created shared run ${summary.runId} (${summary.total} units); start runners with:\n` +
          `  redline run --join ${summary.runId}${flags.db === undefined ? '' : ' --db URL'}\n`,
      );
      return EXIT.ok;
    }
    const report = buildReport(db, summary.runId, {
      ...(flags.policy === undefined ? {} : { policy: validatePolicyValue(policy, flags.policy) }),
      ...(summary.sampleValues === undefined ? {} : { values: summary.sampleValues }),
    });
    if (flags.json === true) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(renderReport(report));
    if (summary.continuesElsewhere === true) {
      io.stderr(
        `redline: this runner stopped; run ${summary.runId} goes on with its other runners (units it held return ` +
          'to them); join it again with --join\n',
      );
      return EXIT.interrupted;
    }
    if (summary.status !== 'completed') {
      const dbFlag = flags.db === undefined ? '' : ` --db ${redactDbLocation(flags.db)}`;
      const identityFlag = flags.identity === undefined ? '' : ` --identity ${flags.identity}`;
      if (summary.error !== null) io.stderr(`redline: run ${summary.status}: ${summary.error.message}\n`);
      io.stderr(
        `redline: run ${summary.runId} is ${summary.status}; resume it with:\n  redline run ${suitePath} --resume ${summary.runId}${dbFlag}${identityFlag}\n`,
      );
      return summary.status === 'interrupted' ? EXIT.interrupted : EXIT.runFailed;
    }
    return EXIT.ok;
  } finally {
    db.close();
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Refuses combinations of the shared-run options that mean nothing. */
function checkSharedFlags(suitePath: string | undefined, flags: RunFlags): void {
  if (flags.join !== undefined && flags.resume !== undefined) {
    throw new RedlineError(
      'E_USAGE',
      '--join and --resume cannot be combined: --join a shared run, --resume any run',
    );
  }
  if (suitePath === undefined && flags.join === undefined && flags.resume === undefined) {
    throw new RedlineError(
      'E_USAGE',
      'missing SUITE (a suite directory or file): redline run SUITE --endpoint URL ...',
    );
  }
  if (flags.createOnly === true && (flags.join !== undefined || flags.resume !== undefined)) {
    throw new RedlineError(
      'E_USAGE',
      '--create-only creates a new run: it cannot be combined with --join or --resume',
    );
  }
}
