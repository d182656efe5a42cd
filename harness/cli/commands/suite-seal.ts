/**
 * `redline suite seal DIR --to KEY_ID... --out FILE`: the suite (what it uses of its directory) as one file in the
 * age format, to one or more lab keys (src/suite/seal-suite.ts). Written atomically with mode 0600: a temp file
 * beside FILE, then a rename, so FILE is never half-written.
 */
import type { Command } from 'commander';
import { RedlineError } from '../../../src/errors.js';
import { isSealedSuite } from '../../../src/suite/open-sealed-suite.js';
import { sealSuite } from '../../../src/suite/seal-suite.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';
import { resolveRecipients } from '../resolve-recipients.js';
import { writeFileAtomically } from '../write-file-atomically.js';

interface SealFlags {
  to: string[];
  out: string;
  keys?: string;
  json?: boolean;
}

/** Registers `suite seal` under `suite`. */
export function registerSuiteSealCommand(suite: Command, io: CliIo, exit: ExitHolder): void {
  suite
    .command('seal')
    .description(
      'Seal a suite into one age-encrypted file (a tar of what the suite uses) to lab keys; run, validate and ' +
        'images open it in memory with --identity.',
    )
    .argument('<dir>', 'the suite directory (or single suite file) to seal')
    .requiredOption(
      '--to <keyId...>',
      'keyring entry ids (or raw age1... recipients) whose identities may open it',
    )
    .requiredOption('--out <file>', 'the sealed file to write (mode 0600; replaced atomically if it exists)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print {file, bytes, suite, files, recipients} as JSON')
    .action(async (dir: string, flags: SealFlags) => {
      if (await isSealedSuite(dir)) {
        throw new RedlineError('E_USAGE', `${dir} is already sealed: seal the suite directory it came from`);
      }
      const recipients = resolveRecipients(flags.to, keysDir(flags.keys, io));
      const sealed = await sealSuite(
        dir,
        recipients.map((r) => r.recipient),
      );
      writeFileAtomically(flags.out, sealed.bytes, 'the sealed suite');
      const { suite: s } = sealed;
      if (flags.json === true) {
        io.stdout(
          `${JSON.stringify(
            {
              file: flags.out,
              bytes: sealed.bytes.length,
              suite: s,
              files: sealed.files,
              recipients: recipients.map(({ key, keyId }) => ({ key, keyId })),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        const names = recipients.map((r) => r.key ?? `${r.keyId.slice(0, 16)}…`).join(', ');
        io.stdout(
          `sealed ${s.id}@${s.version} (${s.sampleCount} samples, ${sealed.files.length} file${sealed.files.length === 1 ? '' : 's'}, ` +
            `sha256 ${s.sha256}) to ${names} in ${flags.out} (${sealed.bytes.length.toLocaleString('en')} bytes)\n` +
            `  run it:     redline run ${flags.out} --identity KEYFILE ...\n` +
            `  inspect it: age -d -i KEYFILE ${flags.out} | tar tv\n`,
        );
      }
      exit.code = EXIT.ok;
    });
}
