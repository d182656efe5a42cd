/**
 * `redline transcript RUN_ID SAMPLE_ID`: the stored transcript of an agentic sample: every message, tool call,
 * output and timing. Transcripts stay in the lab: they never enter assessments.
 */
import type { Command } from 'commander';
import { classificationBanner } from '../../../src/report/classification-banner.js';
import { getTranscript } from '../../../src/store/transcripts.js';
import type { CliIo } from '../io.js';
import { auditExport, suitesOfRuns } from '../audit-export.js';
import { openLabDb } from '../open-lab-db.js';
import { positiveInt } from '../options.js';
import type { ExitHolder } from '../program.js';

const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');

/** Registers `transcript`. */
export function registerTranscriptCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('transcript')
    .description(
      'Show the transcript of an agentic sample of a run (messages, tool calls, outputs, timings).',
    )
    .argument('<runId>', 'the run')
    .argument('<sampleId>', 'the sample')
    .option('--epoch <n>', 'only this epoch (default: every stored epoch)', positiveInt('--epoch'))
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring: the database key and the log key (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print the stored transcripts as JSON')
    .action(
      (
        runId: string,
        sampleId: string,
        flags: { epoch?: number; db?: string; keys?: string; json?: boolean },
      ) => {
        const db = openLabDb(flags, io, { readonly: true });
        try {
          const stored = getTranscript(db, runId, sampleId, flags.epoch);
          // getTranscript throws when there is none: what follows always exports something.
          const runs = suitesOfRuns(db, [runId]);
          auditExport(db, flags, io, 'transcript.exported', {
            runs,
            sample: sampleId,
            epochs: stored.map((s) => s.epoch),
            format: flags.json === true ? 'json' : 'text',
          });
          if (flags.json === true) {
            io.stdout(`${JSON.stringify(stored, null, 2)}\n`);
          } else {
            const label = runs[0]?.classification;
            if (label !== undefined) io.stdout(`${classificationBanner(label)}\n`);
            for (const { epoch, transcript: t } of stored) {
              io.stdout(
                `${sampleId}, epoch ${epoch}: ${t.stopReason} after ${t.turns} turn(s); answer ${t.answer === null ? '-' : JSON.stringify(t.answer)}; ` +
                  `sandbox started in ${t.sandboxStartMs.toFixed(0)} ms\n`,
              );
              for (const e of t.events) {
                const head = `  [turn ${e.turn}] ${e.kind === 'model' ? 'model' : `tool ${e.name ?? '?'}`} (${e.durationMs.toFixed(0)} ms)`;
                if (e.kind === 'tool') {
                  io.stdout(
                    `${head}${e.timedOut === true ? ' TIMED OUT' : ''} exit ${String(e.exitCode ?? '-')}\n`,
                  );
                  if (e.args !== undefined) io.stdout(`    args:\n${indent(e.args)}\n`);
                  if (e.output !== undefined && e.output !== '')
                    io.stdout(`    output:\n${indent(e.output)}\n`);
                } else {
                  io.stdout(`${head}${e.error === undefined ? '' : ` error: ${e.error.message}`}\n`);
                }
              }
            }
            if (label !== undefined) io.stdout(`${classificationBanner(label)}\n`);
          }
        } finally {
          db.close();
        }
        exit.code = 0;
      },
    );
}
