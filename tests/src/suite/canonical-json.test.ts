import { describe, expect, it } from 'vitest';
import { createSeededRng } from '../../../src/aggregate/seeded-rng.js';
import { canonicalJson } from '../../../src/suite/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('orders keys by UTF-16 code units, not code points', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFD by code unit (after it by code point).
    expect(canonicalJson({ '\uFFFD': 1, '\u{1F600}': 2, a: 3, B: 4 })).toBe(
      '{"B":4,"a":3,"\u{1F600}":2,"\uFFFD":1}',
    );
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    expect(canonicalJson([1.0, -0, 1e21, 0.1, 1e-7, 'a"b\\c\n\u0001', '\u2028'])).toBe(
      '[1,0,1e+21,0.1,1e-7,"a\\"b\\\\c\\n\\u0001","\u2028"]',
    );
  });

  it('keeps array order and leaves out undefined members', () => {
    expect(canonicalJson({ a: undefined, b: [2, 1] })).toBe('{"b":[2,1]}');
  });

  it('keeps a "__proto__" member as data', () => {
    expect(canonicalJson(JSON.parse('{"__proto__": {"x": 1}, "a": 2}'))).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it.each([[Number.NaN], [Infinity], [10n], [() => 1]])(
    'refuses %s, which JSON cannot represent',
    (value) => {
      expect(() => canonicalJson({ value })).toThrow(TypeError);
    },
  );
});

/**
 * The straightforward writer canonicalJson replaced, kept verbatim as the reference: the fast writer must give the
 * same string, or throw the same TypeError, for every value (suite digests are recorded on every run).
 */
function referenceCanonicalJson(value: unknown): string {
  const parts: string[] = [];
  referenceWriteValue(value, parts);
  return parts.join('');
}

function referenceWriteValue(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonical JSON cannot represent the number ${String(value)}`);
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) {
        out.push('null');
      } else if (Array.isArray(value)) {
        referenceWriteArray(value, out);
      } else {
        referenceWriteObject(value as Record<string, unknown>, out);
      }
      return;
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonical JSON cannot represent a value of type ${typeof value}`);
  }
}

function referenceWriteArray(items: readonly unknown[], out: string[]): void {
  out.push('[');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(',');
    const item = items[i];
    if (item === undefined) out.push('null');
    else referenceWriteValue(item, out);
  }
  out.push(']');
}

function referenceWriteObject(object: Record<string, unknown>, out: string[]): void {
  const keys = Object.keys(object).sort();
  out.push('{');
  let first = true;
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(key), ':');
    referenceWriteValue(member, out);
  }
  out.push('}');
}

/** What a writer makes of a value: its output, or the class and message of what it threw. */
function outcomeOf(write: (value: unknown) => string, value: unknown): string {
  try {
    return `ok ${write(value)}`;
  } catch (error) {
    return `threw ${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

const expectSameAsReference = (value: unknown): void => {
  expect(outcomeOf(canonicalJson, value)).toBe(outcomeOf(referenceCanonicalJson, value));
};

/** Sets an own enumerable data property, so that even "__proto__" is a plain member. */
function defineMember(object: object, key: string, value: unknown, enumerable = true): void {
  Object.defineProperty(object, key, { value, enumerable, writable: true, configurable: true });
}

// Strings that exercise every escaping rule of JSON.stringify, and keys whose enumeration order differs from the
// canonical one (integer-like keys come first in Object.keys, in numeric order).
const STRINGS = [
  '',
  'a',
  'plain text',
  'quote " and backslash \\',
  'tab\tnew line\ncarriage return\r',
  '\u0000\u0001\u001f\u007f\u0080',
  '\u2028\u2029',
  '\ud800',
  '\udfff',
  'lone \ud83d high',
  'lone \ude00 low',
  '\ude00\ud83d',
  '\u{1F600} pair',
  'é ß 中 \uFFFD \uFEFF',
  '</script>',
  'x'.repeat(300),
];
const KEYS = [
  ...STRINGS,
  'id',
  'input',
  'choices',
  'target',
  'metadata',
  '__proto__',
  'constructor',
  'toString',
  'toJSON',
  '0',
  '1',
  '2',
  '9',
  '10',
  '11',
  '100',
  '01',
  '-1',
  '1.5',
  '1e3',
  '4294967294',
  '4294967295',
  '9007199254740993',
  'B',
  'a',
  'Z',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  42,
  1.5,
  0.1,
  -2.5e-7,
  1e-7,
  1e21,
  1e20,
  123456789012345680000,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  2 ** 53 + 2,
];
const UNREPRESENTABLE: unknown[] = [Number.NaN, Infinity, -Infinity, 10n, () => 1, Symbol('s'), undefined];
// A few key lists that generated objects reuse, so that successive objects share shapes (and the writer's
// per-depth key-order cache both hits and misses), including lists that differ only in order or in one key.
const SHAPES = [
  ['id', 'category', 'input', 'choices', 'target'],
  ['id', 'category', 'input', 'choices', 'target', 'metadata'],
  ['category', 'choices', 'id', 'input', 'target'],
  ['id', 'category', 'input', 'choices', 'targets'],
  ['10', '9', '1', 'b', 'a'],
  ['1', '9', '10', 'a', 'b'],
  ['__proto__', 'a'],
  ['b', 'a'],
  ['a', 'b'],
];

/** Generates JSON-like values, mostly representable, from a seeded generator. */
function createValueGenerator(seed: number): (depth?: number) => unknown {
  const rng = createSeededRng(seed, 'canonical-json');
  const pick = <T>(items: readonly T[]): T => items[rng.nextIndex(items.length)]!;
  const chance = (percent: number): boolean => rng.nextIndex(100) < percent;
  const generate = (depth = 0): unknown => {
    const roll = rng.nextIndex(100);
    const canNest = depth < 12;
    if (roll < 3) return pick(UNREPRESENTABLE);
    if (roll < 20) return pick(STRINGS);
    if (roll < 27) return `${pick(STRINGS)}${pick(STRINGS)}`;
    if (roll < 40) return pick(NUMBERS);
    if (roll < 45) return (rng.nextUint32() - 2 ** 31) / (rng.nextIndex(1000) + 1);
    if (roll < 50) return chance(50);
    if (roll < 54) return null;
    if (roll < 70 || !canNest) return roll < 70 ? pick(STRINGS) : pick(NUMBERS);
    if (roll < 82) {
      const items: unknown[] = new Array<unknown>(rng.nextIndex(6));
      for (let i = 0; i < items.length; i++) if (!chance(10)) items[i] = generate(depth + 1);
      return items;
    }
    const object: Record<string, unknown> = chance(10)
      ? (Object.create(null) as Record<string, unknown>)
      : {};
    const keys = chance(50) ? pick(SHAPES) : Array.from({ length: rng.nextIndex(7) }, () => pick(KEYS));
    for (const key of keys) {
      const member = chance(8) ? undefined : generate(depth + 1);
      defineMember(object, key, member, !chance(3));
    }
    return object;
  };
  return generate;
}

describe('canonicalJson, against the reference writer', () => {
  it('gives the same output or error on 20,000 generated values', () => {
    const generate = createValueGenerator(20_260_101);
    let representable = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = generate();
      expectSameAsReference(value);
      if (outcomeOf(referenceCanonicalJson, value).startsWith('ok ')) representable++;
    }
    // The generator must mostly produce values both writers accept, or the comparison would test little.
    expect(representable).toBeGreaterThan(15_000);
  });

  it('gives the same output on generated samples of repeating shapes, as a suite holds', () => {
    const generate = createValueGenerator(7);
    for (let i = 0; i < 2_000; i++) {
      const sample: Record<string, unknown> = {
        id: `q-${i}`,
        ...(i % 3 === 0 ? { category: `c${i % 5}` } : {}),
        input: `Question ${i}?`,
        choices: ['one', 'two', 'three', 'four'],
        target: i % 2 === 0 ? 'A' : ['A', 'B'],
        ...(i % 4 === 0 ? { metadata: { tags: ['x'], n: i, nested: generate(6) } } : {}),
      };
      expectSameAsReference(sample);
      expectSameAsReference([sample, { wrapped: sample }]);
    }
  });

  it.each([
    ['integer-like keys, which Object.keys lists first', { 10: 'a', 9: 'b', 1: 'c', b: 1, a: 2, '01': 3 }],
    ['keys needing escapes', { 'a"b': 1, 'a\\b': 2, '\n': 3, '\u0000': 4, '\ud800': 5, '\u{1F600}': 6 }],
    ['lone surrogates in values', ['\ud800', '\udc00', 'a\ud800b', '\ud800\udc00', '\udc00\ud800']],
    ['negative zero', { a: -0, b: [-0, 0, -0.0] }],
    ['undefined members', { a: undefined, b: 1, c: undefined }],
    ['undefined items and holes', [undefined, 1, , 2, undefined]], // eslint-disable-line no-sparse-arrays
    ['nested arrays and objects', { b: [[{ d: [{ f: 1, e: 2 }], c: [] }], {}], a: { z: { y: { x: {} } } } }],
    ['a "__proto__" own member', JSON.parse('{"__proto__": {"b": 1, "a": 2}, "x": [{"__proto__": null}]}')],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
    ['a non-finite number deep inside', { a: { b: [1, { c: Number.NaN }] } }],
    ['Infinity after a valid member', { a: 1, z: -Infinity }],
    ['a bigint', { a: [1n] }],
    ['a function member', { f: () => 1 }],
    ['a symbol item', [Symbol('s')]],
    ['undefined at the top', undefined],
    ['a Date (its own enumerable keys only)', { at: new Date(0) }],
    ['a boxed primitive', { n: Object(1) as unknown, s: Object('x') as unknown }],
    ['deep nesting past the key-order cache', JSON.parse(`${'{"b":1,"a":'.repeat(40)}null${'}'.repeat(40)}`)],
  ])('matches the reference on %s', (_name, value) => {
    expectSameAsReference(value);
  });

  it('matches the reference when key lists alternate between the same and a different order', () => {
    const shapes = [
      { b: 1, a: 2 },
      { a: 1, b: 2 },
      { b: 3, a: 4 },
      { b: 1, c: 2 },
      { b: 1, a: 2, c: 3 },
      { 2: 'x', 10: 'y' },
      { 10: 'y', 2: 'x' },
    ];
    for (const first of shapes) {
      for (const second of shapes) {
        expectSameAsReference([first, second]);
        expectSameAsReference({ x: first, y: second });
        expectSameAsReference(first);
        expectSameAsReference(second);
      }
    }
  });
});
