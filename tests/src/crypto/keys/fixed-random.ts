/**
 * A deterministic stand-in for `nacl.randomBytes` in tests: SHA-256 in counter mode over a seed string, so keys
 * made "from fixed seeds" are the same on every run and every machine.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** A random-bytes source that yields the same stream for the same seed. */
export function fixedRandom(seed: string): (length: number) => Uint8Array {
  const seedBytes = new TextEncoder().encode(seed);
  let counter = 0;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let filled = 0; filled < length; filled += 32) {
      const block = new Uint8Array(seedBytes.length + 4);
      block.set(seedBytes, 0);
      new DataView(block.buffer).setUint32(seedBytes.length, counter++);
      out.set(sha256(block).subarray(0, Math.min(32, length - filled)), filled);
    }
    return out;
  };
}
