/**
 * A streaming RFC 6962 tree builder: leaf hashes go in one at a time, and the root of the tree built so far is
 * available at any size, in O(log n) memory.
 *
 * It keeps the roots of the perfect subtrees that make up the tree (one per set bit of the size, largest first:
 * the "compact range" of transparency-dev/merkle). RFC 6962 splits a tree of n leaves at the largest power of two
 * below n, so the root is these subtree roots folded from the right: node(P1, node(P2, ... node(Pk-1, Pk))).
 */
import { EMPTY_TREE_HASH, nodeHash } from './merkle.js';

/** Builds RFC 6962 roots over a stream of leaf hashes without keeping the leaves. */
export class CompactRange {
  /** Roots of the perfect subtrees, largest (leftmost) first. */
  readonly #peaks: Uint8Array[] = [];
  #size = 0;

  /** The number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends the next leaf hash. */
  append(leafHash: Uint8Array): void {
    let hash = leafHash;
    // Merge equal-sized subtrees the way a binary counter carries: one merge per trailing 1 bit of the old size.
    for (let bits = this.#size; bits % 2 === 1; bits = Math.floor(bits / 2)) {
      const left = this.#peaks.pop();
      if (left === undefined) break;
      hash = nodeHash(left, hash);
    }
    this.#peaks.push(hash);
    this.#size++;
  }

  /** The RFC 6962 root of the leaves appended so far. */
  root(): Uint8Array {
    let root: Uint8Array | undefined;
    for (let i = this.#peaks.length - 1; i >= 0; i--) {
      const peak = this.#peaks[i] as Uint8Array;
      root = root === undefined ? peak : nodeHash(peak, root);
    }
    return root ?? EMPTY_TREE_HASH;
  }
}
