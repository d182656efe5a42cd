/**
 * Reads a reproducer manifest (`reproducer.json`) and the files it lists into the stored form of a reproducer.
 * Files are read relative to the manifest's directory and must stay inside it, symlinks included: a reproducer
 * is handed to the clearinghouse as a unit, and must not pull in files from elsewhere on the operator's host.
 */
import { normaliseWorkPath } from '../../src/suite/normalise-work-path.js';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { encodeBase64 } from '../../src/crypto/canonical-bytes.js';
import { RedlineError, formatProblem, type Problem } from '../../src/errors.js';
import {
  DEFAULT_REPRODUCER_TIMEOUT_SECONDS,
  MAX_REPRODUCER_FILE_BYTES,
  MAX_REPRODUCER_TOTAL_BYTES,
  parseReproducerManifest,
  type ExpectedSignal,
  type Reproducer,
} from '../../src/vuln/reproducer.js';

const MIB = 1024 * 1024;

/**
 * Loads `manifestPath` into a {@link Reproducer}: E_INPUT when the manifest or a listed file cannot be read, is
 * not a regular file, leaves the manifest directory (by a symlink) or is too large (8 MiB per file, 32 MiB in
 * all), listing every such file; E_MALFORMED / E_SCHEMA when the manifest is not JSON or not a valid manifest.
 *
 * @example
 *   const reproducer = loadReproducer('findings/42/reproducer.json');
 */
export function loadReproducer(manifestPath: string): Reproducer {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'not found; check the path'
        : code === 'EISDIR'
          ? 'is a directory; name the reproducer.json file inside it'
          : `cannot be read (${code ?? String(error)}); check its permissions`;
    throw new RedlineError('E_INPUT', `reproducer manifest ${manifestPath}: ${reason}`, { cause: error });
  }
  const manifest = parseReproducerManifest(text, manifestPath);
  const paths = (manifest.files ?? []).map((path) => {
    // checkReproducerManifest accepted every path, so normalising cannot fail here.
    const normalised = normaliseWorkPath(path);
    if (normalised === undefined) throw new RedlineError('E_INTERNAL', `unchecked reproducer path ${path}`);
    return normalised;
  });
  const files = readReproducerFiles(manifestPath, paths);
  const expect: ExpectedSignal = {};
  const given = manifest.expect;
  if (given.stdout !== undefined) expect.stdout = given.stdout;
  if (given.stderr !== undefined) expect.stderr = given.stderr;
  if (given.exitCode !== undefined) expect.exitCode = given.exitCode;
  if (given.signal !== undefined) expect.signal = given.signal;
  return {
    command: manifest.command,
    files,
    expect,
    timeoutMs: (manifest.timeoutSeconds ?? DEFAULT_REPRODUCER_TIMEOUT_SECONDS) * 1000,
  };
}

/** Reads the listed files (normalised relative paths) as base64, after checking all of them; E_INPUT otherwise. */
function readReproducerFiles(manifestPath: string, paths: readonly string[]): Record<string, string> {
  const dir = dirname(resolve(manifestPath));
  const problems: Problem[] = [];
  const found: Array<{ path: string; realFile: string }> = [];
  let realDir: string;
  try {
    realDir = realpathSync(dir);
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `reproducer manifest ${manifestPath}: its directory cannot be resolved`,
      {
        cause: error,
      },
    );
  }
  let totalBytes = 0;
  paths.forEach((path, index) => {
    const report = (message: string): void => {
      problems.push({ file: manifestPath, pointer: `/files/${index}`, message });
    };
    let realFile: string;
    try {
      realFile = realpathSync(resolve(dir, path));
    } catch (error) {
      report(describeUnreadable(path, error));
      return;
    }
    if (!isInside(realDir, realFile)) {
      report(
        `"${path}" resolves to ${realFile}, outside the manifest directory (a symlink); copy the file beside the manifest`,
      );
      return;
    }
    let size: number;
    try {
      const stats = statSync(realFile);
      if (!stats.isFile()) {
        report(
          `"${path}" is not a regular file${stats.isDirectory() ? ' (a directory)' : ''}; list files only`,
        );
        return;
      }
      size = stats.size;
    } catch (error) {
      report(describeUnreadable(path, error));
      return;
    }
    if (size > MAX_REPRODUCER_FILE_BYTES) {
      report(`"${path}" is ${size} bytes, over the ${MAX_REPRODUCER_FILE_BYTES / MIB} MiB a file may have`);
      return;
    }
    totalBytes += size;
    found.push({ path, realFile });
  });
  if (problems.length === 0 && totalBytes > MAX_REPRODUCER_TOTAL_BYTES) {
    problems.push({
      file: manifestPath,
      pointer: '/files',
      message: `the files add up to ${totalBytes} bytes, over the ${MAX_REPRODUCER_TOTAL_BYTES / MIB} MiB a reproducer may carry`,
    });
  }
  throwIfFileProblems(manifestPath, problems);

  const files: Record<string, string> = {};
  let readBytes = 0;
  for (const { path, realFile } of found) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(realFile);
    } catch (error) {
      throw new RedlineError('E_INPUT', `${manifestPath}: /files: ${describeUnreadable(path, error)}`, {
        cause: error,
      });
    }
    // The file may have grown since it was measured.
    readBytes += bytes.length;
    if (bytes.length > MAX_REPRODUCER_FILE_BYTES || readBytes > MAX_REPRODUCER_TOTAL_BYTES) {
      throw new RedlineError(
        'E_INPUT',
        `${manifestPath}: /files: "${path}" grew past the size limit while read`,
      );
    }
    files[path] = encodeBase64(bytes);
  }
  return files;
}

function throwIfFileProblems(manifestPath: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  throw new RedlineError(
    'E_INPUT',
    `${manifestPath}: reproducer files cannot be used (${count}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    { details: { problems: [...problems] } },
  );
}

function describeUnreadable(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR'
    ? `"${path}" not found (relative to the manifest directory)`
    : `"${path}" cannot be read (${code ?? String(error)}); check its permissions`;
}

/** True when `child` is `parent` or lies below it (both absolute, real paths). */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
