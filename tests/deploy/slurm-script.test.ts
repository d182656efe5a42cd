/**
 * The Slurm array script of deploy/slurm (docs/multi-host.md), run with bash, not sbatch (no Slurm here): the
 * environment an array task gets is set by hand, and REDLINE_BIN points at a recorder that writes its argv and pid,
 * so the tests see exactly the `redline` command a task would run, and that it replaces the shell (exec).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../deploy/slurm/redline-runners.sbatch', import.meta.url));
const RUN_ID = '20261203-101500-9f3c1a';
const DB_URL = 'postgres://redline@db.lab.internal:5432/redline';

let dir: string;
let recorder: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'redline-slurm-'));
  recorder = join(dir, 'record-argv');
  // Stands in for `redline`: its pid (the script's own, if the script exec'd it), then its arguments one per line.
  writeFileSync(
    recorder,
    '#!/bin/sh\necho $$ > "$RECORD_DIR/pid"\nfor arg in "$@"; do printf \'%s\\n\' "$arg"; done > "$RECORD_DIR/argv"\n',
  );
  chmodSync(recorder, 0o755);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the script with bash as array task 2 of job 77, with `env` on top (an undefined value unsets). */
function runScript(env: Record<string, string | undefined>) {
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    RECORD_DIR: dir,
    REDLINE_BIN: recorder,
    SLURM_ARRAY_JOB_ID: '77',
    SLURM_ARRAY_TASK_ID: '2',
    RUN_ID,
    REDLINE_DB: DB_URL,
  };
  const merged = Object.fromEntries(
    Object.entries({ ...base, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const result = spawnSync('bash', [SCRIPT], { env: merged, encoding: 'utf8', timeout: 30_000 });
  const argvFile = join(dir, 'argv');
  return {
    status: result.status,
    stderr: result.stderr,
    pid: result.pid,
    argv: existsSync(argvFile) ? readFileSync(argvFile, 'utf8').split('\n').slice(0, -1) : null,
    recordedPid: existsSync(join(dir, 'pid')) ? Number(readFileSync(join(dir, 'pid'), 'utf8')) : null,
  };
}

describe('deploy/slurm/redline-runners.sbatch', () => {
  it('is valid bash (bash -n)', () => {
    const result = spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('is a job array whose #SBATCH lines all come before the first command (sbatch stops reading there)', () => {
    const lines = readFileSync(SCRIPT, 'utf8').split('\n');
    const firstCommand = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('#'));
    const directives = lines.flatMap((line, i) => (line.startsWith('#SBATCH') ? [{ line, i }] : []));
    expect(firstCommand).toBeGreaterThan(0);
    expect(directives.filter((d) => d.i > firstCommand)).toEqual([]);
    const options = directives.map((d) => d.line.replace(/^#SBATCH\s+/, ''));
    expect(options).toContainEqual(expect.stringMatching(/^--array=\d+-\d+$/));
    expect(options).toContainEqual(expect.stringMatching(/^--output=\S*%A_%a\S*$/));
    // B: signals the batch shell, which exec made Redline; without it only job steps (srun) get the signal.
    expect(options).toContainEqual(expect.stringMatching(/^--signal=B:TERM@\d+$/));
    expect(lines[0]).toBe('#!/bin/bash');
  });

  it('execs `redline run --join RUN_ID --db URL --runner slurm-JOB-TASK`', () => {
    const result = runScript({});
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.argv).toEqual(['run', '--join', RUN_ID, '--db', DB_URL, '--runner', 'slurm-77-2']);
    // exec: the recorder ran in the script's own process, so Slurm's signals reach it.
    expect(result.recordedPid).toBe(result.pid);
  });

  it('passes REDLINE_SUITE, as one argument, right after `run`', () => {
    const suite = '/lab/suites/cyber knowledge.age';
    const result = runScript({ REDLINE_SUITE: suite });
    expect(result.status).toBe(0);
    expect(result.argv).toEqual(['run', suite, '--join', RUN_ID, '--db', DB_URL, '--runner', 'slurm-77-2']);
  });

  it.each([
    ['RUN_ID', undefined],
    ['RUN_ID', ''],
    ['REDLINE_DB', undefined],
    ['REDLINE_DB', ''],
    ['SLURM_ARRAY_TASK_ID', undefined],
  ])('refuses to start when %s is %j, naming it', (name, value) => {
    const result = runScript({ [name]: value });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(name);
    expect(result.argv).toBeNull();
  });
});
