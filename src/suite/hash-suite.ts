/**
 * The suite digest: the `sha256` of a suite's identity `(id, version, sha256)`, recorded on every run.
 *
 * Definition (stable; changing it changes every recorded digest):
 *
 *     sha256( canonical(header) + "\n" + canonical(sample_1) + "\n" + ... + canonical(sample_n) + "\n" )
 *
 * where `header` is the suite file's top-level object exactly as parsed, minus its `samples` and `$schema`
 * members (no defaults filled in), the samples are taken in file order (inline array order, or JSONL line order
 * with blank lines skipped), `canonical` is canonical-json.ts, and the text is UTF-8 encoded. The digest is
 * written as lowercase hex.
 *
 * Consequences: the same content hashes identically whether the samples are inline or in a JSONL file (and
 * whatever that file is called), whether the suite is JSON or YAML, whatever the key order, whitespace, line
 * endings, BOM or number spelling (`1.0` and `1`). Reordering the samples or changing any value, `title` and
 * `metadata` included, changes the digest.
 */
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** An incremental suite digest: feed samples in file order, then read the hex digest. */
export interface SuiteHasher {
  /** Adds the next sample. */
  addSample(sample: unknown): void;
  /** A hasher in the same state, for another pass over the samples. */
  copy(): SuiteHasher;
  /** The lowercase hex sha256; the hasher cannot be used afterwards. */
  digest(): string;
}

/** Starts a suite digest from the parsed top-level object of a suite file (its `samples` and `$schema` are ignored). */
export function createSuiteHasher(suiteFile: Readonly<Record<string, unknown>>): SuiteHasher {
  // fromEntries defines own properties, so even a "__proto__" member is kept as data.
  const header = Object.fromEntries(
    Object.entries(suiteFile).filter(([key]) => key !== 'samples' && key !== '$schema'),
  );
  const hash = createHash('sha256');
  hash.update(canonicalJson(header), 'utf8');
  hash.update('\n', 'utf8');
  return wrapHash(hash);
}

// Canonical samples are short: they are handed to the hash a few kilobytes at a time rather than one call each (a
// longer wait keeps their strings alive long enough to be promoted to the old generation, which costs a full GC).
const MAX_PENDING_CHARS = 4096;

function wrapHash(hash: Hash, pendingText = ''): SuiteHasher {
  let pending = pendingText;
  return {
    addSample(sample) {
      pending += `${canonicalJson(sample)}\n`;
      if (pending.length >= MAX_PENDING_CHARS) {
        hash.update(pending, 'utf8');
        pending = '';
      }
    },
    copy: () => wrapHash(hash.copy(), pending),
    digest: () => hash.update(pending, 'utf8').digest('hex'),
  };
}

/**
 * Computes the digest of a suite held in memory or streamed.
 *
 * @example
 *   const sha256 = await hashSuite({ id: 'demo', version: '1', title: 'Demo' }, [{ id: 'q1', input: 'x', target: 'A' }]);
 */
export async function hashSuite(
  suiteFile: Readonly<Record<string, unknown>>,
  samples: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<string> {
  const hasher = createSuiteHasher(suiteFile);
  for await (const sample of samples) hasher.addSample(sample);
  return hasher.digest();
}
