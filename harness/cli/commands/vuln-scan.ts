/**
 * `redline vuln scan claim|list|release` (scan deconfliction) and `redline vuln inventory add|remove|list` (the
 * package versions a participant runs, from which the clearinghouse works out who a finding affects).
 */
import type { Command } from 'commander';
import { RedlineError } from '../../../src/errors.js';
import {
  addInventory,
  insertScanClaim,
  listInventory,
  listScanClaims,
  releaseScanClaim,
  removeInventory,
  type StoredClaim,
} from '../../../src/store/vuln-participation.js';
import type { InventoryItem } from '../../../src/vuln/affected.js';
import { splitVersionedPurl } from '../../../src/vuln/purl.js';
import {
  findConflicts,
  validateScanClaim,
  type ClaimScope,
  type ScanClaim,
} from '../../../src/vuln/scan-claims.js';
import { commitChange } from '../commit-change.js';
import { nowOf, type CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';
import { requireActor } from '../vuln-actor.js';

interface StoreFlags {
  db?: string;
  keys?: string;
  json?: boolean;
}

/**
 * The scope of `--target`: `pkg:...` is a package URL whose `@version` part (or `--range`) is a node-semver range;
 * text with a "/" is a CIDR prefix; anything else is a host name or address.
 */
export function parseTarget(target: string, range: string | undefined): ClaimScope {
  if (target.startsWith('pkg:')) {
    const { purl, version } = splitVersionedPurl(target, '--target');
    if (version !== undefined && range !== undefined) {
      throw new RedlineError(
        'E_USAGE',
        `--target ${target} carries a version range and --range ${range} gives another: give one`,
      );
    }
    const chosen = range ?? version;
    return chosen === undefined ? { purl } : { purl, range: chosen };
  }
  if (range !== undefined) throw new RedlineError('E_USAGE', '--range applies to package URL targets only');
  return target.includes('/') ? { cidr: target } : { host: target };
}

/** A scope in one line. */
export function describeScope(scope: ClaimScope): string {
  if ('purl' in scope) return `${scope.purl} ${scope.range ?? '*'}`;
  return 'host' in scope ? `host ${scope.host}` : `cidr ${scope.cidr}`;
}

/** Registers `vuln scan ...` and `vuln inventory ...` under `vuln`. */
export function registerVulnScanCommands(vuln: Command, io: CliIo, exit: ExitHolder): void {
  const scan = vuln.command('scan').description('Deconflict scanning: claim what you will scan, and when.');

  scan
    .command('claim')
    .description(
      'Claim a scope for a time window; refused (exit 3) when another participant holds an overlap.',
    )
    .requiredOption('--participant <id>', 'the acting participant (keyring role participant)')
    .requiredOption(
      '--target <scope>',
      'pkg:TYPE/NAME[@RANGE] (node-semver range), a host name or address, or a CIDR prefix',
    )
    .option('--range <range>', 'node-semver range of a package target (instead of @RANGE)')
    .requiredOption('--from <time>', 'RFC 3339 start, inclusive (e.g. 2030-01-01T09:00:00Z)')
    .requiredOption('--to <time>', 'RFC 3339 end, exclusive')
    .option('--db <file>', 'clearinghouse database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print the stored claim as JSON')
    .action(
      (
        flags: StoreFlags & { participant: string; target: string; range?: string; from: string; to: string },
      ) => {
        const dir = keysDir(flags.keys, io);
        requireActor(dir, flags.participant, ['participant'], '--participant');
        const claim: ScanClaim = {
          participant: flags.participant,
          scope: parseTarget(flags.target, flags.range),
          from: flags.from,
          to: flags.to,
        };
        const now = nowOf(io);
        const at = now.toISOString();
        validateScanClaim(claim);
        if (Date.parse(claim.to) <= now.getTime()) {
          throw new RedlineError(
            'E_USAGE',
            `--to ${claim.to}: the window is already over (now ${at}); claim a window that ends in the future`,
          );
        }
        // Checked and inserted under one write lock: two overlapping claims cannot both pass.
        const stored = commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
          const held = listScanClaims(db);
          const conflicts = findConflicts(claim, held);
          if (conflicts.length > 0) {
            const lines = conflicts.map((c) => {
              const other = held[c.index]!;
              return `  ${other.id} held by ${c.holder}: ${describeScope(other.scope)}, ${other.from} to ${other.to} (overlap ${c.overlap.from} to ${c.overlap.to})`;
            });
            throw new RedlineError(
              'E_SCAN_CONFLICT',
              `the claim of ${describeScope(claim.scope)} from ${claim.from} to ${claim.to} overlaps ` +
                `${conflicts.length === 1 ? 'a claim' : `${conflicts.length} claims`} of other participants:\n` +
                `${lines.join('\n')}\n  agree with the holder, or claim another scope or time`,
              { details: { conflicts: conflicts.map((c) => ({ ...held[c.index]!, overlap: c.overlap })) } },
            );
          }
          const id = insertScanClaim(db, claim, at);
          const result: StoredClaim = { ...claim, id, claimedAt: at, releasedAt: null };
          return {
            result,
            audit: [
              {
                type: 'vuln.scan.claimed',
                data: {
                  claimId: id,
                  participant: claim.participant,
                  scope: claim.scope,
                  from: claim.from,
                  to: claim.to,
                },
              },
            ],
          };
        });
        if (flags.json === true) io.stdout(`${JSON.stringify(stored, null, 2)}\n`);
        else {
          io.stdout(
            `claimed ${stored.id} for ${stored.participant}: ${describeScope(stored.scope)}, ${stored.from} to ${stored.to}\n`,
          );
        }
        exit.code = 0;
      },
    );

  scan
    .command('list')
    .description('List held scan claims that have not ended (who holds what, when).')
    .option('--participant <id>', 'only the claims of this participant')
    .option('--all', 'include released and ended claims')
    .option('--db <file>', 'clearinghouse database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (accepted for symmetry; not read)')
    .option('--json', 'print an array of claims')
    .action((flags: StoreFlags & { participant?: string; all?: boolean }) => {
      const db = openLabDb(flags, io);
      let claims: StoredClaim[];
      const nowMs = nowOf(io).getTime();
      try {
        claims = listScanClaims(db, { includeReleased: flags.all === true }).filter(
          (c) =>
            (flags.participant === undefined || c.participant === flags.participant) &&
            (flags.all === true || Date.parse(c.to) > nowMs),
        );
      } finally {
        db.close();
      }
      if (flags.json === true) io.stdout(`${JSON.stringify(claims, null, 2)}\n`);
      else if (claims.length === 0)
        io.stderr('no scan claims held (claim one with "redline vuln scan claim")\n');
      else {
        for (const c of claims) {
          io.stdout(
            `${c.id.padEnd(6)} ${c.participant.padEnd(16)} ${describeScope(c.scope).padEnd(36)} ${c.from} .. ${c.to}` +
              `${c.releasedAt === null ? '' : `  (released ${c.releasedAt})`}\n`,
          );
        }
      }
      exit.code = 0;
    });

  scan
    .command('release')
    .description('Release a claim you hold, before its end.')
    .argument('<claimId>', 'the claim, SC-<n>')
    .requiredOption('--participant <id>', 'the acting participant: the holder of the claim')
    .option('--db <file>', 'clearinghouse database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .action((claimId: string, flags: StoreFlags & { participant: string }) => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.participant, ['participant'], '--participant');
      const at = nowOf(io).toISOString();
      commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const claim = listScanClaims(db, { includeReleased: true }).find((c) => c.id === claimId);
        if (claim !== undefined && claim.participant !== flags.participant) {
          throw new RedlineError(
            'E_ACCESS',
            `scan claim ${claimId} is held by ${claim.participant}, not ${flags.participant}: only the holder releases it`,
          );
        }
        const released = releaseScanClaim(db, claimId, at);
        return {
          result: released,
          audit: [{ type: 'vuln.scan.released', data: { claimId, participant: released.participant } }],
        };
      });
      io.stdout(`released ${claimId}\n`);
      exit.code = 0;
    });

  const inventory = vuln
    .command('inventory')
    .description(
      'The package versions a participant runs: how the clearinghouse finds who a finding affects.',
    );

  const changeInventory =
    (action: 'add' | 'remove') =>
    (purls: string[], flags: StoreFlags & { participant: string }): void => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.participant, ['participant'], '--participant');
      const items: InventoryItem[] = purls.map((text) => {
        const { purl, version } = splitVersionedPurl(text, 'package');
        if (version === undefined) {
          throw new RedlineError('E_USAGE', `package ${text}: give the version you run, e.g. ${purl}@1.2.3`);
        }
        return { participant: flags.participant, purl, version };
      });
      const at = nowOf(io).toISOString();
      const changed = commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const count = action === 'add' ? addInventory(db, items, at) : removeInventory(db, items);
        const packages = items.map((i) => `${i.purl}@${i.version}`);
        return {
          result: count,
          audit:
            count === 0
              ? []
              : [
                  {
                    type: 'vuln.inventory.changed',
                    data: { participant: flags.participant, action, packages },
                  },
                ],
        };
      });
      io.stdout(
        `${action === 'add' ? 'added' : 'removed'} ${changed} of ${items.length} package version(s) for ${flags.participant}\n`,
      );
      exit.code = 0;
    };

  inventory
    .command('add')
    .description('Record package versions the participant runs (pkg:TYPE/NAME@VERSION).')
    .argument('<purls...>', 'package URLs with the version run, e.g. pkg:npm/left-pad@1.3.0')
    .requiredOption('--participant <id>', 'the acting participant')
    .option('--db <file>', 'clearinghouse database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .action(changeInventory('add'));

  inventory
    .command('remove')
    .description('Forget package versions the participant no longer runs.')
    .argument('<purls...>', 'package URLs with versions')
    .requiredOption('--participant <id>', 'the acting participant')
    .option('--db <file>', 'clearinghouse database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (default ./keys, env REDLINE_KEYS)')
    .action(changeInventory('remove'));

  inventory
    .command('list')
    .description('List the recorded package versions.')
    .option('--participant <id>', 'only this participant')
    .option('--db <file>', 'clearinghouse database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring directory (accepted for symmetry; not read)')
    .option('--json', 'print an array of {participant, purl, version}')
    .action((flags: StoreFlags & { participant?: string }) => {
      const db = openLabDb(flags, io);
      let items: InventoryItem[];
      try {
        items = listInventory(db).filter(
          (i) => flags.participant === undefined || i.participant === flags.participant,
        );
      } finally {
        db.close();
      }
      if (flags.json === true) io.stdout(`${JSON.stringify(items, null, 2)}\n`);
      else for (const i of items) io.stdout(`${i.participant.padEnd(16)} ${i.purl}@${i.version}\n`);
      exit.code = 0;
    });
}
