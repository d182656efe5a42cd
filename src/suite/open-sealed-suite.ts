/**
 * Opens a sealed suite (seal-suite.ts, or any `tar c | age -r` of a suite directory) with an age identity: the file
 * is decrypted and unpacked in memory, and the suite is loaded from there. Nothing of it is written to disk.
 */
import { open } from 'node:fs/promises';
import { readTar } from '../archive/read-tar.js';
import type { AgeIdentity } from '../crypto/age.js';
import { decryptAgeFile, isAgeFile } from '../crypto/age-file.js';
import { RedlineError } from '../errors.js';
import { openSuite, type SuiteHandle } from './load-suite.js';
import { buildSuiteTree, type SuiteTree } from './suite-tree.js';
import { validateSuite, type SuiteValidation } from './validate-suite.js';

/** The identity that opens a sealed suite, and the file it came from (for messages). */
export interface SuiteIdentity {
  identity: AgeIdentity;
  /** The identity file as the user named it. */
  file: string;
}

/**
 * True when `path` is a regular file in the age format (binary or armored): a sealed suite. Never throws: a path
 * that cannot be read is left to the suite loader's messages.
 */
export async function isSealedSuite(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
    if (!(await handle.stat()).isFile()) return false;
    const head = new Uint8Array(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isAgeFile(head.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/**
 * Decrypts and unpacks the sealed suite `file` in memory. E_INPUT when it cannot be read or holds no suite file;
 * E_MALFORMED when it is not an age file or not a tar inside; E_NOT_RECIPIENT / E_TAMPERED from decryptAgeFile.
 */
export async function readSealedSuite(file: string, key: SuiteIdentity): Promise<SuiteTree> {
  let bytes: Uint8Array;
  try {
    const handle = await open(file, 'r');
    try {
      if (!(await handle.stat()).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RedlineError('E_INPUT', `cannot read the sealed suite ${file} (${code}): check the path`, {
      cause: error,
    });
  }
  const plaintext = await decryptAgeFile(bytes, key.identity, { file, identityFile: key.file });
  return buildSuiteTree(readTar(plaintext, file), file);
}

/**
 * Opens a sealed suite: decrypts it in memory, validates it and returns its handle (`tree` set, `dir` the sealed
 * file). Its identity `(id, version, sha256)` is the one the same suite has as a plain directory.
 *
 * @example
 *   const suite = await openSealedSuite('ctf.age', { identity: loadAgeIdentity('keys/lab.age'), file: 'keys/lab.age' });
 */
export async function openSealedSuite(file: string, key: SuiteIdentity): Promise<SuiteHandle> {
  return openSuite(file, { tree: await readSealedSuite(file, key) });
}

/** Validates a sealed suite (every problem, as validateSuite does for a plain one), decrypted in memory. */
export async function validateSealedSuite(file: string, key: SuiteIdentity): Promise<SuiteValidation> {
  return validateSuite(file, { tree: await readSealedSuite(file, key) });
}
