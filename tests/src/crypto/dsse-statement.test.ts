import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import {
  IN_TOTO_PAYLOAD_TYPE,
  buildStatement,
  parseStatement,
  serializeStatement,
} from '../../../src/crypto/statement.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isRedlineError(error) ? error.code : 'not a RedlineError';
  }
  return undefined;
}

const digest = bytesToHex(sha256(utf8ToBytes('run 42')));
const parts = {
  subject: [{ name: 'run-42', digest: { sha256: digest } }],
  predicateType: 'https://redline.example/assessment/v1',
  predicate: { recipients: ['a'.repeat(64)], designation: 'covered', score: 0.75 },
};

describe('buildStatement', () => {
  it('builds an in-toto Statement v1', () => {
    expect(buildStatement(parts)).toEqual({ _type: 'https://in-toto.io/Statement/v1', ...parts });
    expect(IN_TOTO_PAYLOAD_TYPE).toBe('application/vnd.in-toto+json');
  });

  it('refuses a subject digest that is not lowercase hex SHA-256 (E_MALFORMED)', () => {
    const bad = { ...parts, subject: [{ name: 'x', digest: { sha256: digest.toUpperCase() } }] };
    expect(codeOf(() => buildStatement(bad))).toBe('E_MALFORMED');
    expect(codeOf(() => buildStatement({ ...parts, subject: [] }))).toBe('E_MALFORMED');
  });
});

describe('serializeStatement', () => {
  it('writes canonical JSON: sorted keys, no whitespace', () => {
    const text = new TextDecoder().decode(serializeStatement(buildStatement(parts)));
    expect(text).toBe(
      '{"_type":"https://in-toto.io/Statement/v1",' +
        '"predicate":{"designation":"covered","recipients":["' +
        'a'.repeat(64) +
        '"],"score":0.75},' +
        '"predicateType":"https://redline.example/assessment/v1",' +
        `"subject":[{"digest":{"sha256":"${digest}"},"name":"run-42"}]}`,
    );
  });

  it('gives the same bytes whatever the key order of the input', () => {
    const reordered = buildStatement({
      predicate: { score: 0.75, designation: 'covered', recipients: ['a'.repeat(64)] },
      predicateType: parts.predicateType,
      subject: parts.subject,
    });
    expect(serializeStatement(reordered)).toEqual(serializeStatement(buildStatement(parts)));
  });
});

describe('parseStatement', () => {
  it('reads back what serializeStatement wrote', () => {
    const statement = buildStatement(parts);
    expect(parseStatement(serializeStatement(statement))).toEqual(statement);
  });

  it('ignores unknown fields (in-toto parsing rules)', () => {
    const value = { ...buildStatement(parts), extra: true };
    expect(parseStatement(utf8ToBytes(JSON.stringify(value)))._type).toBe('https://in-toto.io/Statement/v1');
  });

  it.each([
    ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
    ['invalid JSON', utf8ToBytes('{"_type":')],
    [
      'another _type',
      utf8ToBytes(JSON.stringify({ ...buildStatement(parts), _type: 'https://in-toto.io/Statement/v0.1' })),
    ],
    [
      'no predicateType',
      utf8ToBytes(
        JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: parts.subject, predicate: {} }),
      ),
    ],
    [
      'a predicate that is not an object',
      utf8ToBytes(JSON.stringify({ ...buildStatement(parts), predicate: [] })),
    ],
  ])('refuses %s (E_MALFORMED)', (_name, bytes) => {
    expect(codeOf(() => parseStatement(bytes))).toBe('E_MALFORMED');
  });
});
