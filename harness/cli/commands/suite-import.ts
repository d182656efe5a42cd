/**
 * `redline suite import FORMAT SOURCE --out DIR`: a public benchmark in its own format -> a Redline suite that
 * validates, with every row that could not be imported reported by index and counted. With `--seal-to KEY_ID...`,
 * `--out` is a sealed suite file (suite-seal.ts), written without the converted suite ever being on disk in plaintext.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { Argument, Option } from 'commander';
import { RedlineError, formatProblem } from '../../../src/errors.js';
import {
  DEFAULT_AGENT_IMAGE,
  summarizeSandboxes,
  type SandboxSummary,
} from '../../../src/import/formats/ctf-helpers.js';
import { IMPORTERS, findImporter } from '../../../src/import/registry.js';
import type { ImportedSuite, ImportOptions } from '../../../src/import/imported-suite.js';
import { parseFieldMap } from '../../../src/import/parse-field-map.js';
import { ScorerSpec } from '../../../src/schema/suite.js';
import { compileValidator } from '../../../src/schema/validate.js';
import { validateSuite, type SuiteValidation } from '../../../src/suite/validate-suite.js';
import { readTar } from '../../../src/archive/read-tar.js';
import { writeTar } from '../../../src/archive/write-tar.js';
import { encryptToRecipients } from '../../../src/crypto/age-file.js';
import { archiveEntries } from '../../../src/suite/seal-suite.js';
import { buildSuiteTree } from '../../../src/suite/suite-tree.js';
import { archiveImportedSuite } from '../../import/archive-imported-suite.js';
import { keysDir } from '../options.js';
import { resolveRecipients, type SealRecipient } from '../resolve-recipients.js';
import { writeFileAtomically } from '../write-file-atomically.js';
import { writeSuiteDir } from '../../import/write-suite-dir.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import type { ExitHolder } from '../program.js';

interface ImportFlags {
  out: string;
  id?: string;
  version?: string;
  title?: string;
  license?: string;
  language?: string;
  map?: string;
  scorer?: string;
  partial?: 'jaccard';
  agentImage?: string;
  strict?: boolean;
  json?: boolean;
  sealTo?: string[];
  keys?: string;
}

const scorerValidator = compileValidator(ScorerSpec);

function parseScorer(text: string): ScorerSpec {
  let value: unknown = text;
  if (text.trim().startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new RedlineError('E_USAGE', `--scorer: not valid JSON (${text})`);
    }
  }
  if (!scorerValidator.check(value)) {
    throw new RedlineError(
      'E_USAGE',
      `--scorer: use choice, exact, includes, regex, flag, numeric or a scorer object (got ${text})`,
    );
  }
  return value;
}

/** Registers `suite import` under `suite`. */
export function registerSuiteImportCommand(suite: Command, io: CliIo, exit: ExitHolder): void {
  suite
    .command('import')
    .description('Import a public benchmark into a Redline suite directory (or a sealed suite, --seal-to).')
    .addArgument(new Argument('<format>', 'source format').choices(IMPORTERS.map((i) => i.format)))
    .argument('<source>', 'the source file (a directory for cybench)')
    .requiredOption(
      '--out <dir>',
      'new directory for the suite (must not exist or be empty); with --seal-to, the new sealed suite file',
    )
    .option(
      '--seal-to <keyId...>',
      'write the suite sealed (redline suite seal) to these lab keys, never in plaintext',
    )
    .option('--keys <dir>', 'keyring of --seal-to (default ./keys, env REDLINE_KEYS)')
    .option('--id <id>', 'suite id (default: from the format)')
    .option('--version <version>', 'suite version (default 1.0.0)')
    .option('--title <title>', 'suite title')
    .option(
      '--license <text>',
      "license text to record (default: a pointer to the upstream benchmark's license)",
    )
    .option('--language <name>', 'secbench: keep only this language (e.g. English)')
    .option('--map <spec>', 'jsonl/csv: input=COL,target=COL[,choices=A|B|...][,category=COL][,id=COL]')
    .option(
      '--scorer <spec>',
      'the scorer (jsonl/csv; an exact override for ctibench-rcm): a name or a JSON scorer object',
    )
    .addOption(
      new Option('--partial <mode>', 'choice formats: Jaccard partial credit for multi-answer sets').choices([
        'jaccard',
      ]),
    )
    .option(
      '--agent-image <ref>',
      `cybench/nyu-ctf: the agent's image in docker challenges, supplied by the lab (default ${DEFAULT_AGENT_IMAGE})`,
    )
    .option('--strict', 'exit 2 when any row could not be imported (the suite is still written)')
    .option('--json', 'print {suite, imported, rejected, warnings} as JSON')
    .action(async (format: string, source: string, flags: ImportFlags) => {
      const importer = findImporter(format);
      const options: ImportOptions = {
        ...(flags.id === undefined ? {} : { id: flags.id }),
        ...(flags.version === undefined ? {} : { version: flags.version }),
        ...(flags.title === undefined ? {} : { title: flags.title }),
        ...(flags.license === undefined ? {} : { license: flags.license }),
        ...(flags.language === undefined ? {} : { language: flags.language }),
        ...(flags.map === undefined ? {} : { map: parseFieldMap(flags.map) }),
        ...(flags.scorer === undefined ? {} : { scorer: parseScorer(flags.scorer) }),
        ...(flags.partial === undefined ? {} : { partial: flags.partial }),
        ...(flags.agentImage === undefined ? {} : { agentImage: flags.agentImage }),
      };
      const recipients =
        flags.sealTo === undefined ? undefined : resolveRecipients(flags.sealTo, keysDir(flags.keys, io));
      if (recipients !== undefined && existsSync(flags.out)) {
        throw new RedlineError(
          'E_USAGE',
          `${flags.out}: already exists; choose another --out (an existing suite is never overwritten)`,
        );
      }
      const imported = await importer.importSource(source, options);
      if (imported.samples.length === 0) {
        for (const r of imported.rejected)
          io.stderr(`  ${source}: row ${r.index}${r.id === undefined ? '' : ` (${r.id})`}: ${r.reason}\n`);
        throw new RedlineError(
          'E_MALFORMED',
          `${source}: no row could be imported as ${format} (${imported.rejected.length} rejected); is it the right format?`,
        );
      }
      const { copied, validation } =
        recipients === undefined
          ? { ...writeSuiteDir(flags.out, imported), validation: await validateSuite(flags.out) }
          : await sealImported(flags.out, imported, recipients);
      if (!validation.ok) {
        for (const p of validation.problems.slice(0, 20)) io.stderr(`  ${formatProblem(p)}\n`);
        throw new RedlineError(
          'E_INTERNAL',
          `the imported suite in ${flags.out} does not validate: a bug in the ${format} importer`,
        );
      }
      const sandboxes = summarizeSandboxes(imported.samples);
      if (flags.json === true) {
        io.stdout(
          `${JSON.stringify({ suite: { dir: flags.out, ...validation.suite }, imported: imported.samples.length, copiedFiles: copied, tasks: sandboxes, rejected: imported.rejected, warnings: imported.warnings }, null, 2)}\n`,
        );
      } else {
        io.stdout(
          `imported ${imported.samples.length} of ${imported.header.source.rows} rows from ${source} (${format}) into ${flags.out}: ` +
            `${validation.suite?.id ?? ''}@${validation.suite?.version ?? ''}, sha256 ${validation.suite?.sha256 ?? ''}` +
            `${copied > 0 ? `, ${copied} challenge files copied` : ''}\n`,
        );
        const tasks = sandboxSummaryLine(sandboxes, imported.rejected.length);
        if (tasks !== undefined) io.stdout(`${tasks}\n`);
        if (imported.rejected.length > 0) {
          io.stdout(`${imported.rejected.length} row(s) not imported:\n`);
          for (const r of imported.rejected)
            io.stdout(`  row ${r.index}${r.id === undefined ? '' : ` (${r.id})`}: ${r.reason}\n`);
        }
        for (const w of imported.warnings) io.stderr(`redline: warning: ${w}\n`);
      }
      exit.code = flags.strict === true && imported.rejected.length > 0 ? EXIT.usage : EXIT.ok;
    });
}

/**
 * Archives `imported` in memory, validates it from there, and writes it sealed to `recipients` (atomically, mode
 * 0600); the suite is written only when it validates.
 */
async function sealImported(
  out: string,
  imported: ImportedSuite,
  recipients: SealRecipient[],
): Promise<{ copied: number; validation: SuiteValidation }> {
  const { members, copied } = archiveImportedSuite(imported);
  const tar = writeTar(archiveEntries(members).entries);
  const validation = await validateSuite(out, { tree: buildSuiteTree(readTar(tar, out), out) });
  if (validation.ok) {
    const sealed = await encryptToRecipients(
      tar,
      recipients.map((r) => r.recipient),
    );
    writeFileAtomically(out, sealed, 'the sealed suite');
  }
  return { copied, validation };
}

/**
 * `tasks: 2 agentic (docker), 3 agentic (bwrap), 4 question-only (2 need a sandbox: see the warnings); 1 row not
 * imported`, or undefined for an import without agentic tasks or tasks that need a sandbox (a multiple-choice
 * benchmark).
 */
function sandboxSummaryLine(summary: SandboxSummary, rejected: number): string | undefined {
  if (summary.docker + summary.bwrap + summary.needsSandbox === 0) return undefined;
  const needs =
    summary.needsSandbox === 0
      ? ''
      : ` (${summary.needsSandbox} need${summary.needsSandbox === 1 ? 's' : ''} a sandbox: see the warnings)`;
  return (
    `tasks: ${summary.docker} agentic (docker), ${summary.bwrap} agentic (bwrap), ` +
    `${summary.questionOnly} question-only${needs}` +
    (rejected === 0 ? '' : `; ${rejected} row${rejected === 1 ? '' : 's'} not imported (below)`)
  );
}
