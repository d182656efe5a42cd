/**
 * Writes look-alike suites of any size into a directory, for tests and benchmarks.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

/** Options of writeChoiceSuite. */
export interface WriteSuiteOptions {
  id?: string;
  count: number;
  categories?: Record<string, number>;
  /** Every k-th sample is multi-answer (0: none). */
  multiEvery?: number;
}

/** Writes `dir/suite.json` + `dir/samples.jsonl` with `count` four-option choice questions; returns `dir`. */
export async function writeChoiceSuite(dir: string, options: WriteSuiteOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const categories = options.categories ?? { alpha: 1, beta: 2, gamma: 1 };
  const names = Object.keys(categories);
  await writeFile(
    join(dir, 'suite.json'),
    JSON.stringify({
      id: options.id ?? 'generated',
      version: '1.0.0',
      title: `Generated suite of ${options.count} samples`,
      license: 'CC0-1.0 (generated for tests)',
      categories: Object.fromEntries(names.map((n) => [n, { weight: categories[n] }])),
      defaults: { scorer: 'choice', max_tokens: 64, temperature: 0 },
      samples: 'samples.jsonl',
    }),
  );
  const out = createWriteStream(join(dir, 'samples.jsonl'));
  const letters = ['A', 'B', 'C', 'D'];
  for (let i = 0; i < options.count; i++) {
    const multi = options.multiEvery !== undefined && options.multiEvery > 0 && i % options.multiEvery === 0;
    const line = JSON.stringify({
      id: `q-${String(i).padStart(6, '0')}`,
      category: names[i % names.length],
      input: `Question ${i}: which option is listed as number ${i % 4}?${multi ? ' Select all that apply.' : ''}`,
      choices: [`option ${i}-0`, `option ${i}-1`, `option ${i}-2`, `option ${i}-3`],
      target: multi ? [letters[i % 4], letters[(i + 1) % 4]] : letters[i % 4],
    });
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return dir;
}
