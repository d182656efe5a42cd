/**
 * RFC 6962 Merkle tree hashes: the Certificate Transparency reference vectors, an independent bottom-up
 * formulation, and the streaming compact range against the recursive definition.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactRange } from '../../../src/audit/compact-range.js';
import { EMPTY_TREE_HASH, leafHash, merkleRoot, nodeHash, splitPoint } from '../../../src/audit/merkle.js';
import { codeOf } from './audit-helpers.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

// The leaves and tree heads of RFC 6962's reference implementation tests (certificate-transparency,
// transparency-dev/merkle testonly), for tree sizes 0..8.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** SHA-256 from node:crypto, independent of @noble/hashes. */
function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/**
 * A second formulation of the same tree: hash level by level, pairing neighbours left to right and carrying an
 * odd last node up unchanged. It equals RFC 6962's largest-power-of-two split, without sharing any code with it.
 */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  let level = leaves.map((leaf) => sha256(Uint8Array.of(0), leaf));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? sha256(Uint8Array.of(1), level[i]!, level[i + 1]!) : level[i]!);
    }
    level = next;
  }
  return level[0]!;
}

const leavesOf = (n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => Uint8Array.of(i, i >> 8, 7));

describe('merkleRoot', () => {
  it('matches the RFC 6962 reference tree heads for sizes 0..8', () => {
    const hashes = CT_LEAVES.map(leafHash);
    for (let size = 0; size <= CT_LEAVES.length; size++) {
      expect(hex(merkleRoot(hashes, size))).toBe(CT_ROOTS[size]);
      expect(hex(merkleRoot(hashes.slice(0, size)))).toBe(CT_ROOTS[size]);
    }
  });

  it('hashes the empty tree as SHA-256 of nothing, a leaf with 0x00 and a node with 0x01', () => {
    expect(hex(EMPTY_TREE_HASH)).toBe(hex(sha256()));
    const a = Uint8Array.of(1, 2, 3);
    expect(hex(leafHash(a))).toBe(hex(sha256(Uint8Array.of(0), a)));
    const [l, r] = [leafHash(a), leafHash(Uint8Array.of(4))];
    expect(hex(nodeHash(l, r))).toBe(hex(sha256(Uint8Array.of(1), l, r)));
  });

  it('agrees with the bottom-up reference for every size up to 130', () => {
    const leaves = leavesOf(130);
    const hashes = leaves.map(leafHash);
    for (let size = 0; size <= leaves.length; size++) {
      expect(hex(merkleRoot(hashes, size)), `size ${size}`).toBe(hex(referenceRoot(leaves.slice(0, size))));
    }
  });

  it('splits at the largest power of two below n, not at the midpoint', () => {
    const want: Record<number, number> = {
      2: 1,
      3: 2,
      4: 2,
      5: 4,
      6: 4,
      7: 4,
      8: 4,
      9: 8,
      1000: 512,
      1024: 512,
    };
    for (const [n, k] of Object.entries(want)) expect(splitPoint(Number(n))).toBe(k);
  });

  it('refuses a size beyond the leaves', () => {
    expect(codeOf(() => merkleRoot([leafHash(Uint8Array.of(1))], 2))).toBe('E_INTERNAL');
    expect(codeOf(() => merkleRoot([], -1))).toBe('E_INTERNAL');
  });

  it('changes when any leaf changes, is added or removed (random trees)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (leaves, pick) => {
          const hashes = leaves.map(leafHash);
          const root = hex(merkleRoot(hashes));
          const i = pick % leaves.length;
          const changed = [...hashes];
          changed[i] = leafHash(Uint8Array.of(...leaves[i]!, 0xff));
          expect(hex(merkleRoot(changed))).not.toBe(root);
          expect(hex(merkleRoot(hashes.slice(0, -1)))).not.toBe(root);
          expect(hex(merkleRoot([...hashes, hashes[i]!]))).not.toBe(root);
          expect(root).toBe(hex(referenceRoot(leaves)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('CompactRange', () => {
  it('gives the RFC 6962 root at every size while streaming', () => {
    const hashes = leavesOf(300).map(leafHash);
    const range = new CompactRange();
    expect(hex(range.root())).toBe(CT_ROOTS[0]);
    for (const [i, hash] of hashes.entries()) {
      range.append(hash);
      expect(range.size).toBe(i + 1);
      expect(hex(range.root()), `size ${i + 1}`).toBe(hex(merkleRoot(hashes, i + 1)));
    }
  });

  it('matches the reference tree heads', () => {
    const range = new CompactRange();
    for (const [i, leaf] of CT_LEAVES.entries()) {
      range.append(leafHash(leaf));
      expect(hex(range.root())).toBe(CT_ROOTS[i + 1]);
    }
  });

  it('agrees with merkleRoot on random trees', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 200 }), (leaves) => {
        const range = new CompactRange();
        for (const leaf of leaves) range.append(leafHash(leaf));
        expect(hex(range.root())).toBe(hex(merkleRoot(leaves.map(leafHash))));
      }),
      { numRuns: 100 },
    );
  });
});
