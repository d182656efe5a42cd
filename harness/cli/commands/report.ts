/**
 * `redline report RUN_ID`: the report of a run, read from the lab database.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { buildReport } from '../../../src/report/build-report.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import type { ExitHolder } from '../program.js';
import { renderReport } from '../render-report.js';

/** Registers `report`. */
export function registerReportCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('report')
    .description('Print the report of a run: scores with confidence intervals and the designation.')
    .argument('<runId>', 'run id (see "redline runs")')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--policy <file>', "decide under this policy instead of the run's own (nothing is stored)")
    .addOption(
      new Option('--ci <method>', "confidence interval method (default: the run's)").choices([
        't',
        'bootstrap',
      ]),
    )
    .option('--json', 'print the report object (DESIGN.md §4)')
    .action(
      async (
        runId: string,
        flags: { db?: string; policy?: string; ci?: 't' | 'bootstrap'; json?: boolean },
      ) => {
        // The policy-file reader (YAML, signed statements) loads only when a report asks for another policy.
        const policy =
          flags.policy === undefined
            ? undefined
            : await (await import('./policy-option.js')).loadPolicyOption(flags.policy);
        const db = openLabDb(flags, io, { readonly: true });
        try {
          const report = buildReport(db, runId, {
            ...(policy === undefined ? {} : { policy }),
            ...(flags.ci === undefined ? {} : { ci: flags.ci }),
          });
          io.stdout(flags.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
        } finally {
          db.close();
        }
        exit.code = 0;
      },
    );
}
