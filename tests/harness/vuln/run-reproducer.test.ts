import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import { reproducerDigest, type Reproducer } from '../../../src/vuln/reproducer.js';
import { loadReproducer } from '../../../harness/vuln/load-reproducer.js';
import { runReproducer } from '../../../harness/vuln/run-reproducer.js';
import { failureOf } from '../../helpers/error-of.js';

const hasBwrap = existsSync('/usr/bin/bwrap');
const hasPython = existsSync('/usr/bin/python3');
const base64 = (text: string): string => Buffer.from(text).toString('base64');

describe('loadReproducer', () => {
  let base: string;
  let dir: string;
  let outside: string;
  const manifest = (value: object): string => {
    const path = join(dir, 'reproducer.json');
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'redline-reproducer-'));
    dir = join(base, 'finding');
    outside = join(base, 'outside');
    mkdirSync(join(dir, 'data'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(dir, 'poc.sh'), 'cat data/payload.bin\n');
    writeFileSync(join(dir, 'data', 'payload.bin'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(join(outside, 'secret.txt'), 'HOST-SECRET');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'escape.txt'));
    symlinkSync('poc.sh', join(dir, 'inner-link.sh'));
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('reads the manifest and its files into the stored form, with the default timeout', () => {
    const path = manifest({
      command: 'sh ./poc.sh',
      files: ['poc.sh', './data/payload.bin', 'inner-link.sh'],
      expect: { stdout: 'PWNED', signal: 'SIGSEGV' },
    });
    expect(loadReproducer(path)).toEqual({
      command: 'sh ./poc.sh',
      files: {
        'poc.sh': base64('cat data/payload.bin\n'),
        'data/payload.bin': 'AAEC/w==',
        'inner-link.sh': base64('cat data/payload.bin\n'),
      },
      expect: { stdout: 'PWNED', signal: 'SIGSEGV' },
      timeoutMs: 30_000,
    });
    expect(loadReproducer(manifest({ command: 'true', expect: { exitCode: 0 }, timeoutSeconds: 2 }))).toEqual(
      {
        command: 'true',
        files: {},
        expect: { exitCode: 0 },
        timeoutMs: 2_000,
      },
    );
  });

  it('refuses a missing manifest with E_INPUT naming it', () => {
    const path = join(dir, 'nope.json');
    const { code, message } = failureOf(() => loadReproducer(path));
    expect(code).toBe('E_INPUT');
    expect(message).toContain(path);
  });

  it('refuses a manifest that is not JSON with E_MALFORMED naming it', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"command":');
    const { code, message } = failureOf(() => loadReproducer(path));
    expect(code).toBe('E_MALFORMED');
    expect(message.startsWith(`${path}: /: not JSON`)).toBe(true);
  });

  it('refuses a missing file, a directory and a symlink leading outside, listing each with its pointer', () => {
    const path = manifest({
      command: 'true',
      files: ['poc.sh', 'missing.bin', 'data', 'escape.txt'],
      expect: { exitCode: 0 },
    });
    const { code, message, problems } = failureOf(() => loadReproducer(path));
    expect(code).toBe('E_INPUT');
    expect(problems.map((p) => [p.file, p.pointer])).toEqual([
      [path, '/files/1'],
      [path, '/files/2'],
      [path, '/files/3'],
    ]);
    expect(problems[0]?.message).toMatch(/"missing.bin" not found/);
    expect(problems[1]?.message).toMatch(/"data" is not a regular file/);
    expect(problems[2]?.message).toMatch(/outside the manifest directory/);
    expect(message).toContain(`${path}: /files/3: `);
    expect(message).not.toContain('HOST-SECRET');
  });

  it('refuses a file over 8 MiB and files over 32 MiB together', () => {
    // Sparse files: sizes are checked before anything is read.
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, 8 * 1024 * 1024 + 1);
    const tooBig = failureOf(() =>
      loadReproducer(manifest({ command: 'true', files: ['big.bin'], expect: { exitCode: 0 } })),
    );
    expect(tooBig).toMatchObject({ code: 'E_INPUT', problems: [{ pointer: '/files/0' }] });
    const parts = ['p1.bin', 'p2.bin', 'p3.bin', 'p4.bin', 'p5.bin'];
    for (const name of parts) {
      writeFileSync(join(dir, name), '');
      truncateSync(join(dir, name), 7 * 1024 * 1024);
    }
    const tooMuch = failureOf(() =>
      loadReproducer(manifest({ command: 'true', files: parts, expect: { exitCode: 0 } })),
    );
    expect(tooMuch).toMatchObject({ code: 'E_INPUT', problems: [{ pointer: '/files' }] });
  });

  it('refuses an invalid manifest with E_SCHEMA before reading any file', () => {
    const path = manifest({ command: 'true', files: ['../outside/secret.txt'], expect: { exitCode: 0 } });
    expect(failureOf(() => loadReproducer(path))).toMatchObject({
      code: 'E_SCHEMA',
      problems: [{ file: path, pointer: '/files/0' }],
    });
  });
});

describe.skipIf(!hasBwrap)(
  'runReproducer (real bubblewrap sandboxes; skipped: /usr/bin/bwrap absent)',
  () => {
    let rootDir: string;
    // Apart from the bwrap backend tests' uids (210_000 and up) and from other test processes.
    const uidBase = 150_000 + (process.pid % 1000) * 40;
    const startedAt = new Date('2099-01-02T03:04:05.000Z');
    const run = (reproducer: Reproducer) =>
      runReproducer(reproducer, { rootDir, uidBase, now: () => startedAt });

    beforeAll(() => {
      rootDir = join(tmpdir(), `redline-vuln-test-${process.pid}-${randomBytes(3).toString('hex')}`);
    });

    afterAll(() => rmSync(rootDir, { recursive: true, force: true }));

    it('reproduces a finding whose script, placed from a file, prints the expected signal', async () => {
      const reproducer: Reproducer = {
        command: 'sh ./poc.sh',
        files: {
          'poc.sh': base64('echo "got $(cat data/secret.txt)"\n'),
          'data/secret.txt': base64('PWNED'),
        },
        expect: { stdout: 'got PWNED', exitCode: 0 },
        timeoutMs: 10_000,
      };
      const transcript = await run(reproducer);
      expect(transcript).toMatchObject({
        reproducerSha256: reproducerDigest(reproducer),
        command: 'sh ./poc.sh',
        startedAt: '2099-01-02T03:04:05.000Z',
        exitCode: 0,
        signal: null,
        timedOut: false,
        stdout: 'got PWNED\n',
        truncated: false,
        isReproduced: true,
        sandbox: expect.stringMatching(/^bwrap:\d+-[0-9a-f]{8}$/) as unknown,
      });
      expect(transcript.checks.map((c) => [c.check, c.isMet])).toEqual([
        ['stdout', true],
        ['exitCode', true],
      ]);
      expect(Number.isInteger(transcript.durationMs)).toBe(true);
      // The sandbox was destroyed: nothing is left under the root dir.
      expect(readdirSync(rootDir)).toEqual([]);
    });

    it('keeps the transcript of a run whose signal does not appear, not reproduced', async () => {
      const defaultRoot = join(tmpdir(), `redline-vuln-${process.pid}`);
      // The default root dir this time: it is removed again once the run is over.
      const transcript = await runReproducer(
        {
          command: 'echo "patched: nothing here"; echo "warning" >&2; exit 1',
          files: {},
          expect: { stdout: 'PWNED' },
          timeoutMs: 10_000,
        },
        { uidBase },
      );
      expect(existsSync(defaultRoot)).toBe(false);
      expect(transcript).toMatchObject({
        exitCode: 1,
        timedOut: false,
        stdout: 'patched: nothing here\n',
        stderr: 'warning\n',
        isReproduced: false,
        checks: [{ check: 'stdout', expected: 'PWNED', actual: 'not found in 22 characters', isMet: false }],
      });
    });

    it('reproduces a crash: a death by SIGSEGV surfaces as exit code 139 and meets the signal check', async () => {
      const transcript = await run({
        command: 'sh ./crash.sh',
        // The child shell kills itself with SIGSEGV, as a crashing target would die.
        files: { 'crash.sh': base64("echo before-crash\nsh -c 'kill -SEGV $$'\n") },
        expect: { stdout: 'before-crash', signal: 'SIGSEGV' },
        timeoutMs: 10_000,
      });
      expect(transcript).toMatchObject({ exitCode: 139, signal: null, timedOut: false, isReproduced: true });
      expect(transcript.checks.at(-1)).toEqual({
        check: 'signal',
        expected: 'SIGSEGV',
        actual: 'SIGSEGV',
        isMet: true,
      });
    });

    it('never counts a run that timed out, even with the expected output printed', async () => {
      const transcript = await run({
        command: 'echo PWNED; sleep 30',
        files: {},
        expect: { stdout: 'PWNED' },
        timeoutMs: 1_000,
      });
      expect(transcript).toMatchObject({
        timedOut: true,
        exitCode: null,
        stdout: 'PWNED\n',
        isReproduced: false,
      });
      expect(transcript.checks).toEqual([
        { check: 'stdout', expected: 'PWNED', actual: 'found at character 0', isMet: true },
      ]);
      expect(readdirSync(rootDir)).toEqual([]);
    });

    it('refuses a stored file that is not base64 with E_MALFORMED, before making a sandbox', async () => {
      const error: unknown = await run({
        command: 'true',
        files: { 'a.bin': 'not base64!' },
        expect: { exitCode: 0 },
        timeoutMs: 1_000,
      }).catch((caught: unknown) => caught);
      expect(isRedlineError(error, 'E_MALFORMED')).toBe(true);
    });

    it('destroys the sandbox when the command cannot be run', async () => {
      // Over Linux's 128 KiB limit of one argument: the sandbox refuses it after it was made.
      const error: unknown = await run({
        command: `: ${'x'.repeat(130_000)}`,
        files: { 'a.txt': base64('a') },
        expect: { exitCode: 0 },
        timeoutMs: 1_000,
      }).catch((caught: unknown) => caught);
      expect(isRedlineError(error, 'E_INPUT')).toBe(true);
      expect(readdirSync(rootDir)).toEqual([]);
    });

    describe.skipIf(!hasPython)('network', () => {
      let server: Server;
      let port: number;
      let connections = 0;

      beforeAll(async () => {
        server = createServer((socket) => {
          connections += 1;
          socket.end('HOST-SERVER');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        port = (server.address() as { port: number }).port;
      });

      afterAll(() => new Promise((resolve) => server.close(resolve)));

      it('cannot reach a server on the host loopback: a reproducer that needs the network fails', async () => {
        const script = [
          'import socket',
          'try:',
          `    print("CONNECTED", socket.create_connection(("127.0.0.1", ${port}), timeout=2).recv(100))`,
          'except OSError as error:',
          '    print("BLOCKED", type(error).__name__)',
        ].join('\n');
        const transcript = await run({
          command: 'python3 ./net.py',
          files: { 'net.py': base64(script) },
          expect: { stdout: 'CONNECTED' },
          timeoutMs: 10_000,
        });
        expect(transcript).toMatchObject({ exitCode: 0, isReproduced: false });
        expect(transcript.stdout).toMatch(/^BLOCKED \w+/);
        expect(connections).toBe(0);
      });
    });
  },
);
