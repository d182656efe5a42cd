/**
 * A SuiteHandle built from samples in memory, for tests that need a suite without files.
 */
import { createHash } from 'node:crypto';
import type { Sample } from '../../src/schema/suite.js';
import type { SuiteHandle, SuiteHeader } from '../../src/suite/load-suite.js';

/**
 * A SuiteHandle over `samples`, like openSuite's for an inline suite: header fields default to an "inline" suite;
 * categories to those the samples use, weight 1 ("default" for samples without one); `sha256` hashes header and
 * samples as plain JSON (not the canonical suite hash). Samples are not validated.
 */
export function inlineSuite(samples: readonly Sample[], header: Partial<SuiteHeader> = {}): SuiteHandle {
  const categories: SuiteHeader['categories'] = {};
  const categoryCounts: Record<string, number> = {};
  for (const sample of samples) {
    const category = sample.category ?? 'default';
    categories[category] = { weight: 1 };
    categoryCounts[category] = (categoryCounts[category] ?? 0) + 1;
  }
  const fullHeader: SuiteHeader = {
    id: 'inline',
    version: '0.0.0',
    title: 'Inline test suite',
    categories,
    defaults: {},
    ...header,
  };
  const copy = [...samples];
  return {
    path: 'inline',
    file: 'inline',
    dir: '.',
    displayFile: 'inline',
    format: 'json',
    samplesFile: undefined,
    header: fullHeader,
    sha256: createHash('sha256')
      .update(JSON.stringify({ header: fullHeader, samples: copy }))
      .digest('hex'),
    sampleCount: copy.length,
    categoryCounts,
    agenticCount: copy.filter((s) => s.agent !== undefined || s.sandbox !== undefined).length,
    samples: async function* samples(): AsyncGenerator<Sample> {
      await Promise.resolve();
      yield* copy;
    },
  };
}
