/**
 * Canonical JSON, in the manner of RFC 8785 (JCS): the one serialisation that suite hashing relies on.
 *
 * - object members are sorted by their keys compared as UTF-16 code units (JavaScript's default string order);
 * - no whitespace anywhere;
 * - strings and numbers are written as `JSON.stringify` writes them (for finite numbers this is the ECMAScript
 *   Number-to-String form that RFC 8785 prescribes; -0 is written as 0);
 * - members whose value is `undefined` are left out, as `JSON.stringify` does.
 *
 * The output is part of every recorded suite digest (see hash-suite.ts): changing it changes every digest.
 *
 * Hashing a suite serialises every sample once per validation, so the writer avoids the costly steps of the
 * straightforward recursive one (an array of parts joined at the end, a sort and a `JSON.stringify` call per key)
 * without changing a byte: tests/src/suite/canonical-json.test.ts compares it with that reference on generated
 * values. It walks the value depth first with a stack of its own rather than by recursion, the order the reference
 * reads members and meets unrepresentable values in: one loop is cheap for V8 to optimise, where mutually
 * recursive functions get inlined into each other at a cost that a run opening one suite never earns back.
 */

/** An object or array whose members are being written. */
type OpenContainer =
  | { kind: 'array'; items: readonly unknown[]; index: number; depth: number }
  | {
      kind: 'object';
      object: Record<string, unknown>;
      /** Its keys in canonical order. */
      keys: readonly string[];
      index: number;
      depth: number;
      hasMembers: boolean;
    };

/** Serialises a JSON value canonically; throws a TypeError on values JSON cannot carry (NaN, Infinity, bigint ...). */
export function canonicalJson(value: unknown): string {
  const open: OpenContainer[] = [];
  let out = '';
  let next: unknown = value;
  // Nesting depth of `next`; it only picks the key-order cache of objects (see sortedKeys).
  let depth = 0;
  for (;;) {
    if (typeof next === 'object' && next !== null) {
      if (Array.isArray(next)) {
        out += '[';
        open.push({ kind: 'array', items: next, index: 0, depth });
      } else {
        out += '{';
        const object = next as Record<string, unknown>;
        open.push({
          kind: 'object',
          object,
          keys: sortedKeys(object, depth),
          index: 0,
          depth,
          hasMembers: false,
        });
      }
    } else {
      out += writeScalar(next);
    }
    // Move on to the next member to write, closing the containers whose members are all written.
    let hasNext = false;
    while (!hasNext) {
      const top = open.at(-1);
      if (top === undefined) return out;
      if (top.kind === 'array') {
        if (top.index < top.items.length) {
          if (top.index > 0) out += ',';
          // JSON.stringify writes holes and undefined array items as null.
          next = top.items[top.index++] ?? null;
          depth = top.depth + 1;
          hasNext = true;
        } else {
          out += ']';
          open.pop();
        }
        continue;
      }
      while (!hasNext && top.index < top.keys.length) {
        const key = top.keys[top.index++] as string;
        const member = top.object[key];
        // Members whose value is undefined are left out, as JSON.stringify does.
        if (member === undefined) continue;
        out += `${top.hasMembers ? ',' : ''}${quoteKey(key)}:`;
        top.hasMembers = true;
        next = member;
        depth = top.depth + 1;
        hasNext = true;
      }
      if (!hasNext) {
        out += '}';
        open.pop();
      }
    }
  }
}

/** A string, number, boolean or null as JSON.stringify writes it; a TypeError for anything JSON cannot carry. */
function writeScalar(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonical JSON cannot represent the number ${String(value)}`);
      // For a finite number JSON.stringify writes ToString(value), which is also what String gives (-0 too: "0").
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      // Only null gets here: canonicalJson opens every other object.
      return 'null';
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonical JSON cannot represent a value of type ${typeof value}`);
  }
}

// The characters JSON.stringify escapes in a string: '"', '\', U+0000-U+001F and lone surrogates (this also
// catches paired ones, which then simply take the JSON.stringify path).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(text)`, without the call when there is nothing to escape. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

// Samples repeat the same few keys: their quoted form is cached, up to a bound so that arbitrary metadata keys
// cannot grow the cache without end.
const MAX_QUOTED_KEYS = 1024;
const quotedKeys = new Map<string, string>();

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

// Objects at the same depth of successive samples mostly list the same keys in the same order: one cache entry
// per depth (the last key list seen there, and its sorted form) spares the sort. Cached lists are never mutated.
const MAX_CACHED_DEPTH = 8;
const lastShapeAt: ({ keys: readonly string[]; sorted: readonly string[] } | undefined)[] = [];

/**
 * The own enumerable keys of `object` in UTF-16 code-unit order. This is the order of Array.prototype.sort without
 * a comparator, which RFC 8785 §3.2.3 asks for, and of `<` on strings; keys are distinct, so the order is unique.
 * (Object.keys lists integer-like keys first, in numeric order, so its order is not enough by itself.)
 */
function sortedKeys(object: object, depth: number): readonly string[] {
  const keys = Object.keys(object);
  if (depth >= MAX_CACHED_DEPTH) return isSorted(keys) ? keys : keys.sort();
  const last = lastShapeAt[depth];
  if (last !== undefined && isSameList(keys, last.keys)) return last.sorted;
  const sorted = isSorted(keys) ? keys : [...keys].sort();
  lastShapeAt[depth] = { keys, sorted };
  return sorted;
}

function isSorted(keys: readonly string[]): boolean {
  let previous: string | undefined;
  for (const key of keys) {
    if (previous !== undefined && previous > key) return false;
    previous = key;
  }
  return true;
}

function isSameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
