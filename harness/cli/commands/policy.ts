/**
 * `redline policy show|diff|sign|apply|history|whatif|sweep`: threshold owners change the designation cutoff only
 * by signed, versioned policies (DESIGN.md §5), after seeing what a change would do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { loadSigningKey } from '../../../src/crypto/key-files.js';
import { findByKeyId, findByRole, listKeyring } from '../../../src/crypto/keyring.js';
import { RedlineError } from '../../../src/errors.js';
import { diffPolicies, formatPolicyDiff } from '../../../src/policy/diff-policy.js';
import { parseSignedPolicy, readPolicyFile, signPolicy } from '../../../src/policy/policy-statement.js';
import { verifyPolicyUpdate } from '../../../src/policy/verify-policy.js';
import { insertPolicy } from '../../../src/store/insert-policy.js';
import { activePolicy, policyHistory } from '../../../src/store/policies.js';
import { isPostgresUrl } from '../../store/open-pg-store.js';
import { currentActor, openAuditTrail } from '../audit-trail.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { dbPath, keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';
import { registerPolicyAnalysisCommands } from './policy-analysis.js';

/** Reads a file the user named, as UTF-8. */
export function readUserFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Owners from the keyring (role owner), as trusted Ed25519 keys; none when the keyring is missing. */
function keyringOwners(dir: string): Array<{ keyId: string; publicKey: Uint8Array }> {
  try {
    listKeyring(dir);
  } catch (error) {
    if (error instanceof RedlineError && error.code === 'E_INPUT') return [];
    throw error;
  }
  return findByRole(dir, 'owner').map((e) => ({ keyId: e.signing.keyId, publicKey: e.signing.publicKey }));
}

/** Registers the `policy` commands. */
export function registerPolicyCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const policy = program
    .command('policy')
    .description('Show, compare, sign, apply and analyse designation policies.');
  const dbOption = (): Option =>
    new Option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)');
  const keysOption = (): Option => new Option('--keys <dir>', 'keyring (default ./keys, env REDLINE_KEYS)');

  policy
    .command('show')
    .description('Print the active policy (the built-in default until one is applied).')
    .addOption(dbOption())
    .option('--json', 'print the policy with its sha256 and chain data')
    .action((flags: { db?: string; json?: boolean }) => {
      const db = openLabDb(flags, io, { readonly: true });
      try {
        const active = activePolicy(db);
        if (flags.json === true) {
          io.stdout(
            `${JSON.stringify({ ...active.policy, sha256: active.sha256, previous: active.previous, signers: active.signers, appliedAt: active.appliedAt, appliedBy: active.appliedBy, isBuiltIn: active.isBuiltIn }, null, 2)}\n`,
          );
        } else {
          const p = active.policy;
          io.stdout(
            `${p.id} v${p.version}${active.isBuiltIn ? ' (built-in default: no policy applied yet)' : ''}\n` +
              `  sha256 ${active.sha256}\n` +
              `  ${p.metric} ${p.basis === 'lower' ? `lower bound of the ${Math.round(p.confidence * 100)}% CI` : 'point estimate'} >= ${p.cutoff}; rule ${p.rule}; max error rate ${p.maxErrorRate}\n` +
              Object.entries(p.categories ?? {})
                .map(([c, v]) => `  category ${c}: cutoff ${v.cutoff}\n`)
                .join('') +
              (active.isBuiltIn
                ? ''
                : `  applied ${active.appliedAt ?? '-'} by ${active.appliedBy ?? '-'}; signed by ${active.signers.join(', ')}\n`),
          );
        }
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  policy
    .command('diff')
    .description('Compare a policy file (plain or signed) with the active policy, field by field.')
    .argument('<file>', 'the proposed policy')
    .addOption(dbOption())
    .option('--json', 'print the changes as JSON')
    .action((file: string, flags: { db?: string; json?: boolean }) => {
      const proposed = readPolicyFile(readUserFile(file, 'policy'), file);
      const db = openLabDb(flags, io, { readonly: true });
      try {
        const changes = diffPolicies(activePolicy(db).policy, proposed.policy);
        if (flags.json === true) io.stdout(`${JSON.stringify(changes, null, 2)}\n`);
        else io.stdout(changes.length === 0 ? 'no changes\n' : `${formatPolicyDiff(changes).join('\n')}\n`);
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  policy
    .command('sign')
    .description(
      'Sign a policy version as an owner: a plain policy file starts a signed version, a signed one gets one more signature.',
    )
    .argument('<file>', 'a plain policy file, or a signed version from another owner')
    .requiredOption('--identity <file>', "the owner's signing secret key (ID.key)")
    .requiredOption('--out <file>', 'where to write the signed version')
    .option(
      '--previous <sha256>',
      "the sha256 of the version this one replaces (default: the lab database's active policy)",
    )
    .addOption(dbOption())
    .action((file: string, flags: { identity: string; out: string; previous?: string; db?: string }) => {
      const read = readPolicyFile(readUserFile(file, 'policy'), file);
      const key = loadSigningKey(flags.identity);
      let previous: string | null;
      if (read.kind === 'signed') {
        previous = read.previous;
      } else if (flags.previous !== undefined) {
        if (!/^[0-9a-f]{64}$/.test(flags.previous))
          throw new RedlineError('E_USAGE', '--previous must be a lowercase hex sha256');
        previous = flags.previous;
      } else {
        const file = dbPath(flags.db, io);
        // A PostgreSQL URL is no file: opening it says whether it holds a lab database.
        if (!isPostgresUrl(file) && !existsSync(file)) {
          throw new RedlineError(
            'E_USAGE',
            `no lab database at ${file} to read the active policy from: pass --previous SHA256 (the "sha256" of ` +
              '"redline policy show --json" on the lab host) or --db FILE',
          );
        }
        const db = openLabDb(flags, io, { readonly: true });
        try {
          const active = activePolicy(db);
          previous = active.isBuiltIn ? null : active.sha256;
        } finally {
          db.close();
        }
      }
      const envelope = signPolicy(
        read.kind === 'signed' ? read.envelope : { policy: read.policy, previous },
        { keyId: key.keyId, secretKey: key.secretKey },
      );
      writeFileSync(flags.out, `${JSON.stringify(envelope, null, 2)}\n`);
      io.stdout(
        `signed ${read.policy.id} v${read.policy.version} (previous ${previous ?? 'none'}) with owner key ${key.keyId.slice(0, 16)}…: ` +
          `${envelope.signatures.length} signature(s); wrote ${flags.out}\n`,
      );
      exit.code = 0;
    });

  policy
    .command('apply')
    .description(
      'Verify owners, threshold, version and chain of a signed policy version, then make it active (audit-logged).',
    )
    .argument('<signed>', 'the signed policy version')
    .addOption(dbOption())
    .addOption(keysOption())
    .action((file: string, flags: { db?: string; keys?: string }) => {
      const dir = keysDir(flags.keys, io);
      const signed = parseSignedPolicy(readUserFile(file, 'signed policy'), file);
      const db = openLabDb(flags, io);
      try {
        const active = activePolicy(db);
        const { signers } = verifyPolicyUpdate({
          signed,
          active,
          ownersFromKeyring: keyringOwners(dir),
          keyLookup: (keyId) => {
            const entry = findByKeyId(dir, keyId);
            return entry === undefined || entry.signing.keyId !== keyId
              ? undefined
              : { keyId: entry.signing.keyId, publicKey: entry.signing.publicKey };
          },
        });
        const appliedAt = new Date().toISOString();
        const trail = openAuditTrail(db, io, dir);
        db.transaction(() => {
          insertPolicy(db, { signed, signers, appliedAt, appliedBy: currentActor() });
        }).immediate();
        trail.append('policy.applied', {
          id: signed.policy.id,
          version: signed.version,
          sha256: signed.digest,
          previous: signed.previous,
          signers,
        });
        trail.close();
        io.stdout(
          `applied ${signed.policy.id} v${signed.version} (sha256 ${signed.digest}); signed by ${signers.length} owner(s); it is now the active policy\n`,
        );
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  policy
    .command('history')
    .description('List the applied policy versions, oldest first.')
    .addOption(dbOption())
    .option('--json', 'print the versions as JSON')
    .action((flags: { db?: string; json?: boolean }) => {
      const db = openLabDb(flags, io, { readonly: true });
      try {
        const history = policyHistory(db).map((h) => ({
          version: h.version,
          id: h.id,
          sha256: h.sha256,
          previous: h.previous,
          cutoff: h.policy.cutoff,
          metric: h.policy.metric,
          basis: h.policy.basis,
          signers: h.signers,
          appliedAt: h.appliedAt,
          appliedBy: h.appliedBy,
        }));
        if (flags.json === true) io.stdout(`${JSON.stringify(history, null, 2)}\n`);
        else if (history.length === 0) io.stdout('no policy applied yet: the built-in default is active\n');
        else {
          for (const h of history) {
            io.stdout(
              `v${h.version}  ${h.id}  ${h.metric}/${h.basis} cutoff ${h.cutoff}  sha256 ${h.sha256.slice(0, 16)}…  ` +
                `${h.appliedAt} by ${h.appliedBy}, ${h.signers.length} signer(s)\n`,
            );
          }
        }
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  registerPolicyAnalysisCommands(policy, io, exit);
}
