/**
 * Small, fast, well-mixed 32-bit hashes for the simulator's deterministic decisions (not cryptographic).
 */

/** murmur3's 32-bit finalizer: a bijection that spreads every input bit over the output. */
function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, seeded and finished with fmix32. */
export function hashString(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ fmix32(seed + 0x6a09e667)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Combines a hash with an integer (a counter, a salt) into a new hash. */
export function mixHash(hash: number, value: number): number {
  return fmix32(hash ^ fmix32(value + 0x3c6ef372));
}

/** A hash as a number in [0, 1). */
export function unitFromHash(hash: number): number {
  return (hash >>> 0) / 4294967296;
}
