import { createHash } from 'node:crypto';
import { normaliseWorkPath } from '../../../src/suite/normalise-work-path.js';
import { describe, expect, it } from 'vitest';
import {
  checkReproducerManifest,
  deathSignal,
  matchSignal,
  parseReproducerManifest,
  reproducerDigest,
  type ExpectedSignal,
  type Reproducer,
  type RunResult,
} from '../../../src/vuln/reproducer.js';
import { failureOf } from '../../helpers/error-of.js';

const FILE = 'cases/reproducer.json';

const valid = { command: 'sh ./poc.sh', files: ['poc.sh'], expect: { stdout: 'PWNED' } };

describe('checkReproducerManifest', () => {
  it('accepts a full manifest and returns it', () => {
    const manifest = {
      command: 'sh ./poc.sh',
      files: ['poc.sh', 'data/payload.bin', './data/other.bin'],
      expect: { stdout: 'PWNED', stderr: 'overflow', exitCode: 139, signal: 'SIGSEGV' },
      timeoutSeconds: 600,
    };
    expect(checkReproducerManifest(manifest, FILE)).toEqual(manifest);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a missing command', { expect: { stdout: 'x' } }, '', /missing required field "command"/],
    ['an empty command', { ...valid, command: '' }, '/command', /must not be empty/],
    ['a blank command', { ...valid, command: '  \n' }, '/command', /must not be blank/],
    ['a missing expect', { command: 'true' }, '', /missing required field "expect"/],
    ['an empty expect', { ...valid, expect: {} }, '/expect', /at least one of "stdout", "stderr"/],
    ['an unknown field', { ...valid, network: true }, '/network', /unknown field "network"/],
    ['an unknown expect field', { ...valid, expect: { stdot: 'x' } }, '/expect/stdot', /unknown field/],
    ['an empty stdout', { ...valid, expect: { stdout: '' } }, '/expect/stdout', /must not be empty/],
    ['an exit code of 256', { ...valid, expect: { exitCode: 256 } }, '/expect/exitCode', /<= 255/],
    ['an exit code of 1.5', { ...valid, expect: { exitCode: 1.5 } }, '/expect/exitCode', /integer/],
    ['an unknown signal', { ...valid, expect: { signal: 'SEGV' } }, '/expect/signal', /"SIGSEGV"/],
    ['a timeout of 0', { ...valid, timeoutSeconds: 0 }, '/timeoutSeconds', />= 1/],
    ['a timeout of 601', { ...valid, timeoutSeconds: 601 }, '/timeoutSeconds', /<= 600/],
    ['a fractional timeout', { ...valid, timeoutSeconds: 2.5 }, '/timeoutSeconds', /integer/],
    ['a "../" path', { ...valid, files: ['poc.sh', '../secret'] }, '/files/1', /relative path inside/],
    ['a nested ".." path', { ...valid, files: ['a/../../b'] }, '/files/0', /relative path inside/],
    ['an absolute path', { ...valid, files: ['/etc/passwd'] }, '/files/0', /relative path inside/],
    ['a backslash path', { ...valid, files: ['a\\b'] }, '/files/0', /relative path inside/],
    ['a duplicate path', { ...valid, files: ['poc.sh', './poc.sh'] }, '/files/1', /same file as \/files\/0/],
    ['a file that is also a dir', { ...valid, files: ['a', 'a/b'] }, '/files/1', /inside \/files\/0/],
    ['a non-string path', { ...valid, files: [7] }, '/files/0', /must be a string/],
  ])('rejects %s with E_SCHEMA at the JSON pointer', (_name, value, pointer, message) => {
    const { code, message: text, problems } = failureOf(() => checkReproducerManifest(value, FILE));
    expect(code).toBe('E_SCHEMA');
    expect(problems).toEqual([{ file: FILE, pointer, message: expect.stringMatching(message) as unknown }]);
    expect(text).toContain(`${FILE}: ${pointer === '' ? '/' : pointer}: `);
  });

  it('reports every problem at once', () => {
    const value = { command: '', files: ['/a', 'b', 'b'], expect: {}, timeoutSeconds: -1, extra: 1 };
    const { code, problems } = failureOf(() => checkReproducerManifest(value, FILE));
    expect(code).toBe('E_SCHEMA');
    expect(problems.map((p) => p.pointer).sort()).toEqual(
      ['/command', '/expect', '/extra', '/files/0', '/files/2', '/timeoutSeconds'].sort(),
    );
  });

  it('rejects a manifest that is not an object', () => {
    const { code, problems } = failureOf(() => checkReproducerManifest(['sh'], FILE));
    expect(code).toBe('E_SCHEMA');
    expect(problems).toEqual([{ file: FILE, pointer: '', message: 'must be an object (got an array)' }]);
  });
});

describe('parseReproducerManifest', () => {
  it('rejects text that is not JSON with E_MALFORMED naming the file', () => {
    const { code, message, problems } = failureOf(() => parseReproducerManifest('{"command": ', FILE));
    expect(code).toBe('E_MALFORMED');
    expect(message.startsWith(`${FILE}: /: not JSON`)).toBe(true);
    expect(problems).toEqual([{ file: FILE, pointer: '', message: expect.stringMatching(/^not JSON/) }]);
  });

  it('parses and checks valid text', () => {
    expect(parseReproducerManifest(JSON.stringify(valid), FILE)).toEqual(valid);
  });
});

describe('normaliseWorkPath', () => {
  it.each([
    ['poc.sh', 'poc.sh'],
    ['./a//b/./c', 'a/b/c'],
    ['data/payload.bin', 'data/payload.bin'],
  ])('normalises %j to %j', (path, normalised) => {
    expect(normaliseWorkPath(path)).toBe(normalised);
  });

  it.each(['', '.', './', 'a/', '..', '../a', 'a/../b', '/a', 'a\\b', 'a\0b'])('refuses %j', (path) => {
    expect(normaliseWorkPath(path)).toBeUndefined();
  });
});

const ran = (overrides: Partial<RunResult> = {}): RunResult => ({
  stdout: '',
  stderr: '',
  exitCode: 0,
  signal: null,
  timedOut: false,
  ...overrides,
});

describe('matchSignal', () => {
  it.each<[string, ExpectedSignal, RunResult, boolean]>([
    ['stdout substring present', { stdout: 'PWNED' }, ran({ stdout: 'x PWNED y' }), true],
    ['stdout substring absent', { stdout: 'PWNED' }, ran({ stdout: 'pwned' }), false],
    ['stdout expected but only on stderr', { stdout: 'PWNED' }, ran({ stderr: 'PWNED' }), false],
    ['stderr substring present', { stderr: 'overflow' }, ran({ stderr: 'heap-buffer-overflow' }), true],
    ['stderr substring absent', { stderr: 'overflow' }, ran({ stderr: '' }), false],
    ['exit code equal', { exitCode: 3 }, ran({ exitCode: 3 }), true],
    ['exit code different', { exitCode: 0 }, ran({ exitCode: 1 }), false],
    [
      'exit code expected, killed by a signal',
      { exitCode: 0 },
      ran({ exitCode: null, signal: 'SIGKILL' }),
      false,
    ],
    ['signal via ExecResult.signal', { signal: 'SIGSEGV' }, ran({ exitCode: null, signal: 'SIGSEGV' }), true],
    ['signal via exit code 128+11', { signal: 'SIGSEGV' }, ran({ exitCode: 139 }), true],
    ['SIGABRT via exit code 128+6', { signal: 'SIGABRT' }, ran({ exitCode: 134 }), true],
    ['another signal via exit code', { signal: 'SIGSEGV' }, ran({ exitCode: 134 }), false],
    [
      'another signal via ExecResult.signal',
      { signal: 'SIGSEGV' },
      ran({ exitCode: null, signal: 'SIGBUS' }),
      false,
    ],
    ['signal expected, normal exit', { signal: 'SIGSEGV' }, ran({ exitCode: 0 }), false],
    ['signal expected, exit 11 (not 128+11)', { signal: 'SIGSEGV' }, ran({ exitCode: 11 }), false],
    ['exit 139 also meets exitCode 139', { exitCode: 139, signal: 'SIGSEGV' }, ran({ exitCode: 139 }), true],
    [
      'all four hold',
      { stdout: 'A', stderr: 'B', exitCode: 134, signal: 'SIGABRT' },
      ran({ stdout: 'A', stderr: 'B', exitCode: 134 }),
      true,
    ],
    [
      'three of four hold',
      { stdout: 'A', stderr: 'B', exitCode: 134, signal: 'SIGABRT' },
      ran({ stdout: 'A', stderr: 'C', exitCode: 134 }),
      false,
    ],
    [
      'timed out with the stdout present',
      { stdout: 'PWNED' },
      ran({ stdout: 'PWNED', exitCode: null, signal: 'SIGKILL', timedOut: true }),
      false,
    ],
    [
      'timed out, SIGKILL expected',
      { signal: 'SIGKILL' },
      ran({ exitCode: null, signal: 'SIGKILL', timedOut: true }),
      false,
    ],
    ['killed itself with SIGKILL, no timeout', { signal: 'SIGKILL' }, ran({ exitCode: 137 }), true],
    ['no checks at all', {}, ran({ stdout: 'PWNED' }), false],
  ])('%s', (_name, expected, result, isReproduced) => {
    expect(matchSignal(expected, result).isReproduced).toBe(isReproduced);
  });

  it('lists the given checks in a fixed order with notes instead of whole outputs', () => {
    const stdout = `${'x'.repeat(5000)}PWNED`;
    const { checks } = matchSignal(
      { signal: 'SIGSEGV', exitCode: 139, stderr: 'boom', stdout: 'PWNED' },
      ran({ stdout, stderr: 'quiet', exitCode: 139 }),
    );
    expect(checks).toEqual([
      { check: 'stdout', expected: 'PWNED', actual: 'found at character 5000', isMet: true },
      { check: 'stderr', expected: 'boom', actual: 'not found in 5 characters', isMet: false },
      { check: 'exitCode', expected: 139, actual: 139, isMet: true },
      { check: 'signal', expected: 'SIGSEGV', actual: 'SIGSEGV', isMet: true },
    ]);
  });

  it("reports a timeout's SIGKILL as no signal of the command, and the timeout as not reproduced", () => {
    const result = ran({ stdout: 'PWNED', exitCode: null, signal: 'SIGKILL', timedOut: true });
    const { isReproduced, checks } = matchSignal({ stdout: 'PWNED', signal: 'SIGKILL' }, result);
    expect(isReproduced).toBe(false);
    expect(checks.map((c) => [c.check, c.actual, c.isMet])).toEqual([
      ['stdout', 'found at character 0', true],
      ['signal', null, false],
    ]);
  });
});

describe('deathSignal', () => {
  it.each<[RunResult, string | null]>([
    [ran({ exitCode: 0 }), null],
    [ran({ exitCode: 128 }), null],
    [ran({ exitCode: 139 }), 'SIGSEGV'],
    [ran({ exitCode: 159 }), 'SIGSYS'],
    // 128 + 17 (SIGCHLD) cannot kill: no name.
    [ran({ exitCode: 145 }), null],
    [ran({ exitCode: null, signal: 'SIGTERM' }), 'SIGTERM'],
  ])('reads %j as %j', (result, name) => {
    expect(deathSignal(result)).toBe(name);
  });
});

describe('reproducerDigest', () => {
  const base: Reproducer = {
    command: 'sh ./poc.sh',
    files: { 'poc.sh': Buffer.from('echo PWNED\n').toString('base64'), 'b.bin': 'AAE=' },
    expect: { stdout: 'PWNED' },
    timeoutMs: 30_000,
  };

  it('is 64 hex digits and stable under key order', () => {
    const digest = reproducerDigest(base);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    const reordered: Reproducer = {
      timeoutMs: 30_000,
      expect: { stdout: 'PWNED' },
      files: { 'b.bin': 'AAE=', 'poc.sh': base.files['poc.sh']! },
      command: 'sh ./poc.sh',
    };
    expect(reproducerDigest(reordered)).toBe(digest);
  });

  it('is the SHA-256 of the canonical JSON of the stored form (recorded in transcripts: must not drift)', () => {
    const canonical =
      '{"command":"sh ./poc.sh","expect":{"stdout":"PWNED"},' +
      '"files":{"b.bin":"AAE=","poc.sh":"ZWNobyBQV05FRAo="},"timeoutMs":30000}';
    expect(reproducerDigest(base)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('changes with the bytes of a file, the command, the expectation and the timeout', () => {
    const digest = reproducerDigest(base);
    const variants: Reproducer[] = [
      { ...base, files: { ...base.files, 'b.bin': 'AAI=' } },
      { ...base, files: { ...base.files, 'c.bin': 'AAE=' } },
      { ...base, command: 'sh ./poc.sh ' },
      { ...base, expect: { stdout: 'PWNED', exitCode: 0 } },
      { ...base, timeoutMs: 31_000 },
    ];
    const digests = variants.map(reproducerDigest);
    expect(digests).not.toContain(digest);
    expect(new Set(digests).size).toBe(variants.length);
  });

  it('ignores fields outside the stored form', () => {
    const extra = { ...base, note: 'x', expect: { ...base.expect, extra: 1 } } as unknown as Reproducer;
    expect(reproducerDigest(extra)).toBe(reproducerDigest(base));
  });
});
