/**
 * TypeBox schema of a reproducer manifest, `reproducer.json`: the command that reproduces a vulnerability finding
 * in the network-less sandbox, the files it needs and the signal that shows it worked. Read from disk, so every
 * object is closed. The path, duplicate and size rules that JSON Schema cannot express are checked in
 * src/vuln/reproducer.ts and harness/vuln/load-reproducer.ts.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

/**
 * The Linux signals a process can die of (default action "terminate" or "core"), by number. Through bwrap a
 * death by signal N surfaces as exit code 128 + N, so these numbers are part of the match.
 */
export const LINUX_SIGNAL_NUMBERS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** A signal name of {@link LINUX_SIGNAL_NUMBERS}. */
export type LinuxSignalName = keyof typeof LINUX_SIGNAL_NUMBERS;

const SIGNAL_NAMES = Object.keys(LINUX_SIGNAL_NUMBERS) as LinuxSignalName[];

/** The longest `command`, in characters (at most 48 KiB of UTF-8, under Linux's 128 KiB argument limit). */
export const MAX_REPRODUCER_COMMAND_CHARS = 16_384;

/** A signal the reproducer's command may die of. */
export const ReproducerSignal = Type.Union(
  SIGNAL_NAMES.map((name) => Type.Literal(name)),
  {
    description:
      'The signal the command must die of, e.g. "SIGSEGV" or "SIGABRT"; also met by exit code 128 + its number.',
  },
);
export type ReproducerSignal = Static<typeof ReproducerSignal>;

/** What must be observed for the finding to count as reproduced: every given check must hold. */
export const ReproducerExpectation = Type.Object(
  {
    stdout: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'A substring of the captured standard output (the first 64 KiB).',
      }),
    ),
    stderr: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'A substring of the captured standard error (the first 64 KiB).',
      }),
    ),
    exitCode: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 255, description: 'The exit code of the command, 0-255.' }),
    ),
    signal: Type.Optional(ReproducerSignal),
  },
  {
    ...closed,
    minProperties: 1,
    description:
      'The expected signal: at least one of stdout, stderr, exitCode, signal; all given must hold. A run that ' +
      'times out is never a reproduction.',
  },
);
export type ReproducerExpectation = Static<typeof ReproducerExpectation>;

/** A reproducer manifest, `reproducer.json`. */
export const ReproducerManifest = Type.Object(
  {
    command: Type.String({
      minLength: 1,
      maxLength: MAX_REPRODUCER_COMMAND_CHARS,
      description:
        'Run as `/bin/sh -c command` in /work inside the network-less sandbox; put longer scripts in a file.',
    }),
    files: Type.Optional(
      Type.Array(
        Type.String({
          minLength: 1,
          description: 'A path relative to the manifest directory; the file is placed at /work/<path>.',
        }),
        {
          description:
            'Files the command needs, relative to the manifest directory (no absolute paths, no "..", no ' +
            'duplicates, no symlinks leading outside); each at most 8 MiB, together at most 32 MiB.',
        },
      ),
    ),
    expect: ReproducerExpectation,
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 600,
        description: 'Wall-time of the command in seconds, 1-600 (default 30); a timed-out run never counts.',
      }),
    ),
  },
  { ...closed, description: 'A Redline reproducer manifest (reproducer.json).' },
);
export type ReproducerManifest = Static<typeof ReproducerManifest>;
