/**
 * The Merkle Tree Hash of RFC 6962 §2.1 (Certificate Transparency), over SHA-256:
 *
 * - the hash of an empty tree is SHA-256 of the empty string;
 * - a leaf hash is SHA-256(0x00 || leaf bytes);
 * - an interior node is SHA-256(0x01 || left || right), where the left subtree holds the largest power of two
 *   leaves strictly less than n.
 *
 * The 0x00 / 0x01 prefixes keep a leaf from ever being read as an interior node (second-preimage resistance).
 * This is the tree that `tlog`-ecosystem tools (C2SP tlog-checkpoint, Go's sumdb/tlog, transparency-dev/merkle)
 * expect behind a checkpoint's root hash.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { RedlineError } from '../errors.js';

/** The byte length of every hash in the tree (SHA-256). */
export const HASH_BYTES = 32;

/** The root of the empty tree: SHA-256 of the empty string (RFC 6962 §2.1). */
export const EMPTY_TREE_HASH: Uint8Array = sha256(new Uint8Array(0));

/** The leaf hash of `leaf`: SHA-256(0x00 || leaf). */
export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256.create().update(Uint8Array.of(0x00)).update(leaf).digest();
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(Uint8Array.of(0x01)).update(left).update(right).digest();
}

/** The largest power of two strictly less than `n` (n >= 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The RFC 6962 Merkle Tree Hash of the first `size` leaf hashes (all of them by default).
 *
 * @example
 * merkleRoot([leafHash(a), leafHash(b)]) // nodeHash(leafHash(a), leafHash(b))
 */
export function merkleRoot(leafHashes: readonly Uint8Array[], size: number = leafHashes.length): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0 || size > leafHashes.length) {
    throw new RedlineError(
      'E_INTERNAL',
      `merkleRoot: size must be an integer in 0..${leafHashes.length} (got ${String(size)})`,
    );
  }
  if (size === 0) return EMPTY_TREE_HASH;
  return subtreeHash(leafHashes, 0, size);
}

/** MTH(D[start:end]) for end > start; recursion depth is log2(end - start). */
function subtreeHash(leafHashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) {
    const leaf = leafHashes[start];
    if (leaf === undefined) throw new RedlineError('E_INTERNAL', `merkleRoot: leaf ${start} is missing`);
    return leaf;
  }
  const k = splitPoint(n);
  return nodeHash(subtreeHash(leafHashes, start, start + k), subtreeHash(leafHashes, start + k, end));
}
