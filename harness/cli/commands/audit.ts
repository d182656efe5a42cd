/**
 * `redline audit verify|checkpoint|log`: the tamper-evident audit log of the lab database (DESIGN.md §6).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { AUDIT_EVENT_TYPES, type AuditEventType } from '../../../src/audit/append-audit.js';
import { DEFAULT_AUDIT_ORIGIN, createCheckpoint } from '../../../src/audit/checkpoint.js';
import { latestAuditSeq, listAudit, type AuditEntry } from '../../../src/audit/read-audit.js';
import { verifyAudit } from '../../../src/audit/verify-audit.js';
import { findByRole } from '../../../src/crypto/keyring.js';
import { RedlineError } from '../../../src/errors.js';
import { loadLogKey } from '../audit-trail.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir, positiveInt } from '../options.js';
import type { ExitHolder } from '../program.js';

/** Registers `audit verify`, `audit checkpoint` and `audit log`. */
export function registerAuditCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  const audit = program.command('audit').description('Verify, checkpoint and read the audit log.');

  audit
    .command('verify')
    .description(
      'Check the hash chain, the Merkle roots and the signed checkpoints; report the first bad entry.',
    )
    .option('--checkpoint <file...>', 'exported checkpoint file(s) to check the log against')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--keys <dir>', 'keyring holding the log public key (default ./keys, env REDLINE_KEYS)')
    .option('--json', 'print the full report as JSON')
    .action((flags: { checkpoint?: string[]; db?: string; keys?: string; json?: boolean }) => {
      const dir = keysDir(flags.keys, io);
      const logKeys = findByRole(dir, 'log');
      if (logKeys.length !== 1) {
        throw new RedlineError(
          'E_KEY',
          `${dir}: ${logKeys.length === 0 ? 'no log key' : 'several log keys'}; the log's public entry (role log) is needed to verify checkpoints`,
        );
      }
      const checkpoints = (flags.checkpoint ?? []).map((name) => {
        try {
          return { name, text: readFileSync(name, 'utf8') };
        } catch (error) {
          throw new RedlineError(
            'E_INPUT',
            `${name}: cannot read the checkpoint (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          );
        }
      });
      const db = openLabDb(flags, io, { readonly: true });
      let report;
      try {
        report = verifyAudit(db, {
          checkpoints,
          logKey: { keyName: DEFAULT_AUDIT_ORIGIN, publicKey: logKeys[0]!.signing.publicKey },
        });
      } finally {
        db.close();
      }
      if (flags.json === true) {
        io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      } else if (report.ok) {
        io.stdout(
          `audit log ok: ${report.size} entries, chain and hashes verified; ` +
            `${report.checkpoints.length} checkpoint(s) verified, covering the first ${report.coveredSize}\n`,
        );
      } else {
        io.stdout(
          `audit log FAILED verification: ${report.size} entries, first ${report.checked} verified\n`,
        );
        if (report.firstBad !== undefined)
          io.stdout(`  first bad: seq ${report.firstBad.seq}: ${report.firstBad.problem}\n`);
        for (const p of report.problems.slice(1, 20)) io.stdout(`  also: seq ${p.seq}: ${p.problem}\n`);
        for (const c of report.checkpoints.filter((c) => !c.ok)) {
          io.stdout(
            `  checkpoint of size ${c.size} (${c.source === 'file' ? (c.name ?? 'file') : 'stored'}): ${c.problem ?? 'bad'}\n`,
          );
        }
      }
      exit.code = report.ok ? EXIT.ok : EXIT.verifyFailed;
    });

  audit
    .command('checkpoint')
    .description(
      'Sign a checkpoint of the log now with the log key and export it, to keep off the database host.',
    )
    .requiredOption('--out <file>', 'where to write the checkpoint (a C2SP signed note)')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option(
      '--keys <dir>',
      'keyring holding the log key and its secret ID.key (default ./keys, env REDLINE_KEYS)',
    )
    .action((flags: { out: string; db?: string; keys?: string }) => {
      const dir = keysDir(flags.keys, io);
      const logKey = loadLogKey(dir);
      if (logKey === null) {
        throw new RedlineError(
          'E_KEY',
          `${dir}: no log key with its secret ID.key; create one with "redline keys gen --id lab-log --role log --out ${dir}"`,
        );
      }
      const db = openLabDb(flags, io);
      try {
        const note = createCheckpoint(db, {
          origin: DEFAULT_AUDIT_ORIGIN,
          keyName: DEFAULT_AUDIT_ORIGIN,
          secretKey: logKey.key.secretKey,
          publicKey: logKey.key.publicKey,
          at: new Date().toISOString(),
        });
        writeFileSync(flags.out, note);
        io.stdout(
          `checkpoint of ${latestAuditSeq(db)} entries signed by log key "${logKey.id}": wrote ${flags.out}\n`,
        );
      } finally {
        db.close();
      }
      exit.code = 0;
    });

  audit
    .command('log')
    .description('Print the audit log entries, newest last.')
    .option('--db <file>', 'lab database (default ./redline.db, env REDLINE_DB)')
    .option('--limit <n>', 'only the last n entries (of --type, when given)', positiveInt('--limit'))
    .option(
      '--type <type>',
      'only entries of this event type, e.g. suite.opened, db.opened, view.exported, transcript.exported',
      auditType,
    )
    .option('--json', 'print the entries as JSON')
    .action((flags: { db?: string; limit?: number; type?: AuditEventType; json?: boolean }) => {
      const db = openLabDb(flags, io, { readonly: true });
      try {
        const last = latestAuditSeq(db);
        let entries: AuditEntry[];
        if (flags.type === undefined) {
          entries = listAudit(
            db,
            flags.limit === undefined ? {} : { fromSeq: Math.max(1, last - flags.limit + 1) },
          );
        } else {
          entries = listAudit(db).filter((e) => e.type === flags.type);
          if (flags.limit !== undefined) entries = entries.slice(-flags.limit);
        }
        if (flags.json === true) io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
        else
          for (const e of entries)
            io.stdout(
              `${String(e.seq).padStart(6)}  ${e.at}  ${e.type.padEnd(18)} ${e.actor}  ${JSON.stringify(e.data)}\n`,
            );
      } finally {
        db.close();
      }
      exit.code = 0;
    });
}

/** Parses --type: one of the audit event types. */
function auditType(value: string): AuditEventType {
  if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(
      `"${value}" is not an audit event type: use one of ${AUDIT_EVENT_TYPES.join(', ')}`,
    );
  }
  return value as AuditEventType;
}
