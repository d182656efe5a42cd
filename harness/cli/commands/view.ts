/**
 * `redline view RUN_ID... --out DIR`: a static, self-contained HTML report of runs for a browser inside the lab
 * (harness/view/write-view.ts): header and designation chart, every sample, transcripts, and with several runs the
 * comparison of each with the first. Lab only: it holds benchmark items, model outputs and transcripts.
 */
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { writeView } from '../../view/write-view.js';
import { EXIT } from '../exit-codes.js';
import { nowOf, type CliIo } from '../io.js';
import { auditExport, suitesOfRuns } from '../audit-export.js';
import { openLabDb } from '../open-lab-db.js';
import type { ExitHolder } from '../program.js';

/** The warning printed whenever a view is written. */
export const VIEW_WARNING =
  'warning: the view holds benchmark items, model outputs and transcripts: LAB ONLY. Keep it inside the lab, ' +
  'never next to sealed assessments, and never copy it out (docs/security.md, "Views stay in the lab").\n';

/** Registers `view`. */
export function registerViewCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('view')
    .description(
      'Write a static HTML report of runs for a browser in the lab (no network): designation chart, every sample, transcripts, and a comparison with the first run.',
    )
    .argument(
      '<runIds...>',
      'one or more runs (see "redline runs"); each run after the first is compared with it',
    )
    .requiredOption(
      '--out <dir>',
      'the directory to write: new, empty, or a previous view (nothing else is overwritten)',
    )
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring: the database key and the log key (default ./keys, env REDLINE_KEYS)')
    .action((runIds: string[], flags: { out: string; db?: string; keys?: string }) => {
      const db = openLabDb(flags, io, { readonly: true });
      try {
        auditExport(db, flags, io, 'view.exported', {
          runs: suitesOfRuns(db, runIds),
          out: resolve(io.cwd, flags.out),
        });
        const view = writeView(db, runIds, flags.out, { cwd: io.cwd, now: nowOf(io) });
        io.stderr(VIEW_WARNING);
        for (const skipped of view.notCompared)
          io.stderr(`warning: run ${skipped.b} not compared with ${skipped.a}: ${skipped.message}\n`);
        io.stdout(
          `wrote the view of ${view.runs} run${view.runs === 1 ? '' : 's'} (${view.samples.toLocaleString('en')} ` +
            `samples, ${view.transcripts.toLocaleString('en')} transcript${view.transcripts === 1 ? '' : 's'}; ` +
            `${view.files} files, ` +
            `${(view.bytes / 1e6).toFixed(1)} MB) to ${view.dir}\n` +
            `  open ${join(view.dir, 'index.html')} in a browser: it loads nothing from the network\n`,
        );
      } finally {
        db.close();
      }
      exit.code = EXIT.ok;
    });
}
