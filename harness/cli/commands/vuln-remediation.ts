/**
 * `redline vuln patch|notify|open|ack|remediated|export`: register a fix, seal the advisory (and the fix) to each
 * affected participant under an embargo, follow each participant's status, and publish the OSV record once the
 * embargo has passed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { sealStatement } from '../../../src/crypto/assessment-file.js';
import { decodeBase64, encodeBase64 } from '../../../src/crypto/canonical-bytes.js';
import { loadSigningKey } from '../../../src/crypto/key-files.js';
import { buildStatement } from '../../../src/crypto/statement.js';
import { RedlineError } from '../../../src/errors.js';
import {
  appendFindingEvent,
  getFinding,
  getPatchBytes,
  listReporters,
  setEmbargo,
  setPatch,
} from '../../../src/store/vuln-findings.js';
import {
  listInventory,
  listNotifications,
  moveNotification,
  recordNotification,
} from '../../../src/store/vuln-participation.js';
import {
  ADVISORY_PREDICATE_TYPE,
  checkAdvisoryPredicate,
  isEmbargoed,
  type AdvisoryPredicate,
} from '../../../src/vuln/advisory.js';
import { findAffectedItems, findAffectedParticipants } from '../../../src/vuln/affected.js';
import { buildQueue } from '../../../src/vuln/build-queue.js';
import { findingToOsv } from '../../../src/vuln/export-osv.js';
import { checkValidated } from '../../../src/vuln/lifecycle.js';
import { listKeyring } from '../../../src/crypto/keyring.js';
import { openAuditTrail } from '../audit-trail.js';
import { commitChange } from '../commit-change.js';
import { openSealedFile, writeNewFile } from '../user-files.js';
import { nowOf, type CliIo } from '../io.js';
import { openLabDb } from '../open-lab-db.js';
import { keysDir } from '../options.js';
import type { ExitHolder } from '../program.js';
import { participantSectors, requireActor } from '../vuln-actor.js';

const DB_HELP = 'clearinghouse database (default ./redline.db, env REDLINE_DB)';
const KEYS_HELP = 'keyring directory (default ./keys, env REDLINE_KEYS)';

/** Largest patch file accepted (it travels inside every sealed advisory). */
export const MAX_PATCH_BYTES = 16 * 1024 * 1024;

/** Days of embargo when `notify` is given none (the common coordinated-disclosure default). */
export const DEFAULT_EMBARGO_DAYS = 90;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An embargo end: YYYY-MM-DD (00:00 UTC) or an RFC 3339 time with a zone; E_USAGE otherwise. */
export function parseEmbargo(text: string): string {
  const iso = DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text;
  const ms = DATE_TIME.test(iso) ? Date.parse(iso) : Number.NaN;
  if (
    Number.isNaN(ms) ||
    (new Date(ms).toISOString().slice(0, 10) !== iso.slice(0, 10) && DATE_ONLY.test(text))
  ) {
    throw new RedlineError(
      'E_USAGE',
      `--embargo-until ${text}: must be YYYY-MM-DD (UTC midnight) or an RFC 3339 time with a zone`,
    );
  }
  return new Date(ms).toISOString();
}

function readPatch(file: string): { name: string; bytes: Uint8Array; sha256: string } {
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new RedlineError('E_INPUT', `${file}: not a regular file; give the patch file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof RedlineError) throw error;
    throw new RedlineError(
      'E_INPUT',
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > MAX_PATCH_BYTES) {
    throw new RedlineError(
      'E_INPUT',
      `${file}: ${size} bytes; a patch is at most ${MAX_PATCH_BYTES} bytes (it is sealed into every advisory): register a smaller diff or a pointer file`,
    );
  }
  const bytes = new Uint8Array(readFileSync(file));
  return { name: basename(file), bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Registers the remediation commands under `vuln`. */
export function registerVulnRemediationCommands(vuln: Command, io: CliIo, exit: ExitHolder): void {
  vuln
    .command('patch')
    .description('Register the fix of a validated finding; it is sealed into the advisories that follow.')
    .argument('<id>', 'the finding')
    .argument('<file>', 'the patch (a diff, a package, instructions), at most 16 MiB')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action((id: string, file: string, flags: { operator: string; db?: string; keys?: string }) => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.operator, ['operator'], '--operator');
      const patch = readPatch(file);
      const at = nowOf(io).toISOString();
      commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const stored = getFinding(db, id);
        checkValidated(id, stored.state, 'get a registered fix');
        setPatch(db, id, { ...patch, at });
        appendFindingEvent(db, id, {
          at,
          actor: flags.operator,
          fromState: stored.state,
          toState: stored.state,
          evidence: { event: 'patch', name: patch.name, sha256: patch.sha256, size: patch.bytes.length },
        });
        const data = { findingId: id, operator: flags.operator, name: patch.name, sha256: patch.sha256 };
        return { result: undefined, audit: [{ type: 'vuln.patched', data }] };
      });
      io.stdout(
        `registered ${patch.name} (sha256 ${patch.sha256}, ${patch.bytes.length} bytes) as the fix of ${id}\n`,
      );
      exit.code = 0;
    });

  vuln
    .command('notify')
    .description(
      'Seal the advisory (and the fix) to each affected participant: signed by the operator, one file per participant, under an embargo.',
    )
    .argument('<id>', 'a validated finding')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator')
    .requiredOption('--identity <file>', "the operator's signing secret key (ID.key)")
    .requiredOption(
      '--out-dir <dir>',
      'where to write ID.PARTICIPANT.advisory.json files (never overwritten)',
    )
    .option(
      '--embargo-until <date>',
      `YYYY-MM-DD or RFC 3339; default: the finding's embargo, else ${DEFAULT_EMBARGO_DAYS} days from now`,
    )
    .option('--earlier-embargo', 'allow --embargo-until to end an embargo already announced earlier')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .option('--json', 'print the sent advisories as JSON')
    .action(
      (
        id: string,
        flags: {
          operator: string;
          identity: string;
          outDir: string;
          embargoUntil?: string;
          earlierEmbargo?: boolean;
          db?: string;
          keys?: string;
          json?: boolean;
        },
      ) => {
        const dir = keysDir(flags.keys, io);
        const keyring = listKeyring(dir);
        const operator = requireActor(dir, flags.operator, ['operator'], '--operator', keyring);
        const signing = loadSigningKey(flags.identity);
        if (signing.keyId !== operator.signing.keyId) {
          throw new RedlineError(
            'E_KEY',
            `${flags.identity}: not the signing key of operator ${flags.operator} in ${dir}`,
          );
        }
        const now = nowOf(io);
        const at = now.toISOString();
        const sectors = participantSectors(keyring);
        const db = openLabDb(flags, io);
        const written: string[] = [];
        try {
          const stored = getFinding(db, id);
          checkValidated(id, stored.state, 'are notified');
          const embargoUntil =
            flags.embargoUntil !== undefined
              ? parseEmbargo(flags.embargoUntil)
              : (stored.embargoUntil ??
                new Date(now.getTime() + DEFAULT_EMBARGO_DAYS * 86_400_000).toISOString());
          if (flags.embargoUntil !== undefined && !isEmbargoed(embargoUntil, now)) {
            throw new RedlineError(
              'E_USAGE',
              `--embargo-until ${flags.embargoUntil} is not in the future (now ${at})`,
            );
          }
          if (
            stored.embargoUntil !== null &&
            Date.parse(embargoUntil) < Date.parse(stored.embargoUntil) &&
            flags.earlierEmbargo !== true
          ) {
            throw new RedlineError(
              'E_STATE',
              `finding ${id} is embargoed until ${stored.embargoUntil}; --embargo-until ${flags.embargoUntil ?? ''} would end it earlier. ` +
                'Participants were told the later date: pass --earlier-embargo to shorten it deliberately',
            );
          }
          const inventory = listInventory(db);
          const affected = findAffectedParticipants(
            stored.finding,
            inventory,
            stored.triage?.participants ?? [],
          );
          if (affected.length === 0) {
            throw new RedlineError(
              'E_STATE',
              `finding ${id} affects no known participant: no inventory holds an affected version; name them with "redline vuln triage ${id} --affected P1,P2 --operator O"`,
            );
          }
          const [item] = buildQueue([
            {
              id,
              state: stored.state,
              reportedAt: stored.reportedAt,
              finding: stored.finding,
              triage: stored.triage,
              affected: affected.map((p) => ({ participant: p, sector: sectors.get(p) ?? null })),
            },
          ]);
          const patchBytes = getPatchBytes(db, id);
          const osv = findingToOsv({ id, finding: stored.finding, modified: at, published: embargoUntil });
          mkdirSync(flags.outDir, { recursive: true });
          const sent = affected.map((participant) => {
            const entry = keyring.find((e) => e.entry.id === participant);
            if (entry?.entry.role !== 'participant') {
              throw new RedlineError(
                'E_UNKNOWN_KEY',
                `affected participant ${participant} has no participant key in ${dir}: add it with "redline keys add"`,
              );
            }
            const advisoryId = randomUUID();
            const predicate: AdvisoryPredicate = {
              advisoryId,
              findingId: id,
              participant,
              recipients: [entry.recipient.keyId],
              operator: flags.operator,
              issuedAt: at,
              embargoUntil,
              decision: {
                ssvc: item!.decision,
                explanation: item!.explanation,
                cvss:
                  item!.score === null || item!.cvss === null
                    ? null
                    : { base: item!.score, vector: item!.cvss.vector },
              },
              osv,
              affectedVersions: findAffectedItems(stored.finding, inventory)
                .filter((i) => i.participant === participant)
                .map((i) => `${i.purl}@${i.version}`),
              patch:
                stored.patch === null || patchBytes === null
                  ? null
                  : {
                      name: stored.patch.name,
                      sha256: stored.patch.sha256,
                      size: patchBytes.length,
                      contentBase64: encodeBase64(patchBytes),
                    },
            };
            const statement = buildStatement({
              subject: [{ name: `clearinghouse/${id}`, digest: { sha256: stored.fingerprint } }],
              predicateType: ADVISORY_PREDICATE_TYPE,
              predicate,
            });
            const sealed = sealStatement({
              statement,
              signer: { keyId: signing.keyId, secretKey: signing.secretKey },
              recipients: [{ keyId: entry.recipient.keyId, publicKey: entry.recipient.publicKey }],
            });
            const text = `${JSON.stringify(sealed, null, 2)}\n`;
            const file = join(flags.outDir, `${id}.${participant}.advisory.json`);
            writeNewFile(file, text, 'advisories', '--out-dir');
            written.push(file);
            return { participant, advisoryId, file, sha256: createHash('sha256').update(text).digest('hex') };
          });
          db.transaction(() => {
            if (stored.embargoUntil !== embargoUntil) setEmbargo(db, id, embargoUntil, at);
            for (const s of sent) {
              recordNotification(db, {
                findingId: id,
                participant: s.participant,
                advisoryId: s.advisoryId,
                fileSha256: s.sha256,
                at,
              });
            }
            appendFindingEvent(db, id, {
              at,
              actor: flags.operator,
              fromState: stored.state,
              toState: stored.state,
              evidence: {
                event: 'notified',
                participants: sent.map((s) => s.participant),
                embargoUntil,
                patch: stored.patch?.sha256 ?? null,
              },
            });
          }).immediate();
          written.length = 0; // recorded: keep the files
          const trail = openAuditTrail(db, io, dir);
          for (const s of sent) {
            trail.append('vuln.notified', {
              findingId: id,
              operator: flags.operator,
              participant: s.participant,
              advisoryId: s.advisoryId,
              fileSha256: s.sha256,
              embargoUntil,
            });
          }
          trail.close();
          if (flags.json === true)
            io.stdout(`${JSON.stringify({ id, embargoUntil, advisories: sent }, null, 2)}\n`);
          else {
            io.stdout(
              `sealed the advisory of ${id} to ${sent.length} affected participant(s), embargoed until ${embargoUntil}\n`,
            );
            for (const s of sent) io.stdout(`  ${s.participant.padEnd(16)} ${s.file} (sha256 ${s.sha256})\n`);
          }
        } finally {
          for (const file of written) rmSync(file, { force: true }); // not recorded: leave nothing behind
          db.close();
        }
        exit.code = 0;
      },
    );

  vuln
    .command('open')
    .description('Open an advisory addressed to you and verify it was issued by the operator you trust.')
    .argument('<file>', 'the sealed advisory')
    .requiredOption('--identity <file>', 'your age identity (ID.age)')
    .requiredOption(
      '--trust <file>',
      "the operator's public key: its ID.pub.json entry or a minisign .pub file",
    )
    .option('--patch-out <file>', 'write the sealed fix here (never overwritten)')
    .option('--json', 'print the verified advisory as JSON')
    .action((file: string, flags: { identity: string; trust: string; patchOut?: string; json?: boolean }) => {
      const opened = openSealedFile(file, {
        identityFile: flags.identity,
        trustFile: flags.trust,
        predicateType: ADVISORY_PREDICATE_TYPE,
        kind: 'advisory',
      });
      const advisory = checkAdvisoryPredicate(opened.statement.predicate, file);
      let patchBytes: Uint8Array | null = null;
      if (advisory.patch !== null) {
        patchBytes = decodeBase64(advisory.patch.contentBase64) ?? null;
        const digest = patchBytes === null ? '' : createHash('sha256').update(patchBytes).digest('hex');
        if (digest !== advisory.patch.sha256) {
          throw new RedlineError('E_TAMPERED', `${file}: the sealed fix does not match its signed sha256`);
        }
      }
      if (flags.patchOut !== undefined) {
        if (patchBytes === null)
          throw new RedlineError('E_STATE', `${file}: the advisory carries no fix yet`);
        writeNewFile(flags.patchOut, patchBytes, 'fixes', '--patch-out');
      }
      const now = nowOf(io);
      if (flags.json === true) {
        io.stdout(
          `${JSON.stringify({ verifiedBy: opened.signedBy, advisory: { ...advisory, patch: advisory.patch === null ? null : { ...advisory.patch, contentBase64: undefined } } }, null, 2)}\n`,
        );
      } else {
        const osv = advisory.osv as { summary?: string; aliases?: string[] };
        io.stdout(
          `Signature: verified (operator key ${opened.trustedKeyId})\n` +
            `Advisory ${advisory.findingId} for ${advisory.participant}: ${osv.summary ?? ''}\n` +
            `  ${isEmbargoed(advisory.embargoUntil, now) ? `EMBARGOED until ${advisory.embargoUntil}: do not disclose before then` : `embargo ended ${advisory.embargoUntil}`}\n` +
            `  priority     ${advisory.decision.explanation}\n` +
            `  aliases      ${osv.aliases?.join(', ') ?? '-'}\n` +
            `  you run      ${advisory.affectedVersions.join(', ') || '(named at triage)'}\n` +
            `  fix          ${advisory.patch === null ? 'none yet' : `${advisory.patch.name} (sha256 ${advisory.patch.sha256}, ${advisory.patch.size} bytes)${flags.patchOut === undefined ? '' : ` written to ${flags.patchOut}`}`}\n` +
            `  next         "redline vuln ack ${advisory.findingId} --participant ${advisory.participant}", then "redline vuln remediated ..."\n`,
        );
      }
      exit.code = 0;
    });

  const moveStatus =
    (to: 'acknowledged' | 'remediated') =>
    (id: string, flags: { participant: string; db?: string; keys?: string }): void => {
      const dir = keysDir(flags.keys, io);
      requireActor(dir, flags.participant, ['participant'], '--participant');
      const at = nowOf(io).toISOString();
      commitChange(io, { db: flags.db, keysDir: dir }, (db) => {
        const stored = getFinding(db, id);
        moveNotification(db, id, flags.participant, to, at);
        appendFindingEvent(db, id, {
          at,
          actor: flags.participant,
          fromState: stored.state,
          toState: stored.state,
          evidence: { event: to },
        });
        const type = to === 'acknowledged' ? 'vuln.acknowledged' : 'vuln.remediated';
        return {
          result: undefined,
          audit: [{ type, data: { findingId: id, participant: flags.participant } }],
        };
      });
      io.stdout(`${flags.participant}: ${id} ${to}\n`);
      exit.code = 0;
    };

  vuln
    .command('ack')
    .description('Acknowledge an advisory you were sent.')
    .argument('<id>', 'the finding')
    .requiredOption('--participant <id>', 'the acting (notified) participant')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action(moveStatus('acknowledged'));

  vuln
    .command('remediated')
    .description('Report that you have remediated the finding (implies acknowledgement).')
    .argument('<id>', 'the finding')
    .requiredOption('--participant <id>', 'the acting (notified) participant')
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action(moveStatus('remediated'));

  vuln
    .command('export')
    .description('Write the public OSV record of a finding once its embargo has passed.')
    .argument('<id>', 'a validated, notified finding')
    .requiredOption('--osv', 'OSV JSON (the one format for now)')
    .requiredOption('--operator <id>', 'the acting clearinghouse operator')
    .option('--out <file>', 'write here (never overwritten) instead of standard output')
    .option('--credit', "credit the reporters' organisations as finders")
    .option('--db <file>', DB_HELP)
    .option('--keys <dir>', KEYS_HELP)
    .action(
      (
        id: string,
        flags: { operator: string; out?: string; credit?: boolean; db?: string; keys?: string },
      ) => {
        const dir = keysDir(flags.keys, io);
        const keyring = listKeyring(dir);
        requireActor(dir, flags.operator, ['operator'], '--operator', keyring);
        const now = nowOf(io);
        const db = openLabDb(flags, io);
        try {
          const stored = getFinding(db, id);
          checkValidated(id, stored.state, 'are published');
          if (stored.embargoUntil === null) {
            throw new RedlineError(
              'E_STATE',
              `finding ${id} was never notified: notify the affected participants first; the embargo starts there`,
            );
          }
          if (isEmbargoed(stored.embargoUntil, now)) {
            const days = Math.ceil((Date.parse(stored.embargoUntil) - now.getTime()) / 86_400_000);
            throw new RedlineError(
              'E_STATE',
              `finding ${id} is embargoed until ${stored.embargoUntil} (${days} day(s) from now): it is not disclosed yet`,
            );
          }
          const organisations = new Map(keyring.map((e) => [e.entry.id, e.entry.organisation ?? e.entry.id]));
          const credits =
            flags.credit === true
              ? listReporters(db, id).map((r) => organisations.get(r.participant) ?? r.participant)
              : [];
          const record = findingToOsv({
            id,
            finding: stored.finding,
            modified: stored.updatedAt,
            published: stored.embargoUntil,
            credits,
          });
          const text = `${JSON.stringify(record, null, 2)}\n`;
          if (flags.out !== undefined) writeNewFile(flags.out, text, 'exports');
          else io.stdout(text);
          const trail = openAuditTrail(db, io, dir);
          trail.append('vuln.exported', {
            findingId: id,
            operator: flags.operator,
            sha256: createHash('sha256').update(text).digest('hex'),
            notified: listNotifications(db, id).map((n) => `${n.participant}:${n.state}`),
          });
          trail.close();
          if (flags.out !== undefined) io.stdout(`wrote the OSV record of ${id} to ${flags.out}\n`);
        } finally {
          db.close();
        }
        exit.code = 0;
      },
    );
}
