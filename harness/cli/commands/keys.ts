/**
 * `redline keys gen|list|add`: the lab keyring (DESIGN.md §6: minisign Ed25519 and age X25519 key files).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { generateKeySet, writeKeySet } from '../../../src/crypto/key-files.js';
import { addToKeyring, listKeyring } from '../../../src/crypto/keyring.js';
import { KEY_ROLES, type KeyRole } from '../../../src/schema/key-entry.js';
import { openAuditTrail } from '../audit-trail.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';

/** Registers `keys gen`, `keys list` and `keys add`. */
export function registerKeysCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const keys = program
    .command('keys')
    .description('Create, list and import keys (public entries in the keyring).');

  keys
    .command('gen')
    .description(
      'Generate a key set: ID.pub.json (public entry), ID.key (minisign secret), ID.age (age identity).',
    )
    .requiredOption('--id <id>', 'key id, e.g. the developer id or "lab-evaluator"')
    .addOption(
      new Option('--role <role>', 'what the key is for').choices([...KEY_ROLES]).makeOptionMandatory(),
    )
    .requiredOption('--out <dir>', 'directory to write into (secret files are created with mode 0600)')
    .option('--organisation <name>', 'organisation, recorded in the public entry')
    .option(
      '--sector <name>',
      'sector (energy, water, health, finance, ai-provider ...), recorded in the public entry',
    )
    .option('--json', 'print the public entry and the file paths as JSON')
    .action(
      (flags: {
        id: string;
        role: KeyRole;
        out: string;
        organisation?: string;
        sector?: string;
        json?: boolean;
      }) => {
        const set = generateKeySet(flags.id, flags.role);
        if (flags.organisation !== undefined) set.entry.organisation = flags.organisation;
        if (flags.sector !== undefined) set.entry.sector = flags.sector;
        const files = writeKeySet(flags.out, set);
        if (flags.json === true) {
          io.stdout(
            `${JSON.stringify({ entry: set.entry, signingKeyId: set.signing.keyId, recipientKeyId: set.age.keyId, files }, null, 2)}\n`,
          );
        } else {
          io.stdout(
            `${flags.role} key "${flags.id}"\n` +
              `  public entry      ${files.publicFile}   (share this one)\n` +
              `  signing secret    ${files.signingKeyFile}   (minisign; mode 0600, never share)\n` +
              `  age identity      ${files.ageIdentityFile}   (mode 0600, never share)\n` +
              `  Ed25519 key id    ${set.signing.keyId}\n` +
              `  X25519 key id     ${set.age.keyId}\n` +
              `  age recipient     ${set.age.recipient}\n`,
          );
        }
        exit.code = 0;
      },
    );

  keys
    .command('list')
    .description('List the public entries of the keyring.')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print an array of entries with their key ids')
    .action((flags: { keys?: string; json?: boolean }) => {
      const entries = listKeyring(keysDir(flags.keys, io));
      const rows = entries.map((e) => ({
        id: e.entry.id,
        role: e.entry.role,
        signingKeyId: e.signing.keyId,
        recipientKeyId: e.recipient.keyId,
        organisation: e.entry.organisation ?? null,
        file: e.file,
      }));
      if (flags.json === true) {
        io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
      } else if (rows.length === 0) {
        io.stderr(`no keys in ${keysDir(flags.keys, io)} (import one with "redline keys add PUB_FILE")\n`);
      } else {
        for (const r of rows) {
          io.stdout(
            `${r.id.padEnd(20)} ${r.role.padEnd(11)} ed25519 ${r.signingKeyId.slice(0, 16)}…  x25519 ${r.recipientKeyId.slice(0, 16)}…\n`,
          );
        }
      }
      exit.code = 0;
    });

  keys
    .command('add')
    .description(
      "Import a public entry (ID.pub.json) into the lab keyring, e.g. a developer's; audit-logged.",
    )
    .argument('<pubFile>', 'the public entry to import')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--db <file>', 'lab database, for the audit log (default ./redline.db, env REDLINE_DB)')
    .action((pubFile: string, flags: { keys?: string; db?: string }) => {
      const dir = keysDir(flags.keys, io);
      const { entry, isAdded } = addToKeyring(dir, pubFile);
      if (isAdded) {
        const db = openLabDb(flags, io);
        try {
          const trail = openAuditTrail(db, io, dir);
          trail.append('key.added', {
            id: entry.entry.id,
            role: entry.entry.role,
            signingKeyId: entry.signing.keyId,
            recipientKeyId: entry.recipient.keyId,
          });
          trail.close();
        } finally {
          db.close();
        }
        io.stdout(
          `added ${entry.entry.role} key "${entry.entry.id}" to ${dir} (ed25519 ${entry.signing.keyId})\n`,
        );
      } else {
        io.stdout(`${dir} already holds this entry for "${entry.entry.id}": nothing to do\n`);
      }
      exit.code = 0;
    });
}
