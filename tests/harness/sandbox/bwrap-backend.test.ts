import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRedlineError } from '../../../src/errors.js';
import {
  cleanupStaleSandboxDirs,
  createBwrapBackend,
  type BwrapBackend,
  type BwrapSandbox,
} from '../../../harness/sandbox/bwrap-backend.js';
import { listProcessesOfUid } from '../../../harness/sandbox/list-processes-of-uid.js';

const hasBwrap = existsSync('/usr/bin/bwrap');
// Per-sandbox uids (and so per-sandbox process limits and the /proc scan by uid) need a root harness.
const isRoot = process.getuid?.() === 0;
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Host pids whose command line contains `argument` as one argument. */
function hostProcessesWithArgument(argument: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(argument);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Creates a sandbox and registers it for removal after the suite. */
const live: BwrapSandbox[] = [];

describe.skipIf(!hasBwrap)(
  'createBwrapBackend (real bubblewrap sandboxes; skipped: /usr/bin/bwrap absent)',
  () => {
    let backend: BwrapBackend;
    let rootDir: string;
    let secretDir: string;
    let server: Server;
    let serverPort: number;
    let serverConnections = 0;

    async function make(spec: Parameters<BwrapBackend['create']>[0]): Promise<BwrapSandbox> {
      const sandbox = await backend.create(spec);
      live.push(sandbox);
      return sandbox;
    }

    beforeAll(async () => {
      rootDir = join(tmpdir(), `redline-sbx-test-${process.pid}-${randomBytes(3).toString('hex')}`);
      backend = createBwrapBackend({ rootDir, uidBase: 210_000 + (process.pid % 1000) * 50 });
      // World-readable on purpose: only the mount namespace, not file modes, may hide them from the sandbox.
      secretDir = mkdtempSync(join(tmpdir(), 'redline-secrets-'));
      chmodSync(secretDir, 0o755);
      writeFileSync(join(secretDir, 'redline.db'), 'LAB-DB-CANARY', { mode: 0o644 });
      writeFileSync(join(secretDir, 'signing.key'), 'KEY-CANARY', { mode: 0o644 });
      server = createServer((socket) => {
        serverConnections += 1;
        socket.end('HOST-SERVER-CANARY');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      serverPort = (server.address() as { port: number }).port;
    });

    afterAll(async () => {
      await Promise.all(live.map((sandbox) => sandbox.destroy()));
      await new Promise((resolve) => server.close(resolve));
      rmSync(secretDir, { recursive: true, force: true });
      rmSync(rootDir, { recursive: true, force: true });
    });

    it('places the task files at /work and runs a command there', async () => {
      const sandbox = await make({
        files: { 'flag.txt': encode('FLAG{a}\n'), 'src/app.py': encode('print(7)\n') },
      });
      const result = await sandbox.exec('pwd; cat flag.txt; cat src/app.py; exit 3', { timeoutMs: 3_000 });
      expect(result).toMatchObject({ stdout: '/work\nFLAG{a}\nprint(7)\n', exitCode: 3, timedOut: false });
      expect(result.truncated).toBe(false);
    });

    it('runs python3 and passes stdin', async () => {
      const sandbox = await make({ files: {} });
      const result = await sandbox.exec('import sys; print(sys.stdin.read().upper())', {
        interpreter: 'python3',
        stdin: 'hello',
        timeoutMs: 3_000,
      });
      expect(result.stdout).toBe('HELLO\n');
      expect(result.exitCode).toBe(0);
    });

    it('keeps files in /work between commands and runs setup first', async () => {
      const sandbox = await make({ files: {}, setup: 'echo from-setup > note.txt' });
      await sandbox.exec('echo more >> note.txt', { timeoutMs: 3_000 });
      expect((await sandbox.exec('cat note.txt', { timeoutMs: 3_000 })).stdout).toBe('from-setup\nmore\n');
    });

    it('rejects a failing setup with E_INPUT and leaves no dir behind', async () => {
      const error: unknown = await backend
        .create({ files: {}, setup: 'exit 4' })
        .catch((caught: unknown) => caught);
      expect(isRedlineError(error, 'E_INPUT')).toBe(true);
    });

    it.each(['../escape.txt', '/etc/evil', 'a/../../b', ''])(
      'refuses the file path %j with E_INPUT',
      async (path) => {
        const error: unknown = await backend
          .create({ files: { [path]: encode('x') } })
          .catch((caught: unknown) => caught);
        expect(isRedlineError(error, 'E_INPUT')).toBe(true);
      },
    );

    it('cuts output at outputBytes and marks it truncated', async () => {
      const sandbox = await make({ files: {}, limits: { outputBytes: 1000 } });
      const result = await sandbox.exec("head -c 5000 /dev/zero | tr '\\0' a", { timeoutMs: 3_000 });
      expect(result.stdout).toBe('a'.repeat(1000));
      expect(result.truncated).toBe(true);
    });

    it('opens no TCP connection, neither to a host loopback server nor to another address', async () => {
      // The host server really listens: the host itself can reach it.
      await new Promise<void>((resolve, reject) => {
        const socket = connect(serverPort, '127.0.0.1', () => socket.end());
        socket.resume();
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      expect(serverConnections).toBe(1);
      const sandbox = await make({ files: {} });
      const script = [
        'import socket',
        `for host, port in [("127.0.0.1", ${serverPort}), ("10.0.0.1", 80), ("1.1.1.1", 53)]:`,
        '    try:',
        '        socket.create_connection((host, port), timeout=1).recv(100)',
        '        print("CONNECTED", host)',
        '    except OSError as error:',
        '        print("BLOCKED", host, type(error).__name__)',
      ].join('\n');
      const result = await sandbox.exec(script, { interpreter: 'python3', timeoutMs: 5_000 });
      expect(result.stdout).not.toContain('CONNECTED');
      expect(result.stdout.match(/^BLOCKED /gm)).toHaveLength(3);
      expect(serverConnections).toBe(1);
    });

    it('cannot write outside /work and /tmp', async () => {
      const sandbox = await make({ files: {} });
      const name = `redline-probe-${randomBytes(4).toString('hex')}`;
      const result = await sandbox.exec(
        `for p in /usr/${name} /etc/${name} /${name} /bin/${name}; do (echo x > "$p") 2>/dev/null && echo "WROTE $p"; done; echo x > /tmp/ok && echo TMP-OK`,
        { timeoutMs: 3_000 },
      );
      expect(result.stdout).toBe('TMP-OK\n');
      expect(existsSync(`/usr/${name}`) || existsSync(`/etc/${name}`)).toBe(false);
    });

    it('does not show host secrets, /root, /home or the host /tmp', async () => {
      const sandbox = await make({ files: {} });
      const paths = [
        join(secretDir, 'redline.db'),
        join(secretDir, 'signing.key'),
        secretDir,
        '/root',
        '/home',
        rootDir,
      ];
      const result = await sandbox.exec(
        `for p in ${paths.join(' ')}; do test -e "$p" && echo "VISIBLE $p"; done; cat /etc/shadow 2>/dev/null; grep -rs CANARY /etc /tmp /work; echo done`,
        { timeoutMs: 10_000 },
      );
      expect(result.stdout).toBe('done\n');
    });

    it('shows no host process in /proc', async () => {
      const sandbox = await make({ files: {} });
      const result = await sandbox.exec(
        'for d in /proc/[0-9]*; do echo "${d#/proc/} $(tr "\\0" " " < $d/cmdline)"; done',
        { timeoutMs: 3_000 },
      );
      const lines = result.stdout.trim().split('\n');
      const pids = lines.map((line) => Number(line.split(' ')[0]));
      // bwrap's init, the shell, and perhaps the shell's command-substitution child: nothing from the host.
      expect(pids.length).toBeGreaterThan(0);
      expect(pids.length).toBeLessThanOrEqual(4);
      expect(Math.max(...pids)).toBeLessThan(10);
      expect(result.stdout).not.toMatch(/node|vitest/);
    });

    it('gives the command a clean environment without host variables', async () => {
      const canary = `canary-${randomBytes(8).toString('hex')}`;
      process.env['OPENAI_API_KEY'] = canary;
      try {
        const sandbox = await make({ files: {} });
        const result = await sandbox.exec('env', { timeoutMs: 3_000 });
        const names = result.stdout
          .trim()
          .split('\n')
          .map((line) => line.split('=')[0]);
        expect(new Set(names)).toEqual(new Set(['PATH', 'HOME', 'LANG', 'TERM', 'PWD']));
        expect(result.stdout).not.toContain(canary);
        expect(result.stdout).toContain('HOME=/work\n');
      } finally {
        delete process.env['OPENAI_API_KEY'];
      }
    });

    it.skipIf(!isRoot)(
      'contains a fork bomb by the process limit (needs a root harness for per-sandbox uids)',
      async () => {
        const sandbox = await make({ files: {}, limits: { processes: 32 } });
        // A bomb that keeps every child alive, then counts the sandbox's processes with shell builtins only (a
        // glob over /proc: no fork is possible at the limit). Deterministic, unlike sampling from the host.
        const bomb = sandbox.exec(
          '(i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; set -- /proc/[0-9]*; echo "$#"',
          { timeoutMs: 3_000 },
        );
        // The host still starts processes while the bomb runs.
        const host = await promisify(execFile)('/bin/sh', ['-c', 'sleep 0.5; echo host-ok'], {
          timeout: 10_000,
        });
        const result = await bomb;
        expect(host.stdout).toBe('host-ok\n');
        const seen = Number(result.stdout.trim());
        // The bomb really ran into the limit (far fewer than its 200 children), and never beyond it.
        expect(seen).toBeGreaterThan(8);
        expect(seen).toBeLessThanOrEqual(32);
        expect(await listProcessesOfUid(sandbox.uid)).toEqual([]);
      },
    );

    it.skipIf(!isRoot)('kills a looping command and its children at the timeout', async () => {
      const sandbox = await make({ files: {} });
      const result = await sandbox.exec("sh -c 'sleep 1000 & sleep 1000 & while :; do :; done'", {
        timeoutMs: 1_000,
      });
      expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', exitCode: null });
      expect(await listProcessesOfUid(sandbox.uid)).toEqual([]);
    });

    it('kills the whole tree at the timeout, background children included', async () => {
      const sandbox = await make({ files: {} });
      // A unique sleep length marks this command's processes on the host's /proc (works without root too).
      const marker = `1000.${randomBytes(3).readUIntBE(0, 3)}`;
      const result = await sandbox.exec(`(sleep ${marker}; echo late) & sleep ${marker} & sleep ${marker}`, {
        timeoutMs: 1_000,
      });
      expect(result.timedOut).toBe(true);
      expect(hostProcessesWithArgument(marker)).toEqual([]);
    });

    it('stops writing a file at the file-size limit', async () => {
      const sandbox = await make({ files: {}, limits: { fileSizeBytes: 1024 * 1024 } });
      const result = await sandbox.exec('head -c 3000000 /dev/zero > big.bin; echo "exit $?"', {
        timeoutMs: 3_000,
      });
      expect(result.stdout).not.toBe('exit 0\n');
      expect(statSync(join(sandbox.workDir, 'big.bin')).size).toBeLessThanOrEqual(1024 * 1024);
    });

    it('removes the work dir on destroy and refuses exec afterwards with E_STATE', async () => {
      const sandbox = await backend.create({ files: { 'a.txt': encode('a') } });
      expect(existsSync(join(sandbox.workDir, 'a.txt'))).toBe(true);
      await sandbox.destroy();
      await sandbox.destroy();
      expect(existsSync(sandbox.workDir)).toBe(false);
      const error: unknown = await sandbox.exec('true').catch((caught: unknown) => caught);
      expect(isRedlineError(error, 'E_STATE')).toBe(true);
    });

    it("keeps two parallel sandboxes apart: neither sees the other's files", async () => {
      const [a, b] = await Promise.all([
        make({ files: { 'only-a.txt': encode('A') } }),
        make({ files: { 'only-b.txt': encode('B') } }),
      ]);
      if (isRoot) expect(a.uid).not.toBe(b.uid);
      const [seenByA, seenByB] = await Promise.all([
        a.exec(`ls /work; test -e ${b.workDir} && echo SEES-B`, { timeoutMs: 3_000 }),
        b.exec(`ls /work; test -e ${a.workDir} && echo SEES-A`, { timeoutMs: 3_000 }),
      ]);
      expect(seenByA.stdout).toBe('only-a.txt\n');
      expect(seenByB.stdout).toBe('only-b.txt\n');
    });
  },
);

describe('cleanupStaleSandboxDirs', () => {
  it('removes the dirs of dead harness processes and keeps the live ones', () => {
    const base = mkdtempSync(join(tmpdir(), 'redline-cleanup-'));
    try {
      // Above the kernel's largest pid_max (2^22), so no process can have it.
      const dead = join(base, 'redline-sbx-99999999');
      const alive = join(base, `redline-sbx-${process.pid}`);
      const other = join(base, 'something-else');
      for (const dir of [dead, alive, other]) mkdirSync(join(dir, 'x', 'work'), { recursive: true });
      expect(cleanupStaleSandboxDirs(base)).toEqual([dead]);
      expect([existsSync(dead), existsSync(alive), existsSync(other)]).toEqual([false, true, true]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
