/**
 * A small, fast, seeded pseudo-random generator for resampling: xoshiro128** (Blackman & Vigna), its 128-bit
 * state filled by splitmix32 from a hash of (seed, stream). Named streams let each category draw its own
 * sequence, so adding a category does not shift the draws of the others.
 */
import { RedlineError } from '../errors.js';

/** A deterministic source of uniform draws. */
export interface SeededRng {
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform integer in [0, n), for n <= 2^32 (bias below n / 2^32, negligible for resampling). */
  nextIndex(n: number): number;
}

/** A generator for `seed` (a safe integer) and an optional stream label; the same pair gives the same draws. */
export function createSeededRng(seed: number, stream = ''): SeededRng {
  if (!Number.isSafeInteger(seed)) {
    throw new RedlineError('E_USAGE', `seed must be an integer (got ${String(seed)})`);
  }
  let mix = hashString(`${seed}\u0000${stream}`);
  const next = (): number => {
    mix = (mix + 0x9e3779b9) | 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = next();
  let s1 = next();
  let s2 = next();
  let s3 = next();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the one state xoshiro cannot leave

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  return {
    nextUint32,
    nextIndex: (n) => Math.floor((nextUint32() / 4294967296) * n),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** FNV-1a over the UTF-16 code units, then a murmur3 finalizer. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
