/**
 * Chooses the samples of a run: all of them, the first N, or a seeded choice of N that does not depend on the
 * order or number of the other samples. Every form yields samples in file order and holds at most N ids in memory.
 *
 * Seeded choice: the N samples with the smallest `sha256(seed + ":" + id)` (hex, compared as strings; ties, which
 * need a sha256 collision, fall to the smaller id). A sample's rank depends only on the seed and its own id, so
 * adding samples to a suite never swaps out one already chosen unless a new one ranks before it.
 */
import { createHash } from 'node:crypto';
import { RedlineError } from '../errors.js';
import type { Sample } from '../schema/suite.js';
import type { SuiteHandle } from './load-suite.js';

/** Which samples to run: `limit` (a positive integer) caps the count, `seed` makes the capped choice random. */
export interface SampleSelection {
  limit?: number;
  seed?: string | number;
}

/**
 * Streams the selected samples of `suite` in file order; throws E_USAGE at once for a bad limit.
 *
 * @example
 *   for await (const sample of selectSamples(suite, { limit: 50, seed: '7' })) queue(sample);
 */
export function selectSamples(
  suite: Pick<SuiteHandle, 'samples' | 'sampleCount'>,
  selection: SampleSelection = {},
): AsyncIterable<Sample> {
  const { limit, seed } = selection;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new RedlineError('E_USAGE', `limit must be a positive integer (got ${String(limit)})`);
  }
  if (limit === undefined || limit >= suite.sampleCount) return suite.samples();
  if (seed === undefined) return takeFirst(suite.samples(), limit);
  return takeSeeded(suite, limit, String(seed));
}

async function* takeFirst(samples: AsyncIterable<Sample>, limit: number): AsyncGenerator<Sample> {
  let taken = 0;
  for await (const sample of samples) {
    yield sample;
    // Returning closes the underlying pass (and its file) without reading the rest.
    if (++taken >= limit) return;
  }
}

async function* takeSeeded(
  suite: Pick<SuiteHandle, 'samples'>,
  limit: number,
  seed: string,
): AsyncGenerator<Sample> {
  // First pass: keep the `limit` best-ranked ids in a bounded max-heap (the worst kept one on top).
  const heap = new BoundedMaxHeap(limit);
  for await (const sample of suite.samples()) heap.offer({ rank: rankOf(seed, sample.id), id: sample.id });
  const chosen = new Set(heap.ids());
  // Second pass: yield the chosen ones in file order.
  let left = chosen.size;
  for await (const sample of suite.samples()) {
    if (!chosen.has(sample.id)) continue;
    yield sample;
    if (--left === 0) return;
  }
}

/** The rank of a sample under a seed: lowercase hex sha256 of `seed:id`. */
export function rankOf(seed: string, id: string): string {
  return createHash('sha256').update(`${seed}:${id}`, 'utf8').digest('hex');
}

interface Ranked {
  rank: string;
  id: string;
}

/** True when `a` ranks after `b` (is worse). */
function isWorse(a: Ranked, b: Ranked): boolean {
  return a.rank === b.rank ? a.id > b.id : a.rank > b.rank;
}

/** Keeps the `capacity` best-ranked entries; the root is the worst of them, so a better newcomer replaces it. */
class BoundedMaxHeap {
  readonly #capacity: number;
  readonly #items: Ranked[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  offer(entry: Ranked): void {
    const items = this.#items;
    if (items.length < this.#capacity) {
      items.push(entry);
      this.#siftUp(items.length - 1);
      return;
    }
    const root = items[0];
    if (root === undefined || !isWorse(root, entry)) return;
    items[0] = entry;
    this.#siftDown(0);
  }

  ids(): string[] {
    return this.#items.map((item) => item.id);
  }

  #siftUp(index: number): void {
    const items = this.#items;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const child = items[i];
      const above = items[parent];
      if (child === undefined || above === undefined || !isWorse(child, above)) return;
      items[i] = above;
      items[parent] = child;
      i = parent;
    }
  }

  #siftDown(index: number): void {
    const items = this.#items;
    let i = index;
    for (;;) {
      let worst = i;
      for (const child of [2 * i + 1, 2 * i + 2]) {
        const candidate = items[child];
        const current = items[worst];
        if (candidate !== undefined && current !== undefined && isWorse(candidate, current)) worst = child;
      }
      if (worst === i) return;
      const a = items[i];
      const b = items[worst];
      if (a === undefined || b === undefined) return;
      items[i] = b;
      items[worst] = a;
      i = worst;
    }
  }
}
