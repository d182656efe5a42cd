/**
 * NYU CTF Bench (NYU-LLM-CTF/NYU_CTF_Bench): the index file, a JSON object `{"<id>": {year, event, category,
 * challenge, path}}` (e.g. test_dataset.json); each challenge's `challenge.json` `{name, category, description,
 * flag, files, box, internal_port}` lies at `<index's folder>/<path>/challenge.json`. Scored by the flag.
 *
 * A challenge without a server: the `files` it lists make it agentic (bubblewrap) when they all exist in its folder,
 * and question-only with metadata.needsSandbox when some are missing.
 *
 * A challenge with a server (`box`, `internal_port` or `compose`) becomes a docker challenge when its folder has a
 * compose file (COMPOSE_FILE_NAMES; parseCompose, services embedded inline) or else a Dockerfile (one service
 * built from a copy of the folder, named after the first label of `box` — `web` for web.chal.csaw.io — or
 * `challenge`, listening on `internal_port`). Built images get builtImageName(sample id, service) unless the
 * compose file names them; their contexts are copied to `images/<sample id>/<service>/` and recorded in
 * header.images for `redline images SUITE --build`. The agent runs in the `agentImage` option's image
 * (DEFAULT_AGENT_IMAGE) with the listed files in /work; `{box}` and `{port}` in the description name the service
 * and port. The target stays the challenge's published flag: a planted flag cannot be injected into images built
 * from third-party Dockerfiles, which bake their flag in. A server challenge with neither file, with missing
 * listed files, with a compose file Redline refuses (the parseCompose problems are in its reason and a warning)
 * or a build context over the copy cap is imported question-only with metadata.needsSandbox and a reason.
 *
 * Rows are the index's entries in the order JSON.parse gives them (document order for non-numeric keys).
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RedlineError } from '../../errors.js';
import type { Sample, SuiteDefaults } from '../../schema/suite.js';
import type { Importer, ImportOptions, ImportedSuite, RejectedRow } from '../imported-suite.js';
import { composeNameToLabel } from '../../sandbox/compose-name-to-label.js';
import { SampleIdAllocator } from '../sample-ids.js';
import {
  agentImageOf,
  agenticInput,
  assembleSuite,
  CategoryTable,
  ChallengeFileStore,
  CTF_AGENT,
  CTF_DEFAULTS,
  type CtfImportLimits,
  keepOrReject,
  nonBlankString,
  questionOnlyInput,
  resolveListedFiles,
  type SandboxReason,
  SandboxTally,
  sandboxReasonText,
} from './ctf-helpers.js';
import { findComposeFile, hasFile } from './find-compose-file.js';
import { ImageTable } from './image-table.js';
import {
  composeLiveTarget,
  dockerfileLiveTarget,
  type LiveTarget,
  type LiveTargetOutcome,
  type LiveTargetTask,
  liveTargetInput,
  releaseLiveTarget,
} from './live-target.js';
import {
  describeJsonType,
  isRecord,
  jsonSyntaxProblem,
  parseSourceJson,
  readSourceText,
} from './read-source.js';

const EXPECTED = 'a JSON object {"<id>": {year, event, category, challenge, path}} (the NYU CTF index file)';

/** Creates the nyu-ctf importer with the given limits (tests lower the file cap). */
export function createNyuCtfImporter(limits: CtfImportLimits = {}): Importer {
  return {
    format: 'nyu-ctf',
    description:
      'NYU CTF Bench index file {"<id>": {year, event, category, challenge, path}} + <path>/challenge.json',
    importSource: (source, options) => importNyu(source, options, limits),
  };
}

/** The nyu-ctf importer (an NYU CTF Bench index file such as test_dataset.json). */
export const nyuCtfImporter: Importer = createNyuCtfImporter();

async function importNyu(
  source: string,
  options: ImportOptions,
  limits: CtfImportLimits,
): Promise<ImportedSuite> {
  const { text, sha256 } = await readSourceText(source, 'the NYU CTF index file (e.g. test_dataset.json)');
  const index = parseSourceJson(text, source, EXPECTED);
  if (!isRecord(index)) {
    throw new RedlineError('E_MALFORMED', `${source}: expected ${EXPECTED} (got ${describeJsonType(index)})`);
  }
  const entries = Object.entries(index);
  if (entries.length === 0)
    throw new RedlineError('E_MALFORMED', `${source}: the index is empty; expected ${EXPECTED}`);

  const baseDir = dirname(resolve(source));
  const defaults: SuiteDefaults = { scorer: options.scorer ?? 'flag', ...CTF_DEFAULTS };
  const categories = new CategoryTable();
  const store = new ChallengeFileStore(limits.maxFilesBytes);
  const images = new ImageTable();
  const agentImage = agentImageOf(options);
  const tally = new SandboxTally();
  const refusedComposeNotes: string[] = [];
  const ids = new SampleIdAllocator();
  const samples: Sample[] = [];
  const rejected: RejectedRow[] = [];

  for (const [i, [key, entry]] of entries.entries()) {
    const row = { index: i + 1, id: key };
    const path = isRecord(entry) ? nonBlankString(entry.path) : undefined;
    if (!isRecord(entry) || path === undefined) {
      rejected.push({ ...row, reason: 'the index entry has no "path" to the challenge folder' });
      continue;
    }
    const challengeDir = join(baseDir, path);
    let challengeText: string;
    try {
      challengeText = (await readFile(join(challengeDir, 'challenge.json'), 'utf8')).replace(/^\uFEFF/, '');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      rejected.push({ ...row, reason: `${path}/challenge.json cannot be read (${code})` });
      continue;
    }
    let challenge: unknown;
    try {
      challenge = JSON.parse(challengeText) as unknown;
    } catch {
      rejected.push({ ...row, reason: `${path}/challenge.json ${jsonSyntaxProblem(challengeText)}` });
      continue;
    }
    if (!isRecord(challenge)) {
      rejected.push({ ...row, reason: `${path}/challenge.json must be a JSON object` });
      continue;
    }
    const flag = flagText(challenge.flag);
    const description = nonBlankString(challenge.description);
    if (flag === undefined) {
      rejected.push({ ...row, reason: `${path}/challenge.json has no "flag"` });
      continue;
    }
    if (description === undefined) {
      rejected.push({ ...row, reason: `${path}/challenge.json has no "description" (the question)` });
      continue;
    }

    const name = nonBlankString(challenge.name) ?? nonBlankString(entry.challenge) ?? key;
    const categoryText = nonBlankString(challenge.category) ?? nonBlankString(entry.category);
    const box = nonBlankString(challenge.box);
    const port = portText(challenge.internal_port);
    const needsServer = box !== undefined || port !== undefined || challenge.compose === true;
    const listed = Array.isArray(challenge.files)
      ? challenge.files.filter((f): f is string => typeof f === 'string')
      : [];
    const id = ids.allocate('nyu', JSON.stringify([path, flag]), key);
    const event = [entry.event, entry.year]
      .filter((v) => typeof v === 'string' || typeof v === 'number')
      .join(' ');
    const about = [categoryText ?? '', event].filter((t) => t !== '').join(', ');
    const partsFor = (host: string, portName: string): string[] => [
      `CTF challenge "${name}"${about === '' ? '' : ` (${about})`}.`,
      description.replaceAll('{box}', host).replaceAll('{port}', portName),
      flag.includes('{') ? `The flag has the form ${flag.replace(/\{.*\}/s, '{...}')}.` : '',
    ];
    const metadata: Record<string, unknown> = {
      path,
      ...(entry.year === undefined ? {} : { year: entry.year }),
      ...(entry.event === undefined ? {} : { event: entry.event }),
      ...(listed.length === 0 ? {} : { files: listed }),
    };
    const base = { id, category: categories.declare(categoryText) };

    let reason: SandboxReason | undefined;
    let reasonDetail: string | undefined;
    let sandboxFiles: Record<string, { path: string }> | undefined;
    let live: LiveTarget | undefined;
    const liveTask: LiveTargetTask = { key: id, dir: challengeDir, store, images };
    const composePath = needsServer ? await findComposeFile(challengeDir) : undefined;
    const hasDockerfile =
      needsServer && composePath === undefined && (await hasFile(challengeDir, 'Dockerfile'));
    if (needsServer && composePath === undefined && !hasDockerfile) reason = 'live-server';
    else if (listed.length > 0 || needsServer) {
      const { files, missing } = await resolveListedFiles(challengeDir, listed);
      if (missing.length > 0) reason = 'files-missing';
      else if (!needsServer) {
        sandboxFiles = store.take(id, files);
        if (sandboxFiles === undefined) reason = 'over-cap';
      } else {
        const portNumber = portValue(port);
        const hint = {
          ...(box === undefined ? {} : { host: box }),
          ...(portNumber === undefined ? {} : { port: portNumber }),
        };
        const outcome: LiveTargetOutcome =
          composePath === undefined
            ? await dockerfileLiveTarget(liveTask, challengeDir, boxService(box), portNumber)
            : await composeLiveTarget(liveTask, composePath, `${path}/${basename(composePath)}`, hint);
        if ('reason' in outcome) {
          reason = outcome.reason;
          reasonDetail = outcome.detail;
          if (reason === 'compose-unsupported') refusedComposeNotes.push(`${path}: ${outcome.detail}`);
        } else {
          sandboxFiles = store.take(id, files);
          if (sandboxFiles === undefined) {
            reason = 'over-cap';
            releaseLiveTarget(liveTask);
          } else live = outcome.target;
        }
      }
    }
    const server = `${box ?? 'localhost'}:${port ?? '?'}`;
    const sample: Sample =
      sandboxFiles === undefined
        ? {
            ...base,
            input: questionOnlyInput(partsFor(box ?? 'the challenge server', port ?? 'its port'), 'flag'),
            target: flag,
            metadata: {
              ...metadata,
              ...(reason === undefined
                ? {}
                : { needsSandbox: true, reason: sandboxReasonText(reason, server, reasonDetail) }),
            },
          }
        : live !== undefined
          ? {
              ...base,
              input: liveTargetInput(
                partsFor(live.host, live.port === undefined ? (port ?? 'its port') : String(live.port)),
                live,
                Object.keys(sandboxFiles),
                box,
              ),
              target: flag,
              metadata: { ...metadata, targetHost: server },
              sandbox: { backend: 'docker', image: agentImage, files: sandboxFiles, services: live.services },
              agent: CTF_AGENT,
            }
          : {
              ...base,
              input: agenticInput(
                partsFor(box ?? 'the challenge server', port ?? 'its port'),
                Object.keys(sandboxFiles),
              ),
              target: flag,
              metadata,
              sandbox: { files: sandboxFiles, network: false },
              agent: CTF_AGENT,
            };
    if (!keepOrReject(sample, defaults, row, samples, rejected)) {
      store.release(sandboxFiles);
      releaseLiveTarget(liveTask);
    } else if (reason !== undefined) tally.add(reason);
  }

  return assembleSuite({
    format: 'nyu-ctf',
    source,
    sha256,
    rows: entries.length,
    options,
    defaultId: 'nyu-ctf',
    defaultTitle: 'NYU CTF Bench (imported)',
    description: 'CSAW CTF challenges of NYU CTF Bench, imported by redline suite import nyu-ctf.',
    upstream: 'NYU CTF Bench (NYU-LLM-CTF/NYU_CTF_Bench)',
    categories,
    defaults,
    samples,
    rejected,
    warnings: [
      ...tally.warnings(),
      ...refusedComposeNotes.map(
        (note) => `imported question-only, its live server cannot be started: ${note}`,
      ),
      ...store.capWarning(),
    ],
    files: store.copies,
    images: images.images,
  });
}

/** The flag of a challenge.json: a string, or `{content: string}` as some challenges give it. */
function flagText(value: unknown): string | undefined {
  return nonBlankString(isRecord(value) ? value.content : value);
}

/** A port number from its text, when it is one (1-65535). */
function portValue(text: string | undefined): number | undefined {
  const port = text === undefined || !/^\d{1,5}$/.test(text.trim()) ? undefined : Number(text);
  return port !== undefined && port >= 1 && port <= 65535 ? port : undefined;
}

/** The service name of a Dockerfile challenge: the first label of its box (`web` for web.chal.csaw.io), else `challenge`. */
function boxService(box: string | undefined): string {
  const label = box === undefined ? undefined : composeNameToLabel(box.split('.')[0] ?? '');
  return label === undefined || label === 'localhost' ? 'challenge' : label;
}

/** A port as text: a number or a non-blank string. */
function portText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return nonBlankString(value);
}
