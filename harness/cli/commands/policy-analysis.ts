/**
 * `redline policy whatif` and `redline policy sweep`: what a proposed policy or cutoff would change, read-only
 * (nothing is applied or logged as applied), from the per-run sufficient statistics.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { readPolicyFile } from '../../../src/policy/policy-statement.js';
import { renderSweepSvg } from '../../../src/policy/render-sweep-svg.js';
import { sweepCutoffs } from '../../../src/policy/sweep.js';
import { whatIf } from '../../../src/policy/whatif.js';
import type { PolicyBasis, PolicyMetric } from '../../../src/schema/policy.js';
import { activePolicy } from '../../../src/store/policies.js';
import { loadRunStats } from '../../../src/store/run-stats.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { numberIn } from '../options.js';
import type { ExitHolder } from '../program.js';
import { readUserFile } from './policy.js';

const fmt = (v: number | null): string => (v === null ? '-' : (v >= 0 ? '+' : '') + v.toFixed(3));

/** Registers `whatif` and `sweep` under `policy`. */
export function registerPolicyAnalysisCommands(policy: Command, io: CliIo, exit: ExitHolder): void {
  policy
    .command('whatif')
    .description('For every completed run, the decision under the active policy and under a proposed one.')
    .argument('<file>', 'the proposed policy (plain or signed)')
    .option('--model <name>', 'only runs of this model')
    .option('--suite <id>', 'only runs of this suite')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--all', 'list every run, not only those whose decision changes')
    .option('--json', 'print the what-if object')
    .action(
      (
        file: string,
        flags: { model?: string; suite?: string; db?: string; all?: boolean; json?: boolean },
      ) => {
        const proposed = readPolicyFile(readUserFile(file, 'policy'), file);
        const db = openLabDb(flags, io);
        try {
          const active = activePolicy(db);
          const runs = loadRunStats(db, {
            ...(flags.model === undefined ? {} : { model: flags.model }),
            ...(flags.suite === undefined ? {} : { suite: flags.suite }),
            at: new Date().toISOString(),
          });
          const result = whatIf(runs, active.policy, proposed.policy);
          if (flags.json === true) {
            io.stdout(`${JSON.stringify(result, null, 2)}\n`);
          } else {
            const s = result.summary;
            io.stdout(
              `active ${result.active.id} v${result.active.version} -> proposed ${result.proposed.id} v${result.proposed.version}: ` +
                `${s.changed} of ${s.runs} runs change\n` +
                `  active:   ${s.active.covered} covered, ${s.active.notCovered} not covered, ${s.active.inconclusive} inconclusive\n` +
                `  proposed: ${s.proposed.covered} covered, ${s.proposed.notCovered} not covered, ${s.proposed.inconclusive} inconclusive\n`,
            );
            for (const [change, n] of Object.entries(s.transitions))
              if (n > 0) io.stdout(`  ${change}: ${n}\n`);
            const listed = result.runs.filter((r) => flags.all === true || r.changed);
            if (listed.length > 0)
              io.stdout(
                '\nrun                     model                suite                active        proposed      margin\n',
              );
            for (const r of listed) {
              io.stdout(
                `${r.runId.padEnd(23)} ${r.model.padEnd(20)} ${r.suite.padEnd(20)} ${r.active.padEnd(13)} ${r.proposed.padEnd(13)} ${fmt(r.margin)}\n`,
              );
            }
          }
        } finally {
          db.close();
        }
        exit.code = 0;
      },
    );

  policy
    .command('sweep')
    .description('For each cutoff, how many runs and models would be covered, not covered or inconclusive.')
    .addOption(
      new Option('--metric <metric>', "metric (default: the active policy's)").choices(['mean', 'weighted']),
    )
    .addOption(
      new Option('--basis <basis>', "basis (default: the active policy's)").choices(['lower', 'point']),
    )
    .option('--from <x>', 'first cutoff', numberIn('--from', 0, 1), 0)
    .option('--to <x>', 'last cutoff', numberIn('--to', 0, 1), 1)
    .option('--step <x>', 'distance between cutoffs', numberIn('--step', 0.0001, 1), 0.01)
    .option('--model <name>', 'only runs of this model')
    .option('--suite <id>', 'only runs of this suite')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--svg <file>', 'also write a chart (SVG) with the active cutoff marked')
    .option('--json', 'print the sweep object')
    .action(
      (flags: {
        metric?: PolicyMetric;
        basis?: PolicyBasis;
        from: number;
        to: number;
        step: number;
        model?: string;
        suite?: string;
        db?: string;
        svg?: string;
        json?: boolean;
      }) => {
        const db = openLabDb(flags, io);
        try {
          const active = activePolicy(db);
          const runs = loadRunStats(db, {
            ...(flags.model === undefined ? {} : { model: flags.model }),
            ...(flags.suite === undefined ? {} : { suite: flags.suite }),
            at: new Date().toISOString(),
          });
          const sweep = sweepCutoffs(runs, active.policy, {
            ...(flags.metric === undefined ? {} : { metric: flags.metric }),
            ...(flags.basis === undefined ? {} : { basis: flags.basis }),
            from: flags.from,
            to: flags.to,
            step: flags.step,
          });
          if (flags.svg !== undefined) {
            writeFileSync(
              flags.svg,
              renderSweepSvg(sweep, { title: `Designation by cutoff (${sweep.metric}, ${sweep.basis})` }),
            );
          }
          if (flags.json === true) {
            io.stdout(`${JSON.stringify(sweep, null, 2)}\n`);
          } else {
            io.stdout(
              `${sweep.metric}/${sweep.basis} over ${sweep.runs} runs of ${sweep.models} models (active cutoff ${sweep.active})\n`,
            );
            io.stdout('cutoff  covered  not-covered  inconclusive\n');
            for (const p of sweep.points) {
              io.stdout(
                `${p.cutoff.toFixed(2).padStart(6)}  ${String(p.covered).padStart(7)}  ${String(p.notCovered).padStart(11)}  ${String(p.inconclusive).padStart(12)}\n`,
              );
            }
            if (flags.svg !== undefined) io.stdout(`chart: ${flags.svg}\n`);
          }
        } finally {
          db.close();
        }
        exit.code = 0;
      },
    );
}
