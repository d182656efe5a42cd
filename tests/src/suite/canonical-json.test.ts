import { describe, expect, it } from 'vitest';
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
