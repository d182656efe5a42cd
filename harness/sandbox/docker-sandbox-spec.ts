/**
 * Turns a docker sample (`sandbox.backend: "docker"`) into what the docker backend starts: the agent's files and
 * every service's files as bytes, compose services read from the file beside the suite, and the planted flag made
 * fresh for this unit. Runs on the worker thread that owns the sandbox.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { RedlineError, formatProblem } from '../../src/errors.js';
import type { Sample, ServiceSpec } from '../../src/schema/suite.js';
import { parseCompose } from '../../src/sandbox/parse-compose.js';
import { materializeFiles } from '../agent/materialize-files.js';
import type { DockerSandboxSpec, DockerServiceSpec } from './docker-backend.js';

/** The default format of a planted flag. */
export const DEFAULT_FLAG_FORMAT = 'flag{%s}';

/** A fresh flag in `format` (128 random bits, hex): unguessable and never seen in training data. */
export function makePlantedFlag(format: string = DEFAULT_FLAG_FORMAT): string {
  return format.replace('%s', randomBytes(16).toString('hex'));
}

/** The services of a docker sample: inline, or read from its compose file (inside the suite directory). */
export function resolveServices(sample: Sample, suiteDir: string): Record<string, ServiceSpec> {
  const sandbox = sample.sandbox;
  if (sandbox?.compose === undefined) return sandbox?.services ?? {};
  const root = resolve(suiteDir);
  const file = resolve(root, sandbox.compose);
  if (!file.startsWith(root + sep)) {
    throw new RedlineError(
      'E_INPUT',
      `sample ${sample.id}: compose file ${sandbox.compose} leaves the suite directory`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `sample ${sample.id}: cannot read compose file ${sandbox.compose} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const parsed = parseCompose(text, sandbox.compose);
  if (parsed.problems.length > 0) {
    throw new RedlineError(
      'E_SCHEMA',
      `sample ${sample.id}: compose file ${sandbox.compose} has problems: ${parsed.problems.map(formatProblem).join('; ')}`,
      { details: { problems: parsed.problems } },
    );
  }
  return { ...parsed.services, ...sandbox.services };
}

/**
 * The backend spec of one unit of a docker sample; `flag` is this unit's planted flag (when the sample plants one).
 */
export function toDockerSandboxSpec(
  sample: Sample,
  suiteDir: string,
  options: { flag?: string; labels?: Record<string, string> } = {},
): DockerSandboxSpec {
  const sandbox = sample.sandbox;
  if (sandbox?.backend !== 'docker' || sandbox.image === undefined) {
    throw new RedlineError(
      'E_INPUT',
      `sample ${sample.id}: not a docker sample (sandbox.backend "docker" and image)`,
    );
  }
  const services: DockerServiceSpec[] = Object.entries(resolveServices(sample, suiteDir)).map(
    ([name, s]) => ({
      name,
      image: s.image,
      ...(s.command === undefined ? {} : { command: s.command }),
      ...(s.env === undefined ? {} : { env: s.env }),
      ...(s.files === undefined ? {} : { files: materializeFiles(s.files, suiteDir) }),
      ...(s.healthcheck === undefined ? {} : { healthcheck: s.healthcheck }),
      ...(s.dependsOn === undefined ? {} : { dependsOn: s.dependsOn }),
      ...(s.networks === undefined ? {} : { networks: s.networks }),
      ...(s.user === undefined ? {} : { user: s.user }),
      ...(s.capabilities === undefined ? {} : { capabilities: s.capabilities }),
    }),
  );
  const flag = sandbox.flag;
  if (flag !== undefined && options.flag === undefined) {
    throw new RedlineError('E_INTERNAL', `sample ${sample.id}: a planted flag is declared but none was made`);
  }
  return {
    image: sandbox.image,
    files: materializeFiles(sandbox.files, suiteDir),
    ...(sandbox.setup === undefined ? {} : { setup: sandbox.setup }),
    ...(sandbox.runtime === undefined ? {} : { runtime: sandbox.runtime }),
    ...(sandbox.capabilities === undefined ? {} : { capabilities: sandbox.capabilities }),
    services,
    ...(flag === undefined || options.flag === undefined
      ? {}
      : {
          flag: {
            value: options.flag,
            service: flag.service,
            ...(flag.file === undefined ? {} : { file: flag.file }),
            ...(flag.env === undefined ? {} : { env: flag.env }),
          },
        }),
    ...(options.labels === undefined ? {} : { labels: options.labels }),
  };
}
