/**
 * `redline report RUN_ID` and `redline runs`: read-only views of the lab database.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { buildReport } from '../../../src/report/build-report.js';
import { openStore } from '../../../src/store/open-store.js';
import { countResultsByRun } from '../../../src/store/results.js';
import { listRuns } from '../../../src/store/runs.js';
import type { CliIo } from '../io.js';
import { dbPath } from '../options.js';
import type { ExitHolder } from '../program.js';
import { renderReport } from '../render-report.js';
import { loadPolicyOption } from './policy-option.js';

/** Registers `report` and `runs`. */
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
        const policy = flags.policy === undefined ? undefined : await loadPolicyOption(flags.policy);
        const db = openStore(dbPath(flags.db, io), { readonly: true });
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

  program
    .command('runs')
    .description('List the runs in the lab database, newest first.')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--json', 'print an array of run objects')
    .action((flags: { db?: string; json?: boolean }) => {
      const db = openStore(dbPath(flags.db, io), { readonly: true });
      try {
        const counts = countResultsByRun(db);
        const runs = listRuns(db).map((run) => ({
          runId: run.id,
          status: run.status,
          suite: run.suite.id,
          suiteVersion: run.suite.version,
          model: run.model,
          developer: run.developer,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          engagementId: run.engagementId,
          samples: {
            total: run.totalUnits,
            scored: counts.get(run.id)?.scored ?? 0,
            errors: counts.get(run.id)?.errors ?? 0,
          },
        }));
        if (flags.json === true) {
          io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
        } else if (runs.length === 0) {
          io.stderr('no runs yet (start one with "redline run SUITE --endpoint URL --model NAME")\n');
        } else {
          const rows = [
            ['run', 'status', 'suite', 'model', 'developer', 'started', 'scored/total', 'errors'],
          ];
          for (const r of runs) {
            rows.push([
              r.runId,
              r.status,
              `${r.suite}@${r.suiteVersion}`,
              r.model,
              r.developer ?? '-',
              r.startedAt.replace('T', ' ').slice(0, 19),
              `${r.samples.scored}/${r.samples.total}`,
              String(r.samples.errors),
            ]);
          }
          const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
          io.stdout(
            `${rows
              .map((row) =>
                row
                  .map((c, i) => c.padEnd(widths[i]!))
                  .join('  ')
                  .trimEnd(),
              )
              .join('\n')}\n`,
          );
        }
      } finally {
        db.close();
      }
      exit.code = 0;
    });
}
