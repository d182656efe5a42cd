/**
 * Files the user names on the command line: reading inputs, writing outputs that are never overwritten, and the
 * receiving side of Redline's sealed files (assessments, advisories): open with the recipient's age identity,
 * verify against the one trusted key, check the predicate type.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { openStatement, type OpenedStatement } from '../../src/crypto/assessment-file.js';
import { loadAgeIdentity, loadPublicKey } from '../../src/crypto/key-files.js';
import { RedlineError } from '../../src/errors.js';

/** The text of a file the user named; E_INPUT naming it when it cannot be read. */
export function readInputFile(file: string, hint = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})${hint === '' ? '' : `; ${hint}`}`,
    );
  }
}

/**
 * Writes a new output file (mode 0644); never replaces one. E_USAGE when it exists (`what` says what is never
 * overwritten, `flag` which option to change), E_INPUT when it cannot be written.
 */
export function writeNewFile(file: string, content: string | Uint8Array, what: string, flag = '--out'): void {
  try {
    writeFileSync(file, content, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RedlineError(
      code === 'EEXIST' ? 'E_USAGE' : 'E_INPUT',
      code === 'EEXIST'
        ? `${file}: already exists; choose another ${flag} (${what} are never overwritten)`
        : `${file}: cannot write (${code ?? 'error'})`,
    );
  }
}

/**
 * Opens and verifies a sealed file addressed to `identityFile`'s key and signed by the key in `trustFile`;
 * E_MALFORMED when it is a valid statement of another predicate type than `predicateType` (`kind` names it).
 *
 * @example openSealedFile('a.json', { identityFile: 'dev.age', trustFile: 'lab.pub.json', predicateType, kind: 'assessment' });
 */
export function openSealedFile(
  file: string,
  options: { identityFile: string; trustFile: string; predicateType: string; kind: string },
): OpenedStatement & { trustedKeyId: string } {
  const text = readInputFile(file);
  const identity = loadAgeIdentity(options.identityFile);
  const trusted = loadPublicKey(options.trustFile).signing;
  const opened = openStatement(text, {
    identity: { keyId: identity.keyId, publicKey: identity.publicKey, secretKey: identity.secretKey },
    trusted: [{ keyId: trusted.keyId, publicKey: trusted.publicKey }],
    source: file,
  });
  if (opened.statement.predicateType !== options.predicateType) {
    throw new RedlineError(
      'E_MALFORMED',
      `${file}: a signed statement, but not a Redline ${options.kind} (${opened.statement.predicateType})`,
    );
  }
  return { ...opened, trustedKeyId: trusted.keyId };
}
