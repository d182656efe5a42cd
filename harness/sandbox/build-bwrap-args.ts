import { lstatSync, readdirSync, readlinkSync } from 'node:fs';

/** The only environment a sandboxed command sees (bwrap --clearenv first). */
export const SANDBOX_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/work',
  LANG: 'C.UTF-8',
  TERM: 'dumb',
});

// Host /etc files tools need and that hold no secrets (no shadow, ssh, ssl keys, pip/npm config, machine-id).
const ETC_FILES = [
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'nsswitch.conf',
  'protocols',
  'services',
  'mime.types',
  'magic',
  'magic.mime',
  'bash.bashrc',
  'profile',
  'inputrc',
];

// Files the backend writes per sandbox instead of showing the host's (which name host users and hosts).
export const SYNTHETIC_ETC_FILES = ['passwd', 'group', 'hosts', 'hostname'] as const;

let systemMounts: string[] | undefined;

/** Read-only mounts of the host system dirs: merged-/usr symlinks are recreated as symlinks, real dirs bound. */
function listSystemMounts(): string[] {
  if (systemMounts !== undefined) return systemMounts;
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const path of ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32']) {
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue;
    }
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  // Debian's python3 reads /etc/python3.X/sitecustomize.py through a symlink under /usr/lib.
  const etcNames = [...ETC_FILES, ...readdirSync('/etc').filter((name) => /^python3(\.\d+)?$/.test(name))];
  for (const name of etcNames) args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  systemMounts = args;
  return args;
}

/** What one sandboxed command needs from the host. */
export interface BwrapArgsInput {
  /** Host dir bound read-write at /work. */
  workDir: string;
  /** Host dir holding the synthetic /etc files (SYNTHETIC_ETC_FILES). */
  etcDir: string;
  /** Size of the sandbox's private /tmp tmpfs in bytes. */
  tmpBytes: number;
  /** The command inside the sandbox, argv[0] an absolute path. */
  argv: readonly string[];
}

/** The bwrap argument list for one command: all namespaces unshared, read-only system, private /tmp, /work only. */
export function buildBwrapArgs(input: BwrapArgsInput): string[] {
  const env = Object.entries(SANDBOX_ENV).flatMap(([name, value]) => ['--setenv', name, value]);
  return [
    // net, pid, ipc, uts, cgroup and user; no nested user namespaces (less kernel surface for an escape).
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--die-with-parent',
    // A new session: the command cannot reach the harness's terminal (TIOCSTI).
    '--new-session',
    '--clearenv',
    ...env,
    '--hostname',
    'sandbox',
    ...listSystemMounts(),
    ...SYNTHETIC_ETC_FILES.flatMap((name) => ['--ro-bind', `${input.etcDir}/${name}`, `/etc/${name}`]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(input.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--bind',
    input.workDir,
    '/work',
    '--chdir',
    '/work',
    // The root tmpfs (which holds /etc and the mount points) becomes read-only; /tmp and /work stay writable.
    '--remount-ro',
    '/',
    '--',
    ...input.argv,
  ];
}
