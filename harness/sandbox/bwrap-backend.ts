import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedlineError } from '../../src/errors.js';
import { buildBwrapArgs } from './build-bwrap-args.js';
import { listProcessesOfUid } from './list-processes-of-uid.js';
import { type BoundedProcess, runBoundedProcess } from './run-bounded-process.js';
import {
  type ExecOptions,
  type ExecResult,
  type Sandbox,
  type SandboxBackend,
  type SandboxLimits,
  type SandboxSpec,
  checkExecRequest,
  resolveSandboxLimits,
} from './sandbox-backend.js';
import { checkTaskFilePath, writeTaskFiles } from './write-task-files.js';

// run-suite imports the start-up cleanup from here, next to the backend that makes these dirs.
export { cleanupStaleSandboxDirs } from './cleanup-stale-sandbox-dirs.js';

/** Options of the bubblewrap backend. */
export interface BwrapBackendOptions {
  /** Host dir under which per-sandbox dirs are made, e.g. `/tmp/redline-sbx-<pid>`; created (0711) if missing. */
  rootDir: string;
  /** First sandbox uid; sandbox N of the live ones runs as uidBase + N (only when the harness runs as root). */
  uidBase?: number;
}

/** A bubblewrap sandbox; `uid` is the host uid its processes run as. */
export interface BwrapSandbox extends Sandbox {
  /** Host uid of every process of this sandbox (unique among live sandboxes of this harness process, as root). */
  readonly uid: number;
}

/** The bubblewrap backend, whose `create` returns `BwrapSandbox`. */
export interface BwrapBackend extends SandboxBackend {
  /** Creates a fresh sandbox: work dir, task files, setup. */
  create(spec: SandboxSpec): Promise<BwrapSandbox>;
}

const BWRAP = '/usr/bin/bwrap';
const SETPRIV = '/usr/bin/setpriv';
const PRLIMIT = '/usr/bin/prlimit';
const LAUNCHER_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const PROBE_TIMEOUT_MS = 15_000;
// A process inside a dying PID namespace needs a moment to be torn down after its init is gone.
const LEFTOVER_SETTLE_MS = 200;
const LEFTOVER_GIVE_UP_MS = 3_000;

// Uids of live sandboxes in this process, shared by all backends so two backends with one uidBase never collide.
const liveUids = new Set<number>();
let isProbed = false;

/** True when this harness can switch uid (root): then each sandbox gets its own uid and process limit. */
function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The host argv that runs `argv` inside a sandbox: prlimit -> setpriv (as root) -> bwrap. */
function buildLauncherArgs(
  uid: number,
  limits: SandboxLimits,
  sandboxDir: string,
  argv: readonly string[],
): string[] {
  // One value sets soft and hard limit, so the command cannot raise them again.
  const rlimits = [
    `--nproc=${limits.processes}`,
    `--as=${limits.memoryBytes}`,
    `--fsize=${limits.fileSizeBytes}`,
  ];
  const dropToUid = isRoot()
    ? [SETPRIV, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=-all', '--no-new-privs']
    : [];
  const bwrapArgs = buildBwrapArgs({
    workDir: join(sandboxDir, 'work'),
    etcDir: join(sandboxDir, 'etc'),
    tmpBytes: limits.fileSizeBytes,
    argv,
  });
  return [...rlimits, '--core=0', '--', ...dropToUid, BWRAP, ...bwrapArgs];
}

/** Fails with a clear E_STATE when a tool the backend needs is missing. */
function checkTools(): void {
  if (!existsSync(BWRAP)) {
    throw new RedlineError('E_STATE', `sandbox: ${BWRAP} not found: install the Debian package bubblewrap`);
  }
  for (const tool of [PRLIMIT, SETPRIV]) {
    if (!existsSync(tool))
      throw new RedlineError('E_STATE', `sandbox: ${tool} not found: install util-linux`);
  }
}

/** Picks the lowest uid not used by a live sandbox nor by any running process. */
async function allocateUid(uidBase: number): Promise<number> {
  for (let uid = uidBase; uid < uidBase + 65_536; uid += 1) {
    if (liveUids.has(uid)) continue;
    liveUids.add(uid);
    // Another harness process on this host may use the same range; a uid with processes is not free.
    if ((await listProcessesOfUid(uid)).length === 0) return uid;
    liveUids.delete(uid);
  }
  throw new RedlineError('E_STATE', `sandbox: no free uid in ${uidBase}..${uidBase + 65_535}`);
}

/**
 * Kills every process of `uid` until none is left; returns how many were found after the settle delay (0 when the
 * PID namespace took everything down, as it should). E_INTERNAL when some survive: containment failed.
 */
async function reapUid(uid: number): Promise<number> {
  const deadline = performance.now() + LEFTOVER_GIVE_UP_MS;
  let pids = await listProcessesOfUid(uid);
  if (pids.length > 0) {
    await sleep(LEFTOVER_SETTLE_MS);
    pids = await listProcessesOfUid(uid);
  }
  const found = pids.length;
  while (pids.length > 0) {
    if (performance.now() > deadline) {
      throw new RedlineError(
        'E_INTERNAL',
        `sandbox: processes of uid ${uid} survive SIGKILL: ${pids.join(', ')}`,
      );
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ESRCH: it exited meanwhile.
      }
    }
    await sleep(50);
    pids = await listProcessesOfUid(uid);
  }
  return found;
}

/** Removes a sandbox dir; without root, first makes dirs the command chmod-ed to 000 removable again. */
async function removeSandboxDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    const fix = runBoundedProcess({
      command: '/usr/bin/chmod',
      args: ['-R', 'u+rwX', dir],
      env: LAUNCHER_ENV,
      cwd: '/',
      timeoutMs: 30_000,
      outputBytes: 4096,
    });
    await fix.result;
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the synthetic /etc files: only root, the sandbox user and localhost. */
async function writeEtcFiles(etcDir: string, uid: number): Promise<void> {
  await mkdir(etcDir, { mode: 0o755 });
  const files: Record<string, string> = {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${uid}:${uid}:sandbox:/work:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nsandbox:x:${uid}:\nnogroup:x:65534:\n`,
    hosts: '127.0.0.1\tlocalhost\n127.0.1.1\tsandbox\n::1\tlocalhost\n',
    hostname: 'sandbox\n',
  };
  for (const [name, text] of Object.entries(files))
    await writeFile(join(etcDir, name), text, { mode: 0o644 });
}

/**
 * Creates the bubblewrap backend: each command runs in a new bwrap with every namespace unshared (no network),
 * a read-only host /usr, a private /tmp, the sandbox's work dir at /work, rlimits, and a per-sandbox host uid.
 *
 * @example
 * const backend = createBwrapBackend({ rootDir: `/tmp/redline-sbx-${process.pid}` });
 * const sandbox = await backend.create({ files: { 'flag.txt': new TextEncoder().encode('FLAG{x}') } });
 * const result = await sandbox.exec('cat flag.txt', { timeoutMs: 5_000 });
 * await sandbox.destroy();
 */
export function createBwrapBackend(options: BwrapBackendOptions): BwrapBackend {
  const rootDir = resolve(options.rootDir);
  const uidBase = options.uidBase ?? 200_000;
  if (!Number.isSafeInteger(uidBase) || uidBase < 1000) {
    throw new RedlineError('E_INPUT', `sandbox: uidBase must be an integer >= 1000 (got ${uidBase})`);
  }

  async function create(spec: SandboxSpec): Promise<BwrapSandbox> {
    const startedAt = performance.now();
    const limits = resolveSandboxLimits(spec.limits);
    for (const path of Object.keys(spec.files)) checkTaskFilePath(path);
    checkTools();
    const isSwitchingUid = isRoot();
    const uid = isSwitchingUid ? await allocateUid(uidBase) : (process.getuid?.() ?? 0);
    const id = `${uid}-${randomBytes(4).toString('hex')}`;
    const sandboxDir = join(rootDir, id);
    const workDir = join(sandboxDir, 'work');
    const running = new Set<BoundedProcess>();
    let isDestroyed = false;

    async function runInSandbox(argv: readonly string[], execOptions: ExecOptions): Promise<ExecResult> {
      const timeoutMs = checkExecRequest(id, isDestroyed, '', execOptions.timeoutMs, limits.commandTimeoutMs);
      const child = runBoundedProcess({
        command: PRLIMIT,
        args: buildLauncherArgs(uid, limits, sandboxDir, argv),
        env: LAUNCHER_ENV,
        cwd: '/',
        timeoutMs,
        outputBytes: limits.outputBytes,
        ...(execOptions.stdin === undefined ? {} : { stdin: execOptions.stdin }),
      });
      running.add(child);
      let result: ExecResult;
      try {
        result = await child.result;
      } finally {
        running.delete(child);
      }
      // Other commands of this sandbox may run concurrently under the same uid; their processes are not leftovers.
      if (isSwitchingUid && running.size === 0) {
        const leftovers = await reapUid(uid);
        if (leftovers > 0)
          result.stderr += `\n[sandbox] killed ${leftovers} leftover process(es) of uid ${uid}\n`;
      }
      return result;
    }

    async function exec(script: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
      checkExecRequest(id, isDestroyed, script, execOptions.timeoutMs, limits.commandTimeoutMs);
      const interpreter = execOptions.interpreter ?? 'sh';
      const argv = interpreter === 'python3' ? ['/usr/bin/python3', '-c', script] : ['/bin/sh', '-c', script];
      return runInSandbox(argv, execOptions);
    }

    async function destroy(): Promise<void> {
      if (isDestroyed) return;
      isDestroyed = true;
      const pending = [...running];
      for (const child of pending) child.kill();
      await Promise.allSettled(pending.map((child) => child.result));
      if (isSwitchingUid) await reapUid(uid);
      await removeSandboxDir(sandboxDir);
      // Released only once no process of the uid is left, so the next sandbox starts with a clean process count.
      if (isSwitchingUid) liveUids.delete(uid);
    }

    try {
      const createdRoot = await mkdir(rootDir, { recursive: true, mode: 0o711 });
      // Only a dir we made gets its mode set: never chmod a caller's existing dir such as /tmp.
      if (createdRoot !== undefined) await chmod(rootDir, 0o711);
      await mkdir(sandboxDir, { mode: 0o711 });
      await chmod(sandboxDir, 0o711);
      await writeEtcFiles(join(sandboxDir, 'etc'), uid);
      await mkdir(workDir, { mode: 0o700 });
      if (isSwitchingUid) await chown(workDir, uid, uid);
      await writeTaskFiles(workDir, spec.files, isSwitchingUid ? { uid, gid: uid } : undefined);
      if (!isProbed) {
        const probe = await runInSandbox(['/bin/sh', '-c', 'exit 0'], { timeoutMs: PROBE_TIMEOUT_MS });
        if (probe.exitCode !== 0) {
          throw new RedlineError(
            'E_STATE',
            `sandbox: bwrap cannot start a sandbox as uid ${uid} (exit ${String(probe.exitCode)}): ${probe.stderr.trim()}; ` +
              'unprivileged user namespaces must be enabled (sysctl kernel.unprivileged_userns_clone=1, ' +
              'user.max_user_namespaces > 0, no AppArmor restrict_unprivileged_userns) and every parent of ' +
              `${rootDir} must be searchable by that uid`,
          );
        }
        isProbed = true;
      }
      if (spec.setup !== undefined) {
        const setup = await exec(spec.setup);
        if (setup.exitCode !== 0) {
          throw new RedlineError(
            'E_INPUT',
            `sandbox setup failed (exit ${String(setup.exitCode)}, signal ${String(setup.signal)}, timed out ${setup.timedOut}): ${setup.stderr.trim().slice(-2000)}`,
          );
        }
      }
    } catch (error) {
      await destroy();
      throw error;
    }
    return { id, uid, workDir, startMs: performance.now() - startedAt, exec, destroy };
  }

  return { name: 'bwrap', create };
}
