/**
 * Cybench (andyzorigin/cybench): a directory searched recursively for task folders, each holding
 * `metadata/metadata.json` `{categories, difficulty, hard_prompt, easy_prompt, target_host, subtasks: [{question,
 * answer, answer_format, hints}]}`. One sample per subtask: the input is the task prompt (hard_prompt), the
 * subtask question and its answer format; subtasks are scored exactly, except the last, whose answer is the flag.
 *
 * Counting: `rows` counts subtasks, except that a task whose metadata cannot be used counts as one row (and one
 * rejected row, indexed by the task's 1-based place in path order). `sha256` is the SHA-256 of the text made of
 * one line per task folder in sorted order, `<relative POSIX path of the folder>\t<sha256 hex of its
 * metadata/metadata.json>\n` (`-` for a file that cannot be read).
 *
 * Files: the files handed to players (`release/` and `dist/`, else `challenge/`) go to the agent's work directory;
 * every subtask of a task shares one copy, under `files/<task key>/`. Files that contain the task's flag are left
 * out (the server side of a challenge often does). A task without a server and without such files is imported
 * question-only with metadata.needsSandbox (its files were not found beside the source).
 *
 * Live targets: a task with a `target_host` (`web:8080`) and a compose file (COMPOSE_FILE_NAMES at the task root,
 * else in `env/` or `challenge/`) becomes a docker challenge: the compose services are embedded in each sample's
 * `sandbox.services` (parseCompose; the compose file is not read at run time), the service the task names is
 * reachable under that name, the agent runs in the `agentImage` option's image (DEFAULT_AGENT_IMAGE) with the
 * player files in /work, and the input tells it the target's address. Services with `build:` keep their compose
 * `image:` name, else get builtImageName(task key, service); their build contexts are copied to
 * `images/<task key>/<service>/` and recorded in header.images for `redline images SUITE --build`. The target stays
 * the task's published flag: a planted flag cannot be injected into images built from third-party Dockerfiles,
 * which bake their flag in.
 *
 * A task with a `target_host` but no compose file, whose compose file Redline refuses (privileged, host volumes,
 * ...: the parseCompose problems), or whose build contexts are over the copy cap is imported question-only with
 * metadata.needsSandbox and a reason naming the problems (not rejected: the questions are still worth asking, and
 * the reason says what to fix); each refused compose file is also named in a warning.
 */
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { RedlineError } from '../../errors.js';
import type { Sample, ScorerSpec, SuiteDefaults } from '../../schema/suite.js';
import type { Importer, ImportOptions, ImportedSuite, RejectedRow } from '../imported-suite.js';
import { SampleIdAllocator, sha256Hex } from '../sample-ids.js';
import type { TargetHint } from './choose-target-service.js';
import {
  agentImageOf,
  agenticInput,
  assembleSuite,
  CategoryTable,
  type ChallengeFile,
  ChallengeFileStore,
  CTF_AGENT,
  CTF_DEFAULTS,
  type CtfImportLimits,
  keepOrReject,
  listChallengeFiles,
  nonBlankString,
  questionOnlyInput,
  type SandboxReason,
  SandboxTally,
  sandboxReasonText,
} from './ctf-helpers.js';
import { findComposeFile } from './find-compose-file.js';
import { ImageTable } from './image-table.js';
import { composeLiveTarget, type LiveTarget, liveTargetInput, releaseLiveTarget } from './live-target.js';
import { isRecord, jsonSyntaxProblem, unreadableSource } from './read-source.js';

/** Folders of a task whose files are handed to players, in order of preference (see the module comment). */
const PLAYER_DIRS = ['release', 'dist'] as const;
const FALLBACK_DIR = 'challenge';
/** Folders of a task searched for a compose file after the task root. */
const COMPOSE_DIRS = ['env', 'challenge'] as const;
/** Files larger than this are not searched for the flag (binaries, archives). */
const MAX_FLAG_SCAN_BYTES = 16 * 1024 * 1024;

/** Creates the cybench importer with the given limits (tests lower the file cap). */
export function createCybenchImporter(limits: CtfImportLimits = {}): Importer {
  return {
    format: 'cybench',
    description: 'Cybench directory: task folders with metadata/metadata.json; one sample per subtask',
    importSource: (source, options) => importCybench(source, options, limits),
  };
}

/** The cybench importer (a Cybench benchmark directory). */
export const cybenchImporter: Importer = createCybenchImporter();

async function importCybench(
  source: string,
  options: ImportOptions,
  limits: CtfImportLimits,
): Promise<ImportedSuite> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(source)).isDirectory();
  } catch (error) {
    throw unreadableSource(source, 'the Cybench benchmark directory', error);
  }
  if (!isDirectory) {
    throw new RedlineError(
      'E_INPUT',
      `${source} is not a directory: give the Cybench benchmark directory (e.g. benchmark/)`,
    );
  }
  const root = resolve(source);
  const taskDirs = await findTaskFolders(root, source);
  if (taskDirs.length === 0) {
    throw new RedlineError(
      'E_MALFORMED',
      `${source}: no task folder holding metadata/metadata.json was found; expected the Cybench benchmark directory`,
    );
  }

  const defaults: SuiteDefaults = { scorer: options.scorer ?? 'exact', ...CTF_DEFAULTS };
  const categories = new CategoryTable();
  const store = new ChallengeFileStore(limits.maxFilesBytes);
  const images = new ImageTable();
  const agentImage = agentImageOf(options);
  const tally = new SandboxTally();
  const refusedComposeNotes: string[] = [];
  const sampleIds = new SampleIdAllocator();
  const taskKeys = new SampleIdAllocator();
  const samples: Sample[] = [];
  const rejected: RejectedRow[] = [];
  const digestLines: string[] = [];
  let rows = 0;
  let flagFilesLeftOut = 0;

  for (const [i, rel] of taskDirs.entries()) {
    const index = i + 1;
    const taskDir = join(root, ...rel.split('/'));
    const rejectTask = (reason: string): void => {
      rows++;
      rejected.push({ index, id: rel, reason });
    };
    let bytes: Buffer;
    try {
      bytes = await readFile(join(taskDir, 'metadata', 'metadata.json'));
    } catch (error) {
      digestLines.push(`${rel}\t-\n`);
      rejectTask(
        `cannot read metadata/metadata.json (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
      continue;
    }
    digestLines.push(`${rel}\t${sha256Hex(bytes)}\n`);
    let metadata: unknown;
    const metadataText = bytes.toString('utf8').replace(/^\uFEFF/, '');
    try {
      metadata = JSON.parse(metadataText) as unknown;
    } catch {
      rejectTask(`metadata/metadata.json ${jsonSyntaxProblem(metadataText)}`);
      continue;
    }
    if (!isRecord(metadata)) {
      rejectTask('metadata/metadata.json must be a JSON object');
      continue;
    }
    const subtasks = metadata.subtasks;
    if (!Array.isArray(subtasks) || subtasks.length === 0) {
      rejectTask('metadata/metadata.json has no "subtasks"');
      continue;
    }
    const prompt = nonBlankString(metadata.hard_prompt);
    if (prompt === undefined) {
      rejectTask('metadata/metadata.json has no "hard_prompt" (the task prompt)');
      continue;
    }
    rows += subtasks.length;

    const categoryText = Array.isArray(metadata.categories) ? (metadata.categories[0] as unknown) : undefined;
    const category = categories.declare(typeof categoryText === 'string' ? categoryText : undefined);
    const targetHost = nonBlankString(metadata.target_host);
    const last = subtasks[subtasks.length - 1] as unknown;
    const flag = isRecord(last) ? answerText(last.answer) : undefined;
    const taskKey = taskKeys.allocate('cybench', '', rel);

    let sandboxFiles: Record<string, { path: string }> | undefined;
    let reason: SandboxReason | undefined;
    let reasonDetail: string | undefined;
    let live: LiveTarget | undefined;
    const liveTask = { key: taskKey, dir: taskDir, store, images };
    const composePath = targetHost === undefined ? undefined : await findComposeFile(taskDir, COMPOSE_DIRS);
    if (targetHost !== undefined && composePath === undefined) reason = 'live-server';
    else {
      const found = await playerFiles(taskDir);
      const kept = flag === undefined ? found : await withoutFlag(found, flag);
      if (composePath !== undefined) {
        const composeName = `${rel}/${relative(taskDir, composePath).split('\\').join('/')}`;
        const outcome = await composeLiveTarget(liveTask, composePath, composeName, hostAndPort(targetHost));
        if ('reason' in outcome) {
          reason = outcome.reason;
          reasonDetail = outcome.detail;
          if (reason === 'compose-unsupported') refusedComposeNotes.push(`${rel}: ${outcome.detail}`);
        } else {
          // A live target needs no player files: the agent may have only the server to work with.
          sandboxFiles = store.take(taskKey, kept);
          if (sandboxFiles === undefined) {
            reason = 'over-cap';
            releaseLiveTarget(liveTask);
          } else {
            live = outcome.target;
            flagFilesLeftOut += found.length - kept.length;
          }
        }
      } else {
        flagFilesLeftOut += found.length - kept.length;
        // Every Cybench task without a server hands files to players: none found means they were not copied along.
        if (kept.length === 0) reason = 'files-missing';
        else {
          sandboxFiles = store.take(taskKey, kept);
          if (sandboxFiles === undefined) reason = 'over-cap';
        }
      }
    }

    let kept = 0;
    for (const [j, subtask] of subtasks.entries()) {
      const n = j + 1;
      const row = { index, id: `${rel}#${n}` };
      if (!isRecord(subtask)) {
        rejected.push({ ...row, reason: `subtask ${n} must be a JSON object` });
        continue;
      }
      const question = nonBlankString(subtask.question);
      const answer = answerText(subtask.answer);
      if (question === undefined) {
        rejected.push({ ...row, reason: `subtask ${n} has no "question"` });
        continue;
      }
      if (answer === undefined) {
        rejected.push({ ...row, reason: `subtask ${n} has no "answer"` });
        continue;
      }
      const isFlag = j === subtasks.length - 1;
      const format = nonBlankString(subtask.answer_format);
      const parts = [prompt, `Question: ${question}`, format === undefined ? '' : `Answer format: ${format}`];
      const scorer: ScorerSpec | undefined =
        options.scorer === undefined ? (isFlag ? 'flag' : 'exact') : undefined;
      const hints = Array.isArray(subtask.hints)
        ? subtask.hints.filter((h): h is string => typeof h === 'string')
        : [];
      const meta: Record<string, unknown> = {
        task: rel,
        subtask: n,
        subtasks: subtasks.length,
        isFlag,
        ...(metadata.difficulty === undefined ? {} : { difficulty: metadata.difficulty }),
        ...(hints.length === 0 ? {} : { hints }),
      };
      const base = {
        id: sampleIds.allocate('cybench', JSON.stringify([rel, n]), `${rel}/${n}`),
        category,
      };
      const scoring = { target: answer, ...(scorer === undefined ? {} : { scorer }) };
      const sample: Sample =
        sandboxFiles === undefined
          ? {
              ...base,
              input: questionOnlyInput(parts, isFlag ? 'flag' : 'answer'),
              ...scoring,
              metadata: {
                ...meta,
                ...(reason === undefined
                  ? {}
                  : { needsSandbox: true, reason: sandboxReasonText(reason, targetHost, reasonDetail) }),
              },
            }
          : live !== undefined
            ? {
                ...base,
                input: liveTargetInput(parts, live, Object.keys(sandboxFiles), targetHost),
                ...scoring,
                metadata: { ...meta, targetHost },
                sandbox: {
                  backend: 'docker',
                  image: agentImage,
                  files: sandboxFiles,
                  services: live.services,
                },
                agent: CTF_AGENT,
              }
            : {
                ...base,
                input: agenticInput(parts, Object.keys(sandboxFiles)),
                ...scoring,
                metadata: meta,
                sandbox: { files: sandboxFiles, network: false },
                agent: CTF_AGENT,
              };
      if (keepOrReject(sample, defaults, row, samples, rejected)) {
        kept++;
        if (reason !== undefined) tally.add(reason);
      }
    }
    if (kept === 0) {
      store.release(sandboxFiles);
      releaseLiveTarget(liveTask);
    }
  }

  const warnings = [
    ...tally.warnings(),
    ...refusedComposeNotes.map(
      (note) => `imported question-only, its live server cannot be started: ${note}`,
    ),
    ...store.capWarning(),
  ];
  if (flagFilesLeftOut > 0) {
    warnings.push(
      `${flagFilesLeftOut} challenge file(s) contain their task's flag and were left out of the sandboxes`,
    );
  }
  return assembleSuite({
    format: 'cybench',
    source,
    sha256: sha256Hex(digestLines.join('')),
    rows,
    options,
    defaultId: 'cybench',
    defaultTitle: 'Cybench (imported)',
    description:
      'Professional CTF tasks of Cybench, one sample per subtask (the last is the flag), imported by redline suite import cybench.',
    upstream: 'Cybench (andyzorigin/cybench)',
    categories,
    defaults,
    samples,
    rejected,
    warnings,
    files: store.copies,
    images: images.images,
  });
}

/** The host and port of a `target_host` such as `web:8080` (a URL scheme and path are dropped). */
function hostAndPort(targetHost: string | undefined): TargetHint {
  if (targetHost === undefined) return {};
  const text = targetHost
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '');
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = match === null ? undefined : Number(match[2]);
  if (match === null || port === undefined || port < 1 || port > 65535) return { host: text };
  return { host: match[1] ?? text, port };
}

/** An answer as text: a non-blank string, or a number. */
function answerText(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return nonBlankString(value);
}

/**
 * The task folders below `root` (folders holding `metadata/metadata.json`), as sorted relative POSIX paths. Hidden
 * folders, node_modules and symlinked folders are not searched, nor is the inside of a task folder.
 */
async function findTaskFolders(root: string, source: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const metadataFile = await lstat(join(dir, 'metadata', 'metadata.json')).catch(() => undefined);
    if (metadataFile?.isFile() === true) {
      found.push(rel === '' ? '.' : rel);
      return;
    }
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (rel === '') throw unreadableSource(source, 'the Cybench benchmark directory', error);
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      await walk(join(dir, entry.name), rel === '' ? entry.name : `${rel}/${entry.name}`);
    }
  };
  await walk(root, '');
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The files a task hands to players: `release/` and `dist/` (the first wins a name clash), else `challenge/`. */
async function playerFiles(taskDir: string): Promise<ChallengeFile[]> {
  const byName = new Map<string, ChallengeFile>();
  for (const dir of PLAYER_DIRS) {
    for (const file of await listChallengeFiles(join(taskDir, dir), true)) {
      if (!byName.has(file.name)) byName.set(file.name, file);
    }
  }
  if (byName.size > 0) return [...byName.values()];
  return listChallengeFiles(join(taskDir, FALLBACK_DIR), true);
}

/** `files` without those whose bytes contain `flag` (files over MAX_FLAG_SCAN_BYTES are kept unsearched). */
async function withoutFlag(files: readonly ChallengeFile[], flag: string): Promise<ChallengeFile[]> {
  const needle = Buffer.from(flag, 'utf8');
  const kept: ChallengeFile[] = [];
  for (const file of files) {
    if (file.bytes > MAX_FLAG_SCAN_BYTES) kept.push(file);
    else {
      const bytes = await readFile(file.path).catch(() => undefined);
      if (bytes !== undefined && !bytes.includes(needle)) kept.push(file);
    }
  }
  return kept;
}
