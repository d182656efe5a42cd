/**
 * Micro-benchmarks of the per-sample hot paths: prompt building and scoring (run in workers for every unit), and
 * the aggregation of a large run (main thread).
 */
import { Bench } from 'tinybench';
import { summarizeScores } from '../src/aggregate/summarize.js';
import type { Sample } from '../src/schema/suite.js';
import { buildMessages } from '../src/scoring/build-messages.js';
import { scoreOutput } from '../src/scoring/registry.js';

const choice: Sample = {
  id: 'q-1',
  input: 'Which mode of operation turns a block cipher into a stream cipher without a padding oracle?',
  choices: ['ECB', 'CBC', 'CTR', 'PCBC'],
  target: 'C',
};
const multi: Sample = { ...choice, id: 'q-2', target: ['A', 'C'] };
const flag: Sample = { id: 'f-1', input: 'Decode aGVsbG8=', target: 'flag{hello}', scorer: 'flag' };
const output = 'The counter mode XORs a keystream.\n\n**ANSWER: C**';

/** Runs the micro-benchmarks and logs a line per task. */
export async function benchMicro(log: (line: string) => void): Promise<void> {
  const values = new Map<string, number[]>();
  for (let c = 0; c < 10; c++)
    values.set(
      `c${c}`,
      Array.from({ length: 10_000 }, (_, i) => ((i * 7919 + c) % 10) / 10),
    );
  const weights = Object.fromEntries([...values.keys()].map((k) => [k, 1]));
  const bench = new Bench({ time: 500 });
  bench
    .add('buildMessages (choice)', () => {
      buildMessages(choice, { system: 'You are a security expert.' });
    })
    .add('scoreOutput (choice)', () => {
      scoreOutput(choice, undefined, output);
    })
    .add('scoreOutput (multi-answer)', () => {
      scoreOutput(multi, undefined, 'ANSWER: A, C');
    })
    .add('scoreOutput (flag)', () => {
      scoreOutput(flag, undefined, 'I decoded it: flag{hello}');
    })
    .add('summarizeScores (100,000 samples, 10 categories, t)', () => {
      summarizeScores({ values, weights, method: 't', confidence: 0.95 });
    });
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result !== undefined && 'latency' in result) {
      log(
        `  ${task.name}: ${(result.latency.mean * 1000).toFixed(2)} µs/call (${result.throughput.mean.toFixed(0)} calls/s)`,
      );
    }
  }
}
