/**
 * `redline runs`: the runs in the lab database, newest first. Its own module, so listing runs loads no report code.
 */
import type { Command } from 'commander';
import { countResultsByRun } from '../../../src/store/results.js';
import { listRuns } from '../../../src/store/runs.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import type { ExitHolder } from '../program.js';

/** Registers `runs`. */
export function registerRunsCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('runs')
    .description('List the runs in the lab database, newest first.')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--json', 'print an array of run objects')
    .action((flags: { db?: string; json?: boolean }) => {
      const db = openLabDb(flags, io, { readonly: true });
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
