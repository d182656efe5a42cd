/**
 * `redline sign FILE` / `redline verify FILE`: minisign-compatible detached signatures, for suites, policies and
 * exported reports; operators can check them with the real `minisign -V` too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { loadPublicKey, loadSigningKey } from '../../../src/crypto/key-files.js';
import { signFile, verifyFileSignature } from '../../../src/crypto/minisign-signature.js';
import { RedlineError } from '../../../src/errors.js';
import type { CliIo } from '../io.js';
import type { ExitHolder } from '../program.js';

function readBytes(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Registers `sign` and `verify`. */
export function registerSignCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command('sign')
    .description('Sign a file with a minisign secret key, writing FILE.minisig (as minisign -S does).')
    .argument('<file>', 'the file to sign')
    .requiredOption('--identity <file>', 'signing secret key (ID.key, minisign format)')
    .option(
      '--trusted-comment <text>',
      'signed comment (default: timestamp and file name, as minisign writes)',
    )
    .action((file: string, flags: { identity: string; trustedComment?: string }) => {
      const key = loadSigningKey(flags.identity);
      const bytes = readBytes(file, 'file to sign');
      const text = signFile(bytes, key, {
        fileName: basename(file),
        now: new Date(),
        ...(flags.trustedComment === undefined ? {} : { trustedComment: flags.trustedComment }),
      });
      writeFileSync(`${file}.minisig`, text);
      io.stdout(`signed ${file} with key ${key.keyId.slice(0, 16)}…: wrote ${file}.minisig\n`);
      exit.code = 0;
    });

  program
    .command('verify')
    .description('Verify a minisign signature (FILE.minisig) against a trusted public key.')
    .argument('<file>', 'the signed file')
    .requiredOption('--trust <file>', "the signer's public key: an ID.pub.json entry or a minisign .pub file")
    .option('--sig <file>', 'the signature file (default FILE.minisig)')
    .action((file: string, flags: { trust: string; sig?: string }) => {
      const key = loadPublicKey(flags.trust).signing;
      const sigFile = flags.sig ?? `${file}.minisig`;
      const signature = readBytes(sigFile, 'signature').toString('utf8');
      const verified = verifyFileSignature(readBytes(file, 'signed file'), signature, key);
      io.stdout(`Signature and comment signature verified\nTrusted comment: ${verified.trustedComment}\n`);
      exit.code = 0;
    });
}
