import { describe, expect, it } from 'vitest';
import { locateJsonSyntaxError } from '../../../src/suite/locate-json-error.js';

describe('locateJsonSyntaxError', () => {
  it.each([
    ['{"a": 1,}', 1, 9],
    ['{"a": 1', 1, 8],
    ['', 1, 1],
    ['{"a": tru}', 1, 7],
    ["{'a': 1}", 1, 2],
    ['[1, 2]x', 1, 7],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ['{"a": "x\ty"}', 1, 9],
    ['{"a": "\\q"}', 1, 8],
    ['{"a": 01}', 1, 8],
    ['{"a": "unterminated}', 1, 7],
    ['[1,]', 1, 4],
    ['{\r\n"a" 1}', 2, 5],
  ])('locates the error in %j at line %i, column %i', (text, line, column) => {
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(locateJsonSyntaxError(text)).toMatchObject({ line, column });
  });

  it('finds nothing in valid JSON', () => {
    const text = '{"a": [1, -2.5e3, "x\\u00e9\\n", true, false, null, {}], "b": {"c": []}}';
    expect(JSON.parse(text)).toBeDefined();
    expect(locateJsonSyntaxError(text)).toBeUndefined();
  });
});
