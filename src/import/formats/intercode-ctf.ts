/**
 * InterCode-CTF (princeton-nlp/intercode, `data/ctf/ic_ctf.json`): a JSON array of picoCTF tasks
 * `{task_id, query, gold, source, tags: [...], setup?}`, scored by the flag `gold`, case-insensitively.
 *
 * A task is agentic when its files lie beside the source in `task_assets/<task_id>/` (the regular files directly
 * in that folder, as upstream copies them; `solution/` and other subfolders stay out). A `setup` command is not
 * files: a task with `setup` but no files is imported question-only with metadata.needsSandbox; a task with
 * neither is a self-contained question.
 */
import { dirname, join, resolve } from 'node:path';
import { RedlineError } from '../../errors.js';
import type { Sample, SuiteDefaults } from '../../schema/suite.js';
import type { Importer, ImportOptions, ImportedSuite, RejectedRow } from '../imported-suite.js';
import { SampleIdAllocator } from '../sample-ids.js';
import {
  agenticInput,
  assembleSuite,
  CategoryTable,
  ChallengeFileStore,
  CTF_AGENT,
  CTF_DEFAULTS,
  type CtfImportLimits,
  keepOrReject,
  listChallengeFiles,
  nonBlankString,
  questionOnlyInput,
  SandboxTally,
  sandboxName,
  sandboxReasonText,
} from './ctf-helpers.js';
import { describeJsonType, isRecord, parseSourceJson, readSourceText } from './read-source.js';

const EXPECTED = 'a JSON array of tasks {task_id, query, gold, source, tags, setup?}';

/** Creates the intercode-ctf importer with the given limits (tests lower the file cap). */
export function createIntercodeCtfImporter(limits: CtfImportLimits = {}): Importer {
  return {
    format: 'intercode-ctf',
    description:
      'InterCode-CTF ic_ctf.json: [{task_id, query, gold, source, tags, setup?}], files in task_assets/<id>/',
    importSource: (source, options) => importIntercode(source, options, limits),
  };
}

/** The intercode-ctf importer (InterCode-CTF's ic_ctf.json). */
export const intercodeCtfImporter: Importer = createIntercodeCtfImporter();

async function importIntercode(
  source: string,
  options: ImportOptions,
  limits: CtfImportLimits,
): Promise<ImportedSuite> {
  const { text, sha256 } = await readSourceText(source, 'the InterCode-CTF task file (ic_ctf.json)');
  const tasks = parseSourceJson(text, source, EXPECTED);
  if (!Array.isArray(tasks)) {
    throw new RedlineError('E_MALFORMED', `${source}: expected ${EXPECTED} (got ${describeJsonType(tasks)})`);
  }
  if (tasks.length === 0)
    throw new RedlineError('E_MALFORMED', `${source}: the task array is empty; expected ${EXPECTED}`);

  const assetsDir = join(dirname(resolve(source)), 'task_assets');
  const defaults: SuiteDefaults = {
    scorer: options.scorer ?? { type: 'flag', ignoreCase: true },
    ...CTF_DEFAULTS,
  };
  const categories = new CategoryTable();
  const store = new ChallengeFileStore(limits.maxFilesBytes);
  const tally = new SandboxTally();
  const ids = new SampleIdAllocator();
  const samples: Sample[] = [];
  const rejected: RejectedRow[] = [];

  for (const [i, task] of tasks.entries()) {
    const index = i + 1;
    if (!isRecord(task)) {
      rejected.push({
        index,
        reason: `a task must be a JSON object (got ${describeJsonType(task)})`,
      });
      continue;
    }
    const taskId =
      typeof task.task_id === 'number' || nonBlankString(task.task_id) !== undefined
        ? String(task.task_id)
        : undefined;
    const row = taskId === undefined ? { index } : { index, id: taskId };
    const query = nonBlankString(task.query);
    const gold = nonBlankString(task.gold);
    if (query === undefined) {
      rejected.push({ ...row, reason: 'missing "query" (the task text)' });
      continue;
    }
    if (gold === undefined) {
      rejected.push({ ...row, reason: 'missing "gold" (the flag)' });
      continue;
    }
    const tags = Array.isArray(task.tags) ? task.tags.filter((t): t is string => typeof t === 'string') : [];
    const setup = nonBlankString(task.setup);
    const id = ids.allocate('intercode', JSON.stringify([query, gold]), taskId);
    const metadata: Record<string, unknown> = {
      ...(taskId === undefined ? {} : { taskId }),
      ...(typeof task.source === 'string' ? { source: task.source } : {}),
      tags,
    };
    const base = { id, category: categories.declare(tags[0]) };

    const assets = taskId === undefined ? undefined : sandboxName(taskId);
    const files = assets === undefined ? [] : await listChallengeFiles(join(assetsDir, assets), false);
    const sandboxFiles = files.length === 0 ? undefined : store.take(id, files);
    let sample: Sample;
    let reason: 'files-missing' | 'over-cap' | undefined;
    if (sandboxFiles !== undefined) {
      sample = {
        ...base,
        input: agenticInput([query], Object.keys(sandboxFiles)),
        target: gold,
        metadata,
        sandbox: { files: sandboxFiles, ...(setup === undefined ? {} : { setup }), network: false },
        agent: CTF_AGENT,
      };
    } else {
      reason = files.length > 0 ? 'over-cap' : setup !== undefined ? 'files-missing' : undefined;
      sample = {
        ...base,
        input: questionOnlyInput([query], 'flag'),
        target: gold,
        metadata: {
          ...metadata,
          ...(setup === undefined ? {} : { setup }),
          ...(reason === undefined ? {} : { needsSandbox: true, reason: sandboxReasonText(reason) }),
        },
      };
    }
    if (!keepOrReject(sample, defaults, row, samples, rejected)) store.release(sandboxFiles);
    else if (reason !== undefined) tally.add(reason);
  }

  return assembleSuite({
    format: 'intercode-ctf',
    source,
    sha256,
    rows: tasks.length,
    options,
    defaultId: 'intercode-ctf',
    defaultTitle: 'InterCode-CTF (imported)',
    description:
      'picoCTF capture-the-flag tasks of InterCode-CTF, imported by redline suite import intercode-ctf.',
    upstream: 'InterCode-CTF (princeton-nlp/intercode)',
    categories,
    defaults,
    samples,
    rejected,
    warnings: [...tally.warnings(), ...store.capWarning()],
    files: store.copies,
  });
}
